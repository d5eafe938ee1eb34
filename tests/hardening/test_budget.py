"""The symbolic budget: a closed-form attempt past its deadline is abandoned, the general form kept."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from thermolearn.theory import ParameterError, energy_model
from thermolearn.theory._budget import attempt, current_budget, symbolic_budget


def _slow(seconds):
    time.sleep(seconds)
    return "finished"


def _spin():
    while True:
        pass


def test_cpu_budget_abandons_the_attempt():
    with symbolic_budget(1):
        result = attempt(_spin, what="spinner")
    assert not result.ok and "symbolic budget of 1 s" in result.reason and "spinner" in result.reason


def test_wall_safety_net_kills_a_waiting_attempt():
    """An attempt that uses no CPU (here: sleeps) is killed at the wall-clock safety deadline."""
    start = time.monotonic()
    with symbolic_budget(0.2):  # safety deadline 10 x 0.2 + 5 = 7 s
        result = attempt(_slow, 30, what="sleeper")
    assert not result.ok and "sleeper" in result.reason
    assert time.monotonic() - start < 25  # killed, not waited for 30 s


def test_result_and_errors_come_back():
    x = sp.Symbol("x")
    with symbolic_budget(20):
        assert attempt(sp.integrate, sp.exp(-x**2), (x, -sp.oo, sp.oo)).value == sp.sqrt(sp.pi)
        failed = attempt(sp.integrate, 1 / x, (x, 0, 1), what="divergent")
        assert failed.ok or "divergent" in failed.reason
        with pytest.raises(sp.PolynomialError):  # an unexpected error propagates as itself
            attempt(sp.Poly, sp.sin(x), x)


def test_no_deadline_runs_inline():
    with symbolic_budget(None):
        assert current_budget() is None
        assert attempt(_slow, 0).value == "finished"


@pytest.mark.parametrize("value", ["-1", "abc", "nan"])
def test_bad_environment_budget_is_one_clear_error(monkeypatch, value):
    monkeypatch.setenv("THERMOLEARN_SYMBOLIC_BUDGET", value)
    with pytest.raises(ParameterError, match="THERMOLEARN_SYMBOLIC_BUDGET"):
        current_budget()


def test_environment_budget(monkeypatch):
    monkeypatch.setenv("THERMOLEARN_SYMBOLIC_BUDGET", "7.5")
    assert current_budget() == 7.5
    monkeypatch.setenv("THERMOLEARN_SYMBOLIC_BUDGET", "0")
    assert current_budget() is None


def test_cosh_energy_answers_with_general_form():
    """cosh(x) + theta*x: sympy's integrator runs for minutes; within the budget we get the integral."""
    from thermolearn.theory import derive

    model = energy_model("cosh(x) + theta*x")
    start = time.monotonic()
    with symbolic_budget(1.0):
        fe = derive.free_energy(model)
    assert time.monotonic() - start < 30
    assert not fe.closed_form and fe.partition_function.has(sp.Integral)
    assert "symbolic budget" in fe.reason


def test_cli_lists_the_reason():
    import json

    from ._harness import run_cli

    import os

    old = os.environ.get("THERMOLEARN_SYMBOLIC_BUDGET")
    os.environ["THERMOLEARN_SYMBOLIC_BUDGET"] = "1"
    try:
        code, out, err, _ = run_cli(["derive", "cosh(x) + theta*x", "--format", "json"])
    finally:
        if old is None:
            del os.environ["THERMOLEARN_SYMBOLIC_BUDGET"]
        else:
            os.environ["THERMOLEARN_SYMBOLIC_BUDGET"] = old
    assert code == 0, err
    data = json.loads(out)
    assert "partition_function" in data["not_closed_form"]
    assert "symbolic budget" in data["not_closed_form_reasons"]["partition_function"]
