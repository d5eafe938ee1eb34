"""Exact Gaussian closure of the chain moments for quadratic energies.

For E = ½xᵀKx − bᵀx + c (K = ∇ₓ²E independent of x, b = −∇ₓE|₀), the
Fokker–Planck equation maps Gaussians to Gaussians and the chain mean m and
covariance C obey the closed linear ODEs (arXiv 2510.03137,
"harmonic moments", here in any dimension):

    dm/dt = ⟨−μ∇ₓE⟩ = −μ(Km − b),
    dC/dt = −μ(KC + CK) + (2μ/β) I,

with stationary point m* = K⁻¹b, C* = (βK)⁻¹.  For the trap
E = k(x − θ)²/2 this is u̇ = −μk(u − θ), (σ²)˙ = −2μkσ² + 2μ/β.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .._errors import ModelError
from .._parse import as_expression
from ._free_energy import quadratic_form
from ._result import Derivation, fresh_symbol, tidy

__all__ = ["GaussianClosure", "gaussian_closure", "gaussian_expectation"]


def _chain_symbols(model):
    """Chain mean m_s (d×1) and covariance C_s (d×d symmetric) symbols."""
    d = len(model.x)
    m = []
    for i in range(d):
        name, tex = (f"m_s{i + 1}", f"m_{{s,{i + 1}}}") if d > 1 else ("m_s", "m_s")
        m.append(fresh_symbol(model, name, tex))
    C = sp.zeros(d, d)
    for i in range(d):
        for j in range(i, d):
            name, tex = (f"C_s{i + 1}{j + 1}", f"C_{{s,{i + 1}{j + 1}}}") if d > 1 else ("C_s", "C_s")
            C[i, j] = C[j, i] = fresh_symbol(model, name, tex)
    return sp.Matrix(m), C


def _entries(values) -> list:
    if isinstance(values, sp.MatrixBase):
        return list(values)
    if isinstance(values, (str, sp.Basic)) or not hasattr(values, "__iter__"):
        return [values]
    return list(values)


def gaussian_expectation(expr, x, mean, cov) -> sp.Expr:
    """⟨f⟩ for x ~ N(mean, cov), f a polynomial of degree ≤ 2 in x.

    Exact: ⟨f⟩ = f(mean) + ½ tr(∇²f · cov).

    >>> x, m, v = sp.symbols("x m v", real=True)
    >>> gaussian_expectation(x**2, (x,), sp.Matrix([m]), sp.Matrix([[v]]))
    m**2 + v

    Strings (for ``expr`` and the entries of ``mean`` and ``cov``) are parsed
    by the AST whitelist, with the names of ``x`` bound to those symbols;
    they are never evaluated.
    """
    x = tuple(x)
    for xi in x:
        if not isinstance(xi, sp.Symbol):
            raise ModelError(f"gaussian_expectation: coordinates must be sympy Symbols, got {xi!r}")
    table = {s.name: s for s in x}
    expr = as_expression(expr, "gaussian_expectation expr", table)
    mean = [as_expression(v, "gaussian_expectation mean", table) for v in _entries(mean)]
    cov_rows = cov.tolist() if isinstance(cov, sp.MatrixBase) else cov
    try:
        cov = sp.Matrix([[as_expression(v, "gaussian_expectation cov", table) for v in row] for row in cov_rows])
    except TypeError:
        raise ModelError("gaussian_expectation: cov must be a square matrix (list of rows)") from None
    if len(mean) != len(x) or cov.shape != (len(x), len(x)):
        raise ModelError(f"gaussian_expectation: mean needs {len(x)} entries and cov shape {(len(x), len(x))}")
    try:
        poly = sp.Poly(expr, *x)
    except sp.PolynomialError:
        raise ModelError(f"gaussian_expectation needs a polynomial in {x}, got {expr}") from None
    if poly.total_degree() > 2:
        raise ModelError(f"gaussian_expectation needs degree <= 2 in {x}, got {expr}")
    at_mean = expr.subs(dict(zip(x, mean)), simultaneous=True)
    hess = sp.hessian(expr, x) if len(x) > 1 else sp.Matrix([[sp.diff(expr, x[0], 2)]])
    return sp.expand(at_mean + (hess * cov).trace() / 2)


@dataclass(frozen=True)
class GaussianClosure(Derivation):
    """Mean and covariance ODEs of the chains for a quadratic energy.

    Attributes
    ----------
    mean, covariance : sympy.ImmutableMatrix
        Symbols m_s (d×1) and C_s (d×d, symmetric) of the chain moments.
    mean_rhs, covariance_rhs : sympy.Matrix
        dm/dt and dC/dt.
    hessian, linear : sympy.Matrix
        K = ∇ₓ²E and b = −∇ₓE|ₓ₌₀ (may depend on θ).
    stationary_mean, stationary_covariance : sympy.Matrix
        K⁻¹b and (βK)⁻¹.
    chain_statistics : tuple of sympy.Expr
        ⟨∂θE⟩_s under the Gaussian N(m, C).
    """

    mean: sp.Matrix
    covariance: sp.Matrix
    mean_rhs: sp.Matrix
    covariance_rhs: sp.Matrix
    hessian: sp.Matrix
    linear: sp.Matrix
    stationary_mean: sp.Matrix
    stationary_covariance: sp.Matrix
    chain_statistics: tuple[sp.Expr, ...]

    def latex_items(self):
        return [(r"\dot m", self.mean_rhs), (r"\dot C", self.covariance_rhs),
                (r"\langle \partial_\theta E \rangle_s", self.chain_statistics)]


@lru_cache(maxsize=128)
def gaussian_closure(model) -> GaussianClosure:
    """Exact moment ODEs of the persistent chains for a quadratic energy.

    Raises
    ------
    ModelError
        If E is not a polynomial of degree ≤ 2 in x with x-free coefficients.

    Examples
    --------
    >>> from thermolearn.theory import energy_model
    >>> g = gaussian_closure(energy_model("(x - theta)**2/2"))
    >>> g.mean_rhs, g.covariance_rhs
    (Matrix([[-m_s*mu + mu*theta]]), Matrix([[-2*C_s*mu + 2*mu/beta]]))
    """
    form = quadratic_form(model)
    if form is None:
        raise ModelError(f"energy {model.energy} is not quadratic in {model.x}; the Gaussian closure is not exact")
    K, b, _ = form
    d = len(model.x)
    m, C = _chain_symbols(model)
    mu, beta = model.mu, model.beta
    mean_rhs = (-mu * (K * m - b)).applyfunc(sp.expand)
    cov_rhs = (-mu * (K * C + C * K) + 2 * mu / beta * sp.eye(d)).applyfunc(sp.expand)
    Kinv = K.inv()
    stats = tuple(
        gaussian_expectation(sp.diff(model.energy, th), model.x, m, C) for th in model.theta
    )
    im = sp.ImmutableMatrix
    return GaussianClosure(
        mean=im(m), covariance=im(C), mean_rhs=im(mean_rhs), covariance_rhs=im(cov_rhs),
        hessian=im(K), linear=im(b),
        stationary_mean=im((Kinv * b).applyfunc(tidy)),
        stationary_covariance=im((Kinv / beta).applyfunc(tidy)),
        chain_statistics=stats,
    )
