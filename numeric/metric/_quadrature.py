"""Fisher information and friction of a 1-D energy by adaptive quadrature.

Friction formula (derived here from the backward generator; minimal-
dissipation paper, arXiv 2510.03137, defines ζ_ij = β∫₀^∞⟨δX_i(t)δX_j(0)⟩dt, X = ∂θE):
the generator of dx = −μE′dt + sqrt(2μ/β)dW is L f = (μ/β)(1/p)(p f′)′ with
p = p_m(·|θ).  Since ∫₀^∞ e^{tL}dt = (−L)⁻¹ on centred functions,
ζ_ij = β⟨δX_i f_j⟩ with L f_j = −δX_j.  Integrating once,
p f_j′ = −(β/μ)Φ_j, Φ_j(x) = ∫_{−∞}^x δX_j p dy (the constant vanishes at
−∞), and by parts (Φ vanishes at ±∞ because ⟨δX⟩ = 0)

    ζ_ij = (β²/μ) ∫ Φ_i(x) Φ_j(x) / p(x) dx.

Exact for any confining 1-D energy; evaluated with scipy.integrate.quad to
~1e-11 relative.  Φ is integrated from the nearer tail so that it keeps its
relative accuracy where p is tiny.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize

from thermolearn.theory import ModelError, NumericalError

from ._lambdify import numeric_model, theta_vector
from thermolearn.numeric.results import ResultMixin

__all__ = ["MomentsQuadrature", "moments_quadrature", "fisher_quadrature", "friction_quadrature", "support_1d"]

_CUT = 50.0  # βΔE at the ends of the integration interval: e^-50 ≈ 2e-22


def support_1d(f_beta_e, *, cut=_CUT):
    """(a, mode, b, βE(mode)) with βE(a) = βE(b) = βE(mode) + cut, for a confining βE."""
    xs = np.linspace(-30, 30, 6001)
    with np.errstate(all="ignore"):
        vals = np.asarray(f_beta_e(xs), dtype=float)
    if not np.any(np.isfinite(vals)):
        raise NumericalError("energy is not finite anywhere on [-30, 30]")
    i = int(np.nanargmin(vals))
    lo, hi = xs[max(i - 1, 0)], xs[min(i + 1, len(xs) - 1)]
    res = optimize.minimize_scalar(lambda u: float(f_beta_e(u)), bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    mode = float(res.x)
    e0 = float(f_beta_e(mode))
    ends = []
    for sgn in (-1.0, 1.0):
        d = 1e-6
        while f_beta_e(mode + sgn * d) - e0 < cut:
            d *= 2.0
            if d > 1e6:
                raise ModelError("exp(-beta*E) does not decay within |x| < 1e6; not normalisable")
        r = optimize.brentq(lambda u: f_beta_e(mode + sgn * u) - e0 - cut, d / 2, d, xtol=1e-12)
        ends.append(mode + sgn * r)
    return ends[0], mode, ends[1], e0


@dataclass(frozen=True)
class MomentsQuadrature(ResultMixin):
    """Model moments at one θ: ⟨∂θE⟩ (= ∂θF), Fisher information, friction, F."""

    theta: np.ndarray
    mean_dE: np.ndarray
    fisher: np.ndarray
    friction: np.ndarray
    free_energy: float


_Q = 24  # Gauss–Legendre nodes per panel
_P = 48  # panels on each side of the mode


def _panel_rules(q=_Q):
    """Nodes, weights and the within-panel cumulative-integration matrices on [-1, 1]."""
    from numpy.polynomial import legendre as L

    nodes, weights = L.leggauss(q)
    V = L.legvander(nodes, q - 1)
    Vinv = np.linalg.inv(V)
    eye = np.eye(q)
    fwd = np.array([L.legval(nodes, L.legint(eye[k], lbnd=-1)) for k in range(q)]).T @ Vinv
    bwd = -np.array([L.legval(nodes, L.legint(eye[k], lbnd=1)) for k in range(q)]).T @ Vinv
    return nodes, weights, fwd, bwd


_RULES = _panel_rules()


def _grid(lo, hi, P=_P):
    nodes, weights, _, _ = _RULES
    edges = np.linspace(lo, hi, P + 1)
    half = np.diff(edges)[:, None] / 2
    x = edges[:-1, None] + half * (nodes[None, :] + 1)
    return x, half * weights[None, :], half


def moments_quadrature(model, theta, *, values=None, friction: bool = True) -> MomentsQuadrature:
    """All 1-D metric quantities at ``theta`` by composite Gauss–Legendre quadrature.

    [a, b] is split at the mode, each side into 48 panels of 24 Gauss–Legendre
    nodes; the ends have βΔE = 50 (tail mass < e⁻⁵⁰).  Φ is integrated
    spectrally inside each panel (Legendre antiderivative), from the left
    tail on the left of the mode and from the right tail on its right.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> r = moments_quadrature(harmonic_trap(k=2), 0.3, values={"beta": 1, "mu": 1})
    >>> round(float(r.fisher[0, 0]), 10), round(float(r.friction[0, 0]), 10)
    (2.0, 1.0)
    """
    nm = numeric_model(model, values)
    if nm.d != 1:
        raise ModelError(f"quadrature needs one sample coordinate, the model has {nm.d}; use friction_generator")
    th = theta_vector(nm, theta)
    beta, mu, n = nm.beta, nm.mu, nm.n

    def be(x):
        return beta * nm.energy(np.asarray(x, float)[..., None], th)

    a, mode, b, e0 = support_1d(be)
    xl, wl, hl = _grid(a, mode)
    xr, wr, hr = _grid(mode, b)
    x = np.concatenate([xl, xr])
    wq = np.concatenate([wl, wr])
    w = np.exp(-(be(x) - e0))
    X = nm.dE_dtheta(x[..., None], th)  # (2P, q, n)
    Z = float(np.sum(wq * w))
    mean = np.einsum("pq,pqi->i", wq * w, X) / Z
    dX = X - mean
    fisher = beta**2 * np.einsum("pq,pqi,pqj->ij", wq * w, dX, dX) / Z
    free = -(np.log(Z) - e0) / beta
    zeta = np.full((n, n), np.nan)
    if friction:
        _, _, fwd, bwd = _RULES
        g = dX * w[..., None]  # δX·w, Φ = (1/Z)∫ g
        P = xl.shape[0]
        gl, gr = g[:P], g[P:]
        # left: cumulative from a
        within_l = hl[:, :, None] * np.einsum("ab,pbi->pai", fwd, gl)
        tot_l = np.einsum("pq,pqi->pi", wl, gl)
        before = np.concatenate([np.zeros((1, n)), np.cumsum(tot_l, axis=0)[:-1]])
        phil = within_l + before[:, None, :]
        # right: minus the integral to b
        within_r = hr[:, :, None] * np.einsum("ab,pbi->pai", bwd, gr)
        tot_r = np.einsum("pq,pqi->pi", wr, gr)
        after = np.concatenate([np.cumsum(tot_r[::-1], axis=0)[::-1][1:], np.zeros((1, n))])
        phir = -(within_r + after[:, None, :])
        phi = np.concatenate([phil, phir])  # Z·Φ
        zeta = beta**2 / mu * np.einsum("pq,pqi,pqj->ij", wq / w, phi, phi) / Z
    if not (np.all(np.isfinite(fisher)) and np.all(np.isfinite(mean))):
        raise NumericalError(f"quadrature produced non-finite moments at theta = {th}")
    fisher, zeta = (fisher + fisher.T) / 2, (zeta + zeta.T) / 2
    return MomentsQuadrature(th, mean, fisher, zeta, float(free))


def fisher_quadrature(model, theta, *, values=None) -> np.ndarray:
    """I = β² Cov_m(∂θE) by quadrature (1-D x), shape (n, n)."""
    return moments_quadrature(model, theta, values=values, friction=False).fisher


def friction_quadrature(model, theta, *, values=None) -> np.ndarray:
    """ζ = (β²/μ)∫ΦΦᵀ/p dx (module docstring), shape (n, n)."""
    return moments_quadrature(model, theta, values=values).friction
