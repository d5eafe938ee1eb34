"""``thermolearn codegen``: files, targets, JSON keys, bad input (CLI.md)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from thermolearn.numeric.codegen import load_python_module
from thermolearn.cli import main


def test_numpy_module_written_and_importable(tmp_path, capsys):
    out = tmp_path / "trap.py"
    assert main(["codegen", "k*(x - theta)**2/2", "--set", "k=2", "--target", "numpy", "-o", str(out),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["file"] == str(out) and data["target"] == "numpy"
    names = [f["name"] for f in data["functions"]]
    assert names[:3] == ["energy", "drift", "dE_dtheta"] and "eta_discontinuous" in names
    mod = load_python_module(out.read_text())
    # E = (x − θ)² with k = 2: drift −μ·2(x − θ)
    np.testing.assert_allclose(mod.drift(np.array([1.0, 3.0]), 0.5, beta=1.0, mu=0.5)[:, 0], [-0.5, -2.5])


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_module_compiles_with_werror(tmp_path):
    src = tmp_path / "dw.c"
    assert main(["codegen", "x1**4/4 - x1**2/2 + x2**2/2 - a*x1 - b*x2", "--x", "x1,x2", "--theta", "a,b",
                 "--lang", "c", "-o", str(src)]) == 0
    proc = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2", "-c", str(src),
                           "-o", str(tmp_path / "dw.o")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text, header = src.read_text(), (tmp_path / "dw.h").read_text()
    assert '#include "dw.h"' in text
    assert ("void tl_drift(double x1, double x2, double a, double b, double beta, double mu, "
            "double *restrict out)") in text
    assert "void tl_drift_n(long n, const double *TL_RESTRICT x1," in header


def test_source_on_stdout(capsys):
    assert main(["codegen", "x**4/4 - theta*x", "--target", "mpmath"]) == 0
    assert "import mpmath" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["codegen", "x**2 - y", "--target", "numpy"], "does not depend on theta"),
    (["codegen", "__import__('os')", "--target", "c"], "error"),
    (["codegen", "(x - theta)**2", "--set", "beta=-1"], "beta must be positive"),
    (["codegen", "(out - theta)**2", "--x", "out", "--lang", "numpy"], "clash with reserved names"),
    (["codegen", "(x - theta)**2", "--lang", "c", "--prefix", "_Bad"], "reserved to the C implementation"),
    (["codegen", "(x - theta)**2", "--lang", "c", "--prefix", "1x"], "prefix must be empty or a C identifier"),
    (["codegen", "(x - theta)**2", "--lang", "c", "--target", "numpy"], "disagree"),
    (["codegen", "(x - theta)**2", "--lang", "c", "-o", "model.h"], "names the C source"),
])
def test_bad_input_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_target_is_a_deprecated_alias_of_lang(capsys):
    assert main(["codegen", "x**4/4 - theta*x", "--target", "mpmath", "--format", "json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["lang"] == data["target"] == "mpmath" and "import mpmath" in data["source"]
    assert "deprecated" in captured.err and data["warnings"] == ["--target is deprecated; use --lang"]


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_check_reports_ulp_error_and_exit_status(capsys):
    assert main(["codegen", "log(cosh(theta*x)) + x**4/4", "--check", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["check"]
    assert set(data["errors"]) == {"numpy", "c", "internal"} and data["max_error"] <= 4
    # an impossible limit turns the same report into a failure (exit 1), never a traceback
    assert main(["codegen", "log(cosh(theta*x)) + x**4/4", "--check", "--max-ulp", "1e-3"]) == 1
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--lang", "--target"])
def test_bad_language_is_usage_error(flag, capsys):
    assert main(["codegen", "(x - theta)**2", flag, "fortran"]) == 2
    assert "invalid choice: 'fortran'" in capsys.readouterr().err
