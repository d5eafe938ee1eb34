"""SGD-noise ensemble: vectorised over trials vs a per-trial loop; full-experiment wall time.

Rows
----
* ``sgd/vectorised_vs_loop/<case>``: time of one vectorised :func:`run_trials`
  call on K trials against K calls with one trial each (the per-trial loop a
  user would write; identical numbers, checked).  ratio = loop / vectorised,
  goal ≥ 5.  Cases: training steps only (``train``: η measured once) and
  the measurement-heavy configuration of the experiment (``measure``: full
  gradient and per-sample norms every ``measure_every`` steps).
* ``sgd/reproduction_wall_time``: wall time of ``thermolearn reproduce
  --paper sgd-thermodynamics`` (``--quick`` at size "quick"; the full default
  at size "full"); ratio = budget / wall time, target ≥ 1 (budget 600 s full,
  60 s quick).  Report only: nothing is asserted in tests.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._harness import measure, row

_SIZES = {
    # size: (trials, width, steps, measure_every, repeats)
    "tiny": (3, 8, 6, 3, 1),
    "quick": (20, 32, 100, 20, 2),
    "full": (50, 200, 100, 20, 2),
}


def _cases(size):
    from numeric.sgd import SGDNoiseConfig

    K, width, steps, every, _ = _SIZES[size]
    base = SGDNoiseConfig(batch_size=10, trials=K, width=width, steps=steps, t0=0, max_lag=1,
                          eval_every=steps, learning_rate=0.02)
    out = {"train": replace(base, measure_every=steps), "measure": replace(base, measure_every=every)}
    if size != "tiny":
        out["train_m1_w32"] = replace(base, batch_size=1, width=32, measure_every=steps)
    return out


def run(size: str = "quick") -> list[dict]:
    from numeric.sgd import load_digits, merge_results, run_trials

    data = load_digits(seed=0)
    repeats = _SIZES[size][4]
    rows = []
    for name, cfg in _cases(size).items():
        vec = run_trials(data, cfg, 1)
        loop = merge_results([run_trials(data, cfg, 1, [k]) for k in range(cfg.trials)])
        same = bool(np.allclose(vec.noise_var, loop.noise_var, rtol=1e-9, atol=0)
                    and np.allclose(vec.tracked_param, loop.tracked_param, rtol=1e-9, atol=1e-15))
        t_vec = measure(lambda: run_trials(data, cfg, 1), repeats=repeats, warmup=0, memory=False)
        t_loop = measure(lambda: [run_trials(data, cfg, 1, [k]) for k in range(cfg.trials)],
                         repeats=repeats, warmup=0, memory=False)
        rows.append(row(f"sgd/vectorised_vs_loop/{name}", t_loop.median_s / t_vec.median_s, 5.0,
                        vectorised_s=t_vec.median_s, loop_s=t_loop.median_s, trials=cfg.trials,
                        width=cfg.width, steps=cfg.steps, batch_size=cfg.batch_size,
                        measure_every=cfg.measure_every, dim_theta=vec.dim_theta, identical_results=same))
    if size != "tiny":
        rows.append(_reproduction(quick=size == "quick"))
    return rows


def _reproduction(quick: bool) -> dict:
    from thermolearn.reproduce import sgd_thermodynamics

    budget = 60.0 if quick else 600.0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        checks = sgd_thermodynamics.run(Path(tmp), quick=quick, seed=20251003)
        wall = time.perf_counter() - t0
    return row("sgd/reproduction_wall_time", budget / wall, 1.0, wall_s=wall, budget_s=budget,
               quick=quick, checks_passed=sum(c.passed for c in checks), checks=len(checks))
