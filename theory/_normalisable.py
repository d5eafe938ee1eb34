"""Decide, where sympy can, whether exp(−βE(x, θ)) is normalisable in x.

Three-valued: ``True`` (proved), ``False`` (proved not normalisable) or
``None`` (undecided; the model proceeds with a warning).  The checks are
cheap and never call ``integrate``:

* E polynomial in the coordinates: if its degree in some coordinate xᵢ is
  odd (or zero), the 1-D integral over xᵢ diverges for every value of the
  other coordinates, so Z = ∞ (Tonelli).  If the top homogeneous part is a
  quadratic form, normalisability is positive-definiteness of its matrix
  (leading principal minors).  In 1-D, an even degree with a leading
  coefficient that is provably positive (negative) decides the question.
* Otherwise, in 1-D, the limits E(±∞) are tried with sympy's ``limit``;
  E → +∞ faster than log|x| at both ends is not proved here, so only a
  limit of −∞ or a finite limit at one end (Z = ∞) decides ``False``.
"""

from __future__ import annotations

import sympy as sp

from ._budget import attempt

__all__ = ["normalisability"]

#: Larger energies are not sent to ``sympy.limit`` (it can be very slow).
_LIMIT_MAX_OPS = 40


def _sign(expr: sp.Expr):
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    if expr.is_zero:
        return 0
    return None


def _polynomial(model) -> tuple[bool | None, str] | None:
    try:
        poly = sp.Poly(model.energy, *model.x)
    except sp.PolynomialError:
        return None
    if any(c.has(*model.x) for c in poly.coeffs()):
        return None
    for i, xi in enumerate(model.x):
        degree = poly.degree(xi)
        if degree <= 0:
            return False, f"E does not depend on {xi}, so the integral over {xi} diverges"
        if degree % 2 == 1:
            return False, f"E has odd degree {degree} in {xi}, so E -> -oo in one direction"
    total = poly.total_degree()
    top = sp.Poly(
        sum(c * sp.Mul(*(x**e for x, e in zip(model.x, m))) for m, c in poly.terms() if sum(m) == total),
        *model.x,
    )
    if total == 2:
        hess = sp.hessian(top.as_expr(), model.x) / 2
        signs = [_sign(sp.factor(hess[:k, :k].det())) for k in range(1, len(model.x) + 1)]
        if all(s == 1 for s in signs):
            return True, "quadratic form with positive-definite matrix"
        if signs and signs[0] is not None and signs[0] <= 0:
            return False, f"quadratic form coefficient of {model.x[0]}**2 is {hess[0, 0]}, not positive"
        if len(model.x) == 1 and signs[0] is None:
            return None, f"normalisable only where {sp.factor(hess[0, 0])} > 0"
        if all(s is not None for s in signs):
            return False, "quadratic form is not positive definite"
        return None, "positive-definiteness of the quadratic form could not be decided"
    if len(model.x) == 1:
        lead = poly.LC()
        s = _sign(lead)
        if s == 1:
            return True, f"even degree {total} with positive leading coefficient"
        if s == -1:
            return False, f"even degree {total} with negative leading coefficient {lead}"
        return None, f"normalisable only where {lead} > 0"
    # multi-dimensional, higher degree: dominant even powers (Newton polytope)
    if _dominant_even_powers(poly, len(model.x)):
        return True, "positive even powers of every coordinate dominate all other terms"
    return None, "normalisability of this multivariate polynomial energy could not be decided"


def _dominant_even_powers(poly, d: int) -> bool:
    """True if E = Σ cᵢ xᵢ^{2nᵢ} + R with cᵢ > 0 and every monomial x^α of R
    satisfying Σ αᵢ/(2nᵢ) < 1.

    Then |x^α| ≤ ε Σ xᵢ^{2nᵢ} + C_ε (weighted AM–GM), so E ≥ ½ Σ cᵢ xᵢ^{2nᵢ} − C
    and exp(−βE) is integrable.
    """
    pure = {}
    for m, c in poly.terms():
        nz = [i for i, e in enumerate(m) if e]
        if len(nz) == 1:
            i = nz[0]
            if m[i] > pure.get(i, (0, None))[0]:
                pure[i] = (m[i], c)
    if len(pure) != d or any(e % 2 or _sign(c) != 1 for e, c in pure.values()):
        return False
    leading = {tuple(e if j == i else 0 for j in range(d)) for i, (e, _) in pure.items()}
    for m, _ in poly.terms():
        if m in leading:
            continue
        if sum(sp.Rational(e, pure[i][0]) for i, e in enumerate(m)) >= 1:
            return False
    return True


def _limits(model) -> tuple[bool | None, str]:
    (x,) = model.x
    verdicts = []
    for end in (sp.oo, -sp.oo):
        found = attempt(sp.limit, model.energy, x, end, what=f"limit of E as {x} -> {end}")
        if not found.ok:
            return None, f"the behaviour of E at infinity could not be decided ({found.reason})"
        lim = found.value
        if lim == -sp.oo:
            return False, f"E -> -oo as {x} -> {end}"
        if lim.is_finite:
            return False, f"E tends to the finite value {lim} as {x} -> {end}"
        verdicts.append(lim == sp.oo)
    if all(verdicts):
        return None, "E -> +oo at both ends; normalisability assumed (growth rate not proved)"
    return None, "the behaviour of E at infinity could not be decided"


def normalisability(model) -> tuple[bool | None, str]:
    """Return ``(verdict, reason)`` for the normalisability of exp(−βE).

    >>> from thermolearn.theory import energy_model
    >>> normalisability(energy_model("(x - theta)**2/2"))
    (True, 'quadratic form with positive-definite matrix')
    """
    result = _polynomial(model)
    if result is not None:
        return result
    if len(model.x) == 1 and sp.count_ops(model.energy) <= _LIMIT_MAX_OPS:
        return _limits(model)
    return None, "normalisability of this non-polynomial energy could not be decided"
