"""Array-aware arrangement of generated numpy code (numeric.codegen._arrange) and the power helper.

The arranged callables (Horner form in the coordinates, scalar parts
hoisted) must equal the mpmath reference of the *unarranged* expression to
MACHINE_RTOL (rounding only: every rewrite is an identity) for a family of
energies — catalogue models, shifted/scaled/steep/flat polynomials,
exp/cosh/softplus, a 2-D coupling — with θ scalars and with θ arrays, at
β, μ ≠ 1.  The cost model must rank the forms it chooses between, and the
output must never alias an input.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tolerances import MACHINE_RTOL
from thermolearn.numeric.codegen import lambdify, model_callable
from thermolearn.numeric.codegen._arrange import array_passes, arrange
from thermolearn.numeric.codegen._stable import _ipow
from thermolearn.theory import models
from tests.numeric._codegen_models import codegen_model

K = ((2.0, 1.0), (1.0, 3.0))

#: (id, builder): built on first use (``_family``), not at import — collection in every pytest
#: process would otherwise pay every model's parse and checks.
FAMILY = [
    ("harmonic_trap", lambda: models.harmonic_trap(k=2, beta=2, mu=0.5)),
    ("learnable_stiffness", lambda: models.learnable_stiffness(beta=0.7, mu=1.5)),
    ("gaussian_mean_variance", lambda: models.gaussian_mean_variance(beta=2, mu=0.5)),
    ("quartic", lambda: models.quartic(beta=2, mu=0.5)),
    ("double_well", lambda: models.double_well(beta=3, mu=0.25)),
    ("quadratic_2d", lambda: models.quadratic_2d(K=K, beta=2, mu=0.5)),
    ("shifted steep", lambda: codegen_model("3*(x - theta - 2)**2/2 + x**6/40", beta=2, mu=0.5)),
    ("flat", lambda: codegen_model("x**4/400 - theta*x**3/30 + x/7", beta=0.5, mu=2)),
    ("cosh", lambda: codegen_model("log(cosh(theta*x)) + x**2/2", beta=2, mu=0.5)),
    ("softplus", lambda: codegen_model("log(1 + exp(x - theta)) + x**2/4", beta=2, mu=0.5)),
    ("exp", lambda: codegen_model("exp(-theta*x)*x**2/2 + x**4/4", beta=1.5, mu=0.5)),
    ("2-D", lambda: codegen_model("x1**2/2 + x2**2 + theta*x1*x2/3 - x2**3/9 + x2**4/20", ("x1", "x2"),
                                  beta=2, mu=0.5)),
]


@functools.cache
def _family(name):
    return dict(FAMILY)[name]()


def _reference(model, q, xs, thetas):
    """mpmath (40 digits) of the plain expression, point by point."""
    f = model_callable(model, q, backend="mpmath")
    out = []
    with mpmath.workdps(40):
        for i in range(xs[0].size):
            v = f(*(float(a.flat[i]) for a in xs), *(float(np.broadcast_to(t, xs[0].shape).flat[i]) for t in thetas))
            out.append([float(c) for c in (v if isinstance(v, list) else [v])])
    return np.array(out)


@pytest.mark.parametrize("name", [n for n, _ in FAMILY])
@pytest.mark.parametrize("q", ["energy", "drift", "dE_dtheta"])
def test_arranged_callables_equal_the_reference(name, q, rng):
    model = _family(name)
    xs = tuple(rng.normal(scale=1.5, size=7) for _ in model.x)
    for thetas in (tuple(rng.uniform(0.5, 1.5) for _ in model.theta),            # scalars: the hot case
                   tuple(rng.uniform(0.5, 1.5, size=7) for _ in model.theta)):   # arrays as well
        got = np.asarray(model_callable(model, q)(*xs, *thetas)).reshape(7, -1)
        ref = _reference(model, q, xs, thetas)
        np.testing.assert_allclose(got, ref, rtol=MACHINE_RTOL, atol=MACHINE_RTOL)


def test_cost_model_ranks_the_forms():
    x, t, x1, x2 = sp.symbols("x theta x1 x2")
    e = x**4 / 4 - x**2 / 2 - t * x
    assert array_passes(e, {x}) == 8 and array_passes(sp.horner(e, x), {x}) == 6
    assert array_passes(t - x, {x}) == 1 and array_passes(-x - x2, {x, x2}) == 2
    assert array_passes(x**3, {x}) == 2 and array_passes(x**-3, {x}) == 3 and array_passes(x**16, {x}) == 4
    assert array_passes(sp.exp(t) * t**2, {x}) == 0
    # the 2-D quadratic: expanded (as sympy keeps it) against its Horner form
    q = t**2 + t * x2 - 2 * t * x1 + x1**2 + x1 * x2 + 3 * x2**2 / 2
    temps, (h,) = arrange([q], {x1, x2})
    assert array_passes(h, {x1, x2}) < array_passes(q, {x1, x2})
    assert sp.expand(h.subs({s: v for s, v in reversed(temps)}) - q) == 0


def test_scalar_parts_become_one_temporary():
    x, a, b = sp.symbols("x a b")
    temps, (e,) = arrange([a + b**2 - x + 3 * a * b * x], {x})
    assert len(temps) == 2 and all(not v.has(x) for _, v in temps)
    assert array_passes(e, {x}) == 2  # Horner: c1*x + c2
    assert sp.expand(e.subs(dict(temps)) - (a + b**2 - x + 3 * a * b * x)) == 0


def test_horner_only_for_expanded_polynomials():
    """(x − m)² stays factored: its expansion would cancel catastrophically for x ≈ m ≫ 1."""
    x, m = sp.symbols("x m")
    f = lambdify((x - m) ** 2 / 2, [x, m], hot=[x])
    assert f(1e8 + 1.0, 1e8) == 0.5


def test_results_never_alias_inputs(rng):
    x, t = sp.symbols("x theta")
    xs = rng.normal(size=5)
    for f in (lambdify(x, [x, t], hot=[x]), lambdify((x,), [x, t], hot=[x]), lambdify(x + 0 * t, [x, t])):
        out = f(xs, 1.0)
        assert not np.shares_memory(out, xs)
        out[...] = 0.0
        assert np.all(xs != 0.0)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(-16, 16).filter(lambda n: abs(n) >= 2),
       v=st.lists(st.floats(0.05, 20.0) | st.floats(-20.0, -0.05), min_size=1, max_size=6))
def test_ipow_matches_pow_and_leaves_its_base_alone(n, v):
    base = np.array(v)
    keep = base.copy()
    np.testing.assert_allclose(_ipow(base, n), keep ** float(n), rtol=1e-14)
    assert np.array_equal(base, keep)
    assert _ipow(float(v[0]), n) == pytest.approx(float(v[0]) ** n, rel=1e-14)
    assert float(_ipow(np.array(v[0]), n)) == pytest.approx(float(v[0]) ** n, rel=1e-14)


@pytest.mark.parametrize("n", [k for k in range(-16, 17) if abs(k) >= 2])
def test_c_printer_writes_integer_powers_as_products(n):
    """No libm pow for |n| <= 16; the printed product (valid Python too) equals x**n to a few ulp."""
    from thermolearn.numeric.codegen import CPrinter

    x, t = sp.symbols("x theta")
    text = CPrinter().doprint((x + t) ** n)
    assert "pow" not in text
    for xv, tv in ((1.37, 0.25), (-0.8, 0.05), (3.1, -1.0)):
        got = eval(text, {"x": xv, "theta": tv})  # noqa: S307 - our own printer's output, numbers only
        assert got == pytest.approx((xv + tv) ** n, rel=20 * 2.0**-52)
