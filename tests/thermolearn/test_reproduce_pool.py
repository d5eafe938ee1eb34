"""The section scheduler: whole sections in the pool, splitting sections in-process, order kept, serial in xdist."""

import gc
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


SECTION = '''
import gc as _gc

from thermolearn._report import close_check

IMPORTED_WITH_GC = _gc.isenabled()


def run(out, *, quick, seed):
    import gc
    import sys
    inherited = "fake_dep_a" in sys.modules and "fake_pkg.sub" in sys.modules
    frozen = gc.get_freeze_count() > 0 and gc.isenabled()
    import fake_dep_a
    from fake_pkg import sub, VALUE
    if quick is None:
        import fake_not_installed  # never runs: a deferred import that fails is skipped before the fork
    return [close_check(f"deferred/inherited={inherited}", 0, 0, 0), close_check(f"deferred/frozen={frozen}", 0, 0, 0),
            close_check(f"deferred/imported_with_gc={IMPORTED_WITH_GC}", 0, 0, 0)]
'''


@pytest.fixture
def deferred(monkeypatch, tmp_path):
    """A section module whose ``run`` imports two modules (one a package's submodule) and names a missing one."""
    (tmp_path / "fake_deferred_section.py").write_text(SECTION)
    (tmp_path / "fake_dep_a.py").write_text("X = 1\n")
    (tmp_path / "fake_pkg").mkdir()
    (tmp_path / "fake_pkg" / "__init__.py").write_text("VALUE = 2\n")
    (tmp_path / "fake_pkg" / "sub.py").write_text("Y = 3\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("fake_deferred_section", "fake_dep_a", "fake_pkg", "fake_pkg.sub"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


def test_deferred_imports_are_read_from_function_bodies(deferred):
    names = _pool.deferred_imports("fake_deferred_section")
    assert names[:4] == ["gc", "sys", "fake_dep_a", "fake_pkg"]
    assert {"fake_pkg.sub", "fake_pkg.VALUE", "fake_not_installed"} <= set(names)
    assert "thermolearn._report" not in names  # a module-level import runs when the section is imported
    # the package's own helpers are followed: the SGD section draws through _sgd_figure, which imports the ticker
    assert "matplotlib.ticker" in _pool.deferred_imports("thermolearn.reproduce.sgd_thermodynamics")


@pytest.fixture
def unfrozen():
    """This process as a fresh one, nothing frozen (the suite's conftest freezes what collection left); the
    freeze is restored afterwards."""
    was = gc.get_freeze_count() > 0
    gc.unfreeze()
    yield
    if was:
        gc.freeze()


def test_shared_imports_load_them_once_before_the_fork(deferred, monkeypatch, unfrozen):
    _pool._shared_imports(["fake_deferred_section"])  # the missing module is skipped, no error
    assert {"fake_dep_a", "fake_pkg", "fake_pkg.sub"} <= set(sys.modules)
    assert "fake_not_installed" not in sys.modules
    for name in ("fake_dep_a", "fake_pkg", "fake_pkg.sub"):
        del sys.modules[name]
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    checks = _pool.run_sections(["fake_deferred_section"], deferred, quick=True, seed=0, options={}, max_workers=2)
    # the forked worker found them imported, and the imported objects frozen with the collector running
    assert [c.name for c in checks][:2] == ["deferred/inherited=True", "deferred/frozen=True"]
    assert gc.get_freeze_count() == 0 and gc.isenabled()  # this process is left as it was


def test_serial_sections_run_frozen_and_leave_a_frozen_process_alone(deferred, unfrozen):
    checks = _pool.run_sections(["fake_deferred_section"], deferred, quick=True, seed=0, options={}, max_workers=1)
    assert [c.name for c in checks][1:] == ["deferred/frozen=True", "deferred/imported_with_gc=False"]
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.freeze()  # a caller that froze objects itself keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        _pool.run_sections(["fake_deferred_section"], deferred, quick=True, seed=0, options={}, max_workers=1)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
