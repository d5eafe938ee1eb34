"""Work statistics and fluctuation theorems (Jarzynski, Crooks) for Langevin protocols.

Public API: :func:`langevin_work` (vectorised Heun trajectories, work per
particle), :func:`sample_boltzmann`, :func:`jarzynski` (:func:`jarzynski_blocks`
block-wise), :func:`bennett`,
:func:`crooks_histogram`, :func:`free_energy_difference` (quadrature),
:func:`protocol_pair` and :func:`protocol_from_schedule` (forward/backward
protocols from any learning-rate schedule).
"""

from ._estimators import (BennettEstimate, CrooksFit, JarzynskiEstimate, bennett, crooks_histogram, jarzynski,
                          jarzynski_blocks)
from ._exact import free_energy_difference, protocol_from_schedule, protocol_pair
from ._langevin import WorkSample, langevin_work, sample_boltzmann

__all__ = [
    "BennettEstimate", "CrooksFit", "JarzynskiEstimate", "bennett", "crooks_histogram", "jarzynski", "jarzynski_blocks",
    "free_energy_difference", "protocol_from_schedule", "protocol_pair",
    "WorkSample", "langevin_work", "sample_boltzmann",
]
