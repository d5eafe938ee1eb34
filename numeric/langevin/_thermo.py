"""What the persistent-chain simulator needs beyond the numeric twin, per run.

At any θ: the free energy F(θ) = −β⁻¹ ln Z(θ), the data moments
⟨E(·,θ)⟩_d and ⟨∂θE(·,θ)⟩_d for data drawn from p_m(θ*) (arXiv 2510.03137;
Entropy 26, 112 (2024)), and, for the exact Ornstein–Uhlenbeck step, the
Gaussian form of p_m.  Everything comes from the numeric twin
(:mod:`numeric.model`) and :mod:`numeric.equilibrium` (closed form first,
then quadrature on the found support); nothing is re-derived here, and the
twin's own callables (β, μ, E, ∂θE, drift, ...) are read through.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from thermolearn.theory import EnergyModel

from ..equilibrium import closed_free_energy, equilibrium_rule, free_energy
from ..equilibrium._api import gaussian_form
from ..model import NumericTwin, numeric_twin, theta_memo

__all__ = ["Thermo", "thermo_for"]

#: The twin's attributes a Thermo reads through (a typo elsewhere stays an AttributeError).
_TWIN = frozenset({"beta", "mu", "d", "n", "energy", "dE_dtheta", "drift", "grad_x", "hess_x", "frozen"})


@dataclass(frozen=True)
class Thermo:
    """One run's view of a model: the twin plus F and the data moments along the path of θ.

    Attributes
    ----------
    twin : NumericTwin
        β, μ, d, n, ``energy``, ``dE_dtheta``, ``drift``, ... are read through from it.
    quadratic : bool
        True when the Gaussian closed forms (and the exact OU step) apply.
    gaussian : callable ``theta -> (mean (d,), Hessian A (d, d))`` (p_m = N(mean, A⁻¹/β)) or None
    free_energy, data_energy : callable ``theta -> float``
    data_gradient : callable ``theta -> (n,)``, ⟨∂θE⟩_d

    θ-dependent values are remembered for the last two θ (a step reads θ_n
    and θ_{n+1}; fresh state per run: results do not depend on earlier runs).
    """

    twin: NumericTwin
    quadratic: bool
    gaussian: Callable | None
    free_energy: Callable
    data_energy: Callable
    data_gradient: Callable

    def __post_init__(self):  # the twin's attributes, read through as plain attributes (no per-access cost)
        for name in _TWIN:
            object.__setattr__(self, name, getattr(self.twin, name))

    def curvature(self, X, theta) -> float:
        """Max eigenvalue of ∇ₓ²E over the chains X (Euler stability; one row for a quadratic energy)."""
        H = self.twin.hess_x(X[:1] if self.quadratic else X, theta)
        return float(np.max(H if self.twin.d == 1 else np.linalg.eigvalsh(H)))


@functools.lru_cache(maxsize=32)
def _data_rule(tw: NumericTwin, target: tuple):
    return equilibrium_rule(tw, np.asarray(target, dtype=float))  # the data distribution, resolved once


def _gaussian_form(moments, beta, d, th):
    m, S = moments(th)  # numeric.equilibrium.gaussian_moments; NumericalError where p_m is not normalisable
    return m, np.linalg.inv(beta * S) if d > 1 else 1.0 / (beta * S)


def thermo_for(model: EnergyModel, target) -> Thermo:
    """A fresh per-run :class:`Thermo` of ``model`` with data drawn from p_m(θ* = ``target``).

    The closed-form F reuses the normalisability test of the (remembered)
    Gaussian form; a 1-D quadrature reuses the support found at the previous θ
    where it still holds (:func:`numeric.equilibrium.equilibrium_rule`, ``near``);
    the data rule is resolved once per (model, θ*), on first use.

    Raises
    ------
    ParameterError
        β, μ or a constant still symbolic (give them with --set NAME=VALUE).
    NumericalError
        p_m(θ*) cannot be resolved (not normalisable, or no quadrature in
        more than two non-Gaussian coordinates).
    """
    tw = numeric_twin(model)
    key = tuple(np.asarray(target, dtype=float).reshape(-1).tolist())
    quadratic = model.is_quadratic()
    F = closed_free_energy(tw) if quadratic else None
    gaussian = theta_memo(functools.partial(_gaussian_form, gaussian_form(tw), tw.beta, tw.d), 2) if quadratic else None
    if F is not None:
        def fe(th):
            gaussian(th)
            return float(F(*th))
    elif tw.d == 1 and not quadratic:
        near: list = [None]

        def fe(th):
            r = equilibrium_rule(tw, th, near=near[0])
            near[0] = r.support
            return -r.log_z / tw.beta
    else:
        def fe(th):
            return free_energy(tw, th)

    rule: list = []  # resolved on first use, once per run (the cache lookup hashes the model)

    def data(values, th):
        if not rule:
            rule.append(_data_rule(tw, key))
        return rule[0].expect(values(rule[0].x, th))

    def data_energy(th):
        return float(data(tw.energy, th))

    def data_gradient(th):
        return np.asarray(data(tw.dE_dtheta, th), dtype=float).reshape(tw.n)

    return Thermo(tw, quadratic, gaussian, theta_memo(fe, 2), theta_memo(data_energy, 2), theta_memo(data_gradient, 2))
