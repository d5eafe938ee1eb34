"""The X–Θ learner on a Bayesian network: information flows and fluctuation theorems.

Source: Entropy 26, 112 (2024) (learning as a lagged bipartite X–Θ process;
see docs/theory.md, which also describes the two tractable learners).  Every information quantity is a named
choice (M-info and the L-info candidates L1–L5, :data:`L_INFO`).

* Networks: :func:`learning_dag`, :func:`is_d_separated`, :func:`dpi_theorems`,
  kernels on nodes (:func:`check_network`, :func:`discrete_joint`,
  :func:`gaussian_joint`, :func:`sample_network`).
* Learners: :class:`GaussianLearner` (W1/W2), :class:`TwoStateLearner` (W4),
  :class:`DiscreteLearner` (any finite alphabets, user kernels);
  each builds its network and is analysed exactly (``.analyse(N)``).
* Measures: :func:`entropy`, :func:`mutual_information` (discrete arrays),
  :func:`gaussian_entropy`, :func:`gaussian_mutual_information`, and the
  sample estimator :func:`ksg_mutual_information`.
* Fluctuation theorems: :func:`fluctuation_check` (tilted transfer matrices),
  :func:`gaussian_ift`, :func:`gaussian_dft`, brute-force :func:`enumerate_paths`.

Example (the two-state learner of docs/theory.md, variant A, fresh re-sampling, N = 4):

>>> from thermolearn.infoflow import TwoStateLearner, fluctuation_check, dpi_theorems
>>> L = TwoStateLearner()
>>> r = L.analyse(4)
>>> round(float(r.M[-1]), 4), round(r.sigma_given_B, 3)
(0.1923, 1.046)
>>> chk = fluctuation_check(L, 1000)
>>> chk.ift_residual < 1e-12 and chk.dft_residual < 1e-10
True
>>> [s.name for s in dpi_theorems(L.network(4)) if s.holds]
['L1<=M', 'L3<=trajectory-M', 'L2<=M', 'dI_theta<=0']
"""

from ._bayesnet import check_network, discrete_joint, gaussian_joint, kernel_kind, sample_network
from ._dag import DPIStatement, check_dag, dpi_theorems, is_d_separated, learning_dag
from ._discrete import DiscreteLearner
from ._enumerate import PathEnumeration, enumerate_paths
from ._fluctuation import FluctuationCheck, fluctuation_check, forward_cgf, reverse_cgf
from ._gaussian import GaussianLearner, gaussian_closed_forms, quasi_static_slope
from ._ksg import ksg_mutual_information
from ._gaussian_ft import gaussian_dft
from ._gaussian_analysis import analyse_gaussian, gaussian_ift, gaussian_sigma_form
from ._measures import (
    check_covariance,
    check_pmf,
    entropy,
    gaussian_entropy,
    gaussian_mutual_information,
    mutual_information,
)
from ._result import L_INFO, InfoflowAnalysis, information
from ._twostate import TwoStateKernels, TwoStateLearner
from ._twostate_analysis import analyse_two_state, two_state_marginals

__all__ = [
    "DPIStatement", "DiscreteLearner", "FluctuationCheck", "GaussianLearner", "InfoflowAnalysis", "L_INFO",
    "PathEnumeration", "TwoStateKernels", "TwoStateLearner",
    "analyse_gaussian", "analyse_two_state", "check_covariance", "check_dag", "check_network",
    "check_pmf", "discrete_joint", "dpi_theorems", "entropy", "enumerate_paths",
    "fluctuation_check", "forward_cgf", "gaussian_closed_forms", "gaussian_dft", "gaussian_entropy", "gaussian_ift", "gaussian_sigma_form",
    "gaussian_joint", "gaussian_mutual_information", "information", "is_d_separated", "kernel_kind", "ksg_mutual_information",
    "learning_dag", "mutual_information", "quasi_static_slope", "reverse_cgf", "sample_network",
    "two_state_marginals",
]
