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
o.backward()
assert round(o.data, 4) == 0.7071
assert round(n.grad, 4) == 0.5
assert [round(v.grad, 4) for v in (x1, w1, x2, w2, b)] == [-1.5, 1.0, 0.5, 0.0, 0.5]

# -- the same neuron with tanh spelled out through exp: /, -, + with plain numbers, **, exp -----------------------
n = x1 * w1 + x2 * w2 + b
e = (2 * n).exp()
o = (e - 1) / (e + 1)
o.backward()
assert [round(v.grad, 4) for v in (x1, w1, x2, w2, b)] == [-1.5, 1.0, 0.5, 0.0, 0.5]

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
