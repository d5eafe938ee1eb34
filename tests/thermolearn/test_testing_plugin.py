"""The pytest11 plugin: fixtures available in a fresh suite, readable failures."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_plugin_fixtures_pass_and_fail_readably(pytester):
    pytester.makepyfile(
        """
        from dataclasses import replace
        from thermolearn.testing import Providers

        def test_good(assert_theorems):
            checks = assert_theorems("x**4/4 - theta*x", only=["free_energy_gradient", "fisher_information"])
            assert len(checks) == 2

        def test_bad_fisher(assert_theorems):
            bad = replace(Providers(), fisher=lambda num, th: [[1e-3]])
            assert_theorems("x**4/4 - theta*x", providers=bad, only=["fisher_information"])

        def test_metric_good(assert_metric):
            assert_metric("(x - theta)**2/2", at=0.3, beta=2, mu=4, fisher=[[2.0]], friction=[[0.25]])

        def test_metric_bad(assert_metric):
            assert_metric("(x - theta)**2/2", at=0.3, beta=2, mu=4, friction=[[1.0]])
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--thermolearn-seed", "5")
    result.assert_outcomes(passed=2, failed=2)
    out = result.stdout.str()
    assert "fisher_information: FAILED" in out
    assert "expected" in out and "measured" in out and "tolerance" in out
    assert "friction at theta = [0.3] differs from the reference" in out


def test_plugin_options_registered(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--thermolearn-seed*", "*--thermolearn-full*"])


def test_model_parse_errors_are_not_retried(monkeypatch):
    # a TypeError raised while parsing is a real error: raised once, not swallowed by a cache-miss retry
    # (mutant: the old ``except TypeError`` retry calls the parser twice); unhashable values bypass the cache
    import pytest

    from thermolearn.testing import _runner

    calls = []

    def broken(*args, **kw):
        calls.append(args)
        raise TypeError("bug inside the parser")

    monkeypatch.setattr(_runner, "energy_model", broken)
    _runner._parsed.cache_clear()
    with pytest.raises(TypeError, match="bug inside the parser"):
        _runner._model("x**2*theta/2 + 0.125", "x", "theta", {"beta": 1})
    assert len(calls) == 1
    with pytest.raises(TypeError, match="bug inside the parser"):
        _runner._model("x**2*theta/2 + 0.25", "x", "theta", {"values": {"beta": 1}})
    assert len(calls) == 2
