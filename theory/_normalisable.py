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
  Before ``limit`` (0.1–1 CPU-s in a forked child per end), a structural
  bound settles the common case E = P(x) + R(x) with P a polynomial of even
  degree n ≥ 2 and positive leading coefficient and |R| ≤ C(1 + |x|)^r,
  r < n (bounded functions, log cosh, softplus, square roots of polynomials,
  ...): then E → +∞ at both ends, the answer ``limit`` would give, in a few
  milliseconds (:func:`_even_power_dominates`).
"""

from __future__ import annotations

import sympy as sp

from ._budget import attempt

__all__ = ["normalisability", "domain"]

#: Sample coordinates at which a restricted domain is looked for (exact rationals).
_X_SAMPLES = tuple(sp.Rational(v) for v in ("0", "1/2", "-1/2", "1", "-1", "2", "-2", "3", "-3", "10", "-10"))
#: Sample parameter values (real parameters; positive ones use the positive entries only).
_THETA_SAMPLES = tuple(sp.Rational(v) for v in ("0", "1", "-1", "1/3"))

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


#: Limits sympy found, per (energy, coordinate, end): building a model, its numeric twin (β, μ
#: substituted, the same energy) and every later model of that energy ask the same question, each
#: answer costing a forked ``sympy.limit`` (0.1–1 CPU-s).  Only found limits are kept (an attempt the
#: budget ended is tried again); bounded, oldest first out.
_FOUND_LIMITS: dict = {}
_FOUND_LIMITS_MAX = 256


def _limit(energy, x, end):
    """E(x → end) as ``(limit, "")``, or ``(None, reason)`` when the attempt did not find it."""
    key = (energy, x, end)
    if key in _FOUND_LIMITS:
        return _FOUND_LIMITS[key], ""
    found = attempt(sp.limit, energy, x, end, what=f"limit of E as {x} -> {end}")
    if not found.ok:
        return None, found.reason
    if len(_FOUND_LIMITS) >= _FOUND_LIMITS_MAX:
        del _FOUND_LIMITS[next(iter(_FOUND_LIMITS))]
    _FOUND_LIMITS[key] = found.value
    return found.value, ""


#: Functions bounded on the real line (a real argument gives a value in a fixed interval).
_BOUNDED = (sp.sin, sp.cos, sp.tanh, sp.atan, sp.erf)
#: Growth order charged to log(a) with 1 <= a <= C(1 + |x|)^r: log a = o(|x|^(1/2)).
_LOG_ORDER = sp.Rational(1, 2)


def _growth(u, x):
    """An order r with |u(x)| <= C (1 + |x|)^r for every real x (C may depend on the parameters), or
    ``None`` when the rules below do not give one.  ``None`` is also returned for anything that may
    not be real, so a returned order implies u is real for real x and parameters.

    Rules: x-free real terms 0; x 1; sums the maximum, products the sum; u^k (k > 0 rational; the
    base nonnegative unless k is an integer) k·r(u); u^-k and exp(u) bounded by 1 when u >= 1 and
    u <= 0 respectively; sin, cos, tanh, atan, erf of a real argument 0; |u| r(u);
    |log cosh v| <= |v|; |log(c + Σ exp(v_i))| <= log(k) + max(|log c|, |v_i|) (softplus, log-sum-exp);
    log a with 1 <= a <= C(1 + |x|)^r: 1/2.

    >>> x = sp.Symbol("x", real=True)
    >>> _growth(x**2 * sp.sin(x) + sp.sqrt(x**2 + 1), x), _growth(sp.exp(x), x)
    (2, None)
    """
    if not u.has(x):
        return sp.Integer(0) if u.is_real else None
    if u == x:
        return sp.Integer(1)
    if u.is_Add or u.is_Mul:
        orders = [_growth(a, x) for a in u.args]
        if None in orders:
            return None
        return max(orders) if u.is_Add else sum(orders)
    if u.is_Pow:
        base, exp = u.args
        if exp.has(x) or not exp.is_Rational:
            return None
        if exp < 0:  # 0 < base^exp <= 1 where base >= 1
            return sp.Integer(0) if (base - 1).is_nonnegative else None
        if not exp.is_Integer and not base.is_nonnegative:
            return None
        r = _growth(base, x)
        return None if r is None else r * exp
    if isinstance(u, sp.exp):  # 0 < exp(v) <= 1 where v <= 0
        return sp.Integer(0) if (-u.args[0]).is_nonnegative else None
    if isinstance(u, _BOUNDED):
        return sp.Integer(0) if u.args[0].is_real else None
    if isinstance(u, sp.Abs):
        return _growth(u.args[0], x)
    if isinstance(u, sp.log):
        return _log_growth(u.args[0], x)
    return None


def _log_growth(a, x):
    """:func:`_growth` of log(a)."""
    if isinstance(a, sp.cosh):  # 0 <= log cosh v <= |v|
        return _growth(a.args[0], x)
    terms = sp.Add.make_args(a)
    exps = [t.args[0] for t in terms if isinstance(t, sp.exp)]
    if exps and all(isinstance(t, sp.exp) or (not t.has(x) and t.is_positive) for t in terms):
        orders = [_growth(v, x) for v in exps]  # every term positive: log a is between one term's log and log(k·max)
        return None if None in orders else max(orders)
    if _growth(a, x) is not None and (a - 1).is_nonnegative:
        return _LOG_ORDER
    return None


def _even_power_dominates(energy, x) -> bool:
    """True when E = P(x) + R(x), P a polynomial of even degree n >= 2 with real coefficients and a
    provably positive leading coefficient, and :func:`_growth` bounds R by (1 + |x|)^r with r < n.

    Then E >= lc·|x|^n - Σ|c_k||x|^k - C(1 + |x|)^r, so E -> +oo as x -> +oo and as x -> -oo
    (what ``sympy.limit`` returns for such energies, found without it).  False means "not shown".

    >>> x, th = sp.Symbol("x", real=True), sp.Symbol("theta", real=True)
    >>> _even_power_dominates(x**4/4 + sp.log(sp.cosh(th*x)) - th*x, x)
    True
    >>> _even_power_dominates(x**2 + x**2*sp.sin(x), x)  # R as large as P: E has zeros at every scale
    False
    """
    poly_terms, rest = [], []
    for term in sp.Add.make_args(energy):
        (poly_terms if term.is_polynomial(x) else rest).append(term)
    if not poly_terms:
        return False
    try:
        poly = sp.Poly(sp.Add(*poly_terms), x)
    except sp.PolynomialError:
        return False
    n = poly.degree()
    if n < 2 or n % 2 or poly.LC().is_positive is not True or not all(c.is_real for c in poly.coeffs()):
        return False
    r = _growth(sp.Add(*rest), x) if rest else sp.Integer(0)
    return r is not None and r < n


def _exponential(term, x):
    """``(a, kind)`` when ``term`` is c·exp(a·x + b) (kind "exp") or c·cosh(a·x + b) (kind "cosh") with c
    provably positive and a, b free of x, else ``None``."""
    coeff, fn = term.as_independent(x, as_Add=False)
    if not isinstance(fn, (sp.exp, sp.cosh)) or coeff.is_positive is not True:
        return None
    try:
        arg = sp.Poly(fn.args[0], x)
    except sp.PolynomialError:
        return None
    if arg.degree() != 1 or not all(c.is_real for c in arg.coeffs()):
        return None
    return arg.LC(), ("exp" if isinstance(fn, sp.exp) else "cosh")


def _grows_at_end(terms, x, end: int) -> bool:
    """E = Σ terms -> +oo as x -> end·oo, shown by one of two sufficient conditions.

    (1) A term c·exp(a·x + b) with a·end > 0, or c·cosh(a·x + b) with a != 0 (c > 0), grows faster than
    any power of |x|, and every other term is bounded by a power (:func:`_growth`) or is an exponential
    of that form decaying at this end (0 < c·exp(a·x + b) -> 0).  (2) The polynomial terms have degree
    n >= 1 and lc·end^n > 0, and the other terms (decaying exponentials aside) grow with order < n.
    """
    decaying, growing, rest = [], [], []
    for term in terms:
        found = _exponential(term, x)
        if found is not None and found[1] == "exp" and (end * found[0]).is_negative:
            decaying.append(term)
        elif found is not None and ((end * found[0]).is_positive if found[1] == "exp" else found[0].is_nonzero):
            growing.append(term)
        else:
            rest.append(term)
    if growing:
        return _growth(sp.Add(*rest), x) is not None
    poly_terms = [t for t in rest if t.is_polynomial(x)]
    others = [t for t in rest if not t.is_polynomial(x)]
    if not poly_terms:
        return False
    poly = sp.Poly(sp.Add(*poly_terms), x)
    n = poly.degree()
    if n < 1 or (poly.LC() * end**n).is_positive is not True or not all(c.is_real for c in poly.coeffs()):
        return False
    r = _growth(sp.Add(*others), x) if others else sp.Integer(0)
    return r is not None and r < n


def _exponentials_or_powers_dominate(energy, x) -> bool:
    """True when :func:`_grows_at_end` shows E -> +oo at both ends (energies with exp or cosh of a linear
    argument: cosh(x - θ), exp(x - θ) - x, θx + cosh(x), ...), as ``sympy.limit`` finds for them.

    >>> x, th = sp.Symbol("x", real=True), sp.Symbol("theta", real=True)
    >>> _exponentials_or_powers_dominate(sp.exp(x - th) - x, x), _exponentials_or_powers_dominate(sp.exp(x) + th, x)
    (True, False)
    """
    if not energy.has(sp.exp, sp.cosh):
        return False
    terms = sp.Add.make_args(energy)
    return _grows_at_end(terms, x, 1) and _grows_at_end(terms, x, -1)


#: The verdict for an energy that tends to +oo at both ends (growth rate not examined).
_BOTH_ENDS = (None, "E -> +oo at both ends; normalisability assumed (growth rate not proved)")


def _limits(model) -> tuple[bool | None, str]:
    (x,) = model.x
    if _even_power_dominates(model.energy, x) or _exponentials_or_powers_dominate(model.energy, x):
        return _BOTH_ENDS
    verdicts = []
    for end in (sp.oo, -sp.oo):
        lim, why = _limit(model.energy, x, end)
        if lim is None:
            return None, f"the behaviour of E at infinity could not be decided ({why})"
        if lim == -sp.oo:
            return False, f"E -> -oo as {x} -> {end}"
        if lim.is_finite:
            return False, f"E tends to the finite value {lim} as {x} -> {end}"
        verdicts.append(lim == sp.oo)
    if all(verdicts):
        return _BOTH_ENDS
    return None, "the behaviour of E at infinity could not be decided"


def _substitutions(model):
    """Sample points (dicts) for the parameters and constants, respecting their assumptions."""
    others = [s for s in model.energy.free_symbols if s not in model.x]
    if not others:
        return [{}]
    points = []
    for t in _THETA_SAMPLES:
        point = {}
        for s_ in others:
            v = t
            if s_.is_positive and not v > 0:
                v = sp.Integer(1) if t == 0 else -t
            point[s_] = v
        points.append(point)
    return points


def _violation(expr, model, bad, exact_zero: bool):
    """A sample point where ``bad(value)`` holds, as text, or ``None``.

    ``exact_zero``: also look for real roots when ``expr`` is a polynomial
    in the one coordinate once the parameters are numbers (exact zeros are
    never hit by sampling).
    """
    x = model.x
    for point in _substitutions(model):
        e = expr.xreplace(point)
        if exact_zero and len(x) == 1 and e.is_polynomial(x[0]):
            try:
                roots = sp.Poly(e, x[0]).real_roots() if e.free_symbols else []
            except (sp.PolynomialError, NotImplementedError, ValueError):
                roots = []
            if roots:
                return _where({x[0]: roots[0], **point})
        for v in _X_SAMPLES:
            at = {xi: v for xi in x}
            value = e.xreplace(at)
            if not value.is_number:
                continue
            if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or bad(value):
                return _where({**at, **point})
    return None


def _where(point) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sorted(point.items(), key=lambda kv: kv[0].name))


def domain(model) -> tuple[bool | None, str]:
    """Is E(x, θ) real and finite for every real x?  ``(verdict, reason)``.

    Looks at every place a real energy can stop being real or finite:
    ``log`` of an argument that may be ≤ 0, a power with a non-integer (or
    x-dependent) exponent of a base that may be negative, a negative power of
    a base that may vanish, and ``tan`` of an x-dependent argument (poles).
    Each is first decided by sympy's assumptions (x real, θ real unless
    declared positive, constants positive); otherwise the base is examined at
    sample points (and, for polynomials in one coordinate, at its real roots).
    ``False`` when a point is found where E is not real or not finite (with
    that point in the reason), ``None`` when it could not be decided, ``True``
    otherwise.

    >>> from thermolearn.theory import energy_model
    >>> domain(energy_model("cosh(x) + theta*x"))
    (True, 'E is real and finite for every real x')
    >>> domain(energy_model("x**2 + theta*sqrt(x**2 + 1)"))[0]
    True
    """
    undecided = []
    xs = set(model.x)
    for node in sp.preorder_traversal(model.energy):
        if not (node.free_symbols & xs):
            continue
        if isinstance(node, sp.log):
            (arg,) = node.args
            if arg.is_positive:
                continue
            hit = _violation(arg, model, lambda v: not v.is_positive, exact_zero=True)
            if hit:
                return False, f"{node} is not real or not finite at {hit}"
            undecided.append(str(node))
        elif isinstance(node, sp.tan):
            return False, f"{node} has poles on the real line"
        elif node.is_Pow:
            base, exp = node.args
            if exp.is_Integer:
                if exp > 0 or base.is_nonzero:
                    continue
                hit = _violation(base, model, lambda v: v.is_zero, exact_zero=True)
                if hit:
                    return False, f"{node} is singular at {hit}"
                undecided.append(str(node))
                continue
            nonneg_ok = exp.is_positive and not (exp.free_symbols & xs)
            if base.is_positive or (nonneg_ok and base.is_nonnegative):
                continue
            hit = _violation(base, model, (lambda v: v.is_negative) if nonneg_ok else (lambda v: not v.is_positive),
                             exact_zero=not nonneg_ok)
            if hit:
                return False, f"{node} is not real or not finite at {hit}"
            undecided.append(str(node))
    if undecided:
        return None, f"could not decide that {', '.join(undecided[:3])} stay real and finite for every real x"
    return True, "E is real and finite for every real x"


def normalisability(model, *, check_domain: bool = True) -> tuple[bool | None, str]:
    """Return ``(verdict, reason)`` for the normalisability of exp(−βE).

    >>> from thermolearn.theory import energy_model
    >>> normalisability(energy_model("(x - theta)**2/2"))
    (True, 'quadratic form with positive-definite matrix')
    >>> energy_model("log(x**2) + x**2 + theta*x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.NotNormalisableError: energy ...: log(x**2) is not real or not finite at theta = 0, x = 0
    """
    if check_domain:
        verdict, reason = domain(model)
        if verdict is False:
            return False, reason
    result = _polynomial(model)
    if result is not None:
        return result
    if len(model.x) == 1 and sp.count_ops(model.energy) <= _LIMIT_MAX_OPS:
        return _limits(model)
    return None, "normalisability of this non-polynomial energy could not be decided"
