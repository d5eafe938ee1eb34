"""Ensembles on concurrent.futures executors give exactly the in-process numbers."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, merge_results, run_ensemble, run_trials

CFG = SGDNoiseConfig(batch_size=5, learning_rate=0.05, steps=30, trials=5, width=12, depth=3,
                     measure_every=3, t0=10, max_lag=4, eval_every=10)
FIELDS = ("noise_var", "predicted_var", "max_full_grad", "lag_products", "test_accuracy", "tracked_param")


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


@pytest.fixture(scope="module")
def inline(digits):
    return run_ensemble(digits, CFG, seed=11)


def _same(a, b):
    np.testing.assert_array_equal(a.trial_ids, b.trial_ids)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_chunks_merge_to_the_inline_run(digits, inline):
    parts = [run_trials(digits, CFG, 11, ids) for ids in ([3, 4], [0], [1, 2])]
    _same(merge_results(parts), inline)


def _check_executor(executor, digits, inline):
    """The path every executor takes (process pool, threads, dask)."""
    res = run_ensemble(digits, CFG, seed=11, executor=executor, chunks=3)
    _same(res, inline)


def test_process_pool(digits, inline):
    with ProcessPoolExecutor(max_workers=2) as ex:
        _check_executor(ex, digits, inline)


def test_thread_pool(digits, inline):
    with ThreadPoolExecutor(max_workers=2) as ex:
        _check_executor(ex, digits, inline)


def test_dask_local_cluster(digits, inline):
    # Optional extra `dask`; the same executor path is covered by the process-pool test above.
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        _check_executor(client, digits, inline)
