"""Persistent-chain (Langevin) training of energy-based models.

``train(model, schedule, *, theta0, target, ...) -> TrainingResult``: the
one persistent-chain trainer (steppers from the ``STEPPERS`` registry,
Sekimoto bookkeeping in one ledger, bias = βW_ex on every run, divergence
and slow-driving diagnostics); ``train_replicas``/``replica_summary`` for
standard errors; numeric schedules for the quadratic trap; the noise-free
moment solver ``trap_moments`` used as a reference.
Source: arXiv 2510.03137.
"""

from ._moments import TrapMoments, trap_moments
from ._predict import TrapPrediction, trap_prediction
from ._propagate import propagate
from ._replicas import TARGET_N_SIGMA, replica_summary, train_replicas
from ._result import TrainingResult
from ._schedules import (
    constant_schedule,
    continuous_schedule,
    discontinuous_schedule,
    lagged_ramp_schedule,
    slow_driving_schedule,
    stiffness_matrix,
    trap_constant_excess_work_infinity,
    trap_minimal_excess_work,
    trap_stiffness,
)
from ._steppers import (
    MALA,
    STEPPERS,
    AbstractStepper,
    EulerMaruyama,
    ExactOU,
    StochasticHeun,
    euler_step,
    euler_step_quadratic,
    get_stepper,
    ou_step,
)
from ._train import EULER_AUTO, EULER_WARN, EXPLOSION_FACTOR, divergence_reason, train

__all__ = [
    "train", "train_replicas", "replica_summary", "TARGET_N_SIGMA", "propagate", "divergence_reason",
    "ou_step", "euler_step", "euler_step_quadratic", "TrainingResult", "EULER_WARN", "EULER_AUTO",
    "EXPLOSION_FACTOR", "STEPPERS", "get_stepper", "AbstractStepper", "ExactOU", "EulerMaruyama",
    "StochasticHeun", "MALA",
    "constant_schedule", "continuous_schedule", "discontinuous_schedule",
    "slow_driving_schedule", "lagged_ramp_schedule", "stiffness_matrix", "trap_stiffness",
    "trap_moments", "TrapMoments", "trap_prediction", "TrapPrediction",
    "trap_minimal_excess_work", "trap_constant_excess_work_infinity",
]
