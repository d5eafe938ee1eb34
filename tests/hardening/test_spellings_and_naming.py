"""Two things new users hit first: coordinates under another name, and ML spellings.

* An energy in ``x1, x2`` run with the default coordinate ``x`` gets one line
  naming the symbols it does contain and how to declare them (API keyword and
  CLI option), in every subcommand (one home: ``theory/_model.py``), not
  "not normalisable".
* ``softplus``, ``logcosh``, ``sigmoid``, ``log1p``, ``expm1`` parse into the
  elementary forms they stand for; the outputs parse back to the same
  expression, and the numeric twin evaluates them without overflow at
  |u| = 1e3 (against mpmath at 50 digits, ``STABLE_FLOAT64_RTOL``).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from tests.hardening._harness import check_contract, run_cli
from tests.tolerances import STABLE_FLOAT64_RTOL
from thermolearn.numeric.codegen import lambdify
from thermolearn.theory import ModelError, NotNormalisableError, ParseError, energy_model, parse_expression

U = sp.Symbol("u", real=True)

SPELLED = {
    "softplus": sp.log(1 + sp.exp(U)),
    "logcosh": sp.log(sp.cosh(U)),
    "sigmoid": 1 / (1 + sp.exp(-U)),
    "log1p": sp.log(1 + U),
    "expm1": sp.exp(U) - 1,
}


@pytest.mark.parametrize("name", sorted(SPELLED))
def test_spelling_parses_to_its_expansion_and_back(name):
    expr = parse_expression(f"{name}(u)", {"u": U})
    assert sp.simplify(expr - SPELLED[name]) == 0
    assert parse_expression(str(expr), {"u": U}) == expr  # outputs parse back with the same grammar


@pytest.mark.parametrize("name", sorted(SPELLED))
def test_spelling_keyword_and_bare_name_refused(name):
    with pytest.raises(ParseError, match="without a call"):
        parse_expression(f"{name} + u")
    with pytest.raises(ParseError, match="exactly 1 argument"):
        parse_expression(f"{name}(u, u)")


@pytest.mark.parametrize("text", ["softplus(x - theta) + x**2/8", "logcosh(x - theta) + x**2/8",
                                  "softplus(theta*x) + x**2/2 - sigmoid(x)", "(x - theta)**2/2 + expm1(-x**2)",
                                  "log1p(x**2) + (x - theta)**2/2"])
def test_spelled_energies_evaluate_without_overflow(text):
    """Energy and drift at |x| up to 1e3 (|u| ~ 1e3) against mpmath at 50 digits."""
    m = energy_model(text, beta=1, mu=1)
    x, th = m.x[0], m.theta[0]
    xs = np.array([-1e3, -700.0, -3.0, 1e-7, 2.5, 700.0, 1e3])
    theta = 0.7
    for expr in (m.energy, m.grad_x[0]):
        got = lambdify(expr, [x, th])(xs, theta)
        ref_f = lambdify(expr, [x, th], backend="mpmath")
        with mpmath.workdps(50):
            ref = np.array([float(ref_f(mpmath.mpf(v), mpmath.mpf(theta))) for v in xs])
        finite = np.isfinite(ref)
        assert finite.all(), f"{text}: the reference itself overflows"
        np.testing.assert_allclose(got, ref, rtol=STABLE_FLOAT64_RTOL, atol=1e-300, err_msg=f"{text}: {expr}")


# --------------------------------------------------------------------------- naming
def test_api_names_the_other_symbols():
    with pytest.raises(ModelError, match=r"its other symbols are x1, x2: name the coordinates with x='x1,x2'") as err:
        energy_model("(x1 - theta)**2/2 + x2**4/4")
    assert not isinstance(err.value, NotNormalisableError)  # a naming mistake, not a density that diverges
    with pytest.raises(ModelError, match=r"its other symbol is a: name the parameter with theta='a'"):
        energy_model("(x - a)**2/2")
    with pytest.raises(NotNormalisableError, match="does not depend on x; exp"):  # nothing else to name
        energy_model("theta**2")


@pytest.mark.parametrize("argv", [
    ["simulate", "(x1 - theta)**2/2 + x2**4/4", "--target", "2", "--theta0", "0", "--schedule", "slow-driving"],
    ["derive", "(x1 - theta)**2/2 + x2**4/4"],
    ["verify", "(x1 - theta)**2/2 + x2**4/4"],
    ["codegen", "(x1 - theta)**2/2 + x2**4/4", "--target", "numpy"],
])
def test_cli_names_the_other_symbols_in_one_line(argv):
    code, out, err, _ = run_cli(argv)
    check_contract(argv, code, out, err)
    assert code == 2
    assert "--x x1,x2" in err and "not normalisable" not in err


def test_simulate_reports_thermolearn_warnings_only(monkeypatch):
    """numpy's RuntimeWarnings raised inside a run (an exp overflowing where a weight is 0 anyway, as in
    the generator of 2-D schedules) are not listed as the run's warnings; named warnings are."""
    import warnings

    import thermolearn.numeric.langevin as L
    from thermolearn.theory import AccuracyWarning

    real = L.train_replicas

    def noisy(*args, **kwargs):
        warnings.warn("overflow encountered in exp", RuntimeWarning)
        warnings.warn("a named accuracy warning", AccuracyWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(L, "train_replicas", noisy)
    argv = ["simulate", "x**4/4 - theta*x", "--schedule", "constant", "--target", "0.5", "--theta0", "0",
            "--particles", "50", "--steps", "10", "--replicas", "2", "--format", "json"]
    code, out, err, _ = run_cli(argv)
    check_contract(argv, code, out, err)
    import json

    listed = json.loads(out)["warnings"]
    assert "a named accuracy warning" in listed and not any("overflow" in w for w in listed)
