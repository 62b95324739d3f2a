"""A floor for pure-Python engines (engine benchmark's reference): about the least reverse mode can do per node.

Each op stores its value, its two inputs and a tag; `backward` is one walk for the order and one loop for the
gradients. Everything exprgrad adds is left out: domain and overflow checks, labels, constants that take no
gradient, zero gradients skipped, error messages, gradients reset on a second call, any op but + and *. It is one
hand-tuned design, not a proof, but its speed against micrograd is roughly the best an engine written in Python
shows on the same graph, so the benchmark reports it next to exprgrad's, measured in the same run.
"""

from __future__ import annotations

from typing import Any

_ADD = 1
_MUL = 2


class MinimalValue:
    """A scalar node with + and * and nothing else (the benchmark's graphs use no other op)."""

    __slots__ = ("data", "first", "grad", "op", "second")

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self.first: MinimalValue | None = None
        self.second: MinimalValue | None = None
        self.op = 0

    def __add__(self, other: Any) -> MinimalValue:
        if other.__class__ is not MinimalValue:
            other = MinimalValue(other)
        node = _new(MinimalValue)
        node.data = self.data + other.data
        node.grad = 0.0
        node.first = self
        node.second = other
        node.op = _ADD
        return node

    def __mul__(self, other: Any) -> MinimalValue:
        if other.__class__ is not MinimalValue:
            other = MinimalValue(other)
        node = _new(MinimalValue)
        node.data = self.data * other.data
        node.grad = 0.0
        node.first = self
        node.second = other
        node.op = _MUL
        return node

    def backward(self) -> None:
        """Gradients of this node with respect to every node it depends on (call once per graph)."""
        order: list[Any] = []
        visited = {self}
        path: list[Any] = [self]
        while path:
            node = path[-1]
            child = node.first
            if child is not None and child not in visited:
                visited.add(child)
                path.append(child)
                continue
            child = node.second
            if child is not None and child not in visited:
                visited.add(child)
                path.append(child)
                continue
            order.append(path.pop())
        self.grad = 1.0
        for node in reversed(order):
            first, second = node.first, node.second
            if node.op == _ADD:
                first.grad += node.grad
                second.grad += node.grad
            elif node.op == _MUL:
                first.grad += node.grad * second.data
                second.grad += node.grad * first.data


_new = MinimalValue.__new__
