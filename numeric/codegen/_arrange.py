"""Arrange expressions for whole-array evaluation: fewest passes over the "hot" (array) arguments.

numpy evaluates a printed expression operator by operator, each operator
with an array operand being one pass over memory (and one temporary).
Where some arguments are arrays (the coordinates x of an ensemble) and
the others scalars (the parameters θ, β, μ), the number of passes depends
on how the expression is grouped, not on what it is:

* ``-theta*x + (1/4)*x**4 - 1/2*x**2`` costs seven passes (x**4 by two
  products), the Horner form ``x*(x*(x**2/4 - 1/2) - theta)`` six;
* ``theta1 + (1/2)*theta2 - x1 - 1/2*x2`` adds the scalar terms one at a
  time to arrays; hoisting them into one scalar temporary ``c - x1 - c'*x2``
  saves the passes (the same for scalar factors of a product).

:func:`arrange_cse` is a ``cse`` callable for :func:`sympy.lambdify`: common
subexpressions (:func:`sympy.cse`), then per expression the cheaper of the
expression and its Horner form in the hot symbols (counted by
:func:`array_passes`; only for expressions already expanded as polynomials
in the hot symbols, so the Horner form cancels no more than the expression
does), then every scalar (cold) part of a sum or product hoisted into one
temporary.  Every step is an identity; the results differ from the plain
form by rounding only (tested against mpmath in
``tests/numeric/test_codegen_arrange.py``).
"""

from __future__ import annotations

from typing import Iterable

import sympy as sp

__all__ = ["array_passes", "arrange", "arrange_cse"]


def _is_hot(e, hot) -> bool:
    return bool(hot) and e.has(*hot)


def _pow_passes(n: int) -> int:
    """Products the printer's binary powering spends on base**n (numpy's fast paths for n = 2, −1)."""
    m = abs(n)
    if n in (-1, 2):
        return 1
    return m.bit_length() - 1 + bin(m).count("1") - 1 + (1 if n < 0 else 0)


def array_passes(e, hot) -> int:
    """Number of whole-array operations numpy spends on ``e`` when only ``hot`` symbols are arrays.

    A model of the printed code's cost (every operator with an array
    operand is one pass; a sum's or product's scalar part costs one pass
    however many scalar terms it has, as after :func:`arrange`; a negated
    term of a sum is a subtraction).

    >>> x, t = sp.symbols("x theta")
    >>> array_passes(x**4 / 4 - x**2 / 2 - t * x, {x}), array_passes(sp.horner(x**4 / 4 - x**2 / 2 - t * x, x), {x})
    (8, 6)
    """
    if not _is_hot(e, hot) or e.is_Atom:
        return 0
    if e.is_Add:
        hot_args = [a for a in e.args if _is_hot(a, hot)]
        cost = sum(array_passes(a, hot) for a in hot_args) + len(hot_args) - 1
        cost += 1 if len(hot_args) < len(e.args) else 0
        # a term -h prints as a subtraction: its negation costs nothing (unless every term is one)
        negated = sum(1 for a in hot_args if a.is_Mul and a.args[0] == -1 and len(a.args) == 2)
        return cost - negated + (1 if negated and negated == len(e.args) else 0)
    if e.is_Mul:
        hot_args = [a for a in e.args if _is_hot(a, hot)]
        cold = [a for a in e.args if not _is_hot(a, hot)]
        return sum(array_passes(a, hot) for a in hot_args) + len(hot_args) - 1 + (1 if cold else 0)
    if e.is_Pow:
        base, n = e.args
        if _is_hot(n, hot):
            return array_passes(base, hot) + array_passes(n, hot) + 1
        inner = array_passes(base, hot)
        if n.is_Integer and abs(int(n)) <= 16:
            return inner + _pow_passes(int(n))
        return inner + 1
    return sum(array_passes(a, hot) for a in e.args) + 1


def _horner(e, hot):
    """The Horner form of ``e`` in the hot symbols it contains, or None when ``e`` is no expanded polynomial."""
    gens = [s for s in hot if e.has(s)]
    if not gens or e != sp.expand(e):
        return None
    try:
        sp.Poly(e, *gens)
    except sp.PolynomialError:
        return None
    return sp.horner(e, *gens)


def _hoist(e, hot, temps, new_symbol):
    """``e`` with every scalar part of a hot sum or product replaced by one temporary (appended to ``temps``)."""
    if e.is_Atom:
        return e
    if not _is_hot(e, hot):
        return e
    args = [_hoist(a, hot, temps, new_symbol) if _is_hot(a, hot) else a for a in e.args]
    if e.is_Add or e.is_Mul:
        cold = [a for a in args if not _is_hot(a, hot)]
        hotp = [a for a in args if _is_hot(a, hot)]
        part = e.func(*cold)
        if len(cold) > 1 or (cold and not (part.is_Atom or part.is_Number)):
            if not part.is_Number:
                s = new_symbol()
                temps.append((s, part))
                part = s
        if cold:
            return e.func(part, *hotp)
        return e.func(*hotp)
    return e.func(*args)


def arrange(exprs, hot, *, new_symbol=None):
    """Expressions rearranged for fewest array passes: ``(temporaries, expressions)``.

    Parameters
    ----------
    exprs : sequence of sympy.Expr
    hot : iterable of sympy.Symbol
        The arguments that are arrays.
    new_symbol : callable, optional
        Fresh symbols for the temporaries (default: :class:`sympy.Dummy`).

    Returns
    -------
    temps : list of (Symbol, Expr)
        Scalar temporaries, in evaluation order.
    exprs : list of sympy.Expr
        Equal to the inputs once the temporaries are substituted.

    Examples
    --------
    >>> x, t = sp.symbols("x theta")
    >>> temps, (e,) = arrange([x**4 / 4 - x**2 / 2 - t * x], [x])
    >>> temps[0][1], e
    (-theta, x*(_h + x*(x**2/4 - 1/2)))
    >>> temps, (e,) = arrange([t / 2 - x / 2 + 3 * t**2], [x])
    >>> [str(v) for _, v in temps], sp.simplify(e.subs(temps[0][0], temps[0][1]) - (t / 2 - x / 2 + 3 * t**2))
    (['3*theta**2 + theta/2'], 0)
    """
    hot = set(hot)
    new_symbol = new_symbol or (lambda: sp.Dummy("h"))
    temps: list = []
    out = []
    for e in exprs:
        e = sp.sympify(e)
        h = _horner(e, hot)
        if h is not None and array_passes(h, hot) < array_passes(e, hot):
            e = h
        out.append(_hoist(e, hot, temps, new_symbol))
    return temps, out


def arrange_cse(hot: Iterable[sp.Symbol]):
    """A ``cse`` callable for :func:`sympy.lambdify`: shared subexpressions, then :func:`arrange`.

    >>> x, t = sp.symbols("x theta")
    >>> f = sp.lambdify((x, t), [t / 2 - x / 2 + 3 * t**2], cse=arrange_cse([x]))
    >>> f(1.0, 2.0)
    [12.5]
    """
    hot = set(hot)

    def cse(exprs):
        exprs = list(exprs) if isinstance(exprs, (list, tuple)) else [exprs]
        reps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_cse", cls=sp.Dummy), list=True)
        temps: list = []
        hot_now = set(hot)
        for sym, value in reps:
            more, (value,) = arrange([value], hot_now)
            temps.extend(more)
            temps.append((sym, value))
            if _is_hot(value, hot_now):
                hot_now.add(sym)
        more, reduced = arrange(reduced, hot_now)
        return temps + more, reduced

    return cse
