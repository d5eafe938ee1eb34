"""Numeric callables of a model at fixed β, μ and constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import sympy as sp

from thermolearn.theory import ParameterError

__all__ = ["NumericModel", "numeric_model"]


@dataclass(frozen=True)
class NumericModel:
    """Vectorised E, ∇ₓE and ∂θE of a model with numbers for β, μ, constants.

    ``energy(x, theta)``, ``grad_x(x, theta)`` and ``dE_dtheta(x, theta)``
    take ``x`` of shape (..., d) and ``theta`` of shape (n,) and return
    shapes (...), (..., d) and (..., n).
    """

    model: object
    beta: float
    mu: float
    d: int
    n: int
    _E: Callable
    _gx: Callable
    _X: Callable

    def energy(self, x, theta):
        x = np.asarray(x, float)
        return np.broadcast_to(self._E(*np.moveaxis(x, -1, 0), *theta), x.shape[:-1]).astype(float)

    def grad_x(self, x, theta):
        x = np.asarray(x, float)
        cols = [np.broadcast_to(c, x.shape[:-1]) for c in self._gx(*np.moveaxis(x, -1, 0), *theta)]
        return np.stack(cols, axis=-1).astype(float)

    def dE_dtheta(self, x, theta):
        x = np.asarray(x, float)
        cols = [np.broadcast_to(c, x.shape[:-1]) for c in self._X(*np.moveaxis(x, -1, 0), *theta)]
        return np.stack(cols, axis=-1).astype(float)


def numeric_model(model, values: Mapping[str, float] | None = None) -> NumericModel:
    """Substitute ``values`` (β, μ, constants by name) and lambdify.

    Raises :class:`ParameterError` if β, μ or a constant is left symbolic.

    >>> from thermolearn.theory.models import quartic
    >>> nm = numeric_model(quartic(), {"beta": 1, "mu": 2})
    >>> float(nm.energy(np.array([1.0]), (0.5,)))
    -0.25
    """
    vals = {k: v for k, v in (values or {}).items() if k not in {s.name for s in (*model.theta, *model.x)}}
    if vals:
        model = model.substitute(vals)
    beta, mu = sp.sympify(model.beta), sp.sympify(model.mu)
    missing = sorted({s.name for s in beta.free_symbols | mu.free_symbols} | {c.name for c in model.constants})
    if missing:
        raise ParameterError(f"numeric evaluation needs values for {missing}; pass them as NAME=VALUE")
    args = (*model.x, *model.theta)
    E = sp.lambdify(args, model.energy, "numpy")
    gx = sp.lambdify(args, list(model.grad_x), "numpy")
    X = sp.lambdify(args, list(model.dE_dtheta), "numpy")
    return NumericModel(model, float(beta), float(mu), len(model.x), len(model.theta), E, gx, X)


def theta_vector(nm: NumericModel, theta) -> np.ndarray:
    """θ as a float array of length n (ParameterError otherwise)."""
    th = np.atleast_1d(np.asarray(theta, dtype=float))
    if th.shape != (nm.n,) or not np.all(np.isfinite(th)):
        raise ParameterError(f"theta must be {nm.n} finite number(s), got {theta!r}")
    return th
