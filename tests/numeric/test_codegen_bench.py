"""The codegen benchmark runs and its implementations agree (no timing asserted)."""

import shutil

import pytest


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_bench_codegen_tiny_agrees():
    from benchmarks.bench_codegen import run

    rows = run("tiny")
    # 6 formula rows + every catalogue model's energy, drift and dE/dtheta (6 models x 3)
    assert len(rows) == 6 + 18
    for r in rows:
        assert r["details"]["agree"], r
        assert r["ratio"] > 0 and r["details"]["points"] == 1000
