"""The equilibrium p_m(x|θ) ∝ exp(−βE(x, θ)) of a numeric twin: one home.

Free energy, expectations and samples of the model distribution, closed
form first (Gaussian p_m of energies quadratic in x), then adaptive 1-D
quadrature on a *found* support, then 2-D grids or MALA from the mode.
Whatever cannot be resolved raises :class:`theory.NumericalError`.
"""

from ._api import (auto_box, closed_free_energy, equilibrium_rule, expectation, free_energy, gaussian_moments, mode,
                   sample_equilibrium)
from ._mala import mala, mala_warmup, run_sampler
from ._rules import LegendreRule1D, Rule
from ._support import CUT, Support1D, support_1d

__all__ = [
    "equilibrium_rule",
    "expectation",
    "free_energy",
    "closed_free_energy",
    "gaussian_moments",
    "mode",
    "auto_box",
    "sample_equilibrium",
    "mala",
    "mala_warmup",
    "run_sampler",
    "Rule",
    "LegendreRule1D",
    "Support1D",
    "support_1d",
    "CUT",
]
