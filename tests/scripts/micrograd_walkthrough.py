"""The classic micrograd walk-through, written as its readers write it, with exprgrad's Value in micrograd's place.

Run as a script: it exits with an AssertionError if any number differs from the walk-through's.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

from exprgrad import Value

# -- a neuron by hand ------------------------------------------------------------------------------------------
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1*w1 + x2*w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"

# -- the backward pass by hand, as the walk-through does it first: each local derivative written out ---------------
o.grad = 1.0
n.grad = 1 - o.data**2
x1w1x2w2.grad = n.grad
b.grad = n.grad
x1w1.grad = x1w1x2w2.grad
x2w2.grad = x1w1x2w2.grad
x2.grad = w2.data * x2w2.grad
w2.grad = x2.data * x2w2.grad
x1.grad = w1.data * x1w1.grad
w1.grad = x1.data * x1w1.grad
by_hand = [v.grad for v in (x1, w1, x2, w2, b)]
assert [round(g, 4) for g in by_hand] == [-1.5, 1.0, 0.5, 0.0, 0.5]

# -- then with each node's _backward(), called by hand from the output back -------------------------------------
for v in (x1, w1, x2, w2, b, x1w1, x2w2, x1w1x2w2, n, o):
    v.grad = 0.0
o.grad = 1.0
o._backward()
n._backward()
b._backward()
x1w1x2w2._backward()
x2w2._backward()
x1w1._backward()
assert round(n.grad, 4) == 0.5
assert [round(v.grad, 4) for v in (x1, w1, x2, w2, b)] == [-1.5, 1.0, 0.5, 0.0, 0.5]
manual = [v.grad for v in (x1, w1, x2, w2, b, x1w1, x2w2, x1w1x2w2, n, o)]

# -- then in topological order, with the walk-through's recursive build_topo ----------------------------------------
topo: list[Value] = []
visited: set[Value] = set()


def build_topo(v: Value) -> None:
    if v not in visited:
        visited.add(v)
        for child in v._prev:
            build_topo(child)
        topo.append(v)


build_topo(o)
for v in topo:
    v.grad = 0.0
o.grad = 1.0
for node in reversed(topo):
    node._backward()
topological = [v.grad for v in (x1, w1, x2, w2, b, x1w1, x2w2, x1w1x2w2, n, o)]

# -- and with backward(): the same numbers, bit for bit ---------------------------------------------------------
o.backward()
assert [v.grad for v in (x1, w1, x2, w2, b, x1w1, x2w2, x1w1x2w2, n, o)] == manual == topological
assert round(o.data, 4) == 0.7071
assert round(n.grad, 4) == 0.5
assert [round(v.grad, 4) for v in (x1, w1, x2, w2, b)] == [-1.5, 1.0, 0.5, 0.0, 0.5]

# -- the same neuron with tanh spelled out through exp: /, -, + with plain numbers, **, exp -----------------------
n = x1 * w1 + x2 * w2 + b
e = (2 * n).exp()
o = (e - 1) / (e + 1)
o.backward()
assert [round(v.grad, 4) for v in (x1, w1, x2, w2, b)] == [-1.5, 1.0, 0.5, 0.0, 0.5]

# -- a node used twice: its gradient is the sum of both uses (the walk-through's bug, fixed by +=) -------------------
a = Value(3.0, label="a")
b2 = a + a
b2.label = "b"
b2.grad = 1.0
b2._backward()
assert a.grad == 2.0
d = Value(-2.0, label="a") * Value(3.0, label="b")
e = d.exp()
e.grad = 1.0
e._backward()
d._backward()
assert d.grad == math.exp(-6.0) and d.first is not None and d.first.grad == 3 * math.exp(-6.0)

# -- micrograd's constructor: Value(data, _children=(), _op='', label='') ----------------------------------------
one = Value(1.0, (), "")
x = Value(2.0, (), "", label="x")
y = Value(3.0, label="y")
s = Value(x.data * y.data, (x, y), "*")
s.label = "s"
t = Value(math.tanh(s.data), (s,), "tanh")
square = Value(x.data**2, (x,), "**2")
r = Value(max(0.0, s.data), (s,), "ReLU")
assert (one.data, one.label, x.label, s._op, t._op, square._op, r._op) == (1.0, "", "x", "*", "tanh", "**", "relu")
t.grad = 1.0
t._backward()
s._backward()
assert math.isclose(x.grad, (1 - math.tanh(6.0) ** 2) * 3.0) and math.isclose(y.grad, (1 - math.tanh(6.0) ** 2) * 2.0)
square.grad = 1.0
x.grad = 0.0
square._backward()
assert x.grad == 4.0

# -- micrograd's other spellings ----------------------------------------------------------------------------------
a = Value(-4.0)
c = a + 2 - 3 * a + a**2 / 4 + (-a).relu() + 1 / a + 2 - a
c.backward()
assert c.data == -4.0 + 2 - 3 * -4.0 + 16 / 4 + 4 + 1 / -4.0 + 2 + 4
assert math.isclose(a.grad, 1 - 3 + 2 * -4.0 / 4 - 1 - 1 / 16 - 1)

# -- graph walking code from the walk-through's draw_dot reads _prev and _op ---------------------------------------
nodes: set[Value] = set()
edges: set[tuple[Value, Value]] = set()


def build(v: Value) -> None:
    if v not in nodes:
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            build(child)


build(o)
assert o._op == "/" and len(nodes) > 10 and edges


# -- a tiny MLP, trained by gradient descent -----------------------------------------------------------------------
class Neuron:
    def __init__(self, nin: int) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x: Sequence[Value | float]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.tanh()

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Layer:
    def __init__(self, nin: int, nout: int) -> None:
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Value | float]) -> Value:
        for layer in self.layers:
            x = layer(x)
        (out,) = x
        assert isinstance(out, Value)
        return out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


random.seed(1337)
model = MLP(3, [4, 4, 1])
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
losses = []
for _ in range(20):
    ypred = [model(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred, strict=True))
    assert isinstance(loss, Value)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data += -0.05 * p.grad
    losses.append(loss.data)
assert losses[-1] < losses[0] / 2, losses
assert all(later <= earlier for earlier, later in itertools.pairwise(losses)), losses
print(f"ok: loss {losses[0]:.4f} -> {losses[-1]:.4f}")
