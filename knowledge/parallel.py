"""Doing the same pure work over many items on every core.

A large base is parsed and validated file by file, and its index is built from hundreds of
thousands of titles and aliases, each read by pure Python (folding, expanding abbreviations,
finding fillers and places). At 50,000 entries that is seconds of one core. Forked workers share
the function and the items as they stand in this process, so an item reads exactly as it would
here; only the results travel back, in order.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNKS_PER_WORKER = 16  # small shares: a worker left with the last one keeps the others waiting little
MAX_WORKERS = 8

# what forked workers run: set just before the pool forks, cleared after
_job: tuple[Callable, Sequence] | None = None


def can_fork() -> bool:
    """Whether a child can start as a copy of this process, safely and at once."""
    # elsewhere a new process imports everything again; and a fork beside running threads may
    # inherit a lock one of them held
    return sys.platform.startswith("linux") and threading.active_count() == 1


def workers() -> int:
    """How many processes may share work here (1: do it in this process)."""
    return min(os.cpu_count() or 1, MAX_WORKERS) if can_fork() else 1


def _run_range(bounds: tuple[int, int]) -> list:
    function, items = _job  # type: ignore[misc]  # set before the fork
    return [function(item) for item in items[bounds[0] : bounds[1]]]


def map_ordered(function: Callable[[T], R], items: Sequence[T], *, parallel: bool = True) -> Iterator[R]:
    """``function`` of each item, in order; on every core when ``parallel`` and the machine allows.

    ``function`` must depend on its item only (what workers cache does not come back), and its
    results must pickle. The workers start at once and results arrive as they finish their
    share: the caller can do other work meanwhile, and use the first results while later ones
    are computed.
    """
    count = workers() if parallel else 1
    if count <= 1 or len(items) < 2:
        return map(function, items)
    global _job
    step = -(-len(items) // (count * CHUNKS_PER_WORKER))
    ranges = [(start, min(start + step, len(items))) for start in range(0, len(items), step)]
    _job = (function, items)
    try:
        pool = multiprocessing.get_context("fork").Pool(count)
    except OSError:  # no process can be started: do it here
        _job = None
        return map(function, items)
    return _results(pool, pool.imap(_run_range, ranges))


def _results(pool, parts: Iterator[list]) -> Iterator:
    try:
        for part in parts:
            yield from part
    finally:
        global _job
        _job = None
        pool.terminate()
        pool.join()
