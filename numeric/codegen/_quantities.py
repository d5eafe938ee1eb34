"""Which quantities a generated module contains, as sympy objects.

Always: ``energy`` E(x, θ), ``drift`` −μ∇ₓE and ``dE_dtheta`` ∂E/∂θ
(arXiv 2510.03137).  Where closed forms exist (arXiv 2510.03137; provided
by :mod:`theory.metric`):
``fisher_information`` I = β² Cov_m(∂θE), ``friction_tensor`` ζ and
``learning_rate_matrix`` H(t) = [βζ + (τ − t) I]⁻¹.  For the harmonic trap
E = k(x − θ)²/2 also the learning-rate schedules of arXiv 2510.03137 (from
:mod:`theory.harmonic`):
``eta_continuous`` η(t) = 1/(β(k(τ − t) + 1/μ))  and
``eta_discontinuous`` η(t) = 1/(βk(τ − t + 2/(μk))) with kick weights
``kick_start`` = 1/(βk(μkτ + 2)) and ``kick_end`` = 1/(2βk) (arXiv 2510.03137).
"""

from __future__ import annotations

import functools

import sympy as sp

from thermolearn.theory import EnergyModel
from thermolearn.theory.derive._result import reduce_to_zero

__all__ = ["closed_form_metric", "harmonic_schedules", "module_quantities", "T", "TAU"]

#: Time and protocol duration symbols used by schedules and H(t).
T = sp.Symbol("t", nonnegative=True)
TAU = sp.Symbol("tau", positive=True)

_METRIC_KEYS = ("fisher_information", "friction_tensor", "learning_rate_matrix")


@functools.lru_cache(maxsize=64)
def _budgeted(forms_fn, model, budget):
    """One budgeted attempt per model and budget (the source and the function list both ask)."""
    from thermolearn.theory._budget import attempt

    return attempt(forms_fn, model, what="metric closed forms", quantities=len(_METRIC_KEYS))


def closed_form_metric(model: EnergyModel) -> dict[str, sp.Matrix]:
    """Closed-form metric quantities from :mod:`thermolearn.theory.metric`.

    Returns an empty dict when the model has no closed form within the
    symbolic budget (the quantities are then omitted from generated modules
    rather than approximated).
    """
    from thermolearn.theory._budget import current_budget
    from thermolearn.theory.metric import metric_closed_forms

    found = _budgeted(metric_closed_forms, model, current_budget())
    if not found.ok:  # the symbolic budget ran out: omit the quantities rather than hang
        return {}
    forms = found.value
    out = {}
    for key in _METRIC_KEYS:
        value = forms.get(key)
        if value is None:
            continue
        if isinstance(value, sp.MatrixBase) and value.has(sp.Integral):
            continue
        if isinstance(value, sp.Basic) and value.has(sp.Integral):
            continue
        out[key] = sp.Matrix(value) if not isinstance(value, sp.MatrixBase) else value
    return out


@functools.lru_cache(maxsize=64)
def _trap_stiffness(model: EnergyModel):
    """k when E = k(x − θ)²/2 + c with k constant (1-D, one parameter), else None."""
    if len(model.x) != 1 or len(model.theta) != 1:
        return None
    x, th = model.x[0], model.theta[0]
    k = sp.diff(model.energy, x, 2)
    # zero tests under the symbolic budget (reduce_to_zero): an undecided one means "not a trap"
    if k.has(x, th) or reduce_to_zero(sp.diff(model.energy, x, th) + k) != 0:
        return None
    if reduce_to_zero(sp.diff(model.energy, th, 2) - k) != 0 or k.is_positive is False:
        return None
    return k


def harmonic_schedules(model: EnergyModel) -> dict[str, sp.Expr]:
    """Optimal learning-rate schedules of the harmonic trap (arXiv 2510.03137).

    The closed forms of :mod:`theory.harmonic`  —
    ``continuous_schedule`` and ``optimal_schedule`` — with the model's k, β
    and μ substituted.  Empty unless E = k(x − θ)²/2 (+ a θ-independent
    constant).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> s = harmonic_schedules(harmonic_trap(k=1, beta=1, mu=1))
    >>> s["eta_discontinuous"]
    1/(-t + tau + 2)
    """
    k = _trap_stiffness(model)
    if k is None:
        return {}
    import thermolearn.theory.harmonic as H

    subs = {H.k: k, H.beta: model.beta, H.mu: model.mu, H.t: T, H.tau: TAU}
    optimal = H.optimal_schedule()
    return {
        "eta_continuous": H.continuous_schedule().subs(subs),
        "eta_discontinuous": optimal.rate.subs(subs),
        "kick_start": optimal.kick_start.subs(subs),
        "kick_end": optimal.kick_end.subs(subs),
    }


def module_quantities(model: EnergyModel) -> dict[str, object]:
    """Everything a generated module holds, in order, as sympy objects."""
    out: dict[str, object] = {
        "energy": model.energy,
        "drift": tuple(model.drift),
        "dE_dtheta": tuple(model.dE_dtheta),
    }
    out.update(closed_form_metric(model))
    out.update(harmonic_schedules(model))
    return out
