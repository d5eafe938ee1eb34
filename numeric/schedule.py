"""Learning-rate schedules as numeric objects (shared by every simulator).

A schedule drives the persistent-chain gradient flow (arXiv 2510.03137,
the persistent-chain learning dynamics)

    dθ/dt = −H(t, θ) ∇̃L(θ, t),   ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s),

where ``H`` is a scalar learning rate η(t) or a learning-rate matrix.
Delta functions in η are :class:`Kick` s: a kick of weight ``w`` at time
``t_k`` is the finite update obtained by integrating dθ/ds = −w ∇̃L(θ) over
s ∈ [0, 1] with the chains frozen (they cannot move in zero time).  For
energies linear in θ through a quadratic trap (∇̃L independent of θ at
frozen chains) this is exactly θ ← θ − w ∇̃L.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thermolearn.theory import ParameterError
from thermolearn.numeric.results import ResultMixin

__all__ = ["Kick", "Schedule", "SLOW_DRIVING_MIN_RATIO", "slow_driving_note", "SCHEDULE_NAMES", "build_schedule"]

#: The slow-driving (linear-response) closure ⟨∂θE⟩_s ≈ ∂θF + ζθ̇ is an
#: expansion in τ_R/τ; below τ = 10·τ_R its O(τ_R/τ) corrections exceed
#: 10 % and the trainers emit a ``SlowDrivingWarning``.
SLOW_DRIVING_MIN_RATIO = 10.0


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
    feedback : bool
        True when ``rate(t, theta, measured)`` also takes the measured
        gradient ∇̃L of the chains (a closed-loop schedule); trainers pass
        it, other callers may call ``rate(t, theta)``.  Trainers evaluate a
        feedback schedule at the start of each parameter step (explicit
        Euler in θ): a tracking term (target − θ)/(τ − t) then lands on
        its target at the end of the step instead of overshooting it.
    notes : tuple of str
        Accuracy notes the schedule knows when it is built (e.g. a geodesic
        end-game the requested steps do not resolve), warned once where it
        is built; the trainers copy them into the result without warning again.
    relaxation_time : float or None
        Largest relaxation time τ_R = λmax(βI⁻¹ζ) of the sampler along the
        intended path (None when the schedule does not know it); schedules
        built on the slow-driving closure are trustworthy only for
        τ ≫ τ_R (see :data:`SLOW_DRIVING_MIN_RATIO`).
    """

    name: str
    rate: Callable[[float, np.ndarray], float | np.ndarray]
    tau: float
    kicks: tuple[Kick, ...] = field(default=())
    description: str = ""
    relaxation_time: float | None = None
    feedback: bool = False
    notes: tuple[str, ...] = ()

    def rate_at(self, t, theta, measured):
        """``rate(t, theta, measured)`` for feedback schedules, else ``rate(t, theta)``, as an array.

        Raises :class:`ParameterError` unless it is a scalar or an (n, n) matrix (n = θ's size).

        >>> Schedule("bad", lambda t, th: np.ones(2), 1.0).rate_at(0.0, np.zeros(2), None)
        Traceback (most recent call last):
        ...
        thermolearn.theory._errors.ParameterError: schedule 'bad' rate must be a scalar or a 2x2 matrix, got shape (2,)
        """
        H = np.asarray(self.rate(t, theta, measured) if self.feedback else self.rate(t, theta), dtype=float)
        n = np.size(theta)
        if H.ndim and H.shape != (n, n):
            raise ParameterError(f"schedule {self.name!r} rate must be a scalar or a {n}x{n} matrix, got shape {H.shape}")
        return H

    def __post_init__(self):
        if not (np.isfinite(self.tau) and self.tau > 0):
            raise ParameterError(f"tau must be positive and finite, got {self.tau!r}")
        for k in self.kicks:
            if not (0.0 <= k.time <= self.tau):
                raise ParameterError(f"kick time {k.time} lies outside [0, tau={self.tau}]")
        if self.relaxation_time is not None and not (np.isfinite(self.relaxation_time) and self.relaxation_time > 0):
            raise ParameterError(f"relaxation_time must be positive and finite, got {self.relaxation_time!r}")

    @property
    def slow_driving_ratio(self) -> float | None:
        """τ_R/τ, or None when the relaxation time is unknown.

        >>> Schedule("s", lambda t, th: 1.0, 2.0, relaxation_time=0.5).slow_driving_ratio
        0.25
        """
        return None if self.relaxation_time is None else float(self.relaxation_time / self.tau)


def slow_driving_note(schedule: Schedule) -> str:
    """The slow-driving message when τ < SLOW_DRIVING_MIN_RATIO·τ_R, or "" (the trainers' ``SlowDrivingWarning``).

    The schedule's own ``notes`` have other causes and were warned where
    the schedule was built: not repeated here (one warning per cause).

    >>> slow_driving_note(Schedule("geodesic", lambda t, th: 1.0, 1.0, relaxation_time=0.5))[:30]
    'tau = 1 is only 2 relaxation t'
    >>> slow_driving_note(Schedule("geodesic", lambda t, th: 1.0, 10.0, relaxation_time=1.0004))[:38]
    'tau = 10 is only 9.996 relaxation time'
    """
    ratio = schedule.slow_driving_ratio
    if ratio is None or ratio * SLOW_DRIVING_MIN_RATIO <= 1.0:
        return ""
    shown = f"{1 / ratio:.3g}"
    if float(shown) >= SLOW_DRIVING_MIN_RATIO:  # just below the limit: do not round up to it
        shown = f"{math.floor(1 / ratio * 1e4) / 1e4:.6g}"
    return (f"tau = {schedule.tau:g} is only {shown} relaxation times (tau_R = "
            f"{schedule.relaxation_time:.3g}); the slow-driving closure behind the {schedule.name!r} "
            f"schedule needs tau >= {SLOW_DRIVING_MIN_RATIO:g} tau_R")


#: The schedule names shared by ``simulate`` and ``reproduce`` (see :func:`build_schedule`).
SCHEDULE_NAMES = ("constant", "continuous", "discontinuous", "slow-driving", "geodesic")


def build_schedule(name, model, *, tau, theta0, target, eta=1.0, u0=None, steps=None) -> Schedule:
    """The schedule ``name`` of :data:`SCHEDULE_NAMES` for ``model`` (numeric β, μ, constants).

    The quadratic trap ½(x−θ)ᵀK(x−θ) gets the closed forms of
    ``numeric.langevin`` (its metric is flat, ζ = 1/μ, so ``geodesic`` is the
    slow-driving schedule; ``discontinuous`` re-centres its first kick on the
    chain mean ``u0`` when given); other energies get ``numeric.metric``'s
    slow-driving and geodesic schedules, and ``continuous``/``discontinuous``
    raise ``ParameterError`` (no closed form).  ``steps`` (the parameter steps
    the run will take) lets the closed-loop geodesic check its end-game.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> build_schedule("discontinuous", harmonic_trap(k=1, beta=1, mu=1), tau=1, theta0=-10, target=0).kicks[1].weight
    0.5
    """
    from thermolearn.numeric import langevin as L

    if name not in SCHEDULE_NAMES:
        raise ParameterError(f"schedule must be one of {list(SCHEDULE_NAMES)}, got {name!r}")
    if name == "constant":
        return L.constant_schedule(eta, tau)
    K = L.trap_stiffness(model)
    if K is not None:
        beta, mu = float(model.beta), float(model.mu)
        if name == "continuous":
            return L.continuous_schedule(beta=beta, mu=mu, k=K, tau=tau)
        if name == "discontinuous":
            return L.discontinuous_schedule(beta=beta, mu=mu, k=K, tau=tau, u0=u0, theta0=theta0, target=target)
        s = L.slow_driving_schedule(beta=beta, mu=mu, k=K, tau=tau)
        if name == "geodesic":
            return Schedule("geodesic", s.rate, s.tau, (), s.description + " (flat metric: geodesic = straight line)")
        return s
    if name in ("continuous", "discontinuous"):
        raise ParameterError(
            f"schedule {name!r} has a closed form only for the quadratic trap 1/2 (x-theta)^T K (x-theta); "
            f"energy {model.energy} is not of that form (use slow-driving, geodesic or constant)")
    from thermolearn.numeric import metric

    if name == "slow-driving":
        return metric.slow_driving_schedule(model, tau=tau, span=(theta0, target))
    return metric.geodesic_schedule(model, theta0, target, tau, steps=steps)
