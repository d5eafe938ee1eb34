"""⟨∂θE(x, θ)⟩ over data x ~ p_m(θ*): the exact-MLE data term."""

from __future__ import annotations

import numpy as np
import sympy as sp

from thermolearn.theory import ModelError
from thermolearn.theory.metric import gaussian_structure, target_symbols

from ._lambdify import numeric_model
from ._quadrature import _grid, support_1d

__all__ = ["data_mean_function"]


def data_mean_function(model, target):
    """Return θ ↦ ⟨∂θE(x, θ)⟩_{x ~ p_m(θ*)} for a model with numeric β, μ, constants.

    Quadratic energies: the Gaussian average (exact for degree ≤ 2 in x);
    1-D energies: composite Gauss–Legendre quadrature on the support of
    p_m(θ*) (computed once; each call evaluates ∂θE on those nodes).

    >>> from thermolearn.theory.models import quartic
    >>> f = data_mean_function(quartic(beta=1, mu=1), np.array([0.0]))
    >>> bool(abs(f(np.array([2.0]))[0]) < 1e-12)
    True
    """
    nm = numeric_model(model)
    star = np.atleast_1d(np.asarray(target, float))
    if model.is_quadratic():
        _, m, S, _, _, _ = gaussian_structure(model)
        tsyms = target_symbols(model)
        sub = dict(zip(model.theta, tsyms))
        m, S = m.xreplace(sub), S.xreplace(sub)
        at = dict(zip(model.x, m))
        expr = [Xi.subs(at) + sp.Rational(1, 2) * (sp.hessian(Xi, model.x) * S).trace() for Xi in model.dE_dtheta]
        fn = sp.lambdify((*model.theta, *tsyms), expr, "numpy")
        return lambda th: np.array(fn(*np.atleast_1d(th), *star), float)
    if nm.d != 1:
        raise ModelError("data moments of non-quadratic energies are implemented for one coordinate only")

    def be(x):
        return nm.beta * nm.energy(np.asarray(x, float)[..., None], star)

    a, mode, b, e0 = support_1d(be)
    xl, wl, _ = _grid(a, mode)
    xr, wr, _ = _grid(mode, b)
    x = np.concatenate([xl, xr]).ravel()
    w = (np.concatenate([wl, wr]).ravel()) * np.exp(-(be(x) - e0))
    w /= w.sum()
    return lambda th: w @ nm.dE_dtheta(x[:, None], np.atleast_1d(th))
