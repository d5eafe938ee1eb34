"""thermolearn's Fokker–Planck solver vs fplanck on a static double-well relaxation.

Problem (PEERS.md): E = x⁴/4 − x²/2, kT = 1, μ = 1 (fplanck: drag 1,
temperature 1/k_B), reflecting box [−4, 4] with the same cell centres for
both, initial Gaussian N(1, 0.3²), propagate to t = 1.  fplanck builds a
master matrix and propagates with scipy's ``expm_multiply`` (exact in
time); its cost is that ``expm_multiply`` on a stiff generator (norm
~ D/h²), not the matrix build — the details split the two
(``fplanck_build_s``, ``fplanck_propagate_s``).  thermolearn uses Scharfetter–Gummel fluxes; ``propagate``'s
default steps a frozen θ on a 1-D reflecting grid exactly in time (the spectral propagator
of the symmetrised generator, only the modes with e^{λΔt} ≥ 1e-17), other steps with TR-BDF2;
the number of steps is doubled until its error against the
fine reference is no larger than the peer's (to 1e-6 relative: the exact routes agree to
round-off) — same grid, same accuracy.
The ratio uses warm calls (the lambdified model is cached per model);
``thermolearn_cold_s`` also reports a call that lambdifies afresh.

Fine reference: thermolearn on 9× the cells with 4000 TR-BDF2 steps (500 at
"tiny"; ``method="trbdf2"``, independent of the spectral route).  The refinement factor is odd, so the centre of the middle fine cell
of every coarse cell is that coarse cell's centre: the reference is read
there, without interpolation (an even factor needs interpolation, whose
error was ~25 % of the errors compared); its own error is ~81× below
either solver's spatial error.  Error = max |p − p_ref| over the centres,
densities (probabilities / h).  Ratio = fplanck time / thermolearn time.
A second row puts scipy's eigendecomposition of the same (symmetrised)
master equation beside thermolearn: the best a user can do for a *static*
1-D potential (exact in time); ratio = scipy time / thermolearn time.
fplanck fails on numpy ≥ 2 (``np.product`` removed); it is shimmed with
``numpy.product = numpy.prod`` before use.
"""

from __future__ import annotations

import functools
import importlib
import numpy as np

from benchmarks._harness import measure, measure_interleaved, row, skipped

SIZES = {"tiny": 100, "quick": 400, "full": 1600}
L, X0, S0, T = 4.0, 1.0, 0.3, 1.0


@functools.lru_cache(maxsize=1)
def _model():
    """The double well, built once: like the peers' potential formula, the model is the problem's input."""
    from thermolearn.theory.models import double_well

    return double_well(beta=1, mu=1)


def _initial(x):
    return np.exp(-((x - X0) ** 2) / (2 * S0**2))


def _thermolearn(cells, steps, method="auto"):
    from thermolearn.numeric.fokker_planck import Grid, Protocol, propagate

    grid = Grid((-L,), (L,), (cells,))
    r = propagate(_model(), Protocol.linear([0.0], [0.0], T), steps=steps, grid=grid, p0=_initial(grid.centres[0]),
                  method=method)
    return grid.centres[0], r.density / grid.spacing[0]


def _fplanck(cells):
    h = 2 * L / cells
    sim = _fplanck_build(cells)
    p = sim.propagate(lambda x: _initial(x), T)
    return sim.grid[0], p / h


def _fplanck_build(cells):
    import fplanck
    from scipy import constants

    if not hasattr(np, "product"):
        np.product = np.prod  # numpy >= 2 removed it; fplanck 1.0.2 still calls it
    return fplanck.fokker_planck(
        temperature=1 / constants.k, drag=1.0, extent=2 * L, resolution=2 * L / cells,
        potential=lambda x: x**4 / 4 - x**2 / 2, boundary=fplanck.boundary.reflecting,
    )


REFINE = 9  # odd: coarse centres are fine centres


def _reference(x, steps):
    xf, pf = _thermolearn(REFINE * len(x), steps, method="trbdf2")
    xr, pr = xf[REFINE // 2::REFINE], pf[REFINE // 2::REFINE]
    if not np.allclose(xr, x, rtol=0, atol=1e-12):
        raise RuntimeError("reference centres do not coincide with the grid's")
    return pr


def _eigen(cells, selected=False):
    """scipy's peer for a *static* 1-D problem: eigendecomposition of the same master equation.

    Scharfetter–Gummel rates between neighbouring cells, k_{i→j} = (D/h²)·B(β(E_j − E_i)),
    B(z) = z/(eᶻ − 1), satisfy detailed balance with π_i ∝ e^{−βE_i}; Π^{-1/2} Q Π^{1/2} is
    symmetric tridiagonal, so p(T) = Π^{1/2} V e^{ΛT} Vᵀ Π^{-1/2} p(0) with
    ``scipy.linalg.eigh_tridiagonal``.  Exact in time; static potentials only.  ``selected``:
    only the modes with e^{λT} ≥ 1e-17 (MRRR driver), the same selection thermolearn makes.
    """
    from scipy.linalg import eigh_tridiagonal

    h = 2 * L / cells
    x = -L + h * (np.arange(cells) + 0.5)
    E = x**4 / 4 - x**2 / 2
    dE = np.diff(E)
    up = np.where(dE == 0, 1.0, dE / np.expm1(np.where(dE == 0, 1.0, dE))) / h**2  # i -> i+1 (D = 1, beta = 1)
    down = up * np.exp(dE)  # i+1 -> i, detailed balance
    diag = np.zeros(cells)
    diag[:-1] -= up
    diag[1:] -= down
    off = np.sqrt(up * down)
    if selected:
        lam, V = eigh_tridiagonal(diag, off, select="v", select_range=(np.log(1e-17) / T, 1.0), lapack_driver="stemr")
    else:
        lam, V = eigh_tridiagonal(diag, off)
    s = np.exp(-0.5 * (E - E.min()))  # sqrt of the Boltzmann weights (up to a constant)
    p0 = _initial(x)
    p0 /= p0.sum()
    p = s * (V @ (np.exp(lam * T) * (V.T @ (p0 / s))))
    return x, p / h


def run(size: str) -> list[dict]:
    import sys

    cells = SIZES[size]
    repeats = 1 if size == "tiny" else 5
    warm = 0 if size == "tiny" else 1
    x_tl = _thermolearn(cells, 10)[0]
    ref = _reference(x_tl, 500 if size == "tiny" else 4000)
    try:
        importlib.import_module("fplanck")  # presence only: the peer's rows import it themselves
    except ImportError as exc:
        fplanck_missing = (f"fplanck not installed ({exc}); "
                           + ("fplanck >= 1.0 needs Python >= 3.12, this is "
                              f"{sys.version_info.major}.{sys.version_info.minor}" if sys.version_info < (3, 12)
                              else "pip install -e '.[bench]'"))
    else:
        fplanck_missing = ""
        xf, pf = _fplanck(cells)
        if not np.allclose(xf, x_tl, atol=1e-9):
            raise RuntimeError("fplanck and thermolearn grids differ")
        err_fp = float(np.max(np.abs(pf - ref)))
    xe, pe = _eigen(cells)
    err_eig = float(np.max(np.abs(pe - ref)))
    # thermolearn's steps: doubled until its error is no larger than the peer's (fplanck, else scipy's eigh)
    goal = err_eig if fplanck_missing else err_fp
    steps = 5
    while True:
        err_tl = float(np.max(np.abs(_thermolearn(cells, steps)[1] - ref)))
        if err_tl <= goal * (1 + 1e-6) or steps >= 5000:
            break
        steps *= 2
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # per-core comparison: the peer's GEMVs would spin threads
        t_tl = measure(lambda: _thermolearn(cells, steps), repeats=repeats, warmup=warm)
        t = measure_interleaved({"tl": lambda: _thermolearn(cells, steps), "eig": lambda: _eigen(cells),
                                 "sel": lambda: _eigen(cells, selected=True)}, repeats=2 * repeats + 1, warmup=warm)
    err_sel = float(np.max(np.abs(_eigen(cells, selected=True)[1] - ref)))
    rows = [row("fokker_planck_static_double_well_vs_scipy_eigh", t["eig"] / t["tl"], 1.0,
                cells=cells, thermolearn_steps=steps, thermolearn_error=err_tl, eigh_error=err_eig,
                thermolearn_s=t["tl"], eigh_s=t["eig"], eigh_selected_s=t["sel"], eigh_selected_error=err_sel,
                note=("one BLAS thread, calls interleaved. Peer: scipy eigh_tridiagonal (all modes, the default "
                      "driver) of the symmetrised Scharfetter-Gummel master equation, one propagation to T, nothing "
                      "else: exact in time, static 1-D potentials only. thermolearn's propagate checks the grid "
                      "(Boltzmann mass cut off, resolution), takes the same spectral route for frozen-theta steps "
                      "(only the modes with exp(lambda*dt) >= 1e-17, MRRR driver, solved once), and books work, heat, "
                      "entropy production, KL and free energy at every step, with as many steps as its error needs "
                      "to match " + ("scipy's" if fplanck_missing else "fplanck's")
                      + "; eigh_selected_s: the peer restricted to the same modes as thermolearn"))]
    if fplanck_missing:
        return rows + [skipped("fokker_planck_static_double_well_vs_fplanck", 3.0, fplanck_missing,
                               thermolearn_error=err_tl)]
    t_fp = measure(lambda: _fplanck(cells), repeats=repeats, warmup=warm)
    t_fp_build = measure(lambda: _fplanck_build(cells), repeats=repeats, warmup=0, memory=False)
    from thermolearn.numeric.model import numeric_twin

    def cold():  # including the one-off lambdify of the model (cached across calls otherwise)
        numeric_twin.cache_clear()
        _thermolearn(cells, steps)

    t_cold = measure(cold, repeats=repeats, warmup=0, memory=False)
    return rows + [row(
        "fokker_planck_static_double_well_vs_fplanck", t_fp.median_s / t_tl.median_s, 3.0,
        cells=cells, thermolearn_steps=steps, thermolearn_error=err_tl, fplanck_error=err_fp,
        thermolearn_s=t_tl.median_s, thermolearn_cold_s=t_cold.median_s, fplanck_s=t_fp.median_s,
        fplanck_build_s=t_fp_build.median_s, fplanck_propagate_s=t_fp.median_s - t_fp_build.median_s,
        thermolearn_peak_MB=t_tl.peak_bytes / 1e6, fplanck_peak_MB=t_fp.peak_bytes / 1e6,
    )]
