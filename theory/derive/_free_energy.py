"""Partition function Z(θ) and free energy F(θ) = −β⁻¹ ln Z(θ).

Closed form first, general fallback (as ``sympy.stats`` does for ``cdf``):

1. **quadratic in x** — E = ½xᵀAx − bᵀx + c with A ≻ 0 independent of x:
   completing the square gives
   Z = (2π/β)^{d/2} det(A)^{−1/2} exp(β(½bᵀA⁻¹b − c)), hence
   F = c − ½bᵀA⁻¹b + (1/2β) ln det A − (d/2β) ln(2π/β).
2. **even monomial in one coordinate** — E = a(θ)x^{2n} + h(θ):
   Z = 2Γ(1/2n)/(2n (βa)^{1/2n}) · exp(−βh).
3. **1-D non-polynomial energies** of modest size: ``sympy.integrate`` over
   ℝ (translation-invariant energies E(x − θ) are shifted first), under the
   symbolic budget (:mod:`theory._budget`, a few seconds by default);
   accepted only if it returns an expression without an ``Integral``.
4. Otherwise Z is the unevaluated ``Integral`` and the result is flagged
   ``closed_form=False`` (listed under ``not_closed_form`` by the CLI).

Polynomial energies of degree > 2 never reach ``integrate`` (no elementary
closed form; sympy can spend minutes on them).  Source: arXiv 2510.03137
(F = −β⁻¹ ln Z; ∂θF = ⟨∂θE⟩_m, the model term of the MLE gradient).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .._budget import attempt, current_budget
from ._result import Derivation, tidy

__all__ = ["FreeEnergy", "free_energy", "quadratic_form"]

#: Larger energies are not sent to ``sympy.integrate``.
_INTEGRATE_MAX_OPS = 25


@dataclass(frozen=True)
class FreeEnergy(Derivation):
    """Z(θ) and F(θ) = −β⁻¹ ln Z(θ).

    Attributes
    ----------
    partition_function : sympy.Expr
        Z(θ) = ∫ exp(−βE) dx (an unevaluated ``Integral`` if not closed).
    free_energy : sympy.Expr
    closed_form : bool
    method : str
        ``"quadratic"``, ``"monomial"``, ``"integrate"`` or ``"integral"``.
    reason : str
        Why there is no closed form (empty when ``closed_form``), e.g. the
        symbolic budget ran out.
    """

    partition_function: sp.Expr
    free_energy: sp.Expr
    closed_form: bool
    method: str
    reason: str = ""

    def latex_items(self):
        return [("Z", self.partition_function), ("F", self.free_energy)]


def quadratic_form(model):
    """Return (A, b, c) with E = ½xᵀAx − bᵀx + c, or ``None`` if E is not quadratic in x.

    A is the Hessian ∇ₓ²E (independent of x), b = −∇ₓE|ₓ₌₀, c = E|ₓ₌₀.

    >>> from thermolearn.theory import energy_model
    >>> quadratic_form(energy_model("(x - theta)**2/2"))
    (Matrix([[1]]), Matrix([[theta]]), theta**2/2)
    """
    try:
        poly = sp.Poly(model.energy, *model.x)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 2 or any(c.has(*model.x) for c in poly.coeffs()):
        return None
    zero = {xi: 0 for xi in model.x}
    A = sp.hessian(model.energy, model.x).applyfunc(sp.expand)
    b = sp.Matrix([-sp.diff(model.energy, xi).subs(zero) for xi in model.x]).applyfunc(sp.expand)
    c = sp.expand(model.energy.subs(zero))
    return A, b, c


def _quadratic(model, A, b, c) -> FreeEnergy:
    beta, d = model.beta, len(model.x)
    detA = sp.factor(A.det())
    quad = (b.T * A.inv() * b)[0, 0]
    F = tidy(c - quad / 2) + sp.expand_log(sp.log(detA)) / (2 * beta) - sp.Rational(d, 2) / beta * sp.log(2 * sp.pi / beta)
    Z = (2 * sp.pi / beta) ** sp.Rational(d, 2) / sp.sqrt(detA) * sp.exp(tidy(beta * (quad / 2 - c)))
    return FreeEnergy(Z, F, True, "quadratic")


def _monomial(model):
    (x,) = model.x
    poly = sp.Poly(model.energy, x)
    terms = [(m[0], c) for m, c in poly.terms() if m[0] > 0]
    if len(terms) != 1 or any(c.has(x) for _, c in poly.terms()):
        return None
    (n2, a), h = terms[0], poly.coeff_monomial(1)
    if n2 % 2 or not a.is_positive:
        return None
    beta = model.beta
    Z = 2 * sp.gamma(sp.Rational(1, n2)) / (n2 * (beta * a) ** sp.Rational(1, n2)) * sp.exp(-beta * h)
    F = h - sp.log(2 * sp.gamma(sp.Rational(1, n2)) / n2) / beta + sp.log(beta * a) / (n2 * beta)
    return FreeEnergy(Z, sp.expand(F), True, "monomial")


def _shift_and_integrate(energy, x, theta, beta):
    """∫ exp(−βE) dx over ℝ, after shifting out a translation invariance E(x − θ)."""
    for th in theta:  # translation invariance E(x − θ): Z does not depend on θ
        shifted = sp.simplify(energy.subs(x, x + th))
        if not shifted.has(th):
            energy = shifted
            break
    if sp.count_ops(energy) > _INTEGRATE_MAX_OPS:
        return None
    return sp.integrate(sp.exp(-beta * energy), (x, -sp.oo, sp.oo), conds="none")


def _integrate_1d(model):
    """Closed-form Z by ``sympy.integrate`` under the symbolic budget; (result, reason)."""
    (x,) = model.x
    if sp.count_ops(model.energy) > 4 * _INTEGRATE_MAX_OPS:
        return None, f"energy too large for sympy.integrate (more than {4 * _INTEGRATE_MAX_OPS} operations)"
    found = attempt(_shift_and_integrate, model.energy, x, model.theta, model.beta,
                    what="partition function by sympy.integrate")
    if not found.ok:
        return None, found.reason
    Z = found.value
    if Z is None:
        return None, f"energy too large for sympy.integrate (more than {_INTEGRATE_MAX_OPS} operations)"
    if Z.has(sp.Integral) or Z.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or Z.is_zero:
        return None, "sympy.integrate found no closed form"
    return FreeEnergy(Z, -sp.log(Z) / model.beta, True, "integrate"), ""


def free_energy(model) -> FreeEnergy:
    """F(θ) = −β⁻¹ ln Z(θ), Z = ∫ exp(−βE(x, θ)) dx, closed form where possible.

    Parameters
    ----------
    model : theory.EnergyModel

    Returns
    -------
    FreeEnergy
        ``closed_form`` is False when Z is left as an unevaluated integral.

    Examples
    --------
    >>> from thermolearn.theory import energy_model
    >>> free_energy(energy_model("(x - theta)**2/2")).free_energy
    -log(2*pi/beta)/(2*beta)
    >>> fe = free_energy(energy_model("x**4/4 - theta*x"))
    >>> fe.closed_form, fe.method
    (False, 'integral')
    """
    return _free_energy(model, current_budget())


@lru_cache(maxsize=128)
def _free_energy(model, budget) -> FreeEnergy:
    """:func:`free_energy`, cached per model and symbolic budget."""
    form = quadratic_form(model)
    if form is not None:
        return _quadratic(model, *form)
    is_poly = model.energy.is_polynomial(*model.x)
    if len(model.x) == 1 and is_poly:
        found = _monomial(model)
        if found is not None:
            return found
    reason = ("no elementary closed form is attempted for polynomial energies of degree > 2"
              if is_poly else "sympy.integrate is attempted for one coordinate only")
    if len(model.x) == 1 and not is_poly:
        found, reason = _integrate_1d(model)
        if found is not None:
            return found
    limits = [(xi, -sp.oo, sp.oo) for xi in model.x]
    Z = sp.Integral(sp.exp(-model.beta * model.energy), *limits)
    return FreeEnergy(Z, -sp.log(Z) / model.beta, False, "integral", reason)


free_energy.cache_clear = _free_energy.cache_clear  # type: ignore[attr-defined]
