"""Latency of ``thermolearn derive`` (interpreter start included).

Issue 2 budget: ``thermolearn derive "(x - theta)**2/2" --format json``
answers in under 2 s on a 2-core machine.  The floor is the bare cost of
starting Python and importing sympy, which no sympy-based tool can beat.

Rows: ``ratio`` = median wall time / budget (target ≤ 1, an upper bound),
with the floor and the quartic (non-closed free energy) in ``details``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 2.0
_REPEATS = {"tiny": 1, "quick": 3, "full": 7}


def _wall(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv} failed: {proc.stderr.strip()}")
    return statistics.median(times)


def run(size: str) -> list[dict]:
    from benchmarks._harness import row

    repeats = _REPEATS.get(size, 3)
    floor = _wall([sys.executable, "-c", "import sympy"], repeats)
    rows = []
    for name, energy in (("derive_latency_harmonic_trap", "(x - theta)**2/2"), ("derive_latency_quartic", "x**4/4 - theta*x")):
        wall = _wall([sys.executable, "-m", "thermolearn", "derive", energy, "--format", "json"], repeats)
        rows.append(row(name, wall / BUDGET_S, 1.0, higher_is_better=False, seconds=round(wall, 3),
                        budget_seconds=BUDGET_S, floor_python_import_sympy_seconds=round(floor, 3),
                        over_floor=round(wall / floor, 2), repeats=repeats,
                        ratio_is="thermolearn wall time / 2 s budget (upper bound)"))
    return rows
