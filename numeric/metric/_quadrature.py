"""Fisher information and friction of a 1-D energy by adaptive quadrature.

Friction formula (derived from the backward generator; the friction is
ζ_ij = β∫₀^∞⟨δX_i(t)δX_j(0)⟩dt with X = ∂θE, the friction tensor of arXiv 2510.03137):
the generator of dx = −μE′dt + sqrt(2μ/β)dW is L f = (μ/β)(1/p)(p f′)′ with
p = p_m(·|θ).  Since ∫₀^∞ e^{tL}dt = (−L)⁻¹ on centred functions,
ζ_ij = β⟨δX_i f_j⟩ with L f_j = −δX_j.  Integrating once,
p f_j′ = −(β/μ)Φ_j, Φ_j(x) = ∫_{−∞}^x δX_j p dy (the constant vanishes at
−∞), and by parts (Φ vanishes at ±∞ because ⟨δX⟩ = 0)

    ζ_ij = (β²/μ) ∫ Φ_i(x) Φ_j(x) / p(x) dx.

Exact for any confining 1-D energy; evaluated on the adaptive
Gauss–Legendre rule of :mod:`numeric.equilibrium` (found support), with Φ
integrated from the nearer tail so that it keeps its relative accuracy
where p is tiny.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ModelError, NumericalError

from ..equilibrium._api import beta_energy_of
from ..equilibrium._rules import found_rule_1d
from ..model import numeric_twin
from thermolearn.numeric.results import ResultMixin

__all__ = ["MomentsQuadrature", "moments_quadrature", "fisher_quadrature", "friction_quadrature"]


@dataclass(frozen=True)
class MomentsQuadrature(ResultMixin):
    """Model moments at one θ: ⟨∂θE⟩ (= ∂θF), Fisher information, friction, F."""

    theta: np.ndarray
    mean_dE: np.ndarray
    fisher: np.ndarray
    friction: np.ndarray
    free_energy: float


def moments_quadrature(model, theta, *, values=None, friction: bool = True, near=None) -> MomentsQuadrature:
    """All 1-D metric quantities at ``theta`` by composite Gauss–Legendre quadrature.

    The rule is :func:`numeric.equilibrium.equilibrium_rule`'s 1-D rule
    (support found around the mode, βΔE = 50 at the ends, panels doubled
    until converged); Φ is integrated spectrally inside each panel, from
    the left tail on the left of the mode and from the right tail on its
    right.  I = β² Cov_m(∂θE) (arXiv 2510.03137).  ``near``: the support
    (:class:`numeric.equilibrium.Support1D`) found at a nearby θ, reused
    where it still holds (``found_rule_1d``; the tail-mass test and the
    panel refinement decide as for a fresh search).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> r = moments_quadrature(harmonic_trap(k=2), 0.3, values={"beta": 1, "mu": 1})
    >>> round(float(r.fisher[0, 0]), 10), round(float(r.friction[0, 0]), 10)
    (2.0, 1.0)
    """
    return _moments(model, theta, values=values, friction=friction, near=near)[0]


def _moments(model, theta, *, values=None, friction: bool = True, near=None):
    """:func:`moments_quadrature` and the support its rule used (for the next θ's ``near``)."""
    tw = numeric_twin(model, values)
    if tw.d != 1:
        raise ModelError(f"quadrature needs one sample coordinate, the model has {tw.d}; use friction_generator")
    th = tw.theta_vector(theta)
    beta, mu, n = tw.beta, tw.mu, tw.n
    rule = found_rule_1d(beta_energy_of(tw, th), th, text=tw.text, near=near)
    X = tw.dE_dtheta(rule.panels[..., None], th)  # (2P, q, n)
    mean = np.einsum("pq,pqi->i", rule.qw * rule.p, X) / np.sum(rule.qw * rule.p)
    dX = X - mean
    fisher = beta**2 * rule.expect(np.einsum("pqi,pqj->pqij", dX, dX).reshape(-1, n, n))
    _check_resolved(np.sqrt(np.abs(np.diag(fisher))) / beta, np.sqrt(rule.expect((X * X).reshape(-1, n))),
                    th, tw.text)
    zeta = np.full((n, n), np.nan)
    if friction:
        z = float(np.sum(rule.qw * rule.p))
        phi = rule.tail_integral(dX * rule.p[..., None])  # Z·Φ
        # nodes where p ≤ 1e-290 carry ZΦ ~ p there too: ΦΦᵀ/p ~ p, nothing next to the peak's O(1)
        w = np.divide(rule.qw, rule.p, out=np.zeros_like(rule.p), where=rule.p > 1e-290)
        zeta = beta**2 / mu * np.einsum("pq,pqi,pqj->ij", w, phi, phi) / z
    if not (np.all(np.isfinite(fisher)) and np.all(np.isfinite(mean)) and np.all(np.isfinite(zeta) | ~friction)):
        raise NumericalError(f"quadrature produced non-finite moments at theta = {th.tolist()} for {tw.text}")
    fisher, zeta = (fisher + fisher.T) / 2, (zeta + zeta.T) / 2
    return MomentsQuadrature(th, mean, fisher, zeta, -rule.log_z / beta), rule.support


#: The spread of ∂θE under p_m must exceed this many float64 ulps of its size (root mean square):
#: below it, X − ⟨X⟩ is rounding noise of the evaluation of X (Var ≈ (ε·rms)²), and the Fisher
#: information and friction are noise that looks like tiny positive numbers (their ratio, the
#: relaxation time, is then meaningless).  At 1e3 ulps the variance is still ~2e-3 accurate.
RESOLVED_ULPS = 1e3


def _check_resolved(spread, rms, th, text) -> None:
    """Raise :class:`NumericalError` where sd(∂θᵢE) ≤ RESOLVED_ULPS·ε·rms(∂θᵢE) under p_m.

    E.g. softplus(2(x − θ)) + x²/8 at θ = −600: ∂θE = −2σ(2(x − θ)) = −2 + O(e^−1200) on the
    support of p_m, so its variance (~1e-1200) is far below what float64 resolves around −2.
    """
    bad = np.flatnonzero(spread <= RESOLVED_ULPS * np.finfo(float).eps * rms)
    if bad.size:
        i = int(bad[0])
        raise NumericalError(
            f"at theta = {th.tolist()} the derivative dE/dtheta{'' if th.size == 1 else f'[{i}]'} of {text} "
            f"varies over p_m by less than float64 resolves (spread {spread[i]:.3g} around magnitude {rms[i]:.3g}): "
            "p_m practically does not depend on this parameter there; the Fisher information and friction are "
            "not resolved"
        )


def fisher_quadrature(model, theta, *, values=None) -> np.ndarray:
    """I = β² Cov_m(∂θE) by quadrature (1-D x), shape (n, n)."""
    return moments_quadrature(model, theta, values=values, friction=False).fisher


def friction_quadrature(model, theta, *, values=None) -> np.ndarray:
    """ζ = (β²/μ)∫ΦΦᵀ/p dx (module docstring), shape (n, n)."""
    return moments_quadrature(model, theta, values=values).friction
