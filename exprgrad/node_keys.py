"""Names that tell nodes apart: a node's label, marked with its id when other nodes carry the same label.

Two nodes can have the same label: in ``y = exp(a)/(1+exp(a))`` both uses of ``exp(a)`` are nodes of their own,
with different gradients. The table, explanations and the JSON/CSV ``key`` show ``exp(a) #1`` and ``exp(a) #3``
(the number is the node's id, its position in topological order), and a label that no other node has as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def node_keys(labels: Sequence[str]) -> list[str]:
    """For each label in order, the label itself if it is unique, else the label followed by `` #id``."""
    # Most programs repeat no label, and a set is built about four times faster than a Counter.
    if len(set(labels)) == len(labels):
        return list(labels)
    counts = Counter(labels)
    return [label if counts[label] == 1 else f"{label} #{index}" for index, label in enumerate(labels)]
