"""What the persistent-chain simulator needs of the equilibrium, as fast callables.

At any θ: the free energy F(θ) = −β⁻¹ ln Z(θ), the data moments
⟨E(·,θ)⟩_d and ⟨∂θE(·,θ)⟩_d for data drawn from p_m(θ*) (arXiv 2510.03137;
Entropy 26, 112 (2024)), and, for the exact Ornstein–Uhlenbeck step, the
Gaussian form of p_m.  Everything comes from the numeric twin
(:mod:`numeric.model`) and :mod:`numeric.equilibrium` (closed form first,
then quadrature on the found support); nothing is re-derived here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from thermolearn.theory import EnergyModel

from ..equilibrium import (closed_free_energy, equilibrium_rule, free_energy, gaussian_moments,
                           sample_equilibrium)
from ..model import NumericTwin, numeric_twin

__all__ = ["Thermo", "thermo_for"]


def _last_two(fn):
    """``fn(theta)`` remembered for the last two θ (a step reads θ_n and θ_{n+1}); values are read-only."""
    memo: dict = {}

    def at(theta):
        key = np.asarray(theta, dtype=float).tobytes()
        v = memo.get(key)
        if v is None:
            if len(memo) >= 2:
                del memo[next(iter(memo))]
            v = memo[key] = fn(theta)
        return v

    return at


@dataclass(frozen=True)
class Thermo:
    """Numeric callables of one model (all take θ as a 1-D float array).

    Attributes
    ----------
    beta, mu : float
    quadratic : bool
        True when the Gaussian closed forms (and the exact OU step) apply.
    energy : callable ``energy(X, theta) -> (N,)``, X of shape (N, d)
    dE_dtheta : callable ``dE_dtheta(X, theta) -> (N, n)``
    drift : callable ``drift(X, theta) -> (N, d)``, −μ∇ₓE
    gaussian : callable ``theta -> (mean (d,), Hessian A (d, d))`` (p_m = N(mean, A⁻¹/β)) or None
    free_energy, data_energy : callable ``theta -> float``
    data_gradient : callable ``theta -> (n,)``, ⟨∂θE⟩_d
    curvature : callable ``(X, theta) -> float``, max eigenvalue of ∇ₓ²E over the samples (Euler stability)
    sample : callable ``(theta, n, rng) -> (n, d)``, independent samples of p_m(θ)
    """

    beta: float
    mu: float
    d: int
    n: int
    quadratic: bool
    energy: Callable
    dE_dtheta: Callable
    drift: Callable
    gaussian: Callable | None
    free_energy: Callable
    data_energy: Callable
    data_gradient: Callable
    curvature: Callable
    sample: Callable
    twin: NumericTwin

    def for_run(self) -> "Thermo":
        """A copy for one run along a path of θ: each θ-dependent quantity evaluated once per θ.

        The Gaussian form, F, ⟨E⟩_d and ⟨∂θE⟩_d are remembered for the last
        two θ, the closed-form F reuses the normalisability test of the
        Gaussian form, and a 1-D quadrature reuses the support found at the
        previous θ where it still holds (:func:`numeric.equilibrium.equilibrium_rule`,
        ``near``).  Fresh state per run: results do not depend on earlier runs.
        """
        tw, gaussian = self.twin, self.gaussian
        F = closed_free_energy(tw) if self.quadratic else None
        if gaussian is not None:
            gaussian = _last_two(gaussian)
        if F is not None:
            def fe(th):
                gaussian(th)  # NumericalError where p_m is not normalisable
                return float(F(*th))
        elif tw.d == 1 and not self.quadratic:
            near: list = [None]

            def fe(th):
                r = equilibrium_rule(tw, th, near=near[0])
                near[0] = r.support
                return -r.log_z / tw.beta
        else:
            fe = self.free_energy
        return dataclasses.replace(self, gaussian=gaussian, free_energy=_last_two(fe),
                                   data_energy=_last_two(self.data_energy),
                                   data_gradient=_last_two(self.data_gradient))


def thermo_for(model: EnergyModel, target: np.ndarray) -> Thermo:
    """Build the callables of ``model`` with data drawn from p_m(θ* = ``target``).

    Raises
    ------
    ParameterError
        β, μ or a constant still symbolic (give them with --set NAME=VALUE).
    NumericalError
        p_m(θ*) cannot be resolved (not normalisable, or no quadrature in
        more than two non-Gaussian coordinates).
    """
    tw = numeric_twin(model)
    rule = equilibrium_rule(tw, target)  # the data distribution, resolved once
    quadratic = model.is_quadratic()

    def gaussian(th):
        m, S = gaussian_moments(tw, th)
        return m, np.linalg.inv(tw.beta * S) if tw.d > 1 else 1.0 / (tw.beta * S)

    def curvature(X, th):
        H = tw.hess_x(X[:1] if quadratic else X, th)
        return float(np.max(H if tw.d == 1 else np.linalg.eigvalsh(H)))

    return Thermo(
        tw.beta, tw.mu, tw.d, tw.n, quadratic, tw.energy, tw.dE_dtheta, tw.drift,
        gaussian if quadratic else None,
        lambda th: free_energy(tw, th),
        lambda th: float(rule.expect(tw.energy(rule.x, th))),
        lambda th: np.asarray(rule.expect(tw.dE_dtheta(rule.x, th)), dtype=float).reshape(tw.n),
        curvature,
        lambda th, n, rng: sample_equilibrium(tw, th, n, rng),
        tw,
    )
