"""thermolearn's Fokker–Planck solver vs fplanck on a static double-well relaxation.

Problem (PEERS.md): E = x⁴/4 − x²/2, kT = 1, μ = 1 (fplanck: drag 1,
temperature 1/k_B), reflecting box [−4, 4] with the same cell centres for
both, initial Gaussian N(1, 0.3²), propagate to t = 1.  fplanck builds its
master matrix in a Python loop and propagates with ``expm_multiply``
(exact in time); thermolearn uses Scharfetter–Gummel fluxes with TR-BDF2
steps, and the number of steps is doubled until its error against the
fine reference is no larger than fplanck's — same grid, same accuracy.
The ratio uses warm calls (the lambdified model is cached per model);
``thermolearn_cold_s`` also reports a call that lambdifies afresh.

Fine reference: thermolearn on 8× the cells with 4000 TR-BDF2 steps (500 at "tiny"),
interpolated to the common cell centres (its error is ~64× below either
solver's spatial error).  Error = max |p − p_ref| over the centres,
densities (probabilities / h).  Ratio = fplanck time / thermolearn time.
fplanck fails on numpy ≥ 2 (``np.product`` removed); it is shimmed with
``numpy.product = numpy.prod`` before use.
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import measure, row

SIZES = {"tiny": 100, "quick": 400, "full": 1600}
L, X0, S0, T = 4.0, 1.0, 0.3, 1.0


def _model():
    from thermolearn.theory.models import double_well

    return double_well(beta=1, mu=1)


def _initial(x):
    return np.exp(-((x - X0) ** 2) / (2 * S0**2))


def _thermolearn(cells, steps):
    from thermolearn.numeric.fokker_planck import Grid, Protocol, propagate

    grid = Grid((-L,), (L,), (cells,))
    r = propagate(_model(), Protocol.linear([0.0], [0.0], T), steps=steps, grid=grid, p0=_initial(grid.centres[0]))
    return grid.centres[0], r.density / grid.spacing[0]


def _fplanck(cells):
    import fplanck
    from scipy import constants

    if not hasattr(np, "product"):
        np.product = np.prod  # numpy >= 2 removed it; fplanck 1.0.2 still calls it
    h = 2 * L / cells
    sim = fplanck.fokker_planck(
        temperature=1 / constants.k, drag=1.0, extent=2 * L, resolution=h,
        potential=lambda x: x**4 / 4 - x**2 / 2, boundary=fplanck.boundary.reflecting,
    )
    p = sim.propagate(lambda x: _initial(x), T)
    return sim.grid[0], p / h


def _reference(x, steps):
    xf, pf = _thermolearn(8 * len(x), steps)
    return np.interp(x, xf, pf)


def run(size: str) -> list[dict]:
    cells = SIZES[size]
    x_tl = _thermolearn(cells, 10)[0]
    ref = _reference(x_tl, 500 if size == "tiny" else 4000)
    try:
        import fplanck  # noqa: F401
    except ImportError as exc:
        xt, pt = _thermolearn(cells, 40)
        return [row("fokker_planck_static_double_well_vs_fplanck", float("nan"), 3.0, met=False,
                    error=f"fplanck not installed ({exc}); pip install -e '.[bench]'",
                    thermolearn_error=float(np.max(np.abs(pt - ref))))]
    xf, pf = _fplanck(cells)
    if not np.allclose(xf, x_tl, atol=1e-9):
        raise RuntimeError("fplanck and thermolearn grids differ")
    err_fp = float(np.max(np.abs(pf - ref)))
    steps = 5
    while True:
        err_tl = float(np.max(np.abs(_thermolearn(cells, steps)[1] - ref)))
        if err_tl <= err_fp or steps >= 5000:
            break
        steps *= 2
    repeats = 1 if size == "tiny" else 5
    t_tl = measure(lambda: _thermolearn(cells, steps), repeats=repeats, warmup=0 if size == "tiny" else 1)
    t_fp = measure(lambda: _fplanck(cells), repeats=repeats, warmup=0 if size == "tiny" else 1)
    from thermolearn.numeric.model import numeric_twin

    def cold():  # including the one-off lambdify of the model (cached across calls otherwise)
        numeric_twin.cache_clear()
        _thermolearn(cells, steps)

    t_cold = measure(cold, repeats=repeats, warmup=0, memory=False)
    return [row(
        "fokker_planck_static_double_well_vs_fplanck", t_fp.median_s / t_tl.median_s, 3.0,
        cells=cells, thermolearn_steps=steps, thermolearn_error=err_tl, fplanck_error=err_fp,
        thermolearn_s=t_tl.median_s, thermolearn_cold_s=t_cold.median_s, fplanck_s=t_fp.median_s,
        thermolearn_peak_MB=t_tl.peak_bytes / 1e6, fplanck_peak_MB=t_fp.peak_bytes / 1e6,
    )]
