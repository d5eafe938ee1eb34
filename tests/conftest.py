"""Shared fixtures, and the suite's CPU-time ledger.

* ``rng``: a seeded numpy Generator for every stochastic test.
* hypothesis runs derandomized (profile ``thermolearn``, no example
  database): the property tests draw the same examples in every run, so the
  suite is deterministic; ``HYPOTHESIS_PROFILE=explore`` draws fresh random
  examples for a bug hunt.
* ``THERMOLEARN_TEST_CPU=DIR``: every pytest process (each xdist worker and
  the controller) writes ``DIR/<worker>.json`` with the CPU seconds of its
  imports and collection, of each test (setup + call + teardown, including
  waited-for child processes) and of its whole life; the controller prints
  the 20 dearest tests and the totals.  Wall time on a shared 2-core machine
  says little (the load average is often > 4), CPU time is what the budget
  counts.
* Assertion rewriting is kept to the test modules: pytest would also rewrite
  every module of the packages that ship a pytest plugin (thermolearn itself
  and hypothesis), ~190 modules parsed and recompiled in every worker
  (≈ 2 CPU-s each, measured with ``pytest --collect-only``); their asserts are
  not the tests' and gain nothing from it.
* The cyclic garbage collector runs less often (first generation at 20 000
  allocations, not 700) and, after collection, everything alive (the
  imported libraries, the test modules, their parameters) is frozen out of
  its scans: with sympy, scipy and the package loaded every full scan walks
  millions of objects that live for the whole session.  Measured with
  ``gc.callbacks``: collection spent ~2.0 of ~10 CPU-s per process in the
  collector, 0.4 after; the tests ~6 % of their time, ~4 % after.  Nothing
  the tests check depends on when cycles are freed.
* BLAS and OpenMP run one thread per process (``OPENBLAS_NUM_THREADS`` etc.
  set before numpy loads, inherited by the CLI subprocesses and process
  pools the tests start; a variable the caller set is kept).  The suite runs
  as ``pytest -n 2`` on two cores: a second BLAS thread per worker has no
  core of its own, and OpenBLAS's threads spin while they wait.  Measured on
  ``tests/thermolearn/test_verify_energies.py`` alone (one process, idle):
  37.4 CPU-s with the default threads, 28.4 with one, the same wall time.
  The tests' matrices are small; no test checks threading.
"""

import gc
import json
import os
import resource
import time
from pathlib import Path

#: Thread-count variables of the BLAS/OpenMP runtimes, pinned to 1 for the session (see above).
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
for _var in _ONE_THREAD:
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread pins: OpenBLAS reads them when it loads)
import pytest  # noqa: E402

_LEDGER = os.environ.get("THERMOLEARN_TEST_CPU")
_TESTS: dict = {}
_PHASES: dict = {}


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its waited-for children."""
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def _worker(config) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER") or ("controller" if config.pluginmanager.has_plugin("dsession")
                                                      else "main")


#: First-generation threshold of the garbage collector for the session (Python's default: 700).
GC_THRESHOLD = 20000


#: Packages pytest marks for assertion rewriting because they ship a pytest11 plugin.
_NOT_REWRITTEN = ("thermolearn", "hypothesis")


def pytest_configure(config):
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    # Before collection imports anything: unmark the plugin packages (the plugin modules
    # themselves import nothing heavy at load).  Private pytest state, read defensively:
    # if it moves, everything is rewritten as before (slower, same results).
    hook = getattr(config.pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if isinstance(marked, set):
        marked.difference_update(_NOT_REWRITTEN)
    # hypothesis only now, once it is unmarked: imported at this module's top (before this hook runs)
    # its ~190 modules were rewritten in every process, ~1.6 CPU-s, as no .pyc is kept when
    # PYTHONDONTWRITEBYTECODE is set (measured with python -X importtime: 1.95 s vs 0.32 s)
    from hypothesis import settings

    settings.register_profile("thermolearn", derandomize=True, database=None)
    settings.register_profile("explore", derandomize=False, database=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "thermolearn"))


@pytest.fixture
def rng():
    """Fresh, fixed-seed Generator (same numbers in every run)."""
    return np.random.default_rng(20251003)


def pytest_collection_finish(session):
    """Free what collection left behind once, then keep the survivors out of every later scan."""
    gc.collect()
    gc.freeze()
    if _LEDGER:
        _PHASES["startup_and_collection"] = _cpu()


if _LEDGER:

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        start = _cpu()
        yield
        _TESTS[item.nodeid] = _TESTS.get(item.nodeid, 0.0) + _cpu() - start

    def pytest_sessionfinish(session):
        _PHASES["total"] = _cpu()
        folder = Path(_LEDGER)
        folder.mkdir(parents=True, exist_ok=True)
        name = _worker(session.config)
        (folder / f"{name}.json").write_text(json.dumps({"phases": _PHASES, "tests": _TESTS}, indent=0))

    def pytest_terminal_summary(terminalreporter, config):
        if os.environ.get("PYTEST_XDIST_WORKER"):
            return
        folder = Path(_LEDGER)
        tests, phases = {}, {}
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text())
            tests.update(data["tests"])
            phases[path.stem] = data["phases"]
        tr = terminalreporter
        tr.write_sep("=", "CPU seconds (THERMOLEARN_TEST_CPU)")
        for name, p in phases.items():
            tr.write_line(f"{name:>12}: startup+collection {p.get('startup_and_collection', 0):7.1f}  "
                          f"total {p.get('total', 0):7.1f}")
        tr.write_line(f"tests: {len(tests)}, their CPU sum {sum(tests.values()):.1f} s; dearest 20:")
        for nodeid, cpu in sorted(tests.items(), key=lambda kv: -kv[1])[:20]:
            tr.write_line(f"{cpu:7.2f}  {nodeid}")
