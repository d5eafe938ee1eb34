"""Generated numpy / mpmath / C modules agree with direct sympy evaluation.

Reference: ``expr.evalf(30, subs=point)`` at exact rational points — sympy's
own arbitrary-precision evaluation, independent of every printer and of
lambdify.  Double-precision targets must agree to MACHINE_RTOL relative to
max(|ref|, 1) (values here are O(1)–O(100): a few ulps per operation);
the mpmath target at 30 digits to 1e-25 relative.
"""

from __future__ import annotations

import ctypes
import shutil

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from thermolearn.numeric.codegen import (
    TARGETS,
    build_c_library,
    generate_source,
    load_python_module,
    module_functions,
)
from tests.numeric._codegen_models import codegen_model
from tests.tolerances import MACHINE_RTOL
from thermolearn.theory import ModelError, ParameterError, energy_model
from thermolearn.theory.models import CATALOGUE, harmonic_trap, quadratic_2d

T, TAU = sp.Symbol("t", nonnegative=True), sp.Symbol("tau", positive=True)


def random_point(model, rng, extra=()):
    """{symbol: Rational}: positive symbols in [0.5, 2], real ones in [-1.5, 1.5], t < tau."""
    syms = set(model.x) | set(model.theta) | set(model.constants) | set(extra)
    for s in (model.beta, model.mu):
        syms |= sp.sympify(s).free_symbols
    point = {}
    for s in sorted(syms, key=lambda v: v.name):
        lo, hi = (0.5, 2.0) if s.is_positive else (-1.5, 1.5)
        point[s] = sp.Rational(round(rng.uniform(lo, hi) * 2**20), 2**20)
    if T in point and TAU in point:
        point[T] = point[TAU] * sp.Rational(round(rng.uniform(0, 0.9) * 1024), 1024)
    return point


_REFERENCES: dict = {}


def reference(f, point):
    """Exact sympy value of every component, rounded to a double.

    Memoised per (components, point): the numpy, mpmath and C checks of one model draw the same
    points from the seeded ``rng``, and sympy's 30-digit evaluation is the dearest part of a check.
    """
    key = (tuple(f.components), frozenset(point.items()))
    if key not in _REFERENCES:
        _REFERENCES[key] = np.array([float(sp.N(c.subs(point), 30)) for c in f.components])
    return _REFERENCES[key].copy()


def close(measured, ref, rtol=MACHINE_RTOL):
    measured = np.asarray(measured, dtype=float).ravel()
    return np.all(np.abs(measured - ref) <= rtol * np.maximum(np.abs(ref), 1.0))


def _args(f, point):
    byname = {s.name: v for s, v in point.items()}
    return [byname[a] for a in f.args], {k: byname[k] for k in f.keywords}


def check_python(model, target, points):
    mod = load_python_module(generate_source(model, target))
    for f in module_functions(model):
        for point in points:
            pos, kw = _args(f, point)
            ref = reference(f, point)
            if target == "numpy":
                got = getattr(mod, f.name)(*[float(v) for v in pos], **{k: float(v) for k, v in kw.items()})
                assert got.shape == f.shape, (f.name, got.shape)
                assert close(got, ref), (model.energy, f.name, got, ref)
            else:
                with mpmath.workdps(30):
                    got = getattr(mod, f.name)(*[mpmath.mpf(v.p) / v.q for v in pos],
                                               **{k: mpmath.mpf(v.p) / v.q for k, v in kw.items()})
                    got = [float(g) for g in (got if f.shape else [got])] if not isinstance(
                        got, mpmath.matrix) else [float(g) for g in got]
                assert close(got, ref, 1e-25), (model.energy, f.name, got, ref)


def check_c(model, points, tmp_path):
    funcs = module_functions(model)
    lib = build_c_library(generate_source(model, "c"), tmp_path, funcs)
    for f in funcs:
        for point in points:
            pos, kw = _args(f, point)
            scalars = [float(v) for v in pos] + [float(kw[k]) for k in f.keywords]
            ref = reference(f, point)
            if f.shape:
                buf = (ctypes.c_double * f.size)()
                getattr(lib, "tl_" + f.name)(*scalars, buf)
                got = np.array(buf[:])
            else:
                got = getattr(lib, "tl_" + f.name)(*scalars)
            assert close(got, ref), (model.energy, f.name, got, ref)
            # the array loop gives the same numbers as the scalar function
            n = 3
            arrays = [np.full(n, float(v)) for v in pos]
            out = np.empty(n * f.size)
            ptr = ctypes.POINTER(ctypes.c_double)
            getattr(lib, "tl_" + f.name + "_n")(n, *[a.ctypes.data_as(ptr) for a in arrays],
                                        *[float(kw[k]) for k in f.keywords], out.ctypes.data_as(ptr))
            assert close(out.reshape(n, -1)[1], ref)


needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")

CATALOGUE_MODELS = [pytest.param(fac(), id=name) for name, fac in CATALOGUE.items()] + [
    pytest.param(harmonic_trap(k=2, beta=3), id="harmonic_trap_numeric"),
    pytest.param(energy_model("x**4/4 - theta*x", beta=sp.Rational(1, 3), mu=0.1), id="quartic_numeric"),
]


@pytest.mark.parametrize("model", CATALOGUE_MODELS)
@pytest.mark.parametrize("target", ["numpy", "mpmath"])
def test_python_targets_match_sympy_on_catalogue(model, target, rng):
    points = [random_point(model, rng, (T, TAU)) for _ in range(3)]
    check_python(model, target, points)


@needs_cc
@pytest.mark.parametrize("model", CATALOGUE_MODELS)
def test_c_target_matches_sympy_on_catalogue(model, rng, tmp_path):
    points = [random_point(model, rng, (T, TAU)) for _ in range(3)]
    check_c(model, points, tmp_path)


# ----------------------------------------------------- random whitelisted energies
_LEAVES = st.sampled_from(["x", "theta", "2", "0.5", "3/2", "pi", "x*theta"])
_UNARY = ["sin({})", "cos({})", "tanh({})", "atan({})", "erf({})", "exp(-({})**2)",
          "log(1 + ({})**2)", "sqrt(1 + ({})**2)", "({})**3", "abs({})", "cosh({}/2)"]


def _extend(children):
    unary = st.tuples(st.sampled_from(_UNARY), children).map(lambda p: p[0].format(p[1]))
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
        lambda p: f"({p[0]} {p[1]} {p[2]})")
    return unary | binary


# x**4/4 keeps exp(-E) normalisable, -theta*x/10 keeps E dependent on theta
energies = st.recursive(_LEAVES, _extend, max_leaves=6).map(lambda s: f"x**4/4 - theta*x/10 + ({s})")


def _model_or_reject(text):
    try:
        model = codegen_model(text, beta=1)  # without the normalisability limits (2/3 of the cost)
    except ModelError:
        assume(False)
    return model


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=energies, seed=st.integers(0, 2**32 - 1))
def test_random_energies_python_targets(text, seed):
    model = _model_or_reject(text)
    rng = np.random.default_rng(seed)
    points = [random_point(model, rng) for _ in range(2)]
    check_python(model, "numpy", points)
    check_python(model, "mpmath", points)


@needs_cc
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=energies, seed=st.integers(0, 2**32 - 1))
def test_random_energies_c_target(text, seed, tmp_path_factory):
    model = _model_or_reject(text)
    rng = np.random.default_rng(seed)
    check_c(model, [random_point(model, rng) for _ in range(2)], tmp_path_factory.mktemp("c"))


# ----------------------------------------------------------------- lint / readability
@pytest.mark.parametrize("target", ["numpy", "mpmath"])
@pytest.mark.parametrize("name", list(CATALOGUE))
def test_generated_python_passes_pyflakes(target, name):
    pyflakes_api = pytest.importorskip("pyflakes.api")  # also covered by the compile/AST check below
    from pyflakes.reporter import Reporter
    import io

    src = generate_source(CATALOGUE[name](), target)
    out, err = io.StringIO(), io.StringIO()
    assert pyflakes_api.check(src, "generated.py", Reporter(out, err)) == 0, out.getvalue()


@pytest.mark.parametrize("target", ["numpy", "mpmath"])
def test_generated_python_compiles_without_unused_names(target):
    import ast

    src = generate_source(codegen_model("exp(-theta*x)*sin(x) + x**4 + erf(x)"), target)
    tree = ast.parse(compile(src, "generated.py", "exec", ast.PyCF_ONLY_AST))
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert imported <= used, imported - used
    allowed = {"numpy"} if target == "numpy" else {"mpmath"}
    assert imported <= allowed | {"math"}, imported  # standalone: only numpy (+stdlib math) or mpmath
    for node in ast.walk(tree):  # every cse temporary that is assigned is read
        if isinstance(node, ast.FunctionDef):
            stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            assert {s for s in stored if s.startswith("_s")} <= loaded


def test_cse_shares_subexpressions():
    src = generate_source(codegen_model("exp(-theta*x)*sin(x) + x**4"), "numpy")
    drift = src[src.index("def drift"):src.index("def dE_dtheta")]
    assert "_s0 = numpy.exp(-theta*x)" in drift
    assert drift.count("numpy.exp(-theta*x)") == 1


def test_header_states_source_and_constants():
    src = generate_source(harmonic_trap(k=2, beta=3), "c")
    assert "E = (-theta + x)**2" in src
    assert "beta         3 (substituted)" in src and "mu           symbolic" in src
    assert "#include <math.h>" in src and "#include" not in src.replace("#include <math.h>", "")


def test_harmonic_schedules_present_only_for_trap():
    names = [f.name for f in module_functions(harmonic_trap())]
    assert {"eta_continuous", "eta_discontinuous", "kick_start", "kick_end"} <= set(names)
    assert "eta_continuous" not in [f.name for f in module_functions(CATALOGUE["quartic"]())]


def test_bad_target_and_reserved_names():
    with pytest.raises(ParameterError, match="target must be one of"):
        generate_source(harmonic_trap(), "fortran")
    with pytest.raises(ModelError, match="clash with reserved names of the numpy target"):
        generate_source(energy_model("(out - theta)**2", x="out"), "numpy")
    with pytest.raises(ModelError, match="must be a theory.EnergyModel"):
        generate_source("x**2", "numpy")
    assert set(TARGETS) == {"numpy", "mpmath", "c"}


# --------------------------------------------------- closed-form metric
def _fake_metric(monkeypatch):
    """Install the reference closed forms as theory.metric unless thermolearn.theory.metric provides them.

    arXiv 2510.03137 for E = ½(x − θ)ᵀK(x − θ): I = βK, ζ = 1/μ·Id,
    H(t) = [βζ + (τ − t) I]⁻¹.
    """
    import importlib.util
    import sys
    import types

    if importlib.util.find_spec("thermolearn.theory.metric") is not None:  # the real one, once merged
        return

    def metric_closed_forms(model):
        x = sp.Matrix(model.x)
        K = sp.hessian(model.energy, model.x)
        if x.shape[0] != 2 or K.has(*model.x):
            return dict.fromkeys(("fisher_information", "friction_tensor", "learning_rate_matrix"))
        Z, I = sp.eye(2) / model.mu, model.beta * K
        return {"fisher_information": I, "friction_tensor": Z, "relaxation_time": None,
                "learning_rate_matrix": (model.beta * Z + (TAU - T) * I).inv()}

    fake = types.ModuleType("thermolearn.theory.metric")
    fake.metric_closed_forms = metric_closed_forms
    monkeypatch.setitem(sys.modules, "thermolearn.theory.metric", fake)


@pytest.mark.parametrize("target", ["numpy", "mpmath", "c"])
def test_metric_matrices_generated_and_correct(target, monkeypatch, rng, tmp_path):
    _fake_metric(monkeypatch)
    model = quadratic_2d([[2, 1], [1, 3]])
    funcs = {f.name: f for f in module_functions(model)}
    assert funcs["fisher_information"].shape == (2, 2) and funcs["learning_rate_matrix"].shape == (2, 2)
    points = [random_point(model, rng, (T, TAU)) for _ in range(2)]
    if target == "c":
        check_c(model, points, tmp_path)
        return
    check_python(model, target, points)
    if target == "numpy":  # independent value: I = βK (arXiv 2510.03137)
        mod = load_python_module(generate_source(model, "numpy"))
        got = mod.fisher_information(np.zeros(3), 0.0, 0.0, 0.0, beta=0.5, mu=1.0)
        np.testing.assert_allclose(got, np.broadcast_to(0.5 * np.array([[2, 1], [1, 3]]), (3, 2, 2)))


def test_generated_trap_schedules_match_reference_numbers():
    # arXiv 2510.03137 (Fig. 4, k = β = μ = τ = 1): η(t) = 1/(3 − t), kicks 1/3 and 1/2;
    # Sec. 6b: continuous η(t) = 1/(β(k(τ − t) + 1/μ)) = 1/(2 − t)
    mod = load_python_module(generate_source(harmonic_trap(k=1, beta=1, mu=1), "numpy"))
    t = np.array([0.0, 0.25, 0.9])
    np.testing.assert_allclose(mod.eta_discontinuous(0.0, 0.0, t=t, tau=1.0), 1 / (3 - t), rtol=MACHINE_RTOL)
    np.testing.assert_allclose(mod.eta_continuous(0.0, 0.0, t=t, tau=1.0), 1 / (2 - t), rtol=MACHINE_RTOL)
    assert float(mod.kick_start(0.0, 0.0, tau=1.0)) == pytest.approx(1 / 3, rel=MACHINE_RTOL)
    assert float(mod.kick_end(0.0, 0.0)) == pytest.approx(1 / 2, rel=MACHINE_RTOL)
