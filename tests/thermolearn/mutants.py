"""Wrong ingredients for the theorem checks, and the check expected to kill each.

Each mutant replaces one ingredient of :class:`thermolearn.testing.Providers`
by a plausible bug; ``killers`` names the checks that must fail on it.
Energies span one coordinate with one parameter, one coordinate with two
parameters, and two coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from thermolearn.numeric.equilibrium import free_energy, sample_equilibrium
from thermolearn.testing import Providers
from thermolearn.testing._ingredients import fisher_auto, friction_auto, mala_sampler

QUARTIC = "x**4/4 - theta*x"
HARMONIC = "(x - theta)**2/2"
TWO_PARAM = "x**4/4 + theta1*x**2/2 - theta2*x"
TWO_COORD = "x1**2 + x1*x2/2 + x2**2 - theta1*x1 - theta2*x2"
TWO_COORD_1P = "(x1 - theta)**2/2 + x2**2 + x1*x2/2"


@dataclass(frozen=True)
class Mutant:
    name: str
    energy: str
    providers: Providers
    killers: tuple
    x: str = "x"
    theta: str = "theta"


def _swap(A):
    A = np.atleast_2d(A)
    return A[::-1, ::-1].copy()


def _ula_wrong_drift(num, x, theta, dt, steps, rng):
    """Euler-Maruyama with the drift sign flipped: x += +mu grad E dt + noise."""
    x = np.array(x, float)
    for _ in range(steps):
        x = x + num.mu * dt * num.grad_x(x, theta) + math.sqrt(2 * num.mu * dt / num.beta) * rng.standard_normal(x.shape)
    return x


def _spd(seed, n):
    a = np.random.default_rng(seed).standard_normal((n, n))
    return a @ a.T + 0.1 * np.eye(n)


def _hot_density(model):  # exp(-E): the beta is missing
    return sp.exp(-model.energy)


def _tilted_density(model):  # exp(-beta E + x): not stationary
    return sp.exp(-model.beta * model.energy + model.x[0])


def _fp_wrong_sign(model, p):  # drift with the wrong sign: div[mu(-p grad E + grad p / beta)]
    return sum(sp.diff(model.mu * (-p * sp.diff(model.energy, xi) + sp.diff(p, xi) / model.beta), xi)
               for xi in model.x)


P = Providers()
MUTANTS = [
    Mutant("friction x2", QUARTIC, replace(P, friction=lambda n, t: 2 * friction_auto(n, t)),
           ("friction_tensor", "friction_autocorrelation", "slow_driving_excess_work")),
    Mutant("fisher x2", QUARTIC, replace(P, fisher=lambda n, t: 2 * fisher_auto(n, t)),
           ("fisher_information", "natural_gradient_identity")),
    Mutant("frozen sampler", QUARTIC, replace(P, sampler=lambda n, x, t, dt, k, rng: x),
           ("friction_autocorrelation", "slow_driving_excess_work")),
    Mutant("sampler drift sign", HARMONIC, replace(P, sampler=_ula_wrong_drift), ("sampler_stationarity",)),
    Mutant("Fokker-Planck drift sign", HARMONIC, replace(P, fokker_planck=_fp_wrong_sign),
           ("boltzmann_stationarity",)),
    Mutant("sampler noise beta power", QUARTIC,
           replace(P, sampler=lambda n, x, t, dt, k, rng: mala_sampler(replace(n, beta=1 / n.beta), x, t, dt, k, rng)),
           ("sampler_stationarity",)),
    Mutant("sampler mobility power", QUARTIC,
           replace(P, sampler=lambda n, x, t, dt, k, rng: mala_sampler(replace(n, mu=n.mu**2), x, t, dt, k, rng)),
           ("friction_autocorrelation", "slow_driving_excess_work")),
    # quartic: the Gaussian draws of a quadratic energy use theory's closed form, not the twin's beta
    Mutant("equilibrium beta power", QUARTIC,
           replace(P, equilibrium=lambda n, t, k, rng: sample_equilibrium(replace(n, beta=n.beta**2), t, k, rng)),
           ("sampler_stationarity",)),
    Mutant("fisher beta power", QUARTIC, replace(P, fisher=lambda n, t: fisher_auto(n, t) / n.beta),
           ("fisher_information",)),
    Mutant("friction mobility power", QUARTIC, replace(P, friction=lambda n, t: friction_auto(n, t) / n.mu),
           ("friction_tensor",)),
    Mutant("F shifted by 0.3 theta^2", QUARTIC,
           replace(P, free_energy=lambda n, t: free_energy(n, t) + 0.3 * float(np.sum(np.square(t)))),
           ("free_energy_gradient", "jarzynski")),
    Mutant("density exp(-E) (no beta)", QUARTIC, replace(P, density=_hot_density), ("boltzmann_stationarity",)),
    Mutant("density exp(-beta E + x)", HARMONIC, replace(P, density=_tilted_density), ("boltzmann_stationarity",)),
    Mutant("H with tau + t", QUARTIC,
           replace(P, learning_rate_matrix=lambda z, i, b, t, tau: np.linalg.inv(b * z + (tau + t) * i)),
           ("natural_gradient_identity",)),
    Mutant("H without beta", QUARTIC,
           replace(P, learning_rate_matrix=lambda z, i, b, t, tau: np.linalg.inv(z + (tau - t) * i)),
           ("natural_gradient_identity",)),
    Mutant("swapped theta in friction (2 parameters)", TWO_PARAM,
           replace(P, friction=lambda n, t: _swap(friction_auto(n, t))), ("friction_tensor",), theta="theta1,theta2"),
    Mutant("swapped theta in fisher (2 parameters)", TWO_PARAM,
           replace(P, fisher=lambda n, t: _swap(fisher_auto(n, t))), ("fisher_information",), theta="theta1,theta2"),
    Mutant("swapped theta in dE/dtheta (2 parameters)", TWO_PARAM,
           replace(P, dE_dtheta=lambda n: (lambda x, t: n.dE_dtheta(x, t)[..., ::-1])),
           ("free_energy_gradient", "bias_equals_excess_work"), theta="theta1,theta2"),
    Mutant("friction x2 (2 coordinates)", TWO_COORD_1P, replace(P, friction=lambda n, t: 2 * friction_auto(n, t)),
           ("friction_tensor", "friction_autocorrelation"), x="x1,x2"),
    Mutant("random SPD metric (2 coordinates, 2 parameters)", TWO_COORD,
           replace(P, friction=lambda n, t: _spd(1, 2), fisher=lambda n, t: _spd(2, 2)),
           ("fisher_information", "friction_tensor"), x="x1,x2", theta="theta1,theta2"),
]
