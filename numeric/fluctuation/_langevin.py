"""Work along Langevin trajectories under a prescribed protocol (vectorised over particles).

Overdamped dynamics dx = −μ∇ₓE(x, θ(t)) dt + sqrt(2μ/β) dW (arXiv 2510.03137),
integrated with the stochastic Heun scheme

    x̄ = x + f(x, θₙ)Δt + σξ,   x' = x + ½(f(x, θₙ) + f(x̄, θₙ₊₁))Δt + σξ,

σ = sqrt(2μΔt/β): weak order 2 for additive noise (Kloeden & Platen,
Sec. 15.1, the simplified order-2 weak scheme).  Work per step is the
trapezoid in time with θ at the step midpoint θ̄,
ΔW = ½[∂θE(xₙ, θ̄) + ∂θE(xₙ₊₁, θ̄)]·(θₙ₊₁ − θₙ), so W = ∫θ̇·∂θE dt to second
order; a protocol jump adds E(x, θ⁺) − E(x, θ⁻).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ModelError, NumericalError, ParameterError

from thermolearn.numeric.fokker_planck import Protocol, numeric_energy
from thermolearn.numeric.fokker_planck._engine import time_nodes

__all__ = ["WorkSample", "langevin_work", "sample_boltzmann"]


@dataclass(frozen=True)
class WorkSample:
    """Works W (particles,) of one protocol run, final positions and β."""

    work: np.ndarray
    x_final: np.ndarray
    beta: float
    protocol: str

    @property
    def mean(self) -> float:
        return float(np.mean(self.work))

    @property
    def stderr(self) -> float:
        return float(np.std(self.work, ddof=1) / np.sqrt(self.work.size))


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def _count(name, n):
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ParameterError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def sample_boltzmann(model, theta, n, *, rng):
    """Draw ``n`` samples of p_m(x|θ) ∝ e^{−βE} of a 1-D energy (``numeric.equilibrium.sample_equilibrium``).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> x = sample_boltzmann(harmonic_trap(k=1, beta=1, mu=1), [0.0], 50000, rng=np.random.default_rng(1))
    >>> bool(abs(x.std() - 1) < 0.02)
    True
    """
    from thermolearn.numeric.equilibrium import sample_equilibrium
    from thermolearn.numeric.model import numeric_twin

    _check_rng(rng)
    n = _count("particles", n)
    tw = numeric_twin(model)
    if tw.d != 1:
        raise ModelError(f"equilibrium sampling here is for 1-D energies; this one has {tw.d} coordinates (give x0)")
    return sample_equilibrium(tw, np.atleast_1d(np.asarray(theta, float)), n, rng)[:, 0]


def langevin_work(model, protocol, *, particles, steps, rng, x0=None) -> WorkSample:
    """Run ``particles`` independent Langevin trajectories under ``protocol`` and return their work.

    Parameters
    ----------
    model : theory.EnergyModel
        1-D energy with numeric β, μ (or any dimension when ``x0`` is given).
    protocol : numeric.fokker_planck.Protocol
    particles, steps : int
    rng : numpy.random.Generator
    x0 : ndarray, optional
        Initial positions (particles, d); default: equilibrium at θ(0⁻).

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> ws = langevin_work(harmonic_trap(k=1, beta=1, mu=1), Protocol.linear(0, 1, 1.0),
    ...                    particles=20000, steps=100, rng=np.random.default_rng(0))
    >>> bool(abs(ws.mean - np.exp(-1)) < 4 * ws.stderr)   # exact W = 1 − (1 − e⁻¹)
    True
    """
    if not isinstance(protocol, Protocol):
        raise ParameterError(f"protocol must be a numeric.fokker_planck.Protocol, got {type(protocol).__name__}")
    _check_rng(rng)
    particles, steps = _count("particles", particles), _count("steps", steps)
    ne = numeric_energy(model)
    jumps = {t: (l, r) for t, l, r in protocol.jumps}
    start = jumps[0.0][0] if 0.0 in jumps else protocol(0.0)
    if x0 is None:
        x = sample_boltzmann(model, start, particles, rng=rng)[None, :]
    else:
        x = np.array(x0, float).reshape(particles, ne.dim).T.copy()
    nodes = time_nodes(protocol.tau, steps, list(jumps))
    E = lambda x, th: ne.energy(tuple(x), th)
    f = lambda x, th: -ne.mu * ne.grad_x(tuple(x), th)
    W = np.zeros(particles)
    theta = start
    for k in range(len(nodes) - 1):
        t0, t1 = nodes[k], nodes[k + 1]
        if t0 in jumps:
            W += E(x, jumps[t0][1]) - E(x, theta)
            theta = jumps[t0][1]
        th1 = jumps[t1][0] if t1 in jumps else protocol(t1)
        dt = t1 - t0
        noise = np.sqrt(2 * ne.mu * dt / ne.beta) * rng.standard_normal(x.shape)
        f0 = f(x, theta)
        xb = x + f0 * dt + noise
        x1 = x + 0.5 * (f0 + f(xb, th1)) * dt + noise
        mid, dth = 0.5 * (theta + th1), th1 - theta
        if np.any(dth != 0):
            W += 0.5 * np.tensordot(dth, ne.dE_dtheta(tuple(x), mid) + ne.dE_dtheta(tuple(x1), mid), axes=1)
        x, theta = x1, th1
    if nodes[-1] in jumps:
        W += E(x, jumps[nodes[-1]][1]) - E(x, theta)
    if not np.all(np.isfinite(W)):
        raise NumericalError("Langevin work is not finite; the step is too large for this energy")
    return WorkSample(W, x.T.copy(), ne.beta, protocol.name)
