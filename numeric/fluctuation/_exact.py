"""Exact free-energy differences by adaptive quadrature, and protocol pairs from schedules."""

from __future__ import annotations

import numpy as np
import scipy.integrate as si

from thermolearn.theory import ModelError

from thermolearn.numeric.fokker_planck import Protocol, auto_grid, numeric_energy

__all__ = ["free_energy_difference", "protocol_pair", "protocol_from_schedule"]


def _log_z(ne, theta):
    g = auto_grid(ne, [theta], mass_tol=1e-14)
    x = np.linspace(g.lower[0], g.upper[0], 4001)
    e = np.asarray(ne.energy((x,), theta), float)
    emin = e.min()
    f = lambda s: np.exp(-ne.beta * (float(ne.energy((np.array(s),), theta)) - emin))
    xm = float(x[np.argmin(e)])
    val = sum(si.quad(f, a, b, epsabs=0, epsrel=1e-13, limit=200)[0]
              for a, b in ((-np.inf, xm), (xm, np.inf)))
    return -ne.beta * emin + np.log(val)


def free_energy_difference(model, theta0, theta1) -> float:
    """ΔF = F(θ₁) − F(θ₀) = −β⁻¹ ln[Z(θ₁)/Z(θ₀)], Z by adaptive quadrature (1-D).

    >>> from thermolearn.theory.models import learnable_stiffness
    >>> round(free_energy_difference(learnable_stiffness(beta=1, mu=1), [1.0], [4.0]), 10)  # ln(4)/2
    0.6931471806
    """
    ne = numeric_energy(model)
    if ne.dim != 1:
        raise ModelError(f"quadrature ΔF is implemented for 1-D energies; this one has {ne.dim} coordinates")
    t0, t1 = np.atleast_1d(np.asarray(theta0, float)), np.atleast_1d(np.asarray(theta1, float))
    return float(-(_log_z(ne, t1) - _log_z(ne, t0)) / ne.beta)


def protocol_pair(protocol: Protocol) -> tuple[Protocol, Protocol]:
    """(forward, backward) with θ_B(t) = θ_F(τ − t)."""
    return protocol, protocol.reversed()


def protocol_from_schedule(model, schedule, *, theta0, target, steps=200, **kwargs) -> tuple[Protocol, Protocol]:
    """Forward/backward protocols generated from any learning-rate schedule.

    θ(t) is the noise-free learning trajectory of
    :func:`numeric.fokker_planck.train` (kicks become jumps); the pair is
    (θ(t), θ(τ − t)).
    """
    from thermolearn.numeric.fokker_planck import train

    r = train(model, schedule, theta0=theta0, target=target, steps=steps, **kwargs)
    fwd = Protocol.from_trajectory(r.times, r.theta, name=schedule.name)
    return fwd, fwd.reversed()
