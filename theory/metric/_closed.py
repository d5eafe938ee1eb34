"""The metric block of ``thermolearn derive``: closed forms or None."""

from __future__ import annotations

from ._flow import learning_rate_matrix, natural_gradient_flow, thermodynamic_length_element
from ._gaussian import simplify_rational
from ._metric import fisher_information, friction_tensor, mean_dE_dtheta, relaxation_time

__all__ = ["metric_closed_forms", "METRIC_KEYS"]

#: The CLI.md keys this block fills.
METRIC_KEYS = (
    "fisher_information",
    "friction_tensor",
    "relaxation_time",
    "learning_rate_matrix",
    "natural_gradient_flow",
    "thermodynamic_length_element",
)


def metric_closed_forms(model) -> dict:
    """{key: sympy Matrix/expression, or None when there is no closed form}.

    Closed forms exist for energies quadratic in x (exact Gaussian algebra,
    arXiv 2510.03137, general potentials); otherwise every key is None and
    :func:`numeric.metric.metric_at` gives numbers.

    >>> from thermolearn.theory.models import quartic, harmonic_trap
    >>> metric_closed_forms(quartic())["friction_tensor"] is None
    True
    >>> metric_closed_forms(harmonic_trap())["relaxation_time"]
    1/(k*mu)
    """
    out = dict.fromkeys(METRIC_KEYS)
    I, Z = fisher_information(model), friction_tensor(model)
    if I is None or Z is None:
        return out
    out["fisher_information"] = I
    out["friction_tensor"] = Z
    out["relaxation_time"] = relaxation_time(model, fisher=I, friction=Z)
    out["learning_rate_matrix"] = simplify_rational(learning_rate_matrix(Z, I, model.beta), "terms")
    out["natural_gradient_flow"] = natural_gradient_flow(model, I, mean_dE_dtheta(model))
    out["thermodynamic_length_element"] = thermodynamic_length_element(model, Z)
    return out
