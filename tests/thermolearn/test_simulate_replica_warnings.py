"""simulate reports a replica-dependent note once: the stiffest replica's Euler stiffness, not one line per replica."""

import json

from thermolearn._cli.simulate import _merge_replica_warnings
from thermolearn.cli import main


def _note(c):
    return f"euler: mu*k*dt = {c}; the stationary variance is biased by about 1/(1 - mu*k*dt/2) = 1.1 (...)"


def test_the_stiffest_replica_note_is_kept_once_and_other_messages_stay_in_order():
    got = _merge_replica_warnings(["a", _note(0.163), "b", _note(0.202), "a", _note(0.159)], 3)
    assert got[:2] == ["a", "b"]
    assert len(got) == 3 and got[2].startswith(_note(0.202)) and got[2].endswith("[the stiffest of 3 replicas]")
    assert _merge_replica_warnings(["a"], 8) == ["a"]


def test_a_stiff_quartic_run_prints_one_stiffness_warning(capsys):
    code = main(["simulate", "x**4/4 - theta*x**2/2", "--theta0", "-1", "--target", "2", "--tau", "5",
                 "--particles", "100", "--steps", "100", "--schedule", "slow-driving", "--set", "beta=3",
                 "--replicas", "3", "--format", "json"])
    assert code == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    stiff = [w for w in warnings if "mu*k*dt" in w]
    assert len(stiff) == 1 and "--substeps auto" in stiff[0]
