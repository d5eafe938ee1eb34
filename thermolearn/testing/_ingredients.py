"""The ingredients the theorem checks test, each replaceable (e.g. by a wrong one).

:class:`Providers` names where every checked quantity comes from.  The
defaults are the project's own implementations: the Fokker–Planck operator
of :mod:`theory.derive`, the Boltzmann density of the model, the metric of
:mod:`numeric.metric` (closed forms where they exist), H(t) of
:mod:`theory.metric`, the quadrature free energy, exact equilibrium draws
and a MALA sampler.  Each check compares an ingredient against a reference
computed by a *different* route (see :mod:`thermolearn.testing`), so a
wrong ingredient — a friction tensor ×2, a sampler that never moves, a drift
with the wrong sign — fails a check by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from ._oracles import _free_energy, fokker_planck_rhs, learning_rate_matrix
from ._sampling import exact_equilibrium, mala

__all__ = ["Providers", "fisher_auto", "friction_auto"]


@lru_cache(maxsize=8)
def _field(model):
    from thermolearn.numeric.metric import metric_field

    return metric_field(model)


def _metric_point(num, theta):
    return _field(num.model)(np.asarray(theta, dtype=float))


def fisher_auto(num, theta) -> np.ndarray:
    """Fisher information from :func:`numeric.metric.metric_field`."""
    return np.atleast_2d(_metric_point(num, theta).fisher)


def friction_auto(num, theta) -> np.ndarray:
    """Friction tensor from :func:`numeric.metric.metric_field`."""
    return np.atleast_2d(_metric_point(num, theta).friction)


def _boltzmann(model):
    return model.boltzmann_weight


def _statistics(num):
    return num.X


@dataclass(frozen=True)
class Providers:
    """Where each checked quantity comes from (replace one to inject a bug).

    Attributes
    ----------
    fokker_planck : (model, p) -> sympy.Expr
        Right-hand side ∂p/∂t of the Fokker–Planck equation applied to ``p``.
    density : model -> sympy.Expr
        The claimed stationary density (unnormalised).
    free_energy : (num, theta) -> float
        F(θ) = −β⁻¹ ln Z(θ).
    dE_dtheta : num -> callable(*x, *theta)
        The sufficient statistics X = ∂θE (last axis: parameters).
    fisher, friction : (num, theta) -> ndarray (n, n)
        Fisher information I and friction tensor ζ at θ.
    learning_rate_matrix : (zeta, fisher, beta, t, tau) -> ndarray
        H(t).
    sampler : (num, x, theta, dt, steps, rng) -> ndarray
        Overdamped Langevin dynamics at fixed θ (positions (n, d)).
    equilibrium : (num, theta, n, rng) -> ndarray
        Independent draws from p_m(θ).
    """

    fokker_planck: Callable = fokker_planck_rhs
    density: Callable = _boltzmann
    free_energy: Callable = _free_energy
    dE_dtheta: Callable = _statistics
    fisher: Callable = fisher_auto
    friction: Callable = friction_auto
    learning_rate_matrix: Callable = learning_rate_matrix
    sampler: Callable = mala
    equilibrium: Callable = exact_equilibrium
