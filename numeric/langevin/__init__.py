"""Persistent-chain (Langevin) training of energy-based models.

``train(model, schedule, *, theta0, target, ...) -> TrainingResult``: the
simulator (exact OU step or Euler–Maruyama, exact Sekimoto bookkeeping,
bias = βW_ex on every run); numeric schedules for the quadratic trap; the
noise-free moment solver ``trap_moments`` used as a reference.
Source: minimal-dissipation digest Secs. 3–7.
"""

from ._moments import TrapMoments, trap_moments
from ._result import TrainingResult
from ._schedules import (
    constant_schedule,
    continuous_schedule,
    discontinuous_schedule,
    lagged_ramp_schedule,
    slow_driving_schedule,
    stiffness_matrix,
)
from ._kernel import euler_step, euler_step_quadratic, ou_step
from ._train import EULER_AUTO, EULER_WARN, propagate, train

__all__ = [
    "train", "propagate", "ou_step", "euler_step", "euler_step_quadratic", "TrainingResult", "EULER_WARN", "EULER_AUTO",
    "constant_schedule", "continuous_schedule", "discontinuous_schedule",
    "slow_driving_schedule", "lagged_ramp_schedule", "stiffness_matrix",
    "trap_moments", "TrapMoments",
]
