"""Thermodynamic metric of an energy model (sympy only).

Fisher information, friction tensor (Lyapunov closed form for quadratic
energies), relaxation time, the learning-rate matrix H(t) = [βζ + (τ−t)I]⁻¹
and its natural-gradient identity, thermodynamic length and divergence,
Christoffel symbols and geodesic equations of any metric.  Source:
arXiv 2510.03137, general potentials.
"""

from ._closed import METRIC_KEYS, metric_closed_forms, metric_closed_forms_within_budget
from ._general import metric_general_forms
from ._flow import (
    T_SYMBOL,
    TAU_SYMBOL,
    differential_symbols,
    learning_rate_matrix,
    natural_gradient_flow,
    natural_gradient_identity,
    target_symbols,
    thermodynamic_length_element,
)
from ._gaussian import gaussian_structure, lyapunov_solve, simplify_rational
from ._geometry import christoffel_symbols, geodesic_equations, thermodynamic_divergence, thermodynamic_length
from ._metric import check_metric, fisher_information, friction_tensor, mean_dE_dtheta, relaxation_time

__all__ = [
    "METRIC_KEYS",
    "metric_closed_forms",
    "metric_closed_forms_within_budget",
    "metric_general_forms",
    "T_SYMBOL",
    "TAU_SYMBOL",
    "differential_symbols",
    "learning_rate_matrix",
    "natural_gradient_flow",
    "natural_gradient_identity",
    "target_symbols",
    "thermodynamic_length_element",
    "gaussian_structure",
    "simplify_rational",
    "lyapunov_solve",
    "christoffel_symbols",
    "geodesic_equations",
    "thermodynamic_divergence",
    "thermodynamic_length",
    "check_metric",
    "fisher_information",
    "friction_tensor",
    "mean_dE_dtheta",
    "relaxation_time",
]
