"""No false alarms: ``verify`` passes on energies new to the tests, across five seeds.

Families: log-cosh, softplus, cosh, exp, steep, flat, shifted quartic, a
double well, x⁶ at β = 2, μ = 0.5, two parameters, and two coordinates.
The deterministic checks run once; the simulation checks once per seed.
The test command runs the simulation checks at seeds 10 and 11 (CI budget);
``THERMOLEARN_ALL_SEEDS=1`` adds seeds 12–14, the five-seed acceptance run.
"""

from __future__ import annotations

import os

import pytest

from thermolearn.testing import CHECK_NAMES, run_theorem_checks

ENERGIES = [
    ("log(cosh(x)) + x**4/4 - theta*x", {}),
    ("log(1 + exp(x - theta)) + x**2/2", {}),
    ("x**6/6 - theta*x", {"beta": 2, "mu": 0.5}),
    ("cosh(x - theta)", {}),
    ("exp(x - theta) - x", {}),
    ("log(cosh(theta*x)) + x**4/4", {}),
    ("(x - theta)**2/2 + x**4/8", {}),
    ("10*(x - theta)**2 + x**4", {}),
    ("x**4/40 - theta*x", {}),
    ("x**4/4 - x**2 - theta*x", {}),
    ("x**4/4 + theta1*x**2/2 - theta2*x", {"theta": "theta1,theta2"}),
    ("x1**2 + x1*x2/2 + x2**2 - theta1*x1 - theta2*x2", {"x": "x1,x2", "theta": "theta1,theta2"}),
    ("(x1 - theta)**2/2 + (x2 - x1)**2/2 + x2**4/4", {"x": "x1,x2"}),
]
DYNAMIC = [n for n in CHECK_NAMES if n in ("sampler_stationarity", "friction_autocorrelation",
                                            "slow_driving_excess_work", "jarzynski", "bias_equals_excess_work")]
SEEDS = (11, 12, 13, 14) if os.environ.get("THERMOLEARN_ALL_SEEDS") == "1" else (11,)


@pytest.mark.slow
@pytest.mark.parametrize("energy, kw", ENERGIES, ids=[e for e, _ in ENERGIES])
def test_no_false_alarm_over_five_seeds(energy, kw):
    failed = [(0, c.name, c.reason, c.value, c.tolerance) for c in run_theorem_checks(energy, seed=10, **kw)
              if not c.passed]
    for seed in SEEDS:
        failed += [(seed, c.name, c.reason, c.value, c.tolerance)
                   for c in run_theorem_checks(energy, seed=seed, only=DYNAMIC, **kw) if not c.passed]
    assert not failed
