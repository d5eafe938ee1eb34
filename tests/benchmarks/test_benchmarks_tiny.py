"""Every benchmark module runs at size "tiny" and returns well-formed rows.

Correctness only: no timing is asserted (performance lives in benchmarks/).
Modules whose peer library is missing must still run their thermolearn side.
"""

import json
import math

import pytest

from benchmarks.__main__ import discover, main

MODULES = discover()


@pytest.mark.parametrize("name", MODULES)
def test_tiny_run_returns_rows(name):
    import importlib

    mod = importlib.import_module(f"benchmarks.{name}")
    rows = mod.run("tiny")
    assert rows, f"{name} returned no rows"
    for r in rows:
        assert set(r) >= {"name", "ratio", "target", "met", "details"}
        assert math.isfinite(r["target"])
        if "skipped" in r["details"]:  # neither met nor missed
            assert r["met"] is None and r["ratio"] is None and r["details"]["skipped"]
        else:
            assert isinstance(r["met"], bool) and math.isfinite(r["ratio"])


def test_json_cli_schema(capsys, monkeypatch):
    from benchmarks import __main__ as bm

    monkeypatch.setattr(bm, "discover", lambda: [])
    assert main(["--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"benchmarks": [], "summary": {"met": 0, "missed": 0, "skipped": 0}}


def _rows():
    from benchmarks._harness import row, skipped

    return [row("a", 2.0, 1.0), row("b", 0.5, 1.0), row("c", 3.0, 2.0, higher_is_better=False),
            skipped("peer: absent", 1.0, "No module named 'absent'")]


def test_skipped_row_is_neither_met_nor_missed(capsys, monkeypatch):
    from benchmarks import __main__ as bm

    monkeypatch.setattr(bm, "run_all", lambda *a, **k: _rows())
    assert main(["--format", "json"]) == 0
    text = capsys.readouterr().out
    out = json.loads(text)  # strict JSON: a skipped row's ratio is null, not NaN
    assert "NaN" not in text
    assert out["summary"] == {"met": 1, "missed": 2, "skipped": 1}
    skip = out["benchmarks"][-1]
    assert skip["met"] is None and skip["ratio"] is None and "absent" in skip["details"]["skipped"]
    assert main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("SKIP peer: absent") and "ratio   skipped" in lines[-2]
    assert lines[-1].startswith("1 met, 2 missed, 1 skipped")


def test_module_that_cannot_be_imported_is_a_skipped_row(monkeypatch):
    from benchmarks import __main__ as bm

    monkeypatch.setattr(bm, "discover", lambda: ["bench_not_a_module"])
    (r,) = bm.run_all("tiny")
    assert r["met"] is None and r["target"] is None and "cannot import" in r["details"]["skipped"]


def test_steady_allocator_keeps_freed_memory():
    """On glibc the mmap/trim thresholds are raised (timings then exclude page faults of fresh temporaries)."""
    import platform

    from benchmarks._harness import steady_allocator

    ok = steady_allocator()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert ok is True
    else:
        assert ok in (True, False)


def test_warnings_of_a_module_are_counted_into_its_rows(monkeypatch, capsys):
    import sys
    import types
    import warnings

    from benchmarks import __main__ as bm
    from benchmarks._harness import row
    from thermolearn.theory import SlowDrivingWarning

    def run(size):
        for _ in range(3):
            warnings.warn("tau_R is not << tau", SlowDrivingWarning)
        return [row("warns", 2.0, 1.0)]

    monkeypatch.setitem(sys.modules, "benchmarks.bench_warns", types.SimpleNamespace(run=run))
    monkeypatch.setattr(bm, "discover", lambda: ["bench_warns"])
    (r,) = bm.run_all("tiny")
    assert r["details"]["module_warnings"] == {"SlowDrivingWarning": 3}
    assert capsys.readouterr().err == ""


def test_measure_interleaved_alternates_and_takes_the_minimum():
    # a fake clock advancing by a known cost per call: the order of calls and the reduction are visible
    from benchmarks._harness import measure_interleaved

    calls, now = [], [0.0]
    cost = {"a": [5.0, 1.0, 3.0, 2.0], "b": [4.0, 6.0, 7.0, 8.0]}

    def contender(name):
        def fn():
            calls.append(name)
            now[0] += cost[name][len([c for c in calls if c == name]) - 1]
        return fn

    t = measure_interleaved({"a": contender("a"), "b": contender("b")}, repeats=4, warmup=0,
                            clock=lambda: now[0], stat="min", alternate=True)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert t == {"a": 1.0, "b": 4.0}
    calls.clear()
    cost = {"a": [5.0, 1.0, 3.0], "b": [4.0, 6.0, 7.0]}
    assert measure_interleaved({"a": contender("a"), "b": contender("b")}, repeats=3, warmup=0,
                               clock=lambda: now[0]) == {"a": 3.0, "b": 6.0}  # default: median, same order
    assert calls == ["a", "b"] * 3
