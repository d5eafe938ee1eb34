"""Slow-driving and geodesic learning-rate schedules for any energy.

Both return :class:`numeric.schedule.Schedule` objects whose
``rate(t, theta)`` is a learning-rate matrix H for the persistent-chain flow
θ̇ = −H∇̃L (minimal-dissipation digest Secs. 4 and 7).

* ``slow_driving_schedule``: H(t, θ) = [βζ(θ) + (τ − t)I(θ)]⁻¹, which under the
  slow-driving closure ⟨∂θE⟩_s ≈ ∂θF + ζθ̇ gives the natural-gradient flow
  θ̇ = −I⁻¹∇L/(τ − t).  It needs no knowledge of the target.
* ``geodesic_schedule``: makes the closure flow follow the constant-speed
  ζ-geodesic γ(t) from θ0 to θ1 (= the target θ*).  With v = γ̇(t) and
  g = ∇L(θ) − βζ(θ)v (the closure's ∇̃L along velocity v), the rank-one,
  positive semi-definite H = −v vᵀ/(vᵀg) satisfies −H g = v; in one
  parameter this is η = v/(βζv − ∇L).  It uses the target through
  ∇L = β(⟨∂θE⟩_{p_m(θ*)} − ∂θF(θ)).
"""

from __future__ import annotations

import numpy as np

from thermolearn.numeric.schedule import Schedule
from thermolearn.theory import ParameterError

from ._data import data_mean_function
from ._field import metric_field
from ._geodesic import geodesic_protocol

__all__ = ["slow_driving_schedule", "geodesic_schedule"]


def _values(beta, mu, values):
    v = dict(values or {})
    if beta is not None:
        v["beta"] = beta
    if mu is not None:
        v["mu"] = mu
    return v


def slow_driving_schedule(model, *, tau, beta=None, mu=None, values=None) -> Schedule:
    """H(t, θ) = [βζ(θ) + (τ − t)I(θ)]⁻¹ as a Schedule (natural-gradient flow).

    For the trap (ζ = 1/μ, I = βk) this is η = 1/(β(1/μ + k(τ − t))), digest Sec. 6b:

    >>> from thermolearn.theory.models import harmonic_trap
    >>> s = slow_driving_schedule(harmonic_trap(k=1), tau=1.0, beta=1, mu=5)
    >>> round(float(s.rate(0.2, np.array([3.0]))[0, 0]), 12)
    1.0
    """
    if not (isinstance(tau, (int, float)) and np.isfinite(tau) and tau > 0):
        raise ParameterError(f"tau must be positive and finite, got {tau!r}")
    field = metric_field(model, _values(beta, mu, values))
    b = field.beta

    def rate(t, theta):
        pt = field(theta)
        return np.linalg.inv(b * pt.friction + max(tau - t, 0.0) * pt.fisher)

    return Schedule("slow-driving", rate, float(tau), (), "H(t) = [beta*zeta(theta) + (tau - t)*I(theta)]^-1")


def geodesic_schedule(model, theta0, theta1, tau, *, beta=None, mu=None, values=None) -> Schedule:
    """Learning-rate matrix that drives the slow-driving flow along the ζ-geodesic θ0 → θ1.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> s = geodesic_schedule(harmonic_trap(k=1), -1.0, 0.0, 1.0, beta=1, mu=1)
    >>> H = s.rate(0.0, np.array([-1.0]))   # v = 1, ∇L = −1, ζ = 1: η = 1/(1 + 1)
    >>> round(float(H[0, 0]), 10)
    0.5
    """
    vals = _values(beta, mu, values)
    field = metric_field(model, vals)
    proto = geodesic_protocol(field, theta0, theta1, tau)
    target = np.atleast_1d(np.asarray(theta1, float))
    data_mean = data_mean_function(field.model, target)
    b = field.beta

    def rate(t, theta):
        th = np.atleast_1d(np.asarray(theta, float))
        pt = field(th)
        v = proto.velocity(min(max(t, 0.0), tau))[0]
        grad = b * (data_mean(th) - pt.mean_dE)
        g = grad - b * pt.friction @ v
        vg = float(v @ g)
        if not vg < 0:
            return np.zeros((len(v), len(v)))
        return -np.outer(v, v) / vg

    return Schedule("geodesic", rate, float(tau), (), "H = -v v^T / (v^T (grad L - beta*zeta v)), v = geodesic velocity")
