"""Minimal-dissipation training of multi-parameter energy-based models (numeric).

Energy families with a batched interface, a persistent-contrastive-divergence
trainer whose chains are never reset (the learner of
arXiv 2510.03137), the Fisher information and friction estimated online from the
chains, the slow-driving learning-rate matrix H(t) = [βζ + (τ − t)I]⁻¹ and its
natural-gradient limit, and the dissipation ledger of every run (work,
excess work, the bias L − L̃ = βW_ex of Theorem 1, thermodynamic length).
"""

from ._exponential import ExponentialFamily, polynomial_family
from ._families import GaussianEBM, MLPEnergy, RBMEnergy, check_batch
from ._symbolic import SymbolicFamily
from ._ais import AISResult, ais_log_partition
from ._data import BUNDLED, EBMData, load_ebm_data, read_array
from ._metric import MetricBlock, MetricEstimator, MetricState, summarise_blocks
from ._partition import GaussianPartition, GridPartition, grid_partition
from ._result import TrainingResult
from ._schedules import SCHEDULES, Adam, Constant, NaturalGradient, SlowDriving, make_schedule
from ._sweep import mean_se, run_seeds
from ._trainer import PCDConfig, PCDTrainer, estimate_metric, train

__all__ = [
    "ExponentialFamily", "GaussianEBM", "MLPEnergy", "RBMEnergy", "SymbolicFamily", "check_batch",
    "polynomial_family",
    "AISResult", "ais_log_partition",
    "BUNDLED", "EBMData", "load_ebm_data", "read_array",
    "MetricBlock", "MetricEstimator", "MetricState", "summarise_blocks",
    "GaussianPartition", "GridPartition", "grid_partition",
    "TrainingResult",
    "SCHEDULES", "Adam", "Constant", "NaturalGradient", "SlowDriving", "make_schedule",
    "mean_se", "run_seeds",
    "PCDConfig", "PCDTrainer", "estimate_metric", "train",
]
