"""The mpmath path never demotes to double: 45 correct digits at mp.dps = 50.

Reference: sympy's exact evaluation ``evalf(60)`` at exact rational points
(precision acceptance check).  Energies deliberately contain Rationals
(1/3, 1/7), decimal literals (parsed to exact rationals), binary Floats
and irrational constants: each is where a double would leak in.
"""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
import sympy as sp

from thermolearn.numeric.codegen import generate_source, lambdify, load_python_module, model_callable, module_functions
from thermolearn.theory.models import CATALOGUE
from tests.numeric._codegen_models import codegen_model

DIGITS = 45  # required agreement

ENERGIES = [
    "x**4/3 - theta*x/7",
    "(x - theta)**2/2 + 0.1*x*theta + pi*sqrt(2)*cos(x/7)",
    "x**4/4 + exp(-theta*x/3)*sin(x) + erf(x/3) + log(1 + theta**2)/11",
    "x**6/6 + atan(theta*x) + tanh(x/9) + sqrt(1 + x**2)/13",
]

POINTS = [(sp.Rational(1, 3), sp.Rational(-2, 7)), (sp.Rational(11, 10), sp.Rational(5, 9)),
          (sp.Rational(-7, 5), sp.Rational(1, 6))]


def _mp(q):
    return mpmath.mpf(q.p) / q.q


def _agree(got, exact):
    exact = mpmath.mpf(str(exact)) if not isinstance(exact, mpmath.mpf) else exact
    err = abs(got - exact)
    return err <= mpmath.mpf(10) ** (-DIGITS) * max(abs(exact), mpmath.mpf(10) ** -5)


@pytest.mark.parametrize("text", ENERGIES)
def test_generated_mpmath_module_45_digits(text):
    model = codegen_model(text, beta=sp.Rational(1, 3), mu=sp.Rational(7, 10))
    mod = load_python_module(generate_source(model, "mpmath"))
    with mpmath.workdps(50):
        for f in module_functions(model):
            for xv, tv in POINTS:
                got = getattr(mod, f.name)(_mp(xv), _mp(tv))
                got = got if f.shape else [got]
                for g, c in zip(got, f.components):
                    exact = sp.N(c.subs({model.x[0]: xv, model.theta[0]: tv}), 60)
                    assert _agree(g, mpmath.mpf(str(exact))), (text, f.name, g, exact)


@pytest.mark.parametrize("text", ENERGIES)
def test_lambdify_mpmath_45_digits(text):
    model = codegen_model(text)
    with mpmath.workdps(50):
        for name in ("energy", "drift", "dE_dtheta"):
            fn = model_callable(model, name, backend="mpmath")
            for xv, tv in POINTS:
                got = fn(_mp(xv), _mp(tv), beta=mpmath.mpf(2) / 3, mu=mpmath.mpf(3))
                got = got if isinstance(got, list) else [got]
                point = {model.x[0]: xv, model.theta[0]: tv, model.beta: sp.Rational(2, 3), model.mu: 3}
                obj = getattr(model, name)
                comps = obj if isinstance(obj, tuple) else (obj,)
                for g, c in zip(got, comps):
                    assert _agree(g, mpmath.mpf(str(sp.N(c.subs(point), 60))))


def test_binary_float_kept_exactly():
    # sympy Float(0.1) is the double nearest 1/10; the generated code must
    # carry that exact binary value (not '0.1', not a double literal).
    x = sp.Symbol("x")
    expr = sp.Float(0.1) * x + sp.Rational(1, 3)
    with mpmath.workdps(50):
        got = lambdify(expr, [x], backend="mpmath")(1)
        # exact reference: the Float as the rational it is (sympy would round
        # Float + Rational to the Float's 53 bits)
        exact = mpmath.mpf(str(sp.N(sp.Rational(sp.Float(0.1)) + sp.Rational(1, 3), 60)))
        assert _agree(got, exact)
        # and it is not the decimal 0.1 + 1/3 (they differ at digit 18)
        assert abs(got - (mpmath.mpf("0.1") + mpmath.mpf(1) / 3)) > mpmath.mpf(10) ** -20


def test_stock_double_demotion_is_caught():
    """Negative control: a double-precision evaluation fails the 45-digit criterion."""
    with mpmath.workdps(50):
        exact = mpmath.mpf(1) / 3
        assert not _agree(mpmath.mpf(1 / 3), exact)


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_no_float_literals_in_mpmath_source(name):
    src = generate_source(CATALOGUE[name](), "mpmath")
    code = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(('"', "#")))
    code = code.split('"""', 2)[-1]
    code = re.sub(r"mpmath\.mpf\('[^']*'\)", "MPF", code)  # exact string literals are fine
    code = re.sub(r'""".*?"""', "", code, flags=re.S)
    assert not re.search(r"(?<![\w.])\d+\.\d*|(?<![\w.])\d+e[-+]?\d+", code), code


def test_mpmath_precision_follows_working_dps():
    x = sp.Symbol("x")
    f = lambdify(sp.sqrt(2) * x / 7, [x], backend="mpmath")
    for dps in (20, 50, 80):
        with mpmath.workdps(dps):
            got = f(1)
            assert abs(got - mpmath.sqrt(2) / 7) <= mpmath.mpf(10) ** (-dps + 1)
    assert np.isfinite(float(got))


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from thermolearn.numeric.codegen import exact_decimal  # noqa: E402


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_printed_float_is_the_binary_value(v):
    # the printed number is exactly the double (as a rational), at dps = 50
    f = sp.Float(v)
    text = exact_decimal(f)
    if text is not None:
        assert sp.Rational(text) == sp.Rational(v)
    x = sp.Symbol("x")
    with mpmath.workdps(50):
        got = lambdify(f * x, [x], backend="mpmath")(1)
        assert got == mpmath.mpf(v)  # mpf(double) is exact at 50 digits; == compares exactly
