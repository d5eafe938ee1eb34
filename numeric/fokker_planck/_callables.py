"""The Fokker–Planck solver's view of the numeric twin: coordinates as a tuple of arrays.

The grid solvers hold meshes as one array per coordinate and want the
coordinate axis first; :class:`NumericEnergy` adapts
:class:`numeric.model.NumericTwin` (shape convention (..., d)) to that
layout without lambdifying anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import NumericTwin, numeric_twin

__all__ = ["NumericEnergy", "numeric_energy"]


def _stack(xs) -> np.ndarray:
    return np.stack(np.broadcast_arrays(*[np.asarray(c, dtype=float) for c in xs]), axis=-1)


@dataclass(frozen=True)
class NumericEnergy:
    """A :class:`NumericTwin` taking ``xs`` = (x_1, ..., x_d) and returning the component axis first.

    ``energy(xs, θ)`` has the broadcast shape of ``xs``; ``dE_dtheta``,
    ``grad_x`` and ``hess_diag`` (the diagonal of ∇ₓ²E) have shapes
    (n_theta, *shape), (d, *shape), (d, *shape).
    """

    twin: NumericTwin

    beta = property(lambda self: self.twin.beta)
    mu = property(lambda self: self.twin.mu)
    dim = property(lambda self: self.twin.d)
    n_theta = property(lambda self: self.twin.n)
    text = property(lambda self: self.twin.text)

    def energy(self, xs, theta):
        return self.twin.energy(_stack(xs), theta)

    def dE_dtheta(self, xs, theta):
        return np.moveaxis(self.twin.dE_dtheta(_stack(xs), theta), -1, 0)

    def grad_x(self, xs, theta):
        return np.moveaxis(self.twin.grad_x(_stack(xs), theta), -1, 0)

    def hess_diag(self, xs, theta):
        return np.moveaxis(np.diagonal(self.twin.hess_x(_stack(xs), theta), axis1=-2, axis2=-1), -1, 0)


def numeric_energy(model) -> NumericEnergy:
    """The grid-layout view of :func:`numeric.model.numeric_twin` (cached there).

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
    return NumericEnergy(numeric_twin(model))
