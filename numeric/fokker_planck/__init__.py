"""Finite-volume Fokker–Planck solver with time-dependent θ(t) and energetics.

Public API: :class:`Grid`, :func:`auto_grid`, :func:`check_grid`,
:class:`Protocol`, :func:`propagate` (prescribed θ(t)), :func:`train`
(θ coupled to the persistent-chain gradient flow, same signature as
``numeric.langevin.train``), :class:`FokkerPlanckResult`, the generator
:class:`Generator` and the grid observables (each taking the model's
:class:`numeric.model.NumericTwin`).
"""

from ._energetics import boltzmann, energy_on_grid, free_energy, kl_divergence, log_boltzmann
from ._grid import Grid, auto_grid, boltzmann_outside_mass, check_grid
from ._operator import Generator, bernoulli
from ._propagate import initial_density, propagate
from ._protocol import Protocol
from ._result import FokkerPlanckResult
from ._train import train

__all__ = [
    "boltzmann", "energy_on_grid", "free_energy", "kl_divergence", "log_boltzmann",
    "Grid", "auto_grid", "boltzmann_outside_mass", "check_grid", "Generator", "bernoulli",
    "initial_density", "propagate", "train", "Protocol", "FokkerPlanckResult",
]
