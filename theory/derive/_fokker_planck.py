"""Fokker–Planck operator, probability current and the stationary density.

Overdamped Langevin sampling dx = −μ∇ₓE dt + sqrt(2μ/β) dW of the energy
E(x, θ) (arXiv 2510.03137, set-up) has the Fokker–Planck equation

    ∂p/∂t = μ ∇·(p ∇E) + (μ/β) Δp = −∇·J,   J = −μ (p ∇E + β⁻¹ ∇p),

and at frozen θ its stationary state is the Boltzmann density
p_m = exp(−βE)/Z, for which the current vanishes (detailed balance).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ._result import Derivation, fresh_symbol, reduce_to_zero

__all__ = ["FokkerPlanck", "Stationarity", "drift", "fokker_planck", "stationary_density"]


def drift(model) -> tuple[sp.Expr, ...]:
    """Langevin drift −μ∇ₓE (arXiv 2510.03137, set-up).

    >>> from thermolearn.theory import energy_model
    >>> drift(energy_model("(x - theta)**2/2"))
    (mu*theta - mu*x,)
    """
    return tuple(sp.expand(-model.mu * sp.diff(model.energy, xi)) for xi in model.x)


def _operator(model, p: sp.Expr) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    """(rhs, current) of the Fokker–Planck equation applied to density ``p``."""
    current = tuple(
        -model.mu * (p * sp.diff(model.energy, xi) + sp.diff(p, xi) / model.beta) for xi in model.x
    )
    rhs = -sum((sp.diff(j, xi) for j, xi in zip(current, model.x)), sp.S.Zero)
    return rhs, current


@dataclass(frozen=True)
class FokkerPlanck(Derivation):
    """The Fokker–Planck equation of the persistent-chain sampler.

    Attributes
    ----------
    density : sympy.Expr
        The unknown density p(x, t) as an applied function.
    rhs : sympy.Expr
        ∂p/∂t = μ∇·(p∇E) + (μ/β)Δp.
    current : tuple of sympy.Expr
        J = −μ(p∇E + β⁻¹∇p), so that ∂p/∂t = −∇·J.
    drift : tuple of sympy.Expr
        −μ∇ₓE.
    """

    density: sp.Expr
    rhs: sp.Expr
    current: tuple[sp.Expr, ...]
    drift: tuple[sp.Expr, ...]

    def latex_items(self):
        return [(r"\partial_t p", self.rhs), ("J", self.current), (r"\dot x_{\mathrm{drift}}", self.drift)]


@lru_cache(maxsize=128)
def fokker_planck(model) -> FokkerPlanck:
    """Fokker–Planck right-hand side and probability current of ``model``.

    Implements ∂p/∂t = μ∇·(p∇ₓE) + (μ/β)Δₓp = −∇·J with
    J = −μ(p∇ₓE + β⁻¹∇ₓp) (arXiv 2510.03137, set-up).

    >>> from thermolearn.theory import energy_model
    >>> fp = fokker_planck(energy_model("(x - theta)**2/2"))
    >>> fp.current
    (-mu*((-theta + x)*p(x, t) + Derivative(p(x, t), x)/beta),)
    """
    t = sp.Symbol("t", real=True)
    p = sp.Function("p")(*model.x, t)
    rhs, current = _operator(model, p)
    return FokkerPlanck(density=p, rhs=sp.expand(rhs), current=current, drift=drift(model))


@dataclass(frozen=True)
class Stationarity(Derivation):
    """The Boltzmann density and the proof that it is stationary.

    Attributes
    ----------
    density : sympy.Expr
        p_m = exp(−βE)/Z (``Z`` the partition-function symbol).
    partition_symbol : sympy.Symbol
    residual : sympy.Expr
        The Fokker–Planck right-hand side applied to ``density``, simplified.
    current_residual : tuple of sympy.Expr
        The probability current of ``density``, simplified (detailed balance).
    """

    density: sp.Expr
    partition_symbol: sp.Symbol
    residual: sp.Expr
    current_residual: tuple[sp.Expr, ...]

    @property
    def proved(self) -> bool:
        """True when the residual and the current simplified to exactly 0."""
        return self.residual == 0 and all(j == 0 for j in self.current_residual)

    def latex_items(self):
        return [("p_m", self.density), (r"\mathcal{L}^\dagger p_m", self.residual), ("J[p_m]", self.current_residual)]


@lru_cache(maxsize=128)
def stationary_density(model) -> Stationarity:
    """Boltzmann density p_m = exp(−βE)/Z and its stationarity proof.

    Substitutes p_m into the operator of :func:`fokker_planck` and
    simplifies: the right-hand side and each current component must be
    exactly 0 (arXiv 2510.03137, set-up: "its stationary state at frozen θ is p_m").

    >>> from thermolearn.theory import energy_model
    >>> s = stationary_density(energy_model("x**4/4 - theta*x"))
    >>> s.proved, s.residual
    (True, 0)
    """
    Z = fresh_symbol(model, "Z", positive=True)
    p = sp.exp(-model.beta * model.energy) / Z
    rhs, current = _operator(model, p)
    # Divide by the (positive) density before simplifying: the residual is
    # then a rational function of the derivatives of E only.
    residual = reduce_to_zero(rhs / p) * p
    currents = tuple(reduce_to_zero(j / p) * p for j in current)
    return Stationarity(density=p, partition_symbol=Z, residual=residual, current_residual=currents)
