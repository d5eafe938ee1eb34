"""Friction tensor from a generator (Poisson-equation) solve on a grid, any d.

ζ_ij = β⟨δX_i f_j⟩ with L f_j = −δX_j (X = ∂θE; see
:mod:`numeric.metric._quadrature` for the derivation).  L is discretised as
the reversible finite-volume (square-root-approximation) generator on a
regular grid: jump rates between neighbours i → j along an axis of spacing h

    r_ij = (μ/(βh²)) exp(−β(E_j − E_i)/2),

which satisfy detailed balance with π_i ∝ exp(−βE_i) exactly and converge to
L = (μ/β)e^{βE}∇·(e^{−βE}∇) at O(h²).  The Poisson equation is solved with
scipy.sparse (one node pinned; the solution is defined up to a constant,
which ⟨δX⟩_π = 0 makes irrelevant).  Fisher information on the same grid
is β²Cov_π(X).  Relaxation time: see :func:`relaxation_time_generator`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from thermolearn.theory import NumericalError, ParameterError

from ..equilibrium import auto_box
from ..equilibrium._support import GridFrame
from ..model import numeric_twin
from thermolearn.numeric.results import ResultMixin

__all__ = ["GeneratorResult", "GridFrame", "friction_generator", "auto_box"]

#: grid cells with β(E − E_min) above this carry a weight exp(−βΔE) < 1e-260: left out of the solve
_MAX_BETA_DELTA_E = 600.0


@dataclass(frozen=True)
class GeneratorResult(ResultMixin):
    """ζ, I and the spectral-gap relaxation time from one grid solve.

    ``mode_times`` and ``mode_shares`` (with ``relaxation``): the
    relaxation times 1/λ_k of the generator's slowest non-stationary modes
    (at most four, slowest first) and the share of tr ζ each carries (mode k
    with π-normalised eigenfunction φ_k contributes β⟨δX φ_k⟩²/λ_k to ζ):
    how long ∫⟨δX(t)δX(0)⟩dt has to run, and how slow a protocol must be.
    """

    friction: np.ndarray
    fisher: np.ndarray
    mean_dE: np.ndarray
    spectral_relaxation_time: float
    grid_points: int
    mode_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mode_shares: np.ndarray = field(default_factory=lambda: np.zeros(0))


def friction_generator(model, theta, *, values=None, n: int = 801, box=None,
                       relaxation: bool = True) -> GeneratorResult:
    """ζ(θ) by a sparse generator solve on an n^d grid.

    Parameters
    ----------
    n : int
        Grid points per axis (error O(h²)).
    box : sequence of (lo, hi) or GridFrame, optional
        Grid extent per coordinate axis, or a rotated frame; default
        :func:`auto_box` (the principal axes at the mode, βΔE ≥ 40 on every
        face).  The rates below are those of isotropic diffusion, which a
        rotation leaves unchanged.
    relaxation : bool
        Also compute the spectral-gap relaxation time (one more sparse
        factorisation); ``False`` leaves it NaN.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> r = friction_generator(harmonic_trap(k=1), 0.0, values={"beta": 1, "mu": 2}, n=801)
    >>> bool(abs(r.friction[0, 0] - 0.5) < 1e-4)
    True
    """
    nm = numeric_twin(model, values)
    th = nm.theta_vector(theta)
    if not (isinstance(n, (int, np.integer)) and n >= 5):
        raise ParameterError(f"n must be an integer >= 5, got {n!r}")
    frame = auto_box(nm, th) if box is None else box
    if not isinstance(frame, GridFrame):
        frame = GridFrame(np.zeros(nm.d), np.eye(nm.d), tuple(tuple(map(float, b)) for b in box))
    if len(frame.box) != nm.d:
        raise ParameterError(f"box must give (lo, hi) for each of the {nm.d} coordinates, got {box!r}")
    axes = [np.linspace(lo, hi, n) for lo, hi in frame.box]
    hs = [ax[1] - ax[0] for ax in axes]
    mesh = frame.to_x(np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1))
    N = n**nm.d
    bE = nm.beta * nm.energy(mesh, th).reshape(N)
    bE -= bE.min()
    pi = np.exp(-bE)
    pi /= pi.sum()
    idx = np.arange(N).reshape((n,) * nm.d)
    rows, cols, rates = [], [], []
    for k in range(nm.d):
        a = np.take(idx, np.arange(n - 1), axis=k).ravel()
        b = np.take(idx, np.arange(1, n), axis=k).ravel()
        c = nm.mu / (nm.beta * hs[k] ** 2)
        rows += [a, b]
        cols += [b, a]
        with np.errstate(over="ignore"):  # inf only into cells beyond the support, left out of the solve below
            rates += [c * np.exp(-(bE[b] - bE[a]) / 2), c * np.exp(-(bE[a] - bE[b]) / 2)]
    rows, cols, rates = map(np.concatenate, (rows, cols, rates))
    L = sps.coo_matrix((rates, (rows, cols)), shape=(N, N)).tocsr()
    L = L - sps.diags(np.asarray(L.sum(axis=1)).ravel())
    X = nm.dE_dtheta(mesh, th).reshape(N, nm.n)
    mean = pi @ X
    dX = X - mean
    pin = int(np.argmax(pi))
    # cells where exp(-βΔE) underflows (a wide box, a steep wall) carry no weight and would make πL
    # singular: the solve runs on the rest, with f = 0 beyond it (an error of order their weight, < 1e-260)
    support = bE <= _MAX_BETA_DELTA_E
    keep = np.flatnonzero(support & (np.arange(N) != pin))
    # symmetrise: π L is symmetric (detailed balance), so solve (πL) f = -π δX
    S = (sps.diags(pi) @ L).tocsc()[keep][:, keep]
    f = np.zeros((N, nm.n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spla.MatrixRankWarning)  # reported below as a NumericalError
        f[keep] = spla.spsolve(S, -(pi[:, None] * dX)[keep]).reshape(len(keep), nm.n)
    if not np.all(np.isfinite(f)):
        raise NumericalError(
            f"friction_generator: the Poisson solve at theta = {th.tolist()} is singular: p_m(x|theta) falls "
            f"apart into regions with no probability flow between them on this grid (barriers with "
            f"beta*dE > {_MAX_BETA_DELTA_E:g}); the friction is not finite or the box is too coarse")
    zeta = nm.beta * (dX * pi[:, None]).T @ f
    fisher = nm.beta**2 * (dX * pi[:, None]).T @ dX
    # slowest relaxation rate: second eigenvalue of the symmetrised generator
    if not relaxation:
        return GeneratorResult((zeta + zeta.T) / 2, (fisher + fisher.T) / 2, mean, float("nan"), N)
    s = np.sqrt(pi[support])
    Ssym = sps.diags(s) @ L[support][:, support] @ sps.diags(1 / s)
    Ssym = (Ssym + Ssym.T) / 2
    trel, times, shares = float("nan"), np.zeros(0), np.zeros(0)
    try:
        vals, vecs = spla.eigsh(-Ssym.tocsc(), k=min(5, int(support.sum()) - 1), sigma=-1e-9, which="LM")
        order = np.argsort(vals)
        vals, vecs = vals[order[1:]], vecs[:, order[1:]]  # drop the stationary mode
        times = np.where(vals > 0, 1.0 / np.maximum(vals, 1e-300), np.inf)
        trel = float(times[0])
        # v = sqrt(pi) phi, so <dX phi>_pi = sum sqrt(pi) dX v
        shares = nm.beta * ((s[:, None] * dX[support]).T @ vecs) ** 2 * times
        shares = shares.sum(axis=0) / max(float(np.trace(zeta)), 1e-300)
    except Exception:  # pragma: no cover - eigensolver failure only affects these diagnostics
        pass
    return GeneratorResult((zeta + zeta.T) / 2, (fisher + fisher.T) / 2, mean, trel, N, times, shares)
