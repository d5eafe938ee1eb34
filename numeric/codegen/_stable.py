"""Overflow-safe and cancellation-free rewriting of expressions for float64.

Energies users bring are built from ``exp``, ``cosh``, ``log`` and their
derivatives, whose textbook forms overflow or cancel in double precision
long before the quantity they stand for does: ``log(cosh(800))`` is 799.3 but
``cosh(800)`` is ``inf``; the drift of ``log(cosh(θx))`` is ``θ tanh(θx)`` but
sympy writes it ``θ sinh(θx)/cosh(θx)``, which is ``inf/inf = nan`` at
θx = 800; ``log(cosh(u))`` near u = 1e-6 loses five digits to ``cosh(u) ≈ 1``.

:func:`stabilise` rewrites an expression into an equal one whose float64
evaluation is safe (every rule is an identity; the tests check each against
mpmath at 50 digits):

* ``log(cosh(u))`` → ``logcosh(u)``, evaluated as ``log1p(2 sinh²(c/2)) + (|u| − c)``
  with c = min(|u|, 700) in numpy (the C helper: ``log1p(2 sinh²(u/2))`` for
  |u| < 1 and ``|u| + log1p(exp(−2|u|)) − log 2`` otherwise);
* ``log(Σ cᵢ exp(bᵢ))`` with cᵢ > 0 (``log(1 + exp(u))`` among them) →
  ``logsumexp`` of ``bᵢ + log cᵢ``, evaluated with ``numpy.logaddexp``;
* a product ``exp(a)·Πₖ Sₖ^{pₖ}`` with exponential sums Sₖ (the derivatives
  of softplus and log-sum-exp energies, e.g. ``exp(u)/(1 + exp(u))``) →
  ``exp(a + Σ pₖ logsumexp(Sₖ))``, whose argument is bounded where the
  ratio is, and ``exp(a − logsumexp(a, b))`` → ``sigmoid(a − b)``;
* ``sinh(u)^a cosh(u)^b`` with 0 < a ≤ −b → ``tanh(u)^a cosh(u)^(a+b)``;
* ``log(1 + u)`` → ``log1p(u)`` and ``exp(u) − 1`` → ``expm1(u)``.

Small integer powers are not an accuracy matter but a speed one: numpy's
``x**4`` costs about 80 times ``x*x*x*x``; :data:`NUMPY_HELPERS` holds
``_ipow`` (binary powering by products) that the numpy printer uses for
integer exponents 3 ≤ |n| ≤ 16.

The mpmath path of :func:`~thermolearn.numeric.codegen.lambdify` never uses
these rewrites: it is the independent reference the rewrites are tested
against.
"""

from __future__ import annotations

import inspect

import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

__all__ = ["stabilise", "logcosh", "logsumexp", "sigmoid", "NUMPY_HELPERS", "numpy_namespace"]


class logcosh(sp.Function):
    """log(cosh(u)), a function of its own so that it is evaluated stably.

    >>> u = sp.Symbol("u")
    >>> logcosh(u).diff(u)
    tanh(u)
    >>> logcosh(u).rewrite(sp.log)
    log(cosh(u))
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.tanh(self.args[0])

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.S.Zero
        if arg.could_extract_minus_sign():
            return cls(-arg)

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return sp.log(sp.cosh(arg))

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class logsumexp(sp.Function):
    """log(Σᵢ exp(aᵢ)) of its arguments, evaluated without overflow.

    >>> a, b = sp.symbols("a b")
    >>> logsumexp(a, b).rewrite(sp.log)
    log(exp(a) + exp(b))
    >>> sp.simplify((logsumexp(a, b).diff(a) - sp.exp(a) / (sp.exp(a) + sp.exp(b))).rewrite(sp.log))
    0
    """

    def fdiff(self, argindex=1):
        # ∂/∂aᵢ log Σ exp(aⱼ) = exp(aᵢ − logsumexp(a))
        return sp.exp(self.args[argindex - 1] - self)

    @classmethod
    def eval(cls, *args):
        if len(args) == 1:
            return args[0]

    def _eval_rewrite_as_log(self, *args, **kwargs):
        return sp.log(sp.Add(*(sp.exp(a) for a in args)))

    def _eval_is_extended_real(self):
        return all(a.is_extended_real for a in self.args) or None


class sigmoid(sp.Function):
    """The logistic function 1/(1 + exp(−u)), evaluated without overflow.

    >>> u = sp.Symbol("u")
    >>> sp.simplify(sigmoid(u).diff(u) - sigmoid(u) * (1 - sigmoid(u)))
    0
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


def _exact_sum(a, b):
    """a + b, expanded when both are polynomials: equal leading terms cancel exactly, not in float64.

    (x − θ)²/2 − (x + θ)²/2 evaluated as written loses |x|²·ulp to
    cancellation far from the origin; expanded it is −2θx.
    """
    return sp.expand(a + b) if a.is_polynomial() and b.is_polynomial() else a + b


def _ratio(exponent):
    """exp(exponent) without overflow when exponent = a_k + c − logsumexp(a₁, …, a_n), c a constant.

    Two terms give sigmoid(a_k − a_j); more give exp(−logsumexp(a_j − a_k
    over j)), whose argument is ≥ 0: the weight of term k, ≤ 1 for any
    arguments, times exp(c).  Differences of polynomials are expanded (:func:`_exact_sum`).
    """
    lse = [-t for t in sp.Add.make_args(exponent) if isinstance(-t, logsumexp)]
    if len(lse) != 1:
        return None
    rest = exponent + lse[0]
    args = lse[0].args
    for k, a in enumerate(args):
        offset = sp.expand(rest - a)  # a constant: a term's coefficient folded into a_k as its log
        if offset.is_number and offset.is_real:
            others = [_exact_sum(b, -a) for j, b in enumerate(args) if j != k]
            weight = sigmoid(-others[0]) if len(others) == 1 else sp.exp(-logsumexp(sp.S.Zero, *others))
            return sp.exp(offset) * weight
    return None


def _exp_sum_exponents(expr) -> list[sp.Expr] | None:
    """The bᵢ with expr = Σ exp(bᵢ), or None when expr is not such a sum.

    Terms may be positive numbers c (= exp(log c)) and c·exp(b) with c > 0;
    at least one term must hold an exponential.
    """
    if not isinstance(expr, sp.Add):
        return None
    out, seen_exp = [], False
    for term in expr.args:
        coeff, rest = term.as_coeff_Mul()
        if not (coeff.is_number and coeff.is_positive):
            return None
        if rest == 1:
            out.append(sp.log(coeff))
        elif all(isinstance(f, sp.exp) for f in sp.Mul.make_args(rest)):  # exp(a)·exp(b) is exp(a + b)
            out.append(sp.Add(*(f.args[0] for f in sp.Mul.make_args(rest))) + sp.log(coeff))
            seen_exp = True
        else:
            return None
    return out if seen_exp else None


def _distribute(kept, exponent):
    """(Σᵢ cᵢ·exp(bᵢ))·exp(exponent) as Σᵢ cᵢ·exp(bᵢ + exponent), or None.

    A weighted sum over the terms of a log-sum-exp, divided by its
    exponential sum (the θ-derivative of −log Σ exp(aᵢ(θ)), a mixture's
    responsibilities), factors as a sum times exp(−logsumexp): each exp(aᵢ)
    underflows and exp(−logsumexp) overflows far from the modes, 0·inf.
    Spread over the sum, each term is exp(aᵢ − logsumexp) ≤ 1 (a sigmoid for
    two terms).  Applies when exactly one kept factor is a sum with an
    exponential in some term.
    """
    sums = [f for f in kept if isinstance(f, sp.Add)
            and any(isinstance(g, sp.exp) for t in f.args for g in sp.Mul.make_args(t))]
    if len(sums) != 1:
        return None
    rest = sp.Mul(*(f for f in kept if f is not sums[0]))
    terms = []
    for t in sums[0].args:
        b, c = sp.S.Zero, []
        for g in sp.Mul.make_args(t):
            if isinstance(g, sp.exp):
                b += g.args[0]
            else:
                c.append(g)
        terms.append(sp.Mul(*c) * (_ratio(exponent + b) or sp.exp(exponent + b)))
    total = sp.Add(*terms)
    return rest * (_sigmoid_pairs(total) if isinstance(total, sp.Add) else total)


def _log_rule(expr):
    arg = expr.args[0]
    if isinstance(arg, sp.cosh):
        return logcosh(arg.args[0])
    exps = _exp_sum_exponents(arg)
    if exps is not None:
        return logsumexp(*exps)
    if isinstance(arg, sp.Add) and sp.S.One in arg.args:  # log(1 + u) -> log1p(u)
        return log1p(arg - 1)
    return expr


def _add_rule(expr):
    """c·exp(u) − c → c·expm1(u), for each such pair of terms."""
    terms = list(expr.args)
    for term in expr.args:
        coeff, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.exp) and coeff.is_number and -coeff in terms and term in terms:
            terms.remove(term)
            terms.remove(-coeff)
            terms.append(coeff * expm1(rest.args[0]))
    if len(terms) != len(expr.args):
        return sp.Add(*terms)
    return _sigmoid_pairs(expr)


def _sigmoid_pairs(expr):
    """c₁·sigmoid(u) + c₂·sigmoid(−u) → (c₁ + c₂)/2 + (c₁ − c₂)/2 · tanh(u/2) where |u| ≤ 1.

    The two weights of a two-term mixture sum to 1; written apart, the terms
    cancel where the weights are near ½ (the θ-derivative of
    −log(exp(−(x − θ)²/2) + exp(−(x + θ)²/2)) is θ − x·tanh(θx), of size
    |x|·|θx| ≪ |x| near θx = 0).  The centred form holds for any u, and c₁ ± c₂
    are expanded when polynomial, so that cancellation is exact; but where
    tanh(u/2) → ±1 it cancels (c₁ + c₂)/2 against (c₁ − c₂)/2 instead when
    |c₁| ≫ |c₂|.  Hence the choice by |u|: for |u| ≤ 1 the centred form's
    rounding is at most that of the weighted sum, and for |u| > 1 the weighted
    sum cancels by at most 1/tanh(½) ≈ 2.2.
    """
    groups: dict = {}
    for term in expr.args:
        sig = [f for f in sp.Mul.make_args(term) if isinstance(f, sigmoid)]
        if len(sig) != 1:
            continue
        u = sig[0].args[0]
        flip = u.could_extract_minus_sign()
        key = -u if flip else u
        groups.setdefault(key, {True: [], False: []})[flip].append((term, term / sig[0]))
    out, changed = list(expr.args), False
    for u, sides in groups.items():
        if not (sides[False] and sides[True]):
            continue
        c1 = sp.Add(*(c for _, c in sides[False]))
        c2 = sp.Add(*(c for _, c in sides[True]))
        for term, _ in sides[False] + sides[True]:
            out.remove(term)
        centred = _exact_sum(c1, c2) / 2 + _exact_sum(c1, -c2) / 2 * sp.tanh(u / 2)
        out.append(sp.Piecewise((centred, sp.Abs(u) <= 1), (c1 * sigmoid(u) + c2 * sigmoid(-u), True)))
        changed = True
    return sp.Add(*out) if changed else expr


def _mul_rule(expr):
    factors = sp.Mul.make_args(expr)
    # exponential sums to a power: exp(a) * S^p -> exp(a + p*logsumexp(S))
    exponent, kept, changed = sp.S.Zero, [], False
    for f in factors:
        base, power = f.as_base_exp()
        if isinstance(f, sp.exp):
            exponent += f.args[0]
            continue
        exps = _exp_sum_exponents(base) if power.is_number and power.is_real else None
        if exps is not None and power.is_negative:
            exponent += power * logsumexp(*exps)
            changed = True
        else:
            kept.append(f)
    if changed:
        ratio = _ratio(exponent)
        if ratio is None:
            spread = _distribute(kept, exponent)
            if spread is not None:
                return spread
        return sp.Mul(*kept) * (ratio or sp.exp(exponent))
    # sinh(u)^a cosh(u)^b with 0 < a <= -b -> tanh(u)^a cosh(u)^(a+b)
    powers: dict = {}
    for f in factors:
        base, power = f.as_base_exp()
        if isinstance(base, (sp.sinh, sp.cosh)) and power.is_Integer:
            powers.setdefault(base.args[0], {})[type(base)] = (f, power)
    out = list(factors)
    for arg, pair in powers.items():
        if sp.sinh in pair and sp.cosh in pair:
            (fs, a), (fc, b) = pair[sp.sinh], pair[sp.cosh]
            if 0 < a <= -b:
                out.remove(fs)
                out.remove(fc)
                out.append(sp.tanh(arg) ** a * sp.cosh(arg) ** (a + b))
                changed = True
    return sp.Mul(*out) if changed else expr


def _rewrite(expr, in_mul=False):
    if expr.is_Atom:
        return expr
    is_mul = isinstance(expr, sp.Mul)
    args = tuple(_rewrite(a, in_mul=is_mul) for a in expr.args)
    if args != expr.args:
        expr = expr.func(*args)
    if isinstance(expr, sp.log):
        return _log_rule(expr)
    if isinstance(expr, sp.Mul):
        return _mul_rule(expr)
    if isinstance(expr, sp.Add):
        return _add_rule(expr)
    if isinstance(expr, sp.Pow) and not in_mul:  # a factor of a product: the product's rule
        return _mul_rule(expr) if _exp_sum_exponents(expr.base) is not None else expr
    return expr


def stabilise(expr):
    """An equal expression whose float64 evaluation neither overflows nor cancels.

    Parameters
    ----------
    expr : sympy.Expr
        Any expression (an energy, a drift component, a metric entry).

    Returns
    -------
    sympy.Expr
        The rewritten expression, using :class:`logcosh`, :class:`logsumexp`,
        ``tanh``, ``log1p`` and ``expm1``; mathematically identical to
        ``expr`` (``rewrite(sp.log)`` gives it back).

    Examples
    --------
    >>> x, th = sp.symbols("x theta", real=True)
    >>> stabilise(sp.log(sp.cosh(th * x)))
    logcosh(theta*x)
    >>> stabilise(th * sp.sinh(th * x) / sp.cosh(th * x))
    theta*tanh(theta*x)
    >>> stabilise(sp.log(1 + sp.exp(x - th)))
    logsumexp(0, -theta + x)
    >>> stabilise(sp.exp(x) / (sp.exp(th) + sp.exp(x)))
    sigmoid(-theta + x)
    >>> stabilise(sp.exp(x) / (sp.exp(th) + sp.exp(x) + 1))
    exp(-logsumexp(0, -x, theta - x))
    >>> stabilise(sp.diff(-sp.log(sp.exp(-(x - th)**2/2) + sp.exp(-(x + th)**2/2)), th))
    -Piecewise((-theta + x*tanh(theta*x), Abs(theta*x) <= 1/2), ((-theta - x)*sigmoid(-2*theta*x) + (-theta + x)*sigmoid(2*theta*x), True))
    >>> stabilise(sp.log(1 + x**2))
    log1p(x**2)
    """
    return _rewrite(sp.sympify(expr))


#: |u| beyond which 2 sinh²(u/2) would overflow: there log(cosh(u)) = |u| − log 2 to double precision.
_LOGCOSH_CAP = 700.0


def _logcosh(u):
    """log(cosh(u)) without overflow or cancellation (float64), within 3 ulp (mpmath, 700 digits).

    cosh(u) = 1 + 2 sinh²(u/2), so log(cosh(u)) = log1p(2 sinh²(c/2)) + (|u| − c)
    with c = min(|u|, 700): one formula for every u (no cancellation near 0,
    no overflow beyond 700, where the second term adds |u| − 700 to
    700 − log 2), one pass per operation instead of two branches and a select.
    """
    a = np.abs(u)
    c = np.minimum(a, _LOGCOSH_CAP)
    if type(c) is not np.ndarray:  # a scalar (or a 0-d input): no buffers to reuse
        s = np.sinh(0.5 * c)
        return np.log1p(2.0 * (s * s)) + (a - c)
    s = np.multiply(c, 0.5)
    np.sinh(s, out=s)
    np.square(s, out=s)
    s *= 2.0
    np.log1p(s, out=s)
    a -= c
    s += a
    return s


def _logsumexp(*terms):
    """log(sum(exp(t))) over the arguments, broadcast, without overflow."""
    out = terms[0]
    for t in terms[1:]:
        out = np.logaddexp(out, t)
    return out


def _sigmoid(u):
    """1/(1 + exp(-u)) without overflow, to a few ulp for every u."""
    e = np.exp(-np.abs(u))
    out = np.where(u >= 0, 1.0, e)  # the numerator: 1 for u >= 0, e^-|u| below; one division by 1 + e^-|u|
    e += 1.0
    out /= e
    return out


def _ipow(base, n):
    """base**n for an integer |n| >= 2 by products (numpy's pow is ~80x slower).

    Left-to-right binary powering: base² is a fresh array, every further
    product is done in place on it (b^(2k) = (b^k)², b^(2k+1) = b^(2k)·b),
    so the powers cost one temporary, not one per product (numpy cannot
    elide temporaries held by a name).
    """
    if n < 0:
        r = _ipow(base, -n)
        return np.reciprocal(r, out=r) if isinstance(r, np.ndarray) and r.ndim else 1.0 / r
    if n < 2:
        return base if n == 1 else base * 0 + 1
    if n < 4:
        t = base * base  # fresh
        square = False
    else:
        t = _ipow(base, n // 2)  # fresh (n // 2 >= 2)
        square = True
    if isinstance(t, np.ndarray) and t.ndim:
        if square:
            np.multiply(t, t, out=t)
        if n & 1:
            np.multiply(t, base, out=t)
        return t
    t = t * t if square else t
    return t * base if n & 1 else t


#: The numpy helpers the numpy printer refers to, as source text (``np`` is
#: numpy): generated standalone modules embed it.
NUMPY_HELPERS = f"_LOGCOSH_CAP = {_LOGCOSH_CAP!r}\n\n\n" + "\n\n".join(
    inspect.getsource(f) for f in (_logcosh, _logsumexp, _sigmoid, _ipow)
)


def numpy_namespace() -> dict:
    """The numpy helpers by the names the numpy printer uses.

    >>> ns = numpy_namespace()
    >>> float(ns["_logcosh"](np.float64(800.0)))
    799.3068528194401
    >>> ns["_ipow"](np.arange(4.0), 5).tolist()
    [0.0, 1.0, 32.0, 243.0]
    >>> [ns["_ipow"](2.0, n) for n in (3, 4, 7, -3)]
    [8.0, 16.0, 128.0, 0.125]
    """
    return {"_logcosh": _logcosh, "_logsumexp": _logsumexp, "_sigmoid": _sigmoid, "_ipow": _ipow}
