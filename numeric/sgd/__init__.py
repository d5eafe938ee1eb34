"""The SGD-noise experiment (Figure 4.1 of Entropy 26, 112 (2024)).

An ensemble of K feed-forward classifiers trained with vanilla SGD, with the
minibatch noise η_t = ∇U_{b_t}(θ_t) − ∇U_B(θ_t) measured along training and
compared with its prediction tr Σ₁(θ_t)/(P m).  numpy only, vectorised
over trials; ensembles run on any ``concurrent.futures.Executor``.
"""

from ._analysis import (ReservoirSummary, ScalingSummary, WhitenessSummary, batch_scaling,
                        reservoir_comparison, whiteness)
from ._data import DataError, Dataset, load_digits, load_mnist, make_dataset, read_idx, write_idx
from ._ensemble import run_batch_sizes, run_ensemble
from ._experiment import SGDNoiseConfig, SGDNoiseResult, group_size, initial_state, merge_results, run_trials
from ._mlp import (GradientStats, MLPSpec, Workspace, ensemble_gradient, ensemble_predict, init_ensemble, sgd_step,
                   sgd_steps)

__all__ = [
    "ReservoirSummary", "ScalingSummary", "WhitenessSummary", "batch_scaling", "reservoir_comparison", "whiteness",
    "DataError", "Dataset", "load_digits", "load_mnist", "make_dataset", "read_idx", "write_idx",
    "run_batch_sizes", "run_ensemble",
    "SGDNoiseConfig", "SGDNoiseResult", "group_size", "initial_state", "merge_results", "run_trials",
    "GradientStats", "MLPSpec", "Workspace", "ensemble_gradient", "ensemble_predict", "init_ensemble", "sgd_step",
    "sgd_steps",
]
