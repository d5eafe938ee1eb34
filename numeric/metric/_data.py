"""⟨∂θE(x, θ)⟩ over data x ~ p_m(θ*): the exact-MLE data term."""

from __future__ import annotations

import numpy as np

from ..equilibrium import equilibrium_rule
from ..model import numeric_twin

__all__ = ["data_mean_function"]


def data_mean_function(model, target):
    """Return θ ↦ ⟨∂θE(x, θ)⟩_{x ~ p_m(θ*)} for a model with numeric β, μ, constants.

    The quadrature rule of p_m(θ*) (:func:`numeric.equilibrium.equilibrium_rule`:
    Gauss–Hermite nodes of the Gaussian closed form, exact for energies
    quadratic in x; the adaptive rule on the found support otherwise) is
    built once; each call evaluates ∂θE on its nodes.

    >>> from thermolearn.theory.models import quartic
    >>> f = data_mean_function(quartic(beta=1, mu=1), np.array([0.0]))
    >>> bool(abs(f(np.array([2.0]))[0]) < 1e-12)
    True
    """
    tw = numeric_twin(model)
    rule = equilibrium_rule(tw, target)
    return lambda th: rule.expect(tw.dE_dtheta(rule.x, np.atleast_1d(th)))
