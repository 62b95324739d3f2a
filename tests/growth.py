"""Growth tests: how a cost grows between two sizes, as a ratio of times measured in the same process.

Never an absolute time: a shared machine moves every time, but rarely the ratio of two taken back to back. The
process's CPU time is measured, not the wall clock (which also counts the time other jobs held the cores), and the
fastest of a few runs of each size is used, the run least disturbed by the rest of the machine.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def fastest(run: Callable[[], object], repeat: int = 3) -> float:
    """The shortest CPU time of `repeat` calls of `run` (in this process), in seconds."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()  # what earlier runs left is not charged to this one
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def growth(small: Callable[[], object], large: Callable[[], object], repeat: int = 3) -> float:
    """How many times longer `large` takes than `small` (each the fastest of `repeat` runs)."""
    large()  # warm caches and imports, so the first size is not charged for them
    return fastest(large, repeat) / fastest(small, repeat)
