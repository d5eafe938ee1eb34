"""A ``theory.EnergyModel`` as a batched energy family (interface of :mod:`numeric.ebm._families`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thermolearn.theory import ModelError

from ._families import check_batch

__all__ = ["SymbolicFamily"]


@dataclass(frozen=True)
class SymbolicFamily:
    """A ``theory.EnergyModel`` as a batched family (through ``numeric.codegen.lambdify``).

    β, μ and named constants must have numbers (``values``); E, ∇ₓE and ∂θE
    are lambdified once with common-subexpression elimination.

    >>> from thermolearn.theory.models import quadratic_2d
    >>> fam = SymbolicFamily.from_model(quadratic_2d([[2, 0], [0, 1]]), {"beta": 1, "mu": 1})
    >>> fam.grad_theta(np.array([[1.0, 1.0]]), np.zeros(2)).tolist()
    [[-2.0, -1.0]]
    """

    model: object
    dim_x: int
    dim_theta: int
    names: tuple
    _E: Callable = field(repr=False)
    _gx: Callable = field(repr=False)
    _gt: Callable = field(repr=False)

    @classmethod
    def from_model(cls, model, values=None) -> "SymbolicFamily":
        from thermolearn.numeric.codegen import lambdify

        vals = dict(values or {})
        if vals:
            model = model.substitute(vals)
        free = sorted(c.name for c in model.constants)
        if free:
            raise ModelError(f"symbolic family needs numbers for the constant(s) {free}; pass values=")
        args = (*model.x, *model.theta)
        try:
            E = lambdify(model.energy, args)
            gx = lambdify(tuple(model.grad_x), args)
            gt = lambdify(tuple(model.dE_dtheta), args)
        except ModelError as exc:
            raise ModelError(f"symbolic family: {exc} (give beta/mu numbers if the energy uses them)") from None
        return cls(model, len(model.x), len(model.theta), tuple(s.name for s in model.theta), E, gx, gt)

    def __reduce__(self):  # lambdified code does not pickle: rebuild from the model
        return (SymbolicFamily.from_model, (self.model,))

    def _call(self, f, x, theta):
        x, th = check_batch(self, x, theta)
        return np.asarray(f(*x.T, *th), dtype=float)

    def energy(self, x, theta):
        return np.broadcast_to(self._call(self._E, x, theta), (np.shape(x)[0],)).copy()

    def grad_x(self, x, theta):
        return np.broadcast_to(self._call(self._gx, x, theta), (np.shape(x)[0], self.dim_x)).copy()

    def grad_theta(self, x, theta):
        return np.broadcast_to(self._call(self._gt, x, theta), (np.shape(x)[0], self.dim_theta)).copy()
