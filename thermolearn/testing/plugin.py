"""pytest plugin (entry point ``pytest11``): theorem checks as fixtures in users' suites.

Installed with thermolearn, so any test can ask for

``assert_theorems``  :func:`thermolearn.testing.assert_theorems` with the
    session's seed and size (``--thermolearn-seed``, ``--thermolearn-full``);
``assert_metric``  :func:`thermolearn.testing.assert_metric`.

Both raise ``AssertionError`` with expected, measured, tolerance and reason
for each failing check, which pytest shows as the failure message::

    def test_my_energy(assert_theorems):
        assert_theorems("log(cosh(x)) + x**4/4 - theta*x")

    def test_my_metric(assert_metric):
        assert_metric("(x - theta)**2/2", at=0.3, beta=2, mu=4, friction=[[0.25]])

This module imports nothing heavy until a fixture is used.
"""

from __future__ import annotations

import functools

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("thermolearn", "thermolearn theorem checks")
    group.addoption("--thermolearn-seed", type=int, default=0,
                    help="seed of the theorem-check simulations (default: 0)")
    group.addoption("--thermolearn-full", action="store_true", default=False,
                    help="10x more particles in the theorem-check simulations")


@pytest.fixture
def assert_theorems(request):
    """:func:`thermolearn.testing.assert_theorems` with the session's seed and size."""
    from thermolearn.testing import assert_theorems as run

    seed = request.config.getoption("thermolearn_seed")
    quick = not request.config.getoption("thermolearn_full")

    @functools.wraps(run)
    def wrapped(energy, **kwargs):
        kwargs.setdefault("seed", seed)
        kwargs.setdefault("quick", quick)
        return run(energy, **kwargs)

    return wrapped


@pytest.fixture
def assert_metric():
    """:func:`thermolearn.testing.assert_metric`."""
    from thermolearn.testing import assert_metric as run

    return run
