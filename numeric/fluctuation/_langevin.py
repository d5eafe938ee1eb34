"""Work along Langevin trajectories under a prescribed protocol (vectorised over particles).

Overdamped dynamics dx = −μ∇ₓE(x, θ(t)) dt + sqrt(2μ/β) dW (arXiv 2510.03137),
in a Strang splitting of the protocol: per step the chains move Δt/2 at θₙ,
θ moves θₙ → θₙ₊₁ at frozen chains booking the Sekimoto work
ΔW = E(x, θₙ₊₁) − E(x, θₙ) (as the persistent-chain ledger does), then the
chains move Δt/2 at θₙ₊₁ (adjacent half steps at the same θ are merged).
The chains move with the registered stochastic Heun stepper
(``numeric.langevin``'s ``"heun"``, weak order 2); the splitting is second
order in Δt.  A protocol jump is a θ move at frozen chains like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ModelError, NumericalError, ParameterError

from thermolearn.numeric.equilibrium import run_sampler, sample_equilibrium
from thermolearn.numeric.fokker_planck import Protocol
from thermolearn.numeric.fokker_planck._engine import time_nodes
from thermolearn.numeric.langevin._ledger import check_int
from thermolearn.numeric.langevin._steppers import get_stepper
from thermolearn.numeric.model import numeric_twin
from thermolearn.numeric.random import check_rng

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


def sample_boltzmann(model, theta, n, *, rng):
    """Draw ``n`` samples of p_m(x|θ) ∝ e^{−βE} of a 1-D energy (``numeric.equilibrium.sample_equilibrium``).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> x = sample_boltzmann(harmonic_trap(k=1, beta=1, mu=1), [0.0], 50000, rng=np.random.default_rng(1))
    >>> bool(abs(x.std() - 1) < 0.02)
    True
    """
    check_rng(rng)
    n = check_int("particles", n, 1)
    tw = numeric_twin(model)
    if tw.d != 1:
        raise ModelError(f"equilibrium sampling here is for 1-D energies; this one has {tw.d} coordinates (give x0)")
    return sample_equilibrium(tw, tw.theta_vector(theta), n, rng)[:, 0]


def langevin_work(model, protocol, *, particles, steps, rng, x0=None, sampler=None, substeps: int = 1) -> WorkSample:
    """Run ``particles`` independent Langevin trajectories under ``protocol`` and return their work.

    Parameters
    ----------
    model : theory.EnergyModel
        With numeric β, μ and constants.
    protocol : numeric.fokker_planck.Protocol
    particles, steps : int
    rng : numpy.random.Generator
    x0 : ndarray, optional
        Initial positions (particles, d); default: equilibrium at θ(0⁻).
    sampler : callable (twin, x, theta, dt, steps, rng) -> x, optional
        The dynamics at fixed θ in place of the Heun stepper (e.g. MALA, which
        keeps p_m(θ) exactly invariant, so Jarzynski's equality holds at any Δt).
    substeps : int
        Sampler steps per protocol step (Heun: one step per half step).

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
    check_rng(rng)
    particles, steps = check_int("particles", particles, 1), check_int("steps", steps, 1)
    tw, heun = numeric_twin(model), get_stepper("heun")
    substeps, h = check_int("substeps", substeps, 1), protocol.tau / steps
    jumps = {t: (l, r) for t, l, r in protocol.jumps}
    theta = tw.theta_vector(jumps[0.0][0] if 0.0 in jumps else protocol(0.0))
    if x0 is None:
        x = sample_equilibrium(tw, theta, particles, rng)
    else:
        x = np.array(x0, float).reshape(particles, tw.d)
    noise, W, pending = np.empty_like(x), np.zeros(particles), 0.0

    def move(new):  # the chains first catch up at the old θ, then θ moves at frozen chains
        nonlocal theta, pending
        if pending > 0 and sampler is not None:
            k = max(1, round(substeps * pending / h))
            x[:] = run_sampler(sampler, tw, x, theta, pending / k, k, rng)
        elif pending > 0:
            heun.advance(x, theta, tw, pending, 1, rng, noise)
        pending = 0.0
        W[:] += tw.energy(x, new) - tw.energy(x, theta)
        theta = np.asarray(new, float)

    nodes = time_nodes(protocol.tau, steps, list(jumps))
    for k in range(len(nodes) - 1):
        t0, t1 = nodes[k], nodes[k + 1]
        if t0 in jumps:
            move(jumps[t0][1])
        pending += (t1 - t0) / 2
        move(jumps[t1][0] if t1 in jumps else protocol(t1))
        pending += (t1 - t0) / 2
    move(jumps[nodes[-1]][1] if nodes[-1] in jumps else theta)
    if not np.all(np.isfinite(W)):
        raise NumericalError("Langevin work is not finite; " + ("the sampler's chains diverged or left the energy's domain"
                                                                if sampler is not None else
                                                                "the step is too large for this energy"))
    return WorkSample(W, x.copy(), tw.beta, protocol.name)
