"""The metric block of ``thermolearn derive``: closed forms or None."""

from __future__ import annotations

from functools import lru_cache

from .._budget import Attempt, attempt, current_budget
from ._flow import learning_rate_matrix, natural_gradient_flow, thermodynamic_length_element
from ._gaussian import simplify_rational
from ._metric import fisher_information, friction_tensor, mean_dE_dtheta, relaxation_time

__all__ = ["metric_closed_forms", "metric_closed_forms_within_budget", "METRIC_KEYS"]

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


def metric_closed_forms_within_budget(model) -> Attempt:
    """:func:`metric_closed_forms` under the symbolic budget (one attempt for the six keys), as an
    :class:`~theory._budget.Attempt`: ``ok`` and the dict (a fresh copy per call), or the reason the
    budget ended it.

    An energy not quadratic in x has no closed form (every key ``None``), answered without the
    budgeted child process (a fork, ~25 ms of CPU); the others are attempted once per model and
    budget and kept (bounded, least recently used out): the derive command asks for every model it
    prints, in every format.

    >>> from thermolearn.theory.models import harmonic_trap, quartic
    >>> metric_closed_forms_within_budget(harmonic_trap()).value["relaxation_time"]
    1/(k*mu)
    >>> found = metric_closed_forms_within_budget(quartic())
    >>> found.ok, set(found.value.values())
    (True, {None})
    """
    if not model.is_quadratic():
        return Attempt(True, dict.fromkeys(METRIC_KEYS))
    found = _within_budget(model, current_budget())
    return Attempt(True, dict(found.value)) if found.ok else found


@lru_cache(maxsize=128)
def _within_budget(model, budget) -> Attempt:
    """The budgeted attempt, cached per model and budget (``budget`` is the key; attempt reads it)."""
    return attempt(metric_closed_forms, model, what="metric closed forms", quantities=len(METRIC_KEYS))


metric_closed_forms_within_budget.cache_clear = _within_budget.cache_clear  # type: ignore[attr-defined]
