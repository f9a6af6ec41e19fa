"""Timing a piece of work the way every benchmark here reports it."""

import statistics
import time
from collections.abc import Callable


def timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """The median and the worst of `runs` runs of `work`, in seconds."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), max(times)
