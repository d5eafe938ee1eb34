"""What ``tests/conftest.py`` sets up for every test process, checked from inside one."""

import importlib
import os

from tests.conftest import _NOT_REWRITTEN, _ONE_THREAD


def test_blas_runs_one_thread_per_test_process():
    # conftest pins the thread counts before numpy loads (a caller's own value is kept)
    from threadpoolctl import threadpool_info

    importlib.import_module("scipy.linalg")  # scipy loads its own OpenBLAS

    assert all(os.environ.get(var) for var in _ONE_THREAD), {var: os.environ.get(var) for var in _ONE_THREAD}
    if os.environ["OPENBLAS_NUM_THREADS"] == "1":
        blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas), blas


def test_plugin_packages_are_not_assertion_rewritten():
    # imported after conftest unmarked them: their modules load from ordinary .pyc, not pytest's rewriter
    # (the thermolearn package and its plugin module load with pytest, before any conftest: rewritten)
    for name in ("hypothesis", "hypothesis.core", "thermolearn.theory"):
        module = importlib.import_module(name)
        assert name.split(".")[0] in _NOT_REWRITTEN
        assert "AssertionRewritingHook" not in type(module.__spec__.loader).__name__, name
