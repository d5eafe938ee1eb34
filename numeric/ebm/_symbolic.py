"""A ``theory.EnergyModel`` as a batched energy family (interface of :mod:`numeric.ebm._families`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._families import check_batch

if TYPE_CHECKING:  # numeric.model loads the code generator: imported where a twin is built
    from ..model import NumericTwin

__all__ = ["SymbolicFamily"]


@dataclass(frozen=True)
class SymbolicFamily:
    """A ``theory.EnergyModel`` as a batched family: a view of its :func:`numeric.model.numeric_twin`.

    β, μ and named constants must have numbers (``values``); the twin
    compiles E, ∇ₓE and ∂θE once (cached per model).

    >>> from thermolearn.theory.models import quadratic_2d
    >>> fam = SymbolicFamily.from_model(quadratic_2d([[2, 0], [0, 1]]), {"beta": 1, "mu": 1})
    >>> fam.grad_theta(np.array([[1.0, 1.0]]), np.zeros(2)).tolist()
    [[-2.0, -1.0]]
    """

    twin: NumericTwin

    model = property(lambda self: self.twin.model)
    dim_x = property(lambda self: self.twin.d)
    dim_theta = property(lambda self: self.twin.n)
    names = property(lambda self: tuple(s.name for s in self.twin.model.theta))

    @classmethod
    def from_model(cls, model, values=None) -> "SymbolicFamily":
        from ..model import numeric_twin

        return cls(numeric_twin(model, values))

    def __reduce__(self):  # lambdified code does not pickle: rebuild from the model
        return (SymbolicFamily.from_model, (self.model,))

    def _call(self, name, x, theta, *shape):
        x, th = check_batch(self, x, theta)
        return np.broadcast_to(getattr(self.twin, name)(x, th), (x.shape[0], *shape)).copy()

    def energy(self, x, theta):
        return self._call("energy", x, theta)

    def grad_x(self, x, theta):
        return self._call("grad_x", x, theta, self.dim_x)

    def grad_theta(self, x, theta):
        return self._call("dE_dtheta", x, theta, self.dim_theta)
