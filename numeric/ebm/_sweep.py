"""Multi-seed PCD sweeps on any ``concurrent.futures`` executor (dask included).

Seed k of a sweep uses ``numpy.random.default_rng(seed_k)``, so a sweep gives
the same numbers inline, on a process pool or on a ``dask.distributed``
client (whose ``get_executor()`` is accepted as in :mod:`numeric.sgd`).
"""

from __future__ import annotations

import numpy as np

from .._executor import as_executor
from ._trainer import train

__all__ = ["run_seeds", "mean_se"]


def _one(family, data, theta0, schedule, config, seed, partition, heldout):
    return train(family, data, theta0, schedule, config, rng=np.random.default_rng(seed), partition=partition,
                 heldout=heldout)


def run_seeds(family, data, theta0, schedule, config, seeds, *, executor=None, partition=None, heldout=None):
    """One :func:`train` per seed; returns the results in seed order.

    ``theta0`` is one array or a callable seed ↦ array (e.g. a random
    initialisation per seed).
    """
    init = theta0 if callable(theta0) else (lambda s: theta0)
    ex = as_executor(executor)
    args = [(family, data, init(s), schedule, config, int(s), partition, heldout) for s in seeds]
    if ex is None:
        return [_one(*a) for a in args]
    futures = [ex.submit(_one, *a) for a in args]
    return [f.result() for f in futures]


def mean_se(values) -> tuple[float | None, float | None]:
    """Mean and standard error over seeds (None entries dropped; se None below 2 values)."""
    v = np.array([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return None, None
    return float(v.mean()), (float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else None)
