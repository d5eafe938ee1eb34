"""Multi-seed sweeps: the same numbers inline and on a process pool; mean ± s.e. over seeds."""

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from thermolearn.numeric.ebm import Constant, PCDConfig, load_ebm_data, mean_se, polynomial_family, run_seeds


@pytest.mark.filterwarnings("ignore::thermolearn.theory.AccuracyWarning")
def test_process_pool_equals_inline():
    data = load_ebm_data("iris-2d", seed=0)
    fam = polynomial_family(2, 2)
    cfg = PCDConfig(steps=30, chains=20, warmup=20)
    inline = run_seeds(fam, data.train, np.zeros(5), Constant(0.5), cfg, [3, 4])
    with ProcessPoolExecutor(max_workers=2) as ex:
        pooled = run_seeds(fam, data.train, np.zeros(5), Constant(0.5), cfg, [3, 4], executor=ex)
    for a, b in zip(inline, pooled):
        assert np.array_equal(a.theta, b.theta) and a.final_work == b.final_work
    assert inline[0].final_work != inline[1].final_work


def test_mean_se():
    assert mean_se([1.0, 3.0]) == (2.0, 1.0)
    assert mean_se([None, 2.0]) == (2.0, None)
    assert mean_se([]) == (None, None)


@pytest.mark.filterwarnings("ignore::thermolearn.theory.AccuracyWarning")
def test_dask_client_equals_inline():
    # Optional extra `dask`; an in-process cluster (threads) keeps it cheap.
    distributed = pytest.importorskip("distributed")
    data = load_ebm_data("iris-2d", seed=0)
    fam = polynomial_family(2, 2)
    cfg = PCDConfig(steps=20, chains=10, warmup=20)
    inline = run_seeds(fam, data.train, np.zeros(5), Constant(0.5), cfg, [5, 6])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = run_seeds(fam, data.train, np.zeros(5), Constant(0.5), cfg, [5, 6], executor=client)
    for a, b in zip(inline, remote):
        assert np.array_equal(a.theta, b.theta) and a.final_work == b.final_work
