"""Hypothesis fuzzing of every input path (the ≥1000-case campaign is benchmarks/fuzz_campaign.py).

Contract per case: a result or a package error in the API; through the CLI,
exit 0/1/2, one stderr line on 2, no traceback, exit 1 never silent, CPU time
within the budget, no payload executed.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import fuzz_campaign as fz
from thermolearn.theory import ThermolearnError, energy_model

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FAST
@given(st.randoms(use_true_random=False), st.sampled_from(["good", "malformed", "pathological"]))
def test_expression_grammar_api(tmp_path, rnd, kind):
    sentinel = tmp_path / "pwned"
    text = {"good": lambda: fz.expression(rnd), "malformed": lambda: fz.malformed(rnd),
            "pathological": lambda: fz.pathological(rnd, str(sentinel))}[kind]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # nothing numeric may leak a RuntimeWarning
        try:
            energy_model(text + " + (x - theta)**2")
        except ThermolearnError:
            pass
    assert not sentinel.exists()


def _check(argv):
    code, out, err, seconds = fz.run_case(argv)
    why = fz.violation(argv, code, out, err, seconds)
    assert why is None, f"{argv}: {why}\n{err}"


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_cli_options_random_values(tmp_path, rnd):
    argv = fz._option_case(rnd, tmp_path)
    if argv[0] == "sgd-noise" and rnd.random() < 0.7:
        argv = argv[:1] + ["--help"] if "--help" in argv else argv  # keep most cases at validation only
    _check(argv)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.integers(0, 10**6))
def test_corrupt_files(tmp_path, rnd, index):
    _check(fz._file_case(rnd, tmp_path, index))


@pytest.mark.parametrize("seed", range(3))
def test_set_at_every_order(seed):
    import random

    argv = fz._set_at_case(random.Random(seed))
    code, out, err, _ = fz.run_case([*argv, "--format", "json"])
    assert code == 0, f"{argv}: {err}"


def test_campaign_reports_counts(tmp_path):
    """A small campaign through the same code as the 1000-case one: counts add up, no failure."""
    result = fz.campaign(12, seed=5)
    assert result["cases"] == 12 == sum(result["families"].values())
    assert result["exit0"] + result["exit1"] + result["exit2"] == 12
    assert result["failures"] == []
