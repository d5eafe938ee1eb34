"""Exact metric of quadratic energies (Gaussian model densities).

For E(x, θ) of total degree ≤ 2 in x, write A = ∇ₓ²E (θ-dependent, x-free),
mode m = −A⁻¹∇ₓE|ₓ₌₀, Σ = (βA)⁻¹, and for each parameter
X_i = ∂_iE = X_i(m) + g_iᵀy + ½ yᵀM_i y with y = x − m.  The Langevin
sampler dx = −μ∇ₓE dt + sqrt(2μ/β) dW is then an Ornstein–Uhlenbeck process
(drift −μA y) and everything is closed form (arXiv 2510.03137,
general potentials; for the trap derived here, docs/theory.md):

* Fisher information  I_ij = β² Cov(X_i, X_j) = β² [g_iᵀΣg_j + ½ tr(M_iΣM_jΣ)];
* friction  ζ_ij = β ∫₀^∞ ⟨δX_i(t) δX_j(0)⟩ dt = β⟨δX_i f_j⟩, where f_j solves
  the Poisson equation L f_j = −δX_j of the generator
  L = −μ(Ay)·∇ + (μ/β)Δ.  With f = aᵀy + ½yᵀPy + c this gives
  a_j = A⁻¹g_j/μ and the Lyapunov equation A P_j + P_j A = M_j/μ, so
  ζ_ij = β [g_iᵀ Σ A⁻¹ g_j / μ + ½ tr(M_i Σ P_j Σ)].

Assumption: A is positive definite (the model is normalisable) and the
mobility is the scalar μ.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .._errors import ModelError

__all__ = ["gaussian_structure", "lyapunov_solve", "simplify_rational"]


def simplify_rational(expr, form: str = "cancel"):
    """``sp.simplify``, short-cut for rational functions; elementwise on matrices.

    The Gaussian algebra of quadratic energies gives rational functions of
    θ, β, μ, t, τ and the constants.  For those ``cancel`` (numerator and
    denominator coprime polynomials) is already a normal form, zero exactly
    when the expression is, at a fraction of ``simplify``'s cost
    (``simplify`` also imports ``sympy.physics.units``, ≈0.4 s, on its
    first call in a process).  ``form`` shapes the result of a rational
    function: ``"cancel"`` as is, ``"factor"`` factorised into irreducible
    polynomials (the canonical form ``factor(simplify(·))`` gives),
    ``"terms"`` with common factors pulled out and signs normalised (what
    ``simplify`` returns for most rational functions).  Anything else (exp,
    sqrt, ... of the parameters) goes through ``simplify`` (then ``factor``
    for ``"factor"``) as before.

    >>> b, k, t = sp.symbols("beta k t", positive=True)
    >>> simplify_rational((k**2 - 1) / (b * (k - 1)), "factor")
    (k + 1)/beta
    >>> simplify_rational(1 / (b * (1 - k * t)) + 1 / b, "terms")
    (k*t - 2)/(beta*(k*t - 1))
    >>> simplify_rational(sp.Matrix([[sp.exp(k) * sp.exp(-k)]]))
    Matrix([[1]])
    """
    if form not in ("cancel", "factor", "terms"):
        raise ValueError(f"form must be 'cancel', 'factor' or 'terms', got {form!r}")
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: simplify_rational(e, form))
    expr = sp.sympify(expr)
    if not expr.is_rational_function():
        out = sp.simplify(expr)
        return sp.factor(out) if form == "factor" else out
    out = sp.cancel(expr)
    if form == "factor":
        return sp.factor(out)
    return sp.signsimp(sp.factor_terms(out)) if form == "terms" else out


def gaussian_structure(model):
    """Return (A, m, Sigma, X_at_mode, g, M) of a quadratic model.

    ``g`` and ``M`` are lists over the parameters of an (d, 1) column and a
    (d, d) matrix.  Raises :class:`ModelError` if the energy is not quadratic.
    Computed once per model (the metric closed forms need it several times);
    every call returns fresh copies of the matrices.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> A, m, S, X0, g, M = gaussian_structure(harmonic_trap(k=2))
    >>> A, m, S
    (Matrix([[2]]), Matrix([[theta]]), Matrix([[1/(2*beta)]]))
    """
    A, m, Sigma, X0, g, M = _structure(model)
    return A.copy(), m.copy(), Sigma.copy(), list(X0), [v.copy() for v in g], [v.copy() for v in M]


@lru_cache(maxsize=128)
def _structure(model):
    """:func:`gaussian_structure`, cached per model."""
    if not model.is_quadratic():
        raise ModelError(f"energy {model.energy} is not quadratic in x; no Gaussian closed form")
    E = model.energy
    A = sp.hessian(E, model.x)
    zero = {xi: 0 for xi in model.x}
    grad0 = sp.Matrix([sp.diff(E, xi).subs(zero) for xi in model.x])
    Ainv = A.inv()
    m = simplify_rational(-Ainv * grad0)
    Sigma = simplify_rational(Ainv / model.beta, "factor")
    at_m = dict(zip(model.x, m))
    X0, g, M = [], [], []
    for Xi in model.dE_dtheta:
        X0.append(simplify_rational(Xi.subs(at_m)))
        g.append(sp.Matrix([sp.diff(Xi, xj) for xj in model.x]).subs(at_m))
        M.append(sp.hessian(Xi, model.x))
    return A, m, Sigma, X0, g, M


gaussian_structure.cache_clear = _structure.cache_clear  # type: ignore[attr-defined]


def lyapunov_solve(A: sp.Matrix, C: sp.Matrix) -> sp.Matrix:
    """Symmetric P with A P + P A = C (A symmetric positive definite).

    >>> a = sp.Symbol("a", positive=True)
    >>> lyapunov_solve(sp.Matrix([[a]]), sp.Matrix([[1]]))
    Matrix([[1/(2*a)]])
    """
    d = A.shape[0]
    syms = sp.symbols(f"_p0:{d * (d + 1) // 2}")
    P = sp.zeros(d, d)
    k = 0
    for i in range(d):
        for j in range(i, d):
            P[i, j] = P[j, i] = syms[k]
            k += 1
    eqs = list(A * P + P * A - C)
    sol = sp.solve(eqs, syms, dict=True)
    if not sol:
        raise ModelError("Lyapunov equation A P + P A = C has no solution; A is not positive definite")
    return simplify_rational(P.subs(sol[0]))
