"""Prescribed parameter protocols θ(t) on [0, τ], with jumps.

A protocol is a right-continuous θ(t) plus the times where it jumps; at a
jump the left value is θ(t⁻).  Work done by a jump at frozen density is
ΔW = ⟨E(θ⁺) − E(θ⁻)⟩_p (Sekimoto work; arXiv 2510.03137).
Forward/backward pairs for the Crooks relation use θ_B(t) = θ(τ − t).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thermolearn.theory import ParameterError

__all__ = ["Protocol"]


@dataclass(frozen=True)
class Protocol:
    """θ(t) on [0, tau].

    Attributes
    ----------
    theta : callable
        ``theta(t)`` → 1-D array, right-continuous.
    tau : float
    jumps : tuple of (time, left_value, right_value)
        Discontinuities (left/right values as 1-D arrays).
    name : str

    Examples
    --------
    >>> p = Protocol.linear([0.0], [2.0], 1.0)
    >>> p.theta(0.25).tolist(), p.reversed().theta(0.25).tolist()
    ([0.5], [1.5])
    """

    theta: Callable[[float], np.ndarray]
    tau: float
    jumps: tuple = field(default=())
    name: str = "protocol"

    def __post_init__(self):
        if not (np.isfinite(self.tau) and self.tau > 0):
            raise ParameterError(f"protocol tau must be positive and finite, got {self.tau!r}")
        for t, _, _ in self.jumps:
            if not 0 <= t <= self.tau:
                raise ParameterError(f"protocol jump time {t} lies outside [0, tau={self.tau}]")

    def __call__(self, t) -> np.ndarray:
        v = self.theta(float(t))
        if type(v) is np.ndarray and v.ndim == 1 and v.dtype == np.float64:  # already θ (the solvers ask per step)
            return v
        return np.atleast_1d(np.asarray(v, dtype=float))

    @classmethod
    def linear(cls, theta0, theta1, tau, *, name="linear"):
        """θ(t) = θ₀ + (θ₁ − θ₀) t/τ."""
        a, b = np.atleast_1d(np.asarray(theta0, float)), np.atleast_1d(np.asarray(theta1, float))
        return cls(lambda t: a + (b - a) * (t / tau), float(tau), (), name)

    @classmethod
    def step(cls, theta0, theta1, tau, *, at=0.0, name="step"):
        """θ jumps from θ₀ to θ₁ at time ``at`` (at = 0: an instantaneous quench)."""
        a, b = np.atleast_1d(np.asarray(theta0, float)), np.atleast_1d(np.asarray(theta1, float))
        return cls(lambda t: b if t >= at else a, float(tau), ((float(at), a, b),), name)

    @classmethod
    def from_trajectory(cls, times, theta, *, name="trajectory"):
        """Piecewise-linear θ(t) through (times, theta); a repeated time is a jump.

        ``times`` (K,) non-decreasing from 0, ``theta`` (K, n).  This turns a
        training run (any learning-rate schedule, kicks included) into a
        prescribed protocol.
        """
        t = np.asarray(times, float)
        th = np.asarray(theta, float).reshape(len(t), -1)
        if t[0] != 0 or np.any(np.diff(t) < 0):
            raise ParameterError("trajectory times must start at 0 and be non-decreasing")
        jumps = tuple((float(t[k]), th[k].copy(), th[k + 1].copy()) for k in range(len(t) - 1) if t[k + 1] == t[k])

        def f(s):
            k = int(np.searchsorted(t, s, side="right")) - 1
            k = min(max(k, 0), len(t) - 2)
            while k + 1 < len(t) - 1 and t[k + 1] == t[k]:
                k += 1
            if t[k + 1] == t[k]:
                return th[k + 1]
            w = (s - t[k]) / (t[k + 1] - t[k])
            return th[k] + w * (th[k + 1] - th[k])

        return cls(f, float(t[-1]), jumps, name)

    def reversed(self):
        """The time-reversed protocol θ_B(t) = θ(τ − t) (jumps mirrored)."""
        tau, f = self.tau, self.theta
        jumps = tuple((tau - t, r, l) for t, l, r in reversed(self.jumps))
        lefts = {round(tau - t, 15): l for t, l, r in self.jumps}

        def g(s):
            # right-continuous in reversed time: at a mirrored jump use the old left value
            key = round(s, 15)
            return lefts[key] if key in lefts else f(tau - s)

        return Protocol(g, tau, jumps, self.name + "-reversed")
