"""The ingredients the theorem checks test, each replaceable (e.g. by a wrong one).

:class:`Providers` names where every checked quantity comes from.  The
defaults are the project's own implementations: the Fokker–Planck operator
of :mod:`theory.derive`, the Boltzmann density of the model, the metric of
:func:`numeric.metric.metric_field` (closed forms where they exist), H(t)
of :mod:`theory.metric`, the free energy and exact equilibrium draws of
:mod:`numeric.equilibrium` (closed form first) and the MALA stepper of
:data:`numeric.langevin.STEPPERS`.  Each check compares an ingredient
against a reference computed by a *different* route (see
:mod:`thermolearn.testing`), so a wrong ingredient — a friction tensor ×2,
a sampler that never moves, a drift with the wrong sign — fails a check by
name.  ``num`` below is the model's :class:`numeric.model.NumericTwin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Callable

import numpy as np

from thermolearn.numeric.equilibrium import free_energy, sample_equilibrium
from thermolearn.numeric.langevin import get_stepper

from ._oracles import fokker_planck_rhs, learning_rate_matrix

__all__ = ["Providers", "cached_free_energy", "fisher_auto", "friction_auto", "mala_sampler"]


@lru_cache(maxsize=8)
def _field(model):
    from thermolearn.numeric.metric import metric_field

    return metric_field(model)


def fisher_auto(num, theta) -> np.ndarray:
    """Fisher information from :func:`numeric.metric.metric_field`."""
    return np.atleast_2d(_field(num.model)(np.asarray(theta, dtype=float)).fisher)


def friction_auto(num, theta) -> np.ndarray:
    """Friction tensor from :func:`numeric.metric.metric_field`."""
    return np.atleast_2d(_field(num.model)(np.asarray(theta, dtype=float)).friction)


@lru_cache(maxsize=256)
def _free_energy_at(num, theta: tuple) -> float:
    return free_energy(num, np.array(theta))


def cached_free_energy(num, theta) -> float:
    """F(θ) of :func:`numeric.equilibrium.free_energy` (closed form first), computed once per (twin, θ).

    The checks ask for F at the same few θ (the two points, the ramp's end)
    in every check and every seed; each numeric F is a quadrature rule.
    """
    return _free_energy_at(num, tuple(float(t) for t in num.theta_vector(theta)))


def mala_sampler(num, x, theta, dt: float, steps: int, rng) -> np.ndarray:
    """``steps`` steps of the registry's MALA stepper at fixed θ (p_m(θ) exactly invariant); new positions."""
    x = np.array(x, dtype=float)
    get_stepper("mala").advance(x, np.asarray(theta, dtype=float), num, dt, steps, rng, np.empty_like(x))
    return x


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
    dE_dtheta : num -> callable(x, theta)
        The sufficient statistics X = ∂θE, x of shape (..., d) → (..., n).
    fisher, friction : (num, theta) -> ndarray (n, n)
        Fisher information I and friction tensor ζ at θ.
    learning_rate_matrix : (zeta, fisher, beta, t, tau) -> ndarray
        H(t).
    sampler : (num, x, theta, dt, steps, rng) -> ndarray
        Overdamped Langevin dynamics at fixed θ (positions (N, d)).
    equilibrium : (num, theta, n, rng) -> ndarray
        Independent draws from p_m(θ), shape (n, d).
    """

    fokker_planck: Callable = fokker_planck_rhs
    density: Callable = attrgetter("boltzmann_weight")
    free_energy: Callable = cached_free_energy
    dE_dtheta: Callable = attrgetter("dE_dtheta")
    fisher: Callable = fisher_auto
    friction: Callable = friction_auto
    learning_rate_matrix: Callable = learning_rate_matrix
    sampler: Callable = mala_sampler
    equilibrium: Callable = sample_equilibrium
