"""⟨∂θE(x, θ)⟩ and ⟨E(x, θ)⟩ over data x ~ p_m(θ*): the exact-MLE data terms."""

from __future__ import annotations

import functools

import numpy as np

from ..equilibrium import equilibrium_rule
from ..model import numeric_twin
from ._chebyshev import ChebyshevFit, chebyshev_fit, served

__all__ = ["data_mean_function", "data_moments_fit", "DATA_INTERP_ATOL"]

#: :func:`data_moments_fit`: the interpolant must reproduce β⟨E⟩_d and β⟨∂θE⟩_d at its check points to this
#: absolute error.  Both enter a run only through βW_ex, β(L − L̃) and the gradient of the learning flow, whose
#: statistical errors are ~1e-3 or more (the free energy's interpolant, ``numeric.langevin``, uses the same).
DATA_INTERP_ATOL = 1e-8


def data_mean_function(model, target, interval=None):
    """Return θ ↦ ⟨∂θE(x, θ)⟩_{x ~ p_m(θ*)} for a model with numeric β, μ, constants.

    The quadrature rule of p_m(θ*) (:func:`numeric.equilibrium.equilibrium_rule`:
    Gauss–Hermite nodes of the Gaussian closed form, exact for energies
    quadratic in x; the adaptive rule on the found support otherwise) is
    built once; each call evaluates ∂θE on its nodes (one sum in all when ∂θE
    does not involve θ).  ``interval`` = (lo,
    hi): θ inside it is served by :func:`data_moments_fit` where that applies
    (one parameter, a two-dimensional grid rule of ~10⁵ nodes otherwise summed
    at every θ).

    >>> from thermolearn.theory.models import quartic
    >>> f = data_mean_function(quartic(beta=1, mu=1), np.array([0.0]))
    >>> bool(abs(f(np.array([2.0]))[0]) < 1e-12)
    True
    """
    tw = numeric_twin(model)
    rule = equilibrium_rule(tw, target)
    exact = lambda th: rule.expect(tw.dE_dtheta(rule.x, np.atleast_1d(th)))  # noqa: E731
    if not any(g.has(*tw.model.theta) for g in tw.model.dE_dtheta):  # ∂θE free of θ: one sum serves every θ
        const = exact(np.asarray(target, dtype=float))
        const.setflags(write=False)
        return lambda th: const
    fit = None if interval is None else data_moments_fit(tw, tuple(np.ravel(target).tolist()), *interval)
    return served(fit, exact, slice(1, None))


@functools.lru_cache(maxsize=8)
def data_moments_fit(tw, target: tuple, lo: float, hi: float) -> ChebyshevFit | None:
    """(⟨E⟩_d, ⟨∂θE⟩_d) on θ ∈ [lo, hi] by a validated Chebyshev interpolant (data from p_m(θ* = ``target``)).

    Only for one parameter and two or more coordinates without a Gaussian
    closed form, where the data rule is a grid (in one coordinate the
    adaptive rule has a few hundred nodes and is summed directly; None
    otherwise, and None where the fit does not validate to
    :data:`DATA_INTERP_ATOL` within 65 points:
    :func:`numeric.metric._chebyshev.chebyshev_fit`).  Shared, through the
    cache, by the geodesic schedule and the trainer's ledger of the same run.
    """
    if tw.n != 1 or tw.d < 2 or tw.model.is_quadratic() or not lo < hi:
        return None
    rule = equilibrium_rule(tw, np.asarray(target, dtype=float))

    def moments(x):
        th = np.array([x])
        return [float(rule.expect(tw.energy(rule.x, th))), float(rule.expect(tw.dE_dtheta(rule.x, th))[0])]

    return chebyshev_fit(moments, lo, hi, lambda v: [DATA_INTERP_ATOL / tw.beta] * 2, start=9, max_points=65,
                         stall=2.0)
