"""The metric and F along a one-parameter run in two coordinates: validated interpolants against a solve per θ.

Problem: E = (x1 − θ)²/2 + x2⁴/4 + x1x2/3 at β = μ = 1, a run from θ0 = 0 to
θ* = 2 (the ``simulate`` example of docs/theory.md).  A run needs ζ, I,
⟨∂θE⟩ at every new θ (the slow-driving and geodesic schedules) and F at
every recorded row; without a closed form these are a generator solve pair
and a two-dimensional grid each.  The θ values here are the run's: ``points``
values spread over the span (a noisy path), the same for every variant.

Rows (CPU time of this process, BLAS pinned to one thread, the variants
timed in turn):

* ``metric along a 2-D run: per-theta solves / interpolated`` — a fresh
  :func:`numeric.metric.metric_field` at every θ (what a run paid per new θ)
  against the field after ``interpolate_span`` (its fit included).  The
  ratio grows with the number of new θ (steps × replicas): the fit is a
  fixed 17–65 solve pairs.  Target ≥ 2 at the quick size (60 θ).
* ``F along a 2-D run: grid per row / interpolated`` — the trainer's F
  without and with the span (the fit included), same θ values.  Target ≥ 2.

Details give the fit's size and its stated errors.
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import measure_interleaved, row

SIZES = {"tiny": dict(grid=81, points=4, repeats=1),
         "quick": dict(grid=161, points=60, repeats=1),
         "full": dict(grid=161, points=200, repeats=3)}

ENERGY = "(x1 - theta)**2/2 + x2**4/4 + x1*x2/3"
THETA0, TARGET = 0.0, 2.0


def _thetas(n):
    """A noisy path from θ0 to θ*: n values in the span, fixed seed."""
    base = np.linspace(THETA0, TARGET, n)
    return base + 0.02 * np.random.default_rng(0).standard_normal(n)


def run(size: str) -> list[dict]:
    import warnings

    from threadpoolctl import threadpool_limits

    from thermolearn.numeric.langevin._ledger import model_callables
    from thermolearn.numeric.metric import metric_field
    from thermolearn.numeric.metric._schedules import interpolate_span
    from thermolearn.theory import EnergyModel

    s = SIZES[size]
    model = EnergyModel.from_string(ENERGY, x=["x1", "x2"], beta=1, mu=1)
    thetas = _thetas(s["points"])
    fits = {}

    def metric_fresh():
        for th in thetas:
            metric_field(model, grid=s["grid"])(np.array([th]))

    def metric_interp():
        f = metric_field(model, grid=s["grid"])
        fits["metric"] = interpolate_span(f, THETA0, TARGET)
        for th in thetas:
            f(np.array([th]))

    def f_fresh():
        th = model_callables(model, [TARGET])
        for t in thetas:
            th.free_energy(np.array([t]))

    def f_interp():
        from thermolearn.numeric.langevin import _ledger

        _ledger._free_energy_fit.cache_clear()  # the fit is part of the cost
        th = model_callables(model, [TARGET], span=(THETA0, TARGET))
        for t in thetas:
            th.free_energy(np.array([t]))

    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = measure_interleaved(dict(mf=metric_fresh, mi=metric_interp, ff=f_fresh, fi=f_interp),
                                repeats=s["repeats"], warmup=0, alternate=True)
    return [
        row("metric along a 2-D run: per-theta solves / interpolated", t["mf"] / t["mi"], 2.0,
            fresh_cpu_s=t["mf"], interpolated_cpu_s=t["mi"], thetas=s["points"], grid=s["grid"],
            method=fits.get("metric", "")),
        row("F along a 2-D run: grid per row / interpolated", t["ff"] / t["fi"], 2.0,
            fresh_cpu_s=t["ff"], interpolated_cpu_s=t["fi"], thetas=s["points"]),
    ]
