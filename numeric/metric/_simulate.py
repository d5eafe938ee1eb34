"""Excess work of prescribed protocols and of persistent-chain training, by simulation.

A small vectorised loop used to measure the claims of this subpackage until
``numeric.langevin`` is available: particles follow the MALA
discretisation of dx = −μ∇ₓE(x, θ_k)dt + sqrt(2μ/β)dW (see
:mod:`numeric.metric._sampler`), which keeps p_m(θ_k) exactly invariant, so
quasi-static protocols have no discretisation bias in W_ex.  Work is the
Sekimoto increment at each parameter update, W += ⟨E(x, θ_{k+1}) − E(x, θ_k)⟩_s
(exact for piecewise-constant θ), and W_ex = W − [F(θ_end) − F(θ_0)]
(arXiv 2510.03137).  Chains start in equilibrium at θ_0 (a burn-in of MALA steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ParameterError

from ._data import data_mean_function
from ..equilibrium import free_energy as _free_energy
from ..equilibrium import mala, sample_equilibrium
from ..model import numeric_twin as numeric_model
from thermolearn.numeric.results import ResultMixin

__all__ = ["WorkResult", "simulate_protocol", "train_persistent", "free_energy"]


@dataclass(frozen=True)
class WorkResult(ResultMixin):
    """Trajectory and energetics of one run (W_ex with its standard error)."""

    times: np.ndarray
    theta: np.ndarray
    work: float
    excess_work: float
    excess_work_stderr: float
    free_energy_change: float
    particles: int
    work_per_particle: np.ndarray


def free_energy(model, theta, values=None) -> float:
    """F(θ) = −β⁻¹ ln Z(θ) (:func:`numeric.equilibrium.free_energy`)."""
    return _free_energy(numeric_model(model, values), theta)


def _check(particles, steps, burn_in):
    if not (isinstance(particles, (int, np.integer)) and particles >= 2):
        raise ParameterError(f"particles must be an integer >= 2, got {particles!r}")
    if not (isinstance(steps, (int, np.integer)) and steps >= 1):
        raise ParameterError(f"steps must be a positive integer, got {steps!r}")
    if not (np.isfinite(burn_in) and burn_in >= 0):
        raise ParameterError(f"burn_in must be >= 0, got {burn_in!r}")


def _equilibrate(nm, th, particles, burn_in, dt, rng):
    """Equilibrium samples at θ (:func:`numeric.equilibrium.sample_equilibrium`), then MALA burn-in."""
    x = sample_equilibrium(nm, th, particles, rng)
    return mala(nm, th, x, dt, int(round(burn_in / dt)), rng)[0]


def simulate_protocol(model, protocol, *, values=None, particles: int, steps: int, rng,
                      burn_in: float = 2.0) -> WorkResult:
    """Drive equilibrated chains with a prescribed θ(t) (e.g. a :class:`GeodesicProtocol`)."""
    _check(particles, steps, burn_in)
    nm = numeric_model(model, values)
    tau = protocol.tau
    times = np.linspace(0, tau, steps + 1)
    thetas = protocol.theta(times)
    dt = tau / steps
    x = _equilibrate(nm, thetas[0], particles, burn_in, min(dt, 0.01), rng)
    w = np.zeros(particles)
    for k in range(steps):
        w += nm.energy(x, thetas[k + 1]) - nm.energy(x, thetas[k])
        x, _ = mala(nm, thetas[k + 1], x, dt, 1, rng)
    dF = free_energy(nm.model, thetas[-1]) - free_energy(nm.model, thetas[0])
    W = float(w.mean())
    return WorkResult(times, thetas, W, W - dF, float(w.std(ddof=1) / np.sqrt(particles)), dF, particles, w)


def train_persistent(model, schedule, *, theta0, target, values=None, particles: int, steps: int, rng,
                     burn_in: float = 2.0) -> WorkResult:
    """Persistent-chain training θ̇ = −H∇̃L, ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s), data from p_m(θ*).

    ``schedule.rate(t, θ)`` gives a scalar η or a matrix H; each iteration does
    the chain step first, then the parameter step with the updated chains
    (the authors' ordering, arXiv 2510.03137).  ⟨∂θE⟩_d is exact (Gaussian
    closed form or quadrature), as in ``numeric.langevin.train``.
    """
    _check(particles, steps, burn_in)
    nm = numeric_model(model, values)
    th = np.atleast_1d(np.asarray(theta0, float)).copy()
    data_mean = data_mean_function(nm.model, np.atleast_1d(np.asarray(target, float)))
    tau = schedule.tau
    dt = tau / steps
    x = _equilibrate(nm, th, particles, burn_in, min(dt, 0.01), rng)
    w = np.zeros(particles)
    hist = [th.copy()]
    kicks = {round(k.time / dt): k.weight for k in schedule.kicks}
    beta = nm.beta

    def grad_tilde(th_):
        return beta * (data_mean(th_) - nm.dE_dtheta(x, th_).mean(axis=0))

    for k in range(steps + 1):
        if k in kicks:
            new = th - np.atleast_2d(kicks[k]) @ grad_tilde(th) if np.ndim(kicks[k]) else th - kicks[k] * grad_tilde(th)
            w += nm.energy(x, new) - nm.energy(x, th)
            th = new
        if k == steps:
            break
        x, _ = mala(nm, th, x, dt, 1, rng)
        H = schedule.rate(k * dt, th)
        step = -(np.atleast_2d(H) @ grad_tilde(th)) * dt if np.ndim(H) else -H * grad_tilde(th) * dt
        new = th + step
        w += nm.energy(x, new) - nm.energy(x, th)
        th = new
        hist.append(th.copy())
    dF = free_energy(nm.model, th) - free_energy(nm.model, hist[0])
    W = float(w.mean())
    return WorkResult(np.linspace(0, tau, len(hist)), np.array(hist), W, W - dF,
                      float(w.std(ddof=1) / np.sqrt(particles)), dF, particles, w)
