"""Mutation suite: every wrong ingredient in ``tests/thermolearn/mutants.py`` is killed by a named check.

Each mutant runs only the checks named as its killers (they must all fail);
``test_kill_rate`` reports the table and asserts a 100 % kill rate.  That the
same checks pass with the correct ingredients on the same energies is shown
by ``test_correct_ingredients_pass_the_killing_checks``.
"""

from __future__ import annotations

import os

import pytest

from tests.thermolearn.mutants import MUTANTS
from thermolearn.testing import run_theorem_checks

_RESULTS: dict = {}


def _run(m):
    if m.name not in _RESULTS:
        _RESULTS[m.name] = run_theorem_checks(m.energy, x=m.x, theta=m.theta, providers=m.providers,
                                              only=m.killers, seed=3)
    return _RESULTS[m.name]


def test_at_least_twelve_mutants_over_three_kinds_of_energy():
    assert len(MUTANTS) >= 12
    assert any("," in m.x for m in MUTANTS) and any("," in m.theta for m in MUTANTS)
    assert any("," not in m.x + m.theta for m in MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_is_killed_by_its_named_checks(mutant):
    checks = _run(mutant)
    assert [c.name for c in checks] == list(mutant.killers)
    survivors = [c.name for c in checks if c.passed]
    assert not survivors, f"{mutant.name} survived {survivors}"
    assert all(c.reason for c in checks)  # every failure says why


@pytest.mark.parametrize("energy, x, theta", sorted({(m.energy, m.x, m.theta) for m in MUTANTS}))
def test_correct_ingredients_pass_the_killing_checks(energy, x, theta):
    killers = sorted({k for m in MUTANTS if (m.energy, m.x, m.theta) == (energy, x, theta) for k in m.killers})
    failed = [(c.name, c.reason) for c in run_theorem_checks(energy, x=x, theta=theta, only=killers, seed=3)
              if not c.passed]
    assert not failed


def test_kill_rate(capsys):
    # Under pytest-xdist the other worker ran some mutants, each asserting that all its named checks
    # fail (stronger than this rate), and a worker's printout is not shown: the table is made from
    # this process's runs (all of them when it ran none), not by running the others' mutants again.
    mine = [m for m in MUTANTS if m.name in _RESULTS] if os.environ.get("PYTEST_XDIST_WORKER") else []
    rows = []
    for m in mine or MUTANTS:
        checks = _run(m)
        killed = [c.name for c in checks if not c.passed]
        rows.append((m.name, m.energy, ", ".join(killed) or "SURVIVED"))
    rate = sum(r[2] != "SURVIVED" for r in rows) / len(rows)
    with capsys.disabled():
        print(f"\nmutation kill rate {100 * rate:.0f} % ({len(rows)} mutants)")
        for name, energy, killed in rows:
            print(f"  {name:<50} {energy:<48} killed by {killed}")
    assert rate == 1.0
