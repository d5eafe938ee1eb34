"""Cost of a minimal-dissipation PCD step at d_θ ≈ 10³: the online metric must not dominate.

Problem: scikit-learn's 64-D digits (standardised), Gaussian–Bernoulli RBM
with 15 hidden units (d_θ = 1039), 100 persistent chains, data minibatch
100, dt = 0.01, the same seed and warm-up for every variant.  BLAS pinned
to one thread (shared machine).

Rows (CPU time per training step, one process; the fixed 20-step warm-up
is included and is the same for every variant).  The variants are timed in
turn, the order reversed every other round; a row's ratio is the median
over rounds of the round's variant time / the same round's PCD time (the
pair ran within a second of each other, so a change of the machine's load
between rounds cancels), ``details`` also give the ratio of the medians:

* ``slow-driving / constant-rate PCD``: the slow-driving schedule with the
  online diagonal ζ̂, Î and the full dissipation ledger, against plain PCD
  with a constant rate and no metric estimate (project target ≤ 2);
* ``natural-gradient / constant-rate PCD`` and the slow-driving schedule
  with the diagonal + rank-8 metric and with the block metric (one 65×65
  block per hidden unit) (same target);
* ``metric+ledger overhead``: constant rate with the metric estimate, against
  plain PCD (details only: what accounting alone costs).

``metric_blocks``: metric blocks completed in one run, warm-up included (the
adaptive block doubles while unresolved: 3 in the quick run's 220 steps).
Each costs the block estimate once (the block mode's 16 generalised
eigendecompositions of 65 × 65 are most of its extra cost over slow-driving);
the ebm section's 3040-step RBM runs hold 7, so these short runs weigh the per-block
cost ~6× more per step (3/220 against 7/3040) than real training does.
"""

from __future__ import annotations

import statistics

import numpy as np

from benchmarks._harness import measure_interleaved, row

SIZES = {"tiny": dict(hidden=3, steps=10, chains=10, repeats=1),
         "quick": dict(hidden=15, steps=200, chains=100, repeats=5),
         "full": dict(hidden=15, steps=400, chains=100, repeats=5)}


def _blas_one_thread():
    import importlib

    from threadpoolctl import threadpool_limits

    # the block metric's eigh loads scipy's own BLAS on first use: threadpoolctl pins only the libraries already
    # loaded, so load it first, or that eigh runs multi-threaded (block row 2.0 -> 3.7)
    importlib.import_module("scipy.linalg")

    return threadpool_limits(limits=1, user_api="blas")


def _runner(size, schedule, metric, mode="auto", grouped=False):
    from thermolearn.numeric.ebm import MetricEstimator, PCDConfig, RBMEnergy, load_ebm_data, train

    s = SIZES[size]
    data = load_ebm_data("digits", seed=0)
    fam = RBMEnergy(data.dim, s["hidden"])
    theta0 = fam.init(np.random.default_rng(1), data.train)
    est = MetricEstimator(block=20, mode=mode, groups=fam.parameter_groups() if grouped else ())
    cfg = PCDConfig(steps=s["steps"], dt=0.01, chains=s["chains"], warmup=20, batch_size=100,
                    record_every=s["steps"], metric=est if metric else None)

    def call():
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return train(fam, data.train, theta0, schedule, cfg, rng=np.random.default_rng(2))

    return call, fam.dim_theta, s


def run(size: str) -> list[dict]:
    from thermolearn.numeric.ebm import Constant, NaturalGradient, SlowDriving

    rows = []
    with _blas_one_thread():
        base, dim, s = _runner(size, Constant(0.1), metric=False)
        acct, _, _ = _runner(size, Constant(0.1), metric=True)
        sd, _, _ = _runner(size, SlowDriving(), metric=True)
        ng, _, _ = _runner(size, NaturalGradient(), metric=True)
        lr, _, _ = _runner(size, SlowDriving(), metric=True, mode="lowrank")
        bl, _, _ = _runner(size, SlowDriving(), metric=True, mode="block", grouped=True)
        last = {}

        def keep(k, f):  # the warm-up call's result: how many metric blocks (and block finishes) a run holds
            def call():
                last[k] = f()
            return call

        runs = dict(base=base, acct=acct, sd=sd, ng=ng, lr=lr, bl=bl)
        t = measure_interleaved({k: keep(k, f) for k, f in runs.items()}, repeats=s["repeats"], alternate=True,
                                stat=list)
        med = {k: statistics.median(v) / s["steps"] for k, v in t.items()}

        def paired(k):
            return statistics.median(a / b for a, b in zip(t[k], t["base"]))

        for name, k in (("slow-driving", "sd"), ("natural-gradient", "ng"), ("slow-driving lowrank-8", "lr"),
                        ("slow-driving block", "bl")):
            rows.append(row(f"ebm {name} / constant-rate PCD step (d_theta={dim})", paired(k), 2.0,
                            higher_is_better=False, step_cpu_s=med[k], pcd_step_cpu_s=med["base"],
                            ratio_of_medians=med[k] / med["base"], metric_ledger_overhead=paired("acct"),
                            metric_blocks=len(last[k].metric_times),
                            chains=s["chains"], steps=s["steps"], repeats=s["repeats"]))
    return rows
