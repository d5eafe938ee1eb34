"""The section scheduler: whole sections in the pool, splitting sections in-process, order kept, serial in xdist."""

import os
import sys

import pytest

from thermolearn.reproduce import _pool, workers


@pytest.fixture
def fake(monkeypatch, tmp_path):
    from tests.thermolearn import _fake_sections as f

    monkeypatch.setitem(sys.modules, "fake_whole", f.whole)
    monkeypatch.setitem(sys.modules, "fake_split", f.split)
    monkeypatch.setitem(sys.modules, "fake_split2", f.split2)
    (tmp_path / "parent").write_text(str(os.getpid()))
    return tmp_path


def test_xdist_worker_never_starts_a_pool(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    assert workers() == 1
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert workers(1) == 1 and 1 <= workers() <= 2


@pytest.mark.parametrize("max_workers", [1, 2])
def test_sections_run_in_order_with_their_options(fake, monkeypatch, max_workers):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    checks = _pool.run_sections(["fake_whole", "fake_split", "fake_split2"], fake, quick=True, seed=0,
                                options={"mnist": "DIR"}, max_workers=max_workers)
    names = [c.name for c in checks]
    pooled = max_workers == 2
    # the first splitting section gets the pool in this process; the second runs whole (in a worker)
    assert names == [f"whole/pid_differs={pooled}", "whole/mnist=DIR", f"split/executor={pooled}",
                     "split2/executor=False", f"split2/pid_differs={pooled}"]
    assert all(c.passed for c in checks)


class _figs:  # a section that takes the figure options
    @staticmethod
    def run(out, *, quick, seed, dpi=200, formats=("png", "pdf")):
        from thermolearn._report import close_check

        return [close_check(f"figs/dpi={dpi}/formats={','.join(formats)}", 0, 0, 0)]


@pytest.mark.parametrize("quick,options,expected", [
    (True, None, "figs/dpi=100/formats=png"),            # a quick run writes one raster at 100 dpi
    (False, None, "figs/dpi=200/formats=png,pdf"),       # the full run keeps the vector files
    (True, {"formats": ("png", "svg")}, "figs/dpi=100/formats=png,svg"),  # the caller's options win
])
def test_figure_options_default_by_run_size(monkeypatch, tmp_path, quick, options, expected):
    import thermolearn.reproduce as R

    monkeypatch.setitem(sys.modules, "fake_figs", _figs)
    monkeypatch.setitem(R.PAPERS, "fake", ("fake_figs",))
    checks = R.run_papers(["fake"], tmp_path, quick=quick, seed=0, options=options, max_workers=1)
    assert [c.name for c in checks] == [expected]
