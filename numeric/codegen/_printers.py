"""Code printers for the three code-generation targets.

* :class:`MpmathExactPrinter` — every number becomes an mpmath number at the
  *working* precision: ``Rational(p, q)`` prints ``mpmath.mpf(p)/mpmath.mpf(q)``,
  a ``Float`` prints ``mpmath.mpf('<all of its digits>')`` and named constants
  print ``mpmath.pi``/``mpmath.e``.  No Python float literal is ever emitted,
  so nothing is silently demoted to double precision (the known lambdify
  pitfall: ``1/3`` or ``0.1`` evaluated as a double before mpmath sees it).
* :class:`NumpyPrinter` — sympy's NumPy printer; ``erf`` (which numpy lacks)
  goes through a vectorised :func:`math.erf` so the module needs numpy only;
  :class:`ScipyPrinter` the same on scipy. Both print the overflow-safe forms
  of :mod:`._stable` and small integer powers as products.
* :class:`CPrinter` — C99 with numeric literals for π and e instead of the
  non-standard ``M_PI`` macros, so the code compiles with ``-std=c99``.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import NumPyPrinter, SciPyPrinter
from sympy.printing.pycode import MpmathPrinter

__all__ = ["MpmathExactPrinter", "NumpyPrinter", "ScipyPrinter", "CPrinter", "C_HELPERS", "float_literal",
           "exact_decimal"]


#: Longest exact decimal expansion printed digit for digit.
_MAX_EXACT_DIGITS = 90


def exact_decimal(value: sp.Float) -> str | None:
    """The exact decimal expansion of a binary sympy ``Float`` (no rounding).

    A Float is m·2^e exactly, which has a finite decimal expansion; printing
    all of it means the generated code carries the very number sympy
    evaluates with, at any working precision.  Returns ``None`` when the
    expansion is longer than ``_MAX_EXACT_DIGITS`` characters (very small or
    large exponents, long mantissas); :class:`MpmathExactPrinter` then prints
    the exact ``mpmath.ldexp(mpf(m), e)``.

    >>> exact_decimal(sp.Float(0.5))
    '0.5'
    >>> exact_decimal(sp.Float(0.1))[:24]
    '0.1000000000000000055511'
    >>> exact_decimal(sp.Float(1e-200)) is None
    True
    """
    sign, man, exp, _ = value._mpf_
    if man == 0:
        return "0"
    if exp >= 0:
        text = str(man << exp)
    else:
        digits = str(man * 5 ** (-exp)).rjust(-exp + 1, "0")
        text = (digits[:exp] + "." + digits[exp:]).rstrip("0").rstrip(".")
    if len(text) > _MAX_EXACT_DIGITS:
        return None
    return ("-" if sign else "") + text


def float_literal(value: sp.Expr) -> str:
    """Shortest round-trip double literal of a real sympy number.

    >>> float_literal(sp.pi)
    '3.141592653589793'
    """
    return repr(float(value))


class MpmathExactPrinter(MpmathPrinter):
    """mpmath printer that never emits a Python float.

    >>> x = sp.Symbol("x")
    >>> MpmathExactPrinter().doprint(sp.Rational(1, 3) * x + sp.Float("0.25", 30))
    "(mpmath.mpf(1)/mpmath.mpf(3))*x + mpmath.mpf('0.25')"
    >>> MpmathExactPrinter().doprint(sp.Float(0.1))  # the double nearest 0.1, every digit
    "mpmath.mpf('0.1000000000000000055511151231257827021181583404541015625')"
    """

    def _print_Float(self, expr):
        mpf = self._module_format("mpmath.mpf")
        text = exact_decimal(expr)
        if text is not None:
            return f"{mpf}('{text}')"
        sign, man, exp, _ = expr._mpf_
        # exact: an integer mantissa times a power of two, at any precision
        return f"{self._module_format('mpmath.ldexp')}({mpf}({'-' if sign else ''}{man}), {exp})"

    def _print_Rational(self, expr):
        mpf = self._module_format("mpmath.mpf")
        return f"{mpf}({expr.p})/{mpf}({expr.q})"

    def _print_Half(self, expr):
        return self._print_Rational(expr)

    def _print_Integer(self, expr):
        # integers stay exact Python ints: int op mpf is exact in mpmath
        return str(expr.p)

    def _print_Exp1(self, expr):
        return self._module_format("mpmath.e")

    def _print_Pi(self, expr):
        return self._module_format("mpmath.pi")

    def _print_Pow(self, expr, rational=False):
        # sqrt through mpmath.sqrt, everything else as a ** b with exact pieces
        if expr.exp == sp.S.Half:
            return f"{self._module_format('mpmath.sqrt')}({self._print(expr.base)})"
        return super()._print_Pow(expr, rational=False)


class _StablePrinting:
    """Printing of the stabilised expressions of :mod:`._stable` (float64).

    ``logcosh``, ``logsumexp`` and ``sigmoid`` print the overflow-safe
    helpers ``_logcosh``, ``_logsumexp``, ``_sigmoid``; integer powers other
    than -1, 1 and 2 (numpy's fast paths) with |n| <= 16 print
    ``_ipow(base, n)``, products by binary powering.
    """

    _IPOW_MAX = 16

    def _print_logcosh(self, expr):
        return f"_logcosh({self._print(expr.args[0])})"

    def _print_sigmoid(self, expr):
        return f"_sigmoid({self._print(expr.args[0])})"

    def _print_logsumexp(self, expr):
        return f"_logsumexp({', '.join(self._print(a) for a in expr.args)})"

    def _print_Pow(self, expr, rational=False):
        n = expr.exp
        if n.is_Integer and n not in (-1, 1, 2) and abs(n) <= self._IPOW_MAX:
            return f"_ipow({self._print(expr.base)}, {int(n)})"
        return super()._print_Pow(expr, rational=rational)


class NumpyPrinter(_StablePrinting, NumPyPrinter):
    """NumPy printer; ``erf`` prints ``_erf`` (a vectorised :func:`math.erf`).

    >>> x = sp.Symbol("x")
    >>> NumpyPrinter().doprint(x**4 + x**2 + 1/x)
    '_ipow(x, 4) + x**2 + x**(-1.0)'
    """

    def _print_erf(self, expr):
        return f"_erf({self._print(expr.args[0])})"


class ScipyPrinter(_StablePrinting, SciPyPrinter):
    """SciPy printer (special functions from :mod:`scipy.special`), stabilised."""


class CPrinter(C99CodePrinter):
    """C99 printer with literal constants (``M_PI`` is not ISO C) and stable helpers.

    ``logcosh``, ``logsumexp`` and ``sigmoid`` of :mod:`._stable` print calls
    of the static helpers in :data:`C_HELPERS` (named with the setting
    ``helper_prefix``); ``log1p``/``expm1`` are C99's own.

    >>> CPrinter().doprint(sp.pi * sp.Symbol("x"))
    '3.141592653589793*x'
    >>> from thermolearn.numeric.codegen._stable import logcosh
    >>> CPrinter({"helper_prefix": "tl_"}).doprint(logcosh(sp.Symbol("u")))
    'tl_logcosh(u)'
    >>> CPrinter().doprint(sp.Symbol("x")**3 + sp.Symbol("x")**-2)
    '((x)*(x)*(x)) + (1.0/((x)*(x)))'
    """

    _default_settings = {**C99CodePrinter._default_settings, "helper_prefix": ""}

    def __init__(self, settings=None):
        super().__init__({"math_macros": {}, **(settings or {})})

    def _helper(self, name, args):
        return f"{self._settings['helper_prefix']}{name}({', '.join(self._print(a) for a in args)})"

    def _print_logcosh(self, expr):
        return self._helper("logcosh", expr.args)

    def _print_sigmoid(self, expr):
        return self._helper("sigmoid", expr.args)

    def _print_logsumexp(self, expr):
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"{self._settings['helper_prefix']}logaddexp({out}, {self._print(a)})"
        return out

    def _print_Pi(self, expr):
        return float_literal(expr)

    def _print_Exp1(self, expr):
        return float_literal(expr)

    def _print_NumberSymbol(self, expr):
        return float_literal(expr)

    #: Largest |n| of an integer power printed as products (libm's pow is ~10x slower than a few products,
    #: and -O2 without -ffast-math does not rewrite it).
    _IPOW_MAX = 16

    def _print_Pow(self, expr):
        n = expr.exp
        if n.is_Integer and 2 <= abs(int(n)) <= self._IPOW_MAX:
            base = self._print(expr.base)
            prod = "*".join([f"({base})"] * abs(int(n)))
            return f"({prod})" if n > 0 else f"(1.0/({prod}))"
        return super()._print_Pow(expr)


#: C99 definitions of the stable helpers (``PREFIX`` is replaced by the
#: module's symbol prefix); each is emitted only when the code uses it.
C_HELPERS = {
    "logcosh": """/* log(cosh(u)) without overflow (|u| large) or cancellation (u near 0). */
static double PREFIXlogcosh(double u)
{
    const double a = fabs(u);
    if (a < 1.0) {
        const double s = sinh(0.5 * a);
        return log1p(2.0 * s * s);
    }
    return a + log1p(exp(-2.0 * a)) - 0.6931471805599453;
}""",
    "logaddexp": """/* log(exp(a) + exp(b)) without overflow. */
static double PREFIXlogaddexp(double a, double b)
{
    if (a == b) {
        return a + 0.6931471805599453;
    }
    return (a > b ? a : b) + log1p(exp(-fabs(a - b)));
}""",
    "sigmoid": """/* 1/(1 + exp(-u)) without overflow. */
static double PREFIXsigmoid(double u)
{
    const double e = exp(-fabs(u));
    return u >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}""",
}
