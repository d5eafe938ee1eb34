"""Latency of ``thermolearn derive`` (interpreter start included).

Budget: ``thermolearn derive "(x - theta)**2/2" --format json``
answers in under 2 s on a 2-core machine.  The floor is the bare cost of
starting Python and importing sympy, which no sympy-based tool can beat.

Rows: ``ratio`` = median CPU time (the process and its children) / budget
(target ≤ 1, an upper bound), with the wall time, the floor and the quartic
(non-closed free energy) in ``details``.  CPU, not wall: on a shared
machine the wall time of a one-core command measures the neighbours.

In-process (sympy already imported, caches cleared before each timing so
nothing is reused between repeats):

* the time of every derivation of ``derive`` for each catalogue model,
  the metric closed forms (or general expressions) included as the CLI
  computes them (budget 2 s each, an upper bound);
* the scaling of that time with the number of parameters n = 1, 2, 4 of the
  coupled quadratic energy E = ½(x − θ)ᵀK(x − θ), K tridiagonal with
  2 on the diagonal and 1/2 beside it; the row's ratio is the fitted
  log-log slope (target ≤ 3: the Gaussian closure and the Lyapunov-type
  solves are polynomial in n; an exponential path would show up here).

With ``figures``, ``derive_scaling.png`` plots time against n (log-log).
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


def _child_cpu() -> float:
    """CPU seconds (user + system) of every waited-for child process so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _wall(argv: list[str], repeats: int) -> tuple[float, float]:
    """Median wall and median CPU seconds of running ``argv`` (CPU: the process and its children).

    CPU time is what the ratio uses: on a shared machine the wall time of
    a one-core command measures the neighbours' load (it is kept in the
    details); on an idle core the two agree.
    """
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = _child_cpu(), time.perf_counter()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
        walls.append(time.perf_counter() - t0)
        cpus.append(_child_cpu() - c0)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv} failed: {proc.stderr.strip()}")
    return statistics.median(walls), statistics.median(cpus)


def _derive_all(model):
    """Every derivation behind ``thermolearn derive`` (fresh caches)."""
    from thermolearn.theory import derive

    for name in derive.__all__:
        fn = getattr(derive, name)
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    derive.fokker_planck(model)
    derive.stationary_density(model)
    derive.free_energy(model)
    derive.mle_gradient(model)
    derive.persistent_chain_gradient(model)
    derive.energetics(model)
    derive.bias_theorem(model)
    if derive.quadratic_form(model) is not None:
        derive.gaussian_closure(model)
    _metric_all(model)


def _metric_all(model):
    """The metric section of ``derive`` (closed forms, else the general expressions), fresh caches.

    It is most of the CLI's time for the 2-D quadratic, so an in-process
    row without it would time the cheap part only.
    """
    from thermolearn.theory import metric

    for name in dir(metric):
        fn = getattr(metric, name)
        if callable(fn) and hasattr(fn, "cache_clear"):
            fn.cache_clear()
    keys = dict(metric.metric_closed_forms(model))
    if any(v is None for v in keys.values()):
        metric.metric_general_forms(model)


def _coupled_quadratic(n):
    import sympy as sp

    from thermolearn.theory import EnergyModel

    x = sp.Matrix(sp.symbols(f"x1:{n + 1}", real=True))
    th = sp.Matrix(sp.symbols(f"theta1:{n + 1}", real=True))
    K = sp.Matrix(n, n, lambda i, j: 2 if i == j else (sp.Rational(1, 2) if abs(i - j) == 1 else 0))
    d = x - th
    return EnergyModel(sp.expand((d.T * K * d)[0, 0] / 2), tuple(x), tuple(th))


def _in_process(size, figures):
    import math

    from benchmarks._harness import measure, row
    from thermolearn.theory.models import CATALOGUE

    reps = 1 if size == "tiny" else 3
    rows = []
    names = ["harmonic_trap"] if size == "tiny" else list(CATALOGUE)
    for name in names:
        model = CATALOGUE[name]()
        t = measure(lambda: _derive_all(model), repeats=reps, warmup=0, memory=False)
        rows.append(row(f"derive (in-process) {name}", t.median_s / BUDGET_S, 1.0, higher_is_better=False,
                        seconds=round(t.median_s, 4), ratio_is="seconds / 2 s budget"))
    ns = [1, 2] if size == "tiny" else [1, 2, 4]
    times = []
    for n in ns:
        model = _coupled_quadratic(n)
        times.append(measure(lambda: _derive_all(model), repeats=reps, warmup=0, memory=False).median_s)
    slope = (math.log(times[-1]) - math.log(times[0])) / (math.log(ns[-1]) - math.log(ns[0]))
    rows.append(row("derive scaling with parameters (log-log slope)", slope, 3.0, higher_is_better=False,
                    parameters=ns, seconds=[round(t, 4) for t in times]))
    if figures is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        ax.loglog(ns, times, "o-", label="all derive quantities")
        ax.set(xlabel="parameters n (coupled quadratic)", ylabel="seconds", title="derive cost vs parameters")
        ax.legend()
        fig.tight_layout()
        fig.savefig(f"{figures}/derive_scaling.png", dpi=110)
        plt.close(fig)
    return rows


def run(size: str, figures=None) -> list[dict]:
    from benchmarks._harness import row

    repeats = _REPEATS.get(size, 3)
    floor_wall, floor = _wall([sys.executable, "-c", "import sympy"], repeats)
    rows = []
    latency = (("derive_latency_harmonic_trap", "(x - theta)**2/2"), ("derive_latency_quartic", "x**4/4 - theta*x"))
    # tiny (the test suite: rows well-formed, no timing asserted) runs the one path once: 1.5 CPU-s less
    for name, energy in latency[:1] if size == "tiny" else latency:
        wall, cpu = _wall([sys.executable, "-m", "thermolearn", "derive", energy, "--format", "json"], repeats)
        rows.append(row(name, cpu / BUDGET_S, 1.0, higher_is_better=False, cpu_seconds=round(cpu, 3),
                        wall_seconds=round(wall, 3), budget_seconds=BUDGET_S,
                        floor_python_import_sympy_cpu_seconds=round(floor, 3),
                        floor_wall_seconds=round(floor_wall, 3), over_floor=round(cpu / floor, 2), repeats=repeats,
                        ratio_is="thermolearn CPU seconds (process and children) / 2 s budget (upper bound)"))
    return rows + _in_process(size, figures)
