"""Measurement helpers shared by every benchmark module.

A benchmark module ``benchmarks/bench_<topic>.py`` exposes

``run(size: str) -> list[dict]``  with ``size`` in ``{"tiny", "quick", "full"}``

returning rows ``{"name", "ratio", "target", "met", "details"}`` (the JSON
schema of ``python -m benchmarks --format json``).  ``met`` is True or
False, or None for a row that could not be measured here (:func:`skipped`).  ``ratio`` is always
"peer cost / thermolearn cost" (or "thermolearn / floor" where the target is
an upper bound, said in ``details``), so that the target reads as a
threshold.  ``"tiny"`` is what the test suite runs: correctness only, no
timing is asserted anywhere.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

__all__ = ["Timing", "measure", "measure_interleaved", "row", "skipped", "steady_allocator", "summary"]


def steady_allocator() -> bool:
    """Keep freed memory in the process (glibc ``mallopt``): timings then measure arithmetic, not page faults.

    glibc serves large blocks (numpy temporaries of ≳ 128 KiB) with fresh
    ``mmap`` pages and returns freed heap tops to the system, so a repeated
    call can pay a page fault per 4 KiB of every temporary: measured here,
    ``(x - 0.3)*(x - 0.3)`` on 10⁵ doubles costs 29 ns per element in one
    allocation pattern and 0.9 after this call, which swamps the arithmetic
    a row compares.  Raising the mmap and trim thresholds to 1 GiB makes
    every contender reuse its memory after the warm-up call.  Returns
    False (and changes nothing) where glibc is absent.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 1 << 30)) and bool(mallopt(M_TRIM_THRESHOLD, 1 << 30))


@dataclass(frozen=True)
class Timing:
    """Median time over repeats (CPU seconds of this process by default) and peak traced memory.

    CPU time (``time.process_time``, all threads of this process) is the
    default clock: on a shared machine wall time measures the neighbours'
    load.  Multithreaded peers then pay for every thread they use; pin
    BLAS to one thread (threadpoolctl) for per-core comparisons.
    """

    median_s: float
    min_s: float
    repeats: int
    peak_bytes: int


def measure(fn: Callable[[], object], *, repeats: int = 5, warmup: int = 1, memory: bool = True,
            clock: Callable[[], float] = time.process_time) -> Timing:
    """Time ``fn()``: ``warmup`` unmeasured calls, then ``repeats`` timed ones.

    Peak memory is measured in one extra call under :mod:`tracemalloc`
    (numpy allocations are traced), so it does not perturb the timings.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeats)):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    peak = 0
    if memory:
        tracemalloc.start()
        try:
            fn()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return Timing(statistics.median(times), min(times), len(times), peak)


def measure_interleaved(fns: dict, *, repeats: int = 5, warmup: int = 1,
                        clock: Callable[[], float] = time.process_time, stat="median",
                        alternate: bool = False) -> dict:
    """Time of each ``fns[name]()`` over ``repeats`` rounds, the calls taken in turn (a, b, c, a, b, c, ...).

    For ratios of contenders close to each other: a change of the machine's
    load during the measurement hits all of them alike instead of whichever
    was timed at that moment.  ``stat`` is ``"median"`` or ``"min"`` of the
    rounds: the minimum suits short deterministic calls on a shared machine
    (interference — a neighbour's cache traffic, a preemption — only ever
    adds CPU time, so the smallest of many rounds is the call's own cost;
    the :mod:`timeit` documentation argues the same), or a callable
    reducing the list of round times.  ``alternate``
    reverses the order every other round (a, b, b, a, ...), so that neither
    contender always runs on the caches the other left behind.
    """
    reduce = {"median": statistics.median, "min": min}.get(stat, stat) if isinstance(stat, str) else stat
    if not callable(reduce):
        raise ValueError(f"stat must be 'median', 'min' or a callable, got {stat!r}")
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict = {k: [] for k in fns}
    order = list(fns.items())
    for r in range(max(1, repeats)):
        for k, fn in (order[::-1] if alternate and r % 2 else order):
            t0 = clock()
            fn()
            times[k].append(clock() - t0)
    return {k: reduce(v) for k, v in times.items()}


def skipped(name: str, target: float | None, reason: str, **details) -> dict:
    """A row that could not be measured here (a peer is not installed): neither met nor missed.

    ``ratio`` and ``met`` are ``None`` (JSON ``null``; ``target`` too when the
    module could not even be imported) and ``details["skipped"]`` says why; the summary counts it as skipped, not as a missed target.
    """
    return {"name": name, "ratio": None, "target": None if target is None else float(target), "met": None,
            "details": {"skipped": reason, **details}}


def summary(rows: list[dict]) -> dict:
    """Counts of met, missed and skipped rows (``met`` True, False, None).

    >>> summary([{"met": True}, {"met": False}, {"met": None}, {"met": True}])
    {'met': 2, 'missed': 1, 'skipped': 1}
    """
    return {"met": sum(r["met"] is True for r in rows), "missed": sum(r["met"] is False for r in rows),
            "skipped": sum(r["met"] is None for r in rows)}


def row(name: str, ratio: float, target: float, *, higher_is_better: bool = True, **details) -> dict:
    """One result row; ``met`` compares ``ratio`` with ``target``."""
    met = ratio >= target if higher_is_better else ratio <= target
    details = dict(details)
    details["target_is"] = "minimum" if higher_is_better else "maximum"
    return {"name": name, "ratio": float(ratio), "target": float(target), "met": bool(met), "details": details}
