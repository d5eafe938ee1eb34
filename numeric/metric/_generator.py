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

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from thermolearn.theory import ParameterError

from ..equilibrium import mode
from ..equilibrium._support import support_box
from ..model import numeric_twin
from thermolearn.numeric.results import ResultMixin

__all__ = ["GeneratorResult", "friction_generator", "auto_box"]


@dataclass(frozen=True)
class GeneratorResult(ResultMixin):
    """ζ, I and the spectral-gap relaxation time from one grid solve."""

    friction: np.ndarray
    fisher: np.ndarray
    mean_dE: np.ndarray
    spectral_relaxation_time: float
    grid_points: int


def auto_box(twin, th, *, cut=40.0):
    """Axis-aligned box around the mode of p_m(·|θ) with βΔE ≥ ``cut`` on its faces.

    The mode is :func:`numeric.equilibrium.mode` (searched from θ-dependent
    starts); the faces are found along the coordinate axes through it.
    """
    m, e0 = mode(twin, th)
    return support_box(lambda x: twin.beta_energy(x, th), m, e0, cut=cut)


def friction_generator(model, theta, *, values=None, n: int = 801, box=None,
                       relaxation: bool = True) -> GeneratorResult:
    """ζ(θ) by a sparse generator solve on an n^d grid.

    Parameters
    ----------
    n : int
        Grid points per axis (error O(h²)).
    box : sequence of (lo, hi), optional
        Grid extent per axis; default :func:`auto_box` (βΔE ≥ 40 on the faces
        along the axes through the mode).
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
    box = auto_box(nm, th) if box is None else tuple(tuple(map(float, b)) for b in box)
    if len(box) != nm.d:
        raise ParameterError(f"box must give (lo, hi) for each of the {nm.d} coordinates, got {box!r}")
    axes = [np.linspace(lo, hi, n) for lo, hi in box]
    hs = [ax[1] - ax[0] for ax in axes]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
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
        rates += [c * np.exp(-(bE[b] - bE[a]) / 2), c * np.exp(-(bE[a] - bE[b]) / 2)]
    rows, cols, rates = map(np.concatenate, (rows, cols, rates))
    L = sps.coo_matrix((rates, (rows, cols)), shape=(N, N)).tocsr()
    L = L - sps.diags(np.asarray(L.sum(axis=1)).ravel())
    X = nm.dE_dtheta(mesh, th).reshape(N, nm.n)
    mean = pi @ X
    dX = X - mean
    pin = int(np.argmax(pi))
    keep = np.setdiff1d(np.arange(N), [pin])
    # symmetrise: π L is symmetric (detailed balance), so solve (πL) f = -π δX
    S = (sps.diags(pi) @ L).tocsc()[keep][:, keep]
    f = np.zeros((N, nm.n))
    f[keep] = spla.spsolve(S, -(pi[:, None] * dX)[keep]).reshape(len(keep), nm.n)
    zeta = nm.beta * (dX * pi[:, None]).T @ f
    fisher = nm.beta**2 * (dX * pi[:, None]).T @ dX
    # slowest relaxation rate: second eigenvalue of the symmetrised generator
    if not relaxation:
        return GeneratorResult((zeta + zeta.T) / 2, (fisher + fisher.T) / 2, mean, float("nan"), N)
    s = np.sqrt(pi)
    Ssym = sps.diags(s) @ L @ sps.diags(1 / s)
    Ssym = (Ssym + Ssym.T) / 2
    try:
        vals = spla.eigsh(-Ssym.tocsc(), k=2, sigma=-1e-9, which="LM", return_eigenvectors=False)
        gap = float(np.sort(vals)[1])
        trel = 1.0 / gap if gap > 0 else float("inf")
    except Exception:  # pragma: no cover - eigensolver failure only affects this diagnostic
        trel = float("nan")
    return GeneratorResult((zeta + zeta.T) / 2, (fisher + fisher.T) / 2, mean, trel, N)
