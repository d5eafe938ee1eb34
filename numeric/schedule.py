"""Learning-rate schedules as numeric objects (shared by every simulator).

A schedule drives the persistent-chain gradient flow (arXiv 2510.03137,
learning dynamics)

    dθ/dt = −H(t, θ) ∇̃L(θ, t),   ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s),

where ``H`` is a scalar learning rate η(t) or a learning-rate matrix.
Delta functions in η are :class:`Kick` s: a kick of weight ``w`` at time
``t_k`` is the finite update obtained by integrating dθ/ds = −w ∇̃L(θ) over
s ∈ [0, 1] with the chains frozen (they cannot move in zero time).  For
energies linear in θ through a quadratic trap (∇̃L independent of θ at
frozen chains) this is exactly θ ← θ − w ∇̃L.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thermolearn.theory import ParameterError
from thermolearn.numeric.results import ResultMixin

__all__ = ["Kick", "Schedule"]


@dataclass(frozen=True)
class Kick:
    """A delta function w·δ(t − time) in the learning rate.

    ``weight`` is a scalar or an (n, n) matrix (a matrix kick).
    """

    time: float
    weight: float | np.ndarray

    def __post_init__(self):
        if not np.isfinite(self.time):
            raise ParameterError(f"Kick.time must be finite, got {self.time!r}")
        w = np.asarray(self.weight, dtype=float)
        if not np.all(np.isfinite(w)):
            raise ParameterError(f"Kick.weight must be finite, got {self.weight!r}")


@dataclass(frozen=True)
class Schedule(ResultMixin):
    """A learning-rate protocol on [0, tau].

    Attributes
    ----------
    name : str
        e.g. ``"constant"``, ``"discontinuous"``, ``"geodesic"``.
    rate : callable
        ``rate(t, theta)`` → scalar η(t) or (n, n) matrix H(t, θ); ``theta``
        is a 1-D array of the current parameters (schedules that do not
        depend on θ ignore it).
    tau : float
        Protocol duration (> 0).
    kicks : tuple of Kick
        Delta functions in η, applied at their times (at t = 0 after the
        initial state, at t = tau as the last update).
    description : str
        The formula, for reports.
    """

    name: str
    rate: Callable[[float, np.ndarray], float | np.ndarray]
    tau: float
    kicks: tuple[Kick, ...] = field(default=())
    description: str = ""

    def __post_init__(self):
        if not (np.isfinite(self.tau) and self.tau > 0):
            raise ParameterError(f"tau must be positive and finite, got {self.tau!r}")
        for k in self.kicks:
            if not (0.0 <= k.time <= self.tau):
                raise ParameterError(f"kick time {k.time} lies outside [0, tau={self.tau}]")
