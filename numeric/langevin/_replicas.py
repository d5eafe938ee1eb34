"""Independent replicas of a training run: means and standard errors of every final number.

The chains of one run are coupled through θ (the persistent-chain gradient
uses their mean), so the spread of per-chain quantities is not a standard
error of the run's result.  Independent replicas are: R runs with
independent generators (``rng.spawn``), each with the full particle number;
every reported number is the replica mean, its standard error
sd/√R (ddof = 1), and a z-score against a closed form is
(mean − closed form)/se.
"""

from __future__ import annotations

import numpy as np

from ..random import check_rng
from ._ledger import check_int
from ._train import train

__all__ = ["train_replicas", "replica_summary", "FINAL_KEYS", "TARGET_N_SIGMA"]

#: A replica mean "misses" a closed form (e.g. θ(τ) vs θ*) beyond this many
#: standard errors.  With R = 8 replicas the t-statistic has 7 degrees of
#: freedom: a false alarm at 4 s.e. is a 0.5 % event.
TARGET_N_SIGMA = 4.0

#: Final numbers summarised over replicas: key -> TrainingResult field (last row).
FINAL_KEYS = {"theta_final": "theta", "sample_mean_final": "sample_mean", "sample_variance_final": "sample_var",
              "work": "work", "excess_work": "excess_work", "bias": "bias", "free_energy_change": None}


def train_replicas(model, schedule, *, replicas: int, rng: np.random.Generator, **kwargs) -> tuple:
    """``replicas`` independent runs of :func:`train` (generators from ``rng.spawn``).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.numeric.langevin import discontinuous_schedule
    >>> rs = train_replicas(harmonic_trap(k=1, beta=1, mu=1), discontinuous_schedule(beta=1, mu=1, k=1, tau=1),
    ...                     replicas=3, rng=np.random.default_rng(0), theta0=-1, target=0, particles=50, steps=20)
    >>> len(rs), bool(rs[0].work[-1] != rs[1].work[-1])
    (3, True)
    """
    replicas = check_int("replicas", replicas, 1)
    check_rng(rng)
    return tuple(train(model, schedule, rng=r, **kwargs) for r in rng.spawn(replicas))


def _final(r, key):
    field = FINAL_KEYS[key]
    if field is None:
        return np.atleast_1d(float(r.free_energy[-1] - r.free_energy[0]))
    a = getattr(r, field)
    return None if a is None else np.atleast_1d(np.asarray(a[-1], dtype=float))


def replica_summary(results) -> dict:
    """``{key: (mean, se)}`` over the replicas for every key of :data:`FINAL_KEYS` (se = nan for one replica).

    Vectors stay arrays; scalars are floats.

    >>> from types import SimpleNamespace as NS
    >>> rs = [NS(theta=np.array([[0.], [x]]), sample_mean=np.zeros((2, 1)), sample_var=None,
    ...         work=np.array([0., x]), excess_work=np.array([0., x]), bias=np.array([0., x]),
    ...         free_energy=np.zeros(2)) for x in (1.0, 3.0)]
    >>> replica_summary(rs)["work"]
    (2.0, 1.0)
    """
    out = {}
    R = len(results)
    for key in FINAL_KEYS:
        vals = [_final(r, key) for r in results]
        if any(v is None for v in vals):
            continue
        A = np.array(vals)
        mean = A.mean(axis=0)
        se = A.std(axis=0, ddof=1) / np.sqrt(R) if R > 1 else np.full_like(mean, np.nan)
        out[key] = (float(mean[0]), float(se[0])) if mean.size == 1 else (mean, se)
    return out
