"""Exact free-energy differences (``numeric.equilibrium``) and protocol pairs from schedules."""

from __future__ import annotations

from thermolearn.numeric.equilibrium import free_energy
from thermolearn.numeric.fokker_planck import Protocol
from thermolearn.numeric.model import numeric_twin

__all__ = ["free_energy_difference", "protocol_pair", "protocol_from_schedule"]


def free_energy_difference(model, theta0, theta1) -> float:
    """ΔF = F(θ₁) − F(θ₀) = −β⁻¹ ln[Z(θ₁)/Z(θ₀)] by :func:`numeric.equilibrium.free_energy`.

    Closed form for energies quadratic in x, else quadrature on the found support.

    >>> from thermolearn.theory.models import learnable_stiffness
    >>> round(free_energy_difference(learnable_stiffness(beta=1, mu=1), [1.0], [4.0]), 10)  # ln(4)/2
    0.6931471806
    """
    tw = numeric_twin(model)
    return float(free_energy(tw, theta1) - free_energy(tw, theta0))


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
