"""Vectorised numpy callables E, ∇ₓE and ∂θE built from an EnergyModel.

The model's β, μ and constants must be numbers; the callables take a tuple
of coordinate arrays and a 1-D parameter array and broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import sympy as sp

from thermolearn.theory import ParameterError

__all__ = ["NumericEnergy", "numeric_energy"]


@dataclass(frozen=True)
class NumericEnergy:
    """Numeric twin of an :class:`theory.EnergyModel` (β, μ numbers).

    Attributes
    ----------
    energy : callable
        ``energy(xs, theta)`` → E on the broadcast shape of ``xs``.
    dE_dtheta : callable
        ``dE_dtheta(xs, theta)`` → array (n_theta, *shape).
    grad_x, hess_diag : callable
        ∇ₓE and the diagonal of the Hessian, arrays (d, *shape).
    beta, mu : float
    dim, n_theta : int
    text : str
        The energy expression, for error messages.
    """

    energy: Callable
    dE_dtheta: Callable
    grad_x: Callable
    hess_diag: Callable
    beta: float
    mu: float
    dim: int
    n_theta: int
    text: str


def _vector(fns, xs, theta):
    shape = np.broadcast(*xs).shape
    with np.errstate(all="ignore"):  # non-finite values are reported by the callers
        return np.stack([np.broadcast_to(np.asarray(f(*xs, *theta), dtype=float), shape) for f in fns])


def _unroll_powers(expr):
    """Write small integer powers as products (x*x*x): numpy's pow is ~10x slower."""
    return expr.replace(
        lambda a: a.is_Pow and a.exp.is_Integer and 2 <= a.exp <= 8,
        lambda a: sp.Mul(*[a.base] * int(a.exp), evaluate=False),
    )


@lru_cache(maxsize=64)
def numeric_energy(model) -> NumericEnergy:
    """Lambdify ``model`` into :class:`NumericEnergy`.

    Cached per model (models are immutable), so repeated solver calls do
    not lambdify again.

    Raises
    ------
    ParameterError
        When β, μ or a constant is still symbolic.

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> ne = numeric_energy(harmonic_trap(k=1, beta=1, mu=1))
    >>> float(ne.energy((np.array(2.0),), np.array([1.0])))
    0.5
    """
    free = set()
    for s in (model.beta, model.mu):
        free |= sp.sympify(s).free_symbols
    free |= set(model.constants)
    if free:
        raise ParameterError(
            f"the numeric solvers need numbers for beta, mu and constants; "
            f"still symbolic: {sorted(s.name for s in free)} (give values, e.g. --set NAME=VALUE)"
        )
    args = (*model.x, *model.theta)
    lam = lambda expr: sp.lambdify(args, _unroll_powers(expr), "numpy")
    e = lam(model.energy)
    dth = [lam(d) for d in model.dE_dtheta]
    gx = [lam(sp.diff(model.energy, xi)) for xi in model.x]
    hx = [lam(sp.diff(model.energy, xi, 2)) for xi in model.x]

    def energy(xs, theta):
        shape = np.broadcast(*xs).shape
        with np.errstate(all="ignore"):  # non-finite values are reported by the callers
            return np.broadcast_to(np.asarray(e(*xs, *theta), dtype=float), shape)

    return NumericEnergy(
        energy=energy,
        dE_dtheta=lambda xs, theta: _vector(dth, xs, theta),
        grad_x=lambda xs, theta: _vector(gx, xs, theta),
        hess_diag=lambda xs, theta: _vector(hx, xs, theta),
        beta=float(model.beta),
        mu=float(model.mu),
        dim=len(model.x),
        n_theta=len(model.theta),
        text=str(model.energy),
    )
