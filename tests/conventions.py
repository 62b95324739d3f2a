"""Where a generated program sits at (or near) a point where an op takes a convention instead of a derivative."""

from __future__ import annotations

from exprgrad.program import Program


def at_any_kink(program: Program, within: float = 0.0) -> bool:
    """Whether some node of an evaluated program has inputs at one of its op's conventions, or within `within`.

    Every convention counts, kinks and second-order ones alike: SymPy takes none of them.
    """
    for node in program.nodes:
        op = node.op
        if op is None or not op.conventions:
            continue
        values = [child.data for child in node.inputs]
        for convention in op.conventions:
            if convention.holds(*values):
                return True
            if within and any(
                convention.piece(*values) != convention.piece(*shifted) for shifted in _nudged(values, within)
            ):
                return True
    return False


def _nudged(values: list[float], distance: float) -> list[list[float]]:
    """The input values with one of them moved by +-distance."""
    nudged = []
    for index in range(len(values)):
        for sign in (-1.0, 1.0):
            moved = list(values)
            moved[index] += sign * distance * max(1.0, abs(moved[index]))
            nudged.append(moved)
    return nudged
