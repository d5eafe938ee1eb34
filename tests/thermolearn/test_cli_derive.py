"""``thermolearn derive``: the CLI.md keys, formats, --at, bad input, latency."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from scipy import integrate

from thermolearn.cli import main

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["energy", "x", "theta", "constants", "drift", "fokker_planck", "probability_current", "stationary_density",
        "free_energy", "mle_gradient", "persistent_chain_gradient", "excess_work_rate", "not_closed_form", "warnings"]


def run_json(capsys, *argv):
    code = main(["derive", *argv, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_harmonic_trap_keys_and_values(capsys):
    data = run_json(capsys, "(x - theta)**2/2")
    assert all(k in data for k in KEYS)
    assert data["x"] == ["x"] and data["theta"] == ["theta"] and data["constants"] == []
    assert data["not_closed_form"] == [] and data["warnings"] == []
    import sympy as sp

    ns = {n: sp.Symbol(n) for n in ("x", "theta", "beta", "mu", "avg_s_dE_dtheta", "theta_dot")}
    F = sp.sympify(data["free_energy"], locals=ns)  # CLI.md: expressions parse back with sympy
    assert sp.simplify(F + sp.log(2 * sp.pi / ns["beta"]) / (2 * ns["beta"])) == 0
    drift = sp.sympify(data["drift"][0], locals=ns)
    assert sp.expand(drift + ns["mu"] * (ns["x"] - ns["theta"])) == 0
    assert data["stationarity_residual"] == 0


def test_quartic_lists_free_energy_not_closed(capsys):
    data = run_json(capsys, "x**4/4 - theta*x")
    assert all(k in data for k in KEYS)
    assert "free_energy" in data["not_closed_form"]
    assert "Integral" in data["free_energy"]


def test_at_evaluates_numerically_including_the_integral(capsys):
    data = run_json(capsys, "x**4/4 - theta*x", "--at", "theta=0.5", "--at", "beta=2", "--at", "x=1.5")
    num = data["numeric"]
    Z, _ = integrate.quad(lambda x: math.exp(-2 * (x**4 / 4 - 0.5 * x)), -math.inf, math.inf, epsabs=0, epsrel=1e-13)
    assert num["free_energy"] == pytest.approx(-math.log(Z) / 2, rel=1e-10)  # QUADRATURE_RTOL
    assert num["energy"] == pytest.approx(1.5**4 / 4 - 0.75)
    assert num["drift"][0].replace(" ", "") in ("-2.875*mu", "-23*mu/8")


def test_constants_and_set(capsys):
    data = run_json(capsys, "k*(x - theta)**2/2", "--set", "mu=2")
    assert data["constants"] == ["k"] and data["mu"] == 2
    data = run_json(capsys, "k*(x - theta)**2/2", "--set", "k=3", "--at", "beta=1", "--at", "theta=0")
    assert data["constants"] == []
    assert data["numeric"]["free_energy"] == pytest.approx(-0.5 * math.log(2 * math.pi / 3))


def test_multi_dimensional_and_closure(capsys):
    data = run_json(capsys, "(x1 - a)**2 + (x1 - a)*(x2 - b) + (x2 - b)**2", "--x", "x1,x2", "--theta", "a,b")
    assert len(data["drift"]) == 2 and len(data["mle_gradient"]) == 2
    assert data["gaussian_closure"]["stationary_mean"] == ["a", "b"]


def test_undecidable_normalisability_is_a_warning(capsys):
    data = run_json(capsys, "theta*x**2")
    assert any("theta > 0" in w for w in data["warnings"])


def test_text_and_latex_formats(capsys):
    assert main(["derive", "(x - theta)**2/2"]) == 0
    text = capsys.readouterr().out
    assert "free_energy" in text and "dm/dt" in text
    assert main(["derive", "(x - theta)**2/2", "--format", "latex"]) == 0
    tex = capsys.readouterr().out
    assert tex.startswith("\\begin{align*}") and "\\langle" in tex


BAD = [
    (["__import__('os').system('touch PWNED')"], "attribute access"),
    (["(lambda: 0)()"], "whitelisted functions by name"),
    (["lambda: 0"], "not allowed"),
    (["[x for x in (1,)]"], "comprehensions"),
    (["'x'"], "numeric literals"),
    (["x." + "real" * 600], "characters long"),
    (["exp(" * 80 + "x" + ")" * 80], "deeper"),
    (["--", "-x**2"], "not normalisable"),
    (["x**3"], "odd degree 3"),
    (["theta*x"], "odd degree 1"),
    (["x**2/2"], "does not depend on theta"),
    (["(x - theta)**2", "--set", "beta=-1"], "beta must be positive"),
    (["(x - theta)**2", "--set", "mu=0"], "mu must be positive"),
    (["(x - theta)**2", "--at", "beta=0"], "beta must be positive"),
    (["(x - theta)**2", "--theta", "x"], "must differ"),
    (["(x - theta)**2", "--at", "nope=1"], "unknown name"),
    (["(x - theta)**2", "--at", "theta=abc"], "not a number"),
    (["(x - theta)**2", "--at", "theta"], "NAME=VALUE"),
    (["(x - theta)**2", "--set", "beta=nan"], "finite"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[b[1] for b in BAD])
def test_bad_input_exit_2_one_line(argv, message, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code = main(["derive", *argv])
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.err
    assert not (tmp_path / "PWNED").exists()


def test_subprocess_runs_without_numpy_import(tmp_path):
    """Real interpreter start: JSON out; numpy/scipy/matplotlib never imported (the
    latency itself is measured in benchmarks/bench_derive.py, not asserted here)."""
    probe = ("import sys, runpy; sys.argv=['thermolearn','derive','(x - theta)**2/2','--format','json'];"
             "from thermolearn.cli import main; code = main();"
             "heavy = [m for m in ('numpy', 'scipy', 'matplotlib') if m in sys.modules];"
             "print('HEAVY', heavy, file=sys.stderr); sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr
    assert "free_energy" in json.loads(proc.stdout)
    bad = subprocess.run([sys.executable, "-m", "thermolearn", "derive", "__import__('os').system('touch PWNED')"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert not (tmp_path / "PWNED").exists()


def test_at_fills_model_moments_into_the_exact_gradient(capsys):
    """⟨∂θE⟩_m = ⟨−x⟩_m for the quartic at θ = 0.5, β = 2, by scipy quadrature."""
    data = run_json(capsys, "x**4/4 - theta*x", "--at", "theta=0.5", "--at", "beta=2")
    w = lambda x: math.exp(-2 * (x**4 / 4 - 0.5 * x))  # noqa: E731
    Z = integrate.quad(w, -math.inf, math.inf, epsabs=0, epsrel=1e-13)[0]
    avg = integrate.quad(lambda x: -x * w(x), -math.inf, math.inf, epsabs=0, epsrel=1e-13)[0] / Z
    assert data["numeric"]["model_moments"]["avg_m_dE_dtheta"] == pytest.approx(avg, rel=1e-10)  # QUADRATURE_RTOL
    import sympy as sp

    grad = sp.sympify(data["numeric"]["mle_gradient"][0], locals={"avg_d_dE_dtheta": sp.Symbol("d")})
    assert float(grad.subs(sp.Symbol("d"), 0)) == pytest.approx(-2 * avg, rel=1e-10)


def test_two_dimensional_integral_evaluated_on_a_grid(capsys):
    data = run_json(capsys, "x1**4 + x2**4 + theta*x1*x2", "--x", "x1,x2", "--at", "theta=1", "--at", "beta=1")
    assert "free_energy" in data["not_closed_form"]
    # independent reference: scipy's adaptive 2-D quadrature (|x| ≤ 4 holds all but e^-200 of the mass)
    Z, _ = integrate.dblquad(lambda y, x: math.exp(-(x**4 + y**4 + x * y)), -4, 4, -4, 4, epsabs=0, epsrel=1e-11)
    assert data["numeric"]["free_energy"] == pytest.approx(-math.log(Z), rel=1e-8)


def test_integral_beyond_the_numeric_path_left_with_a_warning(capsys):
    data = run_json(capsys, "x1**4 + x2**4 + x3**4 + theta*x1*x2*x3", "--x", "x1,x2,x3",
                    "--at", "theta=1", "--at", "beta=1")
    assert "Integral" in data["numeric"]["free_energy"]
    assert any("left as integrals" in w and "free_energy" in w for w in data["warnings"])
    assert any("no quadrature" in w for w in data["warnings"])


def test_metric_closed_forms_are_attempted_for_quadratic_energies_only(capsys, monkeypatch):
    """A non-quadratic energy has no metric closed form (every key None): its metric keys are the general
    forms, listed as not closed, without a budgeted attempt (a forked child each); a quadratic one is
    attempted once."""
    from thermolearn.theory import energy_model
    from thermolearn.theory.metric import METRIC_KEYS, _closed, metric_closed_forms

    asked = []
    real = _closed.attempt
    monkeypatch.setattr(_closed, "attempt", lambda f, *a, **k: asked.append(k.get("what")) or real(f, *a, **k))
    _closed.metric_closed_forms_within_budget.cache_clear()
    data = run_json(capsys, "x**4/4 - theta*x")
    assert "metric closed forms" not in asked
    assert metric_closed_forms(energy_model("x**4/4 - theta*x")) == dict.fromkeys(METRIC_KEYS)
    assert set(METRIC_KEYS) <= set(data["not_closed_form"])
    assert "Integral" in data["fisher_information"][0][0]
    data = run_json(capsys, "(x - theta)**2/2")
    assert asked.count("metric closed forms") == 1
    assert data["relaxation_time"] == "1/mu" and not set(METRIC_KEYS) & set(data["not_closed_form"])
    assert main(["derive", "(x - theta)**2/2", "--format", "text"]) == 0  # the same model again: kept
    assert asked.count("metric closed forms") == 1 and "relaxation_time" in capsys.readouterr().out
