"""Generated C: header, prefix, restrict arrays, collision-free names, precision against mpmath.

Precision is measured by :func:`check_generated` in ulp-scale units (error
over ε times the larger of the largest additive term and the largest
input sensitivity |v ∂f/∂v|, see its module docstring); the acceptance
bound is 4 for energies with exp, cosh, log-cosh and softplus over
|x|, |θx| ≤ 10³ and near 0.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

import thermolearn.numeric.codegen._csource as csource
from thermolearn.numeric.codegen import (
    C_RESERVED,
    build_c_library,
    check_generated,
    generate_c_module,
    generate_source,
    load_python_module,
    module_functions,
    vector_math_available,
)
from thermolearn.theory import ParameterError
from tests.numeric._codegen_models import codegen_model
from tests.tolerances import MACHINE_RTOL

needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
STRICT = ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror"]
ULP_MAX = 4.0  # acceptance bound, ulp-scale units (see module docstring)

ENERGIES = [
    "log(cosh(theta*x)) + x**4/4",
    "log(1 + exp(x - theta)) + x**2/2",
    "exp(x - theta) - x",
    "cosh(x - theta) + x**2",
    "log(cosh(x)) + log(1 + exp(-theta*x)) + x**2/2",
]


@needs_cc
@pytest.mark.parametrize("energy", ENERGIES)
def test_numpy_c_internal_agree_with_mpmath_to_4_ulp(energy):
    r = check_generated(codegen_model(energy), rng=np.random.default_rng(1), n_random=10)
    assert set(r.errors) == {"numpy", "c", "internal"}
    assert r.max_error <= ULP_MAX, (r.errors, r.worst_points)


@needs_cc
def test_check_catches_unstabilised_c(monkeypatch):
    # mutant: the C generator without the overflow-safe rewrite -> log(cosh(800)) = inf
    monkeypatch.setattr(csource, "stabilise", lambda e: e)
    r = check_generated(codegen_model("log(cosh(theta*x)) + x**4/4"), langs=("c",), n_random=2)
    assert r.errors["c"]["energy"] > 1e3


COLLIDING = "NAN*x**2 + INFINITY*(x - HUGE_VAL)**2 + int*x**4 + tl_energy*x + out*n*i"


@needs_cc
def test_names_colliding_with_c_compile_and_evaluate(tmp_path):
    model = codegen_model(COLLIDING, theta="HUGE_VAL")
    mod = generate_c_module(model, header_name="g.h")
    renamed = dict(mod.renamed)
    assert {"NAN", "INFINITY", "HUGE_VAL", "int", "tl_energy", "out", "n", "i"} <= set(renamed)
    assert all(v not in C_RESERVED for v in renamed.values())
    assert "NAN -> NAN_" in mod.header
    (tmp_path / "g.h").write_text(mod.header)
    (tmp_path / "g.c").write_text(mod.source)
    proc = subprocess.run(["cc", *STRICT, "-c", "g.c", "-o", "g.o"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    funcs = module_functions(model)
    lib = build_c_library(mod.source, tmp_path, funcs, header=mod.header, header_name="g.h")
    py = load_python_module(generate_source(model.substitute({"NAN": 2, "INFINITY": 3, "int": 0.5, "tl_energy": 1,
                                                              "out": 1, "n": 1, "i": 1}), "numpy"))
    f = funcs[0]
    kw = {"beta": 1.0, "mu": 1.0, "NAN": 2.0, "INFINITY": 3.0, "int": 0.5, "tl_energy": 1.0, "out": 1.0,
          "n": 1.0, "i": 1.0}
    got = lib.tl_energy(1.5, 0.25, *[kw[k] for k in f.keywords])
    assert got == pytest.approx(float(py.energy(1.5, 0.25, beta=1.0, mu=1.0)), rel=1e-14)


@needs_cc
def test_vectorised_entry_point_matches_scalar(tmp_path):
    model = codegen_model("log(cosh(theta*x)) + x**4/4")
    funcs = module_functions(model)
    # the plain build: bit-equal to the scalar entry point (the vector build may differ by libmvec's
    # <= 4 ulp, checked against mpmath in test_vector_math_loops_agree_with_mpmath)
    lib = build_c_library(generate_c_module(model, prefix="m_").source, tmp_path, funcs, prefix="m_",
                          vector_math=False)
    x = np.linspace(-900, 900, 7)
    th = np.full(7, 0.7)
    out = np.empty(7)
    ptr = ctypes.POINTER(ctypes.c_double)
    lib.m_energy_n(7, x.ctypes.data_as(ptr), th.ctypes.data_as(ptr), 1.0, 1.0, out.ctypes.data_as(ptr))
    assert np.all(np.isfinite(out))
    assert out.tolist() == [lib.m_energy(v, 0.7, 1.0, 1.0) for v in x]


@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler")
def test_header_is_usable_from_cpp(tmp_path):
    mod = generate_c_module(codegen_model("(x - theta)**2/2"), header_name="h.h")
    (tmp_path / "h.h").write_text(mod.header)
    (tmp_path / "u.cpp").write_text('#include "h.h"\nint main() { double o[1]; tl_drift(1, 0, 1, 1, o); return 0; }\n')
    proc = subprocess.run(["c++", "-Wall", "-Werror", "-fsyntax-only", "u.cpp"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("prefix", ["__x", "_X", "a-b", "1a"])
def test_bad_prefix(prefix):
    with pytest.raises(ParameterError, match="prefix"):
        generate_c_module(codegen_model("(x - theta)**2/2"), prefix=prefix)


def test_standalone_source_has_prototypes_and_no_header_include():
    src = generate_source(codegen_model("(x - theta)**2/2"), "c", prefix="")
    assert "double energy(double x, double theta, double beta, double mu);" in src
    assert '#include "' not in src


def _function_text(source, signature_start):
    """The text of the C function whose definition starts with ``signature_start`` (up to its closing brace)."""
    start = source.rindex(signature_start)  # the definition follows the declaration
    return source[start:source.index("\n}\n", start)]


def test_array_loop_calls_the_file_local_kernel():
    # an exported function in a shared library may be interposed, so a loop calling it cannot inline it
    # (a PLT call per point: the double well's C was 1.6x slower than its numpy); the loop calls a static kernel
    model = codegen_model("x**4/4 - x**2/2 - theta*x")
    src = generate_c_module(model).source
    for f in module_functions(model):
        assert f"static inline {'void' if f.shape else 'double'} tl_{f.name}_kernel(" in src
        loop = _function_text(src, f"void tl_{f.name}_n(")
        assert f"tl_{f.name}_kernel(x[i], theta[i]" in loop, loop
        assert f"tl_{f.name}(" not in loop.replace(f"void tl_{f.name}_n(", "")


def test_kernel_name_of_a_symbol_is_renamed():
    mod = generate_c_module(codegen_model("tl_energy_kernel*(x - theta)**2/2", x=["x"], theta=["theta"]))
    assert "tl_energy_kernel -> tl_energy_kernel_" in mod.header


def test_vector_math_macro_names_of_symbols_are_renamed():
    # a symbol spelled like the loop-pragma macro or the build macro would be replaced by the preprocessor
    mod = generate_c_module(codegen_model("TL_SIMD_LOOP*THERMOLEARN_VECTOR_MATH*(x - theta)**2/2"))
    assert dict(mod.renamed) == {"TL_SIMD_LOOP": "TL_SIMD_LOOP_", "THERMOLEARN_VECTOR_MATH": "THERMOLEARN_VECTOR_MATH_"}


@needs_cc
@pytest.mark.parametrize("energy, names, beta, mu", [
    ("x**4/4 - x**2/2 - theta*x", {}, 2.0, 0.5),
    ("(x - a)**2 + (x - a)*(y - b) + 3*(y - b)**2/2", {"x": "x,y", "theta": "a,b"}, 0.7, 1.3),
    ("log(cosh(theta*x)) + x**4/4", {}, 1.5, 3.0),
])
def test_array_loop_matches_numpy_at_distinct_points(energy, names, beta, mu, tmp_path):
    # every point different (coordinates and parameters), beta, mu != 1, vector results of size 1 and 2:
    # a loop that reads or writes the wrong row differs from the generated numpy at once
    model = codegen_model(energy, **names)
    funcs = module_functions(model)
    lib = build_c_library(generate_source(model, "c"), tmp_path, funcs)
    py = load_python_module(generate_source(model, "numpy"))
    rng = np.random.default_rng(7)
    n = 11
    ptr = ctypes.POINTER(ctypes.c_double)
    for f in funcs:
        arrays = [rng.normal(size=n) for _ in f.args]
        kws = {k: {"beta": beta, "mu": mu}.get(k, 0.3) for k in f.keywords}
        out = np.empty(n * f.size)
        getattr(lib, f"tl_{f.name}_n")(n, *[a.ctypes.data_as(ptr) for a in arrays], *kws.values(),
                                       out.ctypes.data_as(ptr))
        ref = np.asarray(getattr(py, f.name)(*arrays, **kws)).reshape(n, -1)
        np.testing.assert_allclose(out.reshape(n, -1), ref, rtol=MACHINE_RTOL, atol=0)


# --- vector math: the `_n` loops over glibc's libmvec (x86-64 Linux) ------------------------------------
#
# libmvec documents ≤ 4 ulp per call (the scalar libm: < 1).  VECTOR_ULP_MAX allows one such call
# squared or multiplied by another rounded factor (2·4 ulp) plus the roundings of the surrounding
# arithmetic; measured here: ≤ 1.8 over these energies (the scalar entry points: ≤ 1.3).
VECTOR_ULP_MAX = 10.0
VECTOR_ENERGIES = [
    "cos(theta*x) + x**2/2",
    "log(1 + x**2) + theta*exp(x/4)",
    "x**2/2 + sin(x - theta)**2",
    "x**2/2 + atan(theta*x)",
]
needs_mvec = pytest.mark.skipif(not vector_math_available(), reason="no glibc libmvec (x86-64 Linux only)")


@needs_cc
@needs_mvec
@pytest.mark.parametrize("energy", VECTOR_ENERGIES)
def test_vector_math_loops_agree_with_mpmath(energy):
    r = check_generated(codegen_model(energy), rng=np.random.default_rng(3), n_random=10, langs=("c_n",))
    assert set(r.errors) == {"c_n"}
    assert r.max_error <= VECTOR_ULP_MAX, (r.errors, r.worst_points)


@needs_cc
@needs_mvec
def test_vector_math_check_catches_a_single_precision_loop(monkeypatch):
    # mutant: the vector build evaluates sin in single precision -> ~1e8 ulp-scale
    block = csource._vector_math_block
    monkeypatch.setattr(csource, "_vector_math_block", lambda prefix, code: block(prefix, code).replace(
        "#else", "#define sin(u) ((double)sinf((float)(u)))\n#else", 1))
    r = check_generated(codegen_model("x**2/2 + sin(x - theta)**2"), rng=np.random.default_rng(3), n_random=4,
                        langs=("c_n",))
    assert r.max_error > 1e3


@needs_cc
@needs_mvec
def test_vector_build_calls_libmvec_and_plain_build_does_not(tmp_path):
    # the accuracy test above means something only if the loops really call libmvec's vector functions
    model = codegen_model("x**4/4 + exp(-theta*x)*sin(x)")
    src, funcs = generate_source(model, "c"), module_functions(model)
    vec = build_c_library(src, tmp_path / "v", funcs)
    plain = build_c_library(src, tmp_path / "p", funcs, vector_math=False)
    assert vec.vector_math and not plain.vector_math
    assert b"_ZGV" in (tmp_path / "v" / "libthermolearn_generated_vec.so").read_bytes()
    assert b"_ZGV" not in (tmp_path / "p" / "libthermolearn_generated.so").read_bytes()


@needs_cc
def test_vector_math_falls_back_to_the_plain_build(tmp_path, monkeypatch):
    # a compiler without -fopenmp-simd (or an older libmvec) -> the plain build, unless asked for explicitly
    import thermolearn.numeric.codegen._build as build

    monkeypatch.setattr(build, "VECTOR_FLAGS", ("-fno-such-flag-thermolearn",))
    monkeypatch.setattr(build, "vector_math_available", lambda: True)
    model = codegen_model("(x - theta)**2/2 + sin(x)")
    lib = build_c_library(generate_source(model, "c"), tmp_path, module_functions(model))
    assert not lib.vector_math
    assert lib.tl_energy(1.0, 0.5, 1.0, 1.0) == pytest.approx(0.125 + np.sin(1.0), rel=1e-15)
    with pytest.raises(OSError, match="no-such-flag"):
        build_c_library(generate_source(model, "c"), tmp_path, module_functions(model), vector_math=True)
