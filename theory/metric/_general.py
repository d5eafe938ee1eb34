"""General (unevaluated-integral) expressions of the metric for 1-D energies.

CLI.md: a ``derive`` key without a closed form holds the general expression
and is listed under ``"not_closed_form"``.  For one sample coordinate x:

* I_ij = β²(⟨X_iX_j⟩ − ⟨X_i⟩⟨X_j⟩), ⟨f⟩ = ∫ f e^{−βE} dx / ∫ e^{−βE} dx;
* ζ_ij = (β²/μ) ∫ Φ_i Φ_j / p dx, Φ_i(x) = ∫_{−∞}^x (X_i − ⟨X_i⟩) p dy
  (derivation in :mod:`numeric.metric._quadrature`);
* T = β I⁻¹ζ, H = [βζ + (τ − t)I]⁻¹, d𝓛 = sqrt(dθᵀζdθ).

``numeric.metric.metric_at`` evaluates the same quantities.
"""

from __future__ import annotations

import sympy as sp

from ._flow import T_SYMBOL, TAU_SYMBOL, differential_symbols

__all__ = ["metric_general_forms"]


def metric_general_forms(model) -> dict | None:
    """Unevaluated-integral forms of the metric keys (one sample coordinate), else None.

    >>> from thermolearn.theory.models import quartic
    >>> g = metric_general_forms(quartic())
    >>> g["fisher_information"][0, 0].has(sp.Integral)
    True
    """
    if len(model.x) != 1:
        return None
    x = model.x[0]
    y = sp.Dummy("y", real=True)
    b, mu = model.beta, model.mu
    w = sp.exp(-b * model.energy)
    Z = sp.Integral(w, (x, -sp.oo, sp.oo))
    X = model.dE_dtheta
    n = len(X)

    def avg(f):
        return sp.Integral(f * w, (x, -sp.oo, sp.oo)) / Z

    means = [avg(Xi) for Xi in X]
    I = sp.Matrix(n, n, lambda i, j: b**2 * (avg(X[i] * X[j]) - means[i] * means[j]))
    phi = [sp.Integral(((Xi - mi) * w).subs(x, y), (y, -sp.oo, x)) / Z for Xi, mi in zip(X, means)]
    zeta = sp.Matrix(n, n, lambda i, j: b**2 / mu * sp.Integral(phi[i] * phi[j] * Z / w, (x, -sp.oo, sp.oo)))
    d = sp.Matrix(differential_symbols(model))
    one = n == 1  # avoid Matrix.inv: its zero test would try to evaluate the integrals
    return {
        "fisher_information": I,
        "friction_tensor": zeta,
        "relaxation_time": b * zeta[0, 0] / I[0, 0] if one else None,
        "learning_rate_matrix": sp.Matrix([[1 / (b * zeta[0, 0] + (TAU_SYMBOL - T_SYMBOL) * I[0, 0])]]) if one else None,
        "natural_gradient_flow": None,
        "thermodynamic_length_element": sp.sqrt((d.T * zeta * d)[0, 0]),
    }
