"""SGD-noise ensemble: vectorised over trials vs a per-trial loop; full-experiment wall time.

Rows
----
* ``sgd/step/w<width>_m<m>``: the training step alone.  S steps on K
  trials as the experiment runs them: one :func:`numeric.sgd.sgd_steps`
  call per group of :func:`numeric.sgd.group_size` trials (the compiled
  kernels run each trial's S steps back to back, its weights staying in
  the core's cache; before, S calls of :func:`numeric.sgd.sgd_step` per
  group, step after step) against the per-trial loop a user would write:
  for every trial, S calls of :func:`numeric.sgd.sgd_step` on that one
  network (numpy path, one step per call, unchanged).  Both are timed on
  parameter arrays allocated beforehand, each timed call continuing their
  training, as the experiment steps its own arrays (a fresh copy of the K
  networks per call, 19 MB at width 200, cost ~7 us per trial-step at
  m = 10, ~6 % of the step, and is no part of it).
  Same minibatches, same final weights to float32 rounding (checked; a
  ReLU unit whose pre-activation rounds to the other side of 0 in one path
  moves one example's share of its step, so ≤ 0.1 % of the numbers may
  differ by up to 1 % of the largest weight change).  ratio = loop / vectorised.  Besides the times,
  each row reports two bounds on what any single-core implementation could
  gain over this loop:
  ``flop_bound_ratio`` = loop time / (FLOPs / peak GEMM rate) and
  ``traffic_bound_ratio`` = loop time / (3 passes over the weights / cache
  bandwidth), both rates measured in the same run; ``bound_ratio`` is the
  smaller.  A step must read the weights twice (forward, backward) and
  write them once (update), and K wide networks do not fit in the core's
  own cache, so where ``bound_ratio`` < 5 (width 200) a 5x goal cannot be
  met by vectorising, only approached.  Target: the vectorised step within
  1.5x of that bound (``vectorised_over_bound_time`` ≤ 1.5), i.e. ratio ≥
  ``bound_ratio`` / 1.5, capped at 5 where the bound allows more.  Where a
  C compiler is present (``compiled_kernel`` in the details) the step is
  compiled per trial: at m = 1 the rank-1 kernel of
  ``numeric/sgd/_kernel.py`` (else the in-place BLAS rank-1 update), at
  m = 2..100 the register-tiled kernel of ``numeric/sgd/_tiled.py`` (10-row
  GEMMs run far below peak in OpenBLAS; at m = 100 its tiles, which keep
  every operand in registers, beat numpy's batched GEMMs inside the
  experiment too), S steps per trial in one call; the loop is always the
  numpy path.
* ``sgd/full_batch/w<width>``: the full-batch pass the experiment makes at
  every measured step (gradient, loss and per-example squared gradient norms
  over the 1,438 training examples, one group of K = 10 trials, float32, one
  thread): CPU time over its flop-bound time (FLOPs / peak GEMM rate), target
  ≤ 1.5 (minimum over interleaved rounds, as the peak rate); the numpy path
  (batched BLAS products, ``numpy_only``) is timed in the same rounds
  (``numpy_over_pass``).  Where a C compiler is present the
  pass runs the step's compiled forward and update tiles
  (``numeric/sgd/_tiled.py``, trial after trial in 128-example blocks).
* ``sgd/run/<case>``: a whole :func:`run_trials` call (training plus the
  full-batch measurements of η and tr Σ₁) on K trials against K calls with
  one trial each (the numpy path: no compiled step in the loop);
  identical numbers, checked.  ``train`` measures η at the
  two steps the window needs, ``measure`` every ``measure_every`` steps
  (the full-batch gradients are the same arithmetic in both, so the ratio
  falls towards 1 as they dominate).  The ``measure`` row's target is
  min(5, ``amdahl_ceiling_ratio`` / 1.5), where the ceiling = loop time /
  CPU time of its full-batch passes alone (timed directly): the largest
  ratio those per-trial passes allow even with free training.
* ``reproduce/sgd_floor``: the arithmetic of the SGD-noise section at its
  own settings (training steps, full-batch passes, extra noise draws,
  test evaluations; FLOPs counted as for ``sgd/step``) divided by the
  peak single-core GEMM rate measured in the same run: the CPU seconds
  no implementation of that experiment can undercut.  ratio = floor /
  the main job's CPU budget; a ratio near 1 says the budget leaves no room
  for the other sections at the paper's sizes.
* ``reproduce/cpu`` and ``reproduce/wall``: the main job ``thermolearn
  reproduce`` (every paper; ``--quick`` at size "quick", the full default at
  size "full"), CPU seconds of this process and its pool's workers
  (``resource.getrusage``) and wall seconds; ratio = measured / budget,
  target ≤ 1.  Budgets: 150 CPU-s and 120 s wall (full, on 2 idle cores),
  30 CPU-s (quick).  The details say how loaded the machine was (load
  average before and after), since wall time measures the neighbours too.

All runs are single-threaded BLAS (as the experiment's workers) in the
reproduction's float32.  Report only: nothing is asserted in tests.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._harness import measure, measure_interleaved, row

_STEP_CASES = {
    # size: [(trials, width, batch size, steps)]
    "tiny": [(3, 8, 2, 3)],
    "quick": [(20, 32, 1, 100), (20, 32, 10, 100), (50, 200, 1, 10), (50, 200, 10, 10), (50, 200, 100, 4)],
    "full": [(20, 32, 1, 300), (20, 32, 10, 300), (50, 200, 1, 50), (50, 200, 10, 50), (50, 200, 100, 20)],
}
_RUN_SIZES = {
    # size: (trials, width, steps, measure_every, repeats)
    "tiny": (3, 8, 6, 3, 1),
    "quick": (20, 32, 100, 20, 2),
    "full": (20, 32, 300, 20, 3),
}
_DTYPE = "float32"
_WITHIN_BOUND = 1.5  # a step row is met when the vectorised step is within this factor of the machine bound


def _blas_one_thread():
    from threadpoolctl import threadpool_limits

    from thermolearn.numeric.sgd._mlp import scipy_ger

    scipy_ger()  # the numpy loops' m = 1 step uses scipy's BLAS: loaded before the limit, or it stays threaded

    return threadpool_limits(limits=1, user_api="blas")


def _peak_gemm_gflops(n: int = 1024) -> float:
    """Single-core float32 GEMM rate on large square matrices (GFLOP/s)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(_DTYPE) for _ in range(2))
    t = measure(lambda: a @ b, repeats=5, warmup=1, memory=False)
    return 2.0 * n**3 / t.min_s / 1e9


def _bandwidth_gbs(nbytes: int = 8 * 2**20) -> float:
    """Single-core copy rate (read + write, GB/s) on arrays of a trial group's size (cache-resident)."""
    a = np.ones(nbytes // 4, dtype=_DTYPE)
    b = np.empty_like(a)
    t = measure(lambda: np.copyto(b, a), repeats=20, warmup=2, memory=False)
    return 2.0 * nbytes / t.min_s / 1e9


def _step_flops(spec, m: int) -> float:
    """FLOPs of one SGD step of one network: forward, weight gradients, deltas below layer 1."""
    s = spec.sizes
    macs = [s[i] * s[i + 1] for i in range(len(s) - 1)]
    return 2.0 * m * (2 * sum(macs) + sum(macs[1:]))


def _same_weights(a, b, moved) -> bool:
    """Equal to float32 rounding except at a few hidden ReLU units, each within 1 % of the largest step ``moved``.

    A unit whose pre-activation rounds to the other side of 0 in one path
    moves one example's share of that unit's step: measured at m = 100,
    width 200, 28 of 660 000 numbers, by 9.4e-6 against steps of 4.7e-3.
    """
    close = np.isclose(a, b, rtol=1e-5, atol=1e-7)
    return bool(close.mean() >= 0.999 and np.allclose(a, b, rtol=1e-5, atol=max(1e-7, 1e-2 * moved)))


def _step_row(data, K, width, m, steps, peak, bandwidth):
    from thermolearn.numeric.sgd import SGDNoiseConfig, Workspace, group_size, initial_state, sgd_step, sgd_steps
    from thermolearn.numeric.sgd._kernel import numpy_only, rank1_kernel
    from thermolearn.numeric.sgd._tiled import TILED_MULTI_BATCH_SIZES, tiled_kernel

    cfg = SGDNoiseConfig(batch_size=m, trials=K, width=width, steps=steps + 1, t0=0, max_lag=1,
                         learning_rate=0.02, dtype=_DTYPE)
    spec = cfg.spec(data)
    x = data.x_train.astype(_DTYPE)
    y = data.y_train
    idx = np.random.default_rng(5).integers(0, data.n_train, size=(steps, K, m))
    G = group_size(cfg, spec)
    start, _ = initial_state(data, cfg, seed=1)

    def vectorised(params=None):  # what the experiment runs: the S steps of a group in one sgd_steps call
        params = [p.copy() for p in start] if params is None else params
        for s in range(0, K, G):
            sgd_steps([p[s:s + G] for p in params], x, y, idx[:, s:s + G], "relu", 0.02, Workspace())
        return params

    def loop(params=None):  # numpy only: the compiled kernels are the package's, not the user's loop
        params = [p.copy() for p in start] if params is None else params
        with numpy_only():
            for k in range(K):
                one, ws = [p[k:k + 1] for p in params], Workspace()
                for t in range(steps):
                    sgd_step(one, x[idx[t, k:k + 1]], y[idx[t, k:k + 1]], "relu", 0.02, ws)
        return params

    reference = loop()
    moved = max(float(np.abs(b - a).max()) for a, b in zip(start, reference))
    same = all(_same_weights(a, b, moved) for a, b in zip(vectorised(), reference))
    # timed on parameters allocated beforehand (each call continues their training), as the experiment steps
    # its own arrays: a fresh copy of K networks per call (19 MB at width 200) is not part of a step
    p_vec, p_loop = [p.copy() for p in start], [p.copy() for p in start]
    t_vec = measure(lambda: vectorised(p_vec), repeats=3, warmup=0, memory=False)
    t_loop = measure(lambda: loop(p_loop), repeats=3, warmup=0, memory=False)
    flops = _step_flops(spec, m) * K * steps
    traffic = 3.0 * spec.dim_theta * np.dtype(_DTYPE).itemsize * K * steps
    flop_bound = t_loop.median_s / (flops / (peak * 1e9))
    traffic_bound = t_loop.median_s / (traffic / (bandwidth * 1e9))
    bound = min(flop_bound, traffic_bound)
    # the goal: the vectorised step within 1.5x of the machine bound, and 5x over the loop where the
    # bound leaves room for more (a bound below 7.5x makes bound / 1.5 the target)
    target = min(5.0, bound / _WITHIN_BOUND)
    return row(f"sgd/step/w{width}_m{m}", t_loop.median_s / t_vec.median_s, target,
               vectorised_s=t_vec.median_s, loop_s=t_loop.median_s, trials=K, width=width, batch_size=m,
               steps=steps, group_size=G, dim_theta=spec.dim_theta,
               vectorised_gflops=flops / t_vec.median_s / 1e9, loop_gflops=flops / t_loop.median_s / 1e9,
               peak_gemm_gflops=peak, bandwidth_gbs=bandwidth, flop_bound_ratio=flop_bound,
               traffic_bound_ratio=traffic_bound, bound_ratio=bound,
               vectorised_over_bound_time=bound * t_vec.median_s / t_loop.median_s,
               target_reason=(f"vectorised within {_WITHIN_BOUND:g}x of the machine bound "
                              f"(bound ratio {bound:.2f}), capped at 5x over the per-trial loop"),
               dtype=_DTYPE, identical_results=same,
               compiled_kernel=bool(rank1_kernel(_DTYPE) is not None if m == 1
                                    else m in TILED_MULTI_BATCH_SIZES and tiled_kernel(_DTYPE) is not None))


_FULL_CASES = {"tiny": (3, 8, 3), "quick": (10, 200, 7), "full": (10, 200, 11)}  # size: (trials, width, rounds)


def _full_batch_row(data, size, peak):
    """The experiment's full-batch pass (gradient and per-example norms over the training set) against its bound.

    One group of K trials as :func:`run_trials` measures them (float32, one
    thread, the compiled pass where a C compiler is present), CPU time
    against FLOPs / peak GEMM rate (FLOPs as for ``sgd/step`` with m = the
    training set); the numpy path (:func:`numeric.sgd.numpy_only`) is timed
    in the same rounds, taken in turn.  Both by the minimum over the rounds,
    as the peak rate is: a pass is a short deterministic call, and on a
    loaded machine a neighbour's preemption or cache traffic only adds time
    (measured at load 3-6: compiled pass min 128-147 ms, median 157-186;
    numpy path min 180-187, median 198-210).
    """
    from thermolearn.numeric.sgd import MLPSpec, Workspace, init_ensemble
    from thermolearn.numeric.sgd._kernel import numpy_only
    from thermolearn.numeric.sgd._mlp import _gradient
    from thermolearn.numeric.sgd._tiled import tiled_kernel

    K, width, rounds = _FULL_CASES[size]
    spec = MLPSpec(data.n_features, data.n_classes, width)
    params = [p.astype(_DTYPE) for p in init_ensemble(spec, [np.random.default_rng(k) for k in range(K)])]
    x, y = data.x_train.astype(_DTYPE), data.y_train
    ws, ws_np = Workspace(), Workspace()

    def numpy_path():
        with numpy_only():
            return _gradient(params, x, y, "relu", per_sample=True, block=512, ws=ws_np)

    t = measure_interleaved({"pass": lambda: _gradient(params, x, y, "relu", per_sample=True, ws=ws),
                             "numpy": numpy_path}, repeats=rounds, warmup=1, alternate=True, stat="min")
    flops = _step_flops(spec, data.n_train) * K
    bound = flops / (peak * 1e9)
    return row(f"sgd/full_batch/w{width}", t["pass"] / bound, _WITHIN_BOUND, higher_is_better=False,
               pass_s=t["pass"], numpy_s=t["numpy"], numpy_over_pass=t["numpy"] / t["pass"], flop_bound_s=bound,
               trials=K, width=width, examples=data.n_train, gflops=flops / t["pass"] / 1e9,
               numpy_gflops=flops / t["numpy"] / 1e9, peak_gemm_gflops=peak, dtype=_DTYPE,
               compiled_kernel=tiled_kernel(_DTYPE) is not None,
               target_reason=f"the pass within {_WITHIN_BOUND:g}x of its flop-bound time (FLOPs / peak GEMM rate)")


def _run_cases(size):
    from thermolearn.numeric.sgd import SGDNoiseConfig

    K, width, steps, every, _ = _RUN_SIZES[size]
    base = SGDNoiseConfig(batch_size=10, trials=K, width=width, steps=steps, t0=0, max_lag=1,
                          eval_every=steps, learning_rate=0.02, dtype=_DTYPE)
    out = {"train": replace(base, measure_every=steps), "measure": replace(base, measure_every=every)}
    if size != "tiny":
        out["train_m1"] = replace(base, batch_size=1, measure_every=steps)
    return out


def _run_row(data, name, cfg, repeats):
    from thermolearn.numeric.sgd import merge_results, run_trials

    from thermolearn.numeric.sgd._kernel import numpy_only

    def per_trial():  # numpy only: the compiled kernels are the package's, not the user's loop
        with numpy_only():
            return [run_trials(data, cfg, 1, [k]) for k in range(cfg.trials)]

    vec = run_trials(data, cfg, 1)
    loop = merge_results(per_trial())
    # float32: the same products in a different batch agree to rounding of the 1e-7 kind
    same = bool(np.allclose(vec.noise_var, loop.noise_var, rtol=1e-4, atol=0)
                and np.allclose(vec.tracked_param, loop.tracked_param, rtol=1e-4, atol=1e-6))
    t_vec = measure(lambda: run_trials(data, cfg, 1), repeats=repeats, warmup=0, memory=False)
    t_loop = measure(per_trial, repeats=repeats, warmup=0, memory=False)
    return row(f"sgd/run/{name}", t_loop.median_s / t_vec.median_s, 5.0,
               vectorised_s=t_vec.median_s, loop_s=t_loop.median_s, trials=cfg.trials, width=cfg.width,
               steps=cfg.steps, batch_size=cfg.batch_size, measure_every=cfg.measure_every,
               full_gradients=int(cfg.measured_steps().size), dim_theta=vec.dim_theta, identical_results=same)


def _full_batch_seconds(data, cfg, repeats) -> tuple[float, float]:
    """CPU seconds of a run's full-batch passes alone: in the run's trial groups, and one trial at a time.

    The passes of :func:`run_trials` (``_gradient`` over the training set
    with per-example norms, once per measured step, at θ₀: the cost does not
    depend on θ), timed directly rather than inferred from differences of
    whole runs.
    """
    from thermolearn.numeric.sgd import Workspace, group_size, initial_state
    from thermolearn.numeric.sgd._mlp import _gradient

    params, _ = initial_state(data, cfg, seed=1)
    x, y, T = data.x_train.astype(cfg.dtype), data.y_train, int(cfg.measured_steps().size)
    G = group_size(cfg, cfg.spec(data))

    def passes(width):
        for s in range(0, cfg.trials, width):
            group, ws = [p[s:s + width] for p in params], Workspace()
            for _ in range(T):
                _gradient(group, x, y, cfg.activation, per_sample=True, block=cfg.block, ws=ws)

    grouped = measure(lambda: passes(G), repeats=repeats, warmup=0, memory=False)
    single = measure(lambda: passes(1), repeats=repeats, warmup=0, memory=False)
    return grouped.median_s, single.median_s


def _amdahl_ceiling(runs: dict, data, cfg, repeats) -> None:
    """Make the ``measure`` row's target honest: the ratio its full-batch passes allow.

    The full-batch passes are per-trial products in the vectorised run and in
    the loop (one trial's pass is already a large product: compiled tiles in
    the run where a C compiler is present, BLAS in the numpy loop), so
    vectorising cannot speed them up.  Their CPU time F, timed directly in the
    run's own trial groups (:func:`_full_batch_seconds`), bounds the
    vectorised run below even with free training: ratio ≤ loop / F, the
    ``amdahl_ceiling_ratio``.  As for the step rows, the target is to come
    within 1.5x of that bound, capped at 5: min(5, ceiling / 1.5).  (An
    earlier version inferred F as a difference of the rows' times, which made
    the ceiling equal to the measured ratio by construction.)
    """
    if "measure" not in runs:
        return
    me = runs["measure"]
    d = me["details"]
    grouped, single = _full_batch_seconds(data, cfg, repeats)
    ceiling = d["loop_s"] / grouped
    d.update(full_batch_s=grouped, full_batch_loop_s=single, amdahl_ceiling_ratio=ceiling,
             full_batch_share=grouped / d["vectorised_s"],
             target_reason=(f"full-batch passes ({grouped:.3g} s) are per-trial products in both runs: the ratio is "
                            f"at most loop / passes = {ceiling:.2f}; target within {_WITHIN_BOUND:g}x of it, "
                            "capped at 5"))
    me["target"] = min(5.0, ceiling / _WITHIN_BOUND)
    me["met"] = bool(me["ratio"] >= me["target"])


def sgd_section_flops(quick: bool) -> dict:
    """FLOPs of the SGD-noise section of the main job, by part (its own configs and data).

    Training: ``steps`` minibatch steps of every trial; ``full``: one
    full-batch pass per measured step; ``draws``: the J − 1 extra
    minibatch gradients per measured step; ``eval``: forward passes over
    the test set; ``epoch``: the frozen-θ epoch-shuffling run.
    """
    from thermolearn.numeric.sgd import load_digits
    from thermolearn.reproduce.sgd_thermodynamics import _epoch_config, settings

    data = load_digits(seed=20251003)
    parts = dict(train=0.0, full=0.0, draws=0.0, eval=0.0, epoch=0.0)
    for m, cfg in settings(quick).items():
        spec, T, K = cfg.spec(data), cfg.measured_steps().size, cfg.trials
        s = spec.sizes
        fwd = 2.0 * sum(s[i] * s[i + 1] for i in range(len(s) - 1))
        parts["train"] += cfg.steps * K * _step_flops(spec, m)
        parts["full"] += T * K * _step_flops(spec, data.n_train)
        parts["draws"] += (cfg.draws - 1) * T * K * _step_flops(spec, m)
        parts["eval"] += (cfg.steps // cfg.eval_every + 1) * K * fwd * data.x_test.shape[0]
    ep = _epoch_config(quick)
    n_small = 200  # the epoch run's training subset (250 examples, 20 % held out)
    spec = ep.spec(data)
    parts["epoch"] = ep.trials * (ep.steps * _step_flops(spec, ep.batch_size)
                                  + ep.measured_steps().size * _step_flops(spec, n_small))
    return parts


def _floor_row(quick: bool, peak: float) -> dict:
    parts = sgd_section_flops(quick)
    total = sum(parts.values())
    floor = total / (peak * 1e9)
    budget = 30.0 if quick else 150.0
    return row("reproduce/sgd_floor", floor / budget, 1.0, higher_is_better=False, floor_cpu_s=round(floor, 1),
               budget_cpu_s=budget, peak_gemm_gflops=peak, tflop=round(total / 1e12, 3),
               **{f"{k}_tflop": round(v / 1e12, 3) for k, v in parts.items()})


def run(size: str = "quick") -> list[dict]:
    from thermolearn.numeric.sgd import load_digits

    data = load_digits(seed=0)
    rows = []
    with _blas_one_thread():
        peak = _peak_gemm_gflops(256 if size == "tiny" else 1024)
        bandwidth = _bandwidth_gbs()
        for K, width, m, steps in _STEP_CASES[size]:
            rows.append(_step_row(data, K, width, m, steps, peak, bandwidth))
        rows.append(_full_batch_row(data, size, peak))
        cases = _run_cases(size)
        runs = {name: _run_row(data, name, cfg, _RUN_SIZES[size][4]) for name, cfg in cases.items()}
        _amdahl_ceiling(runs, data, cases["measure"], _RUN_SIZES[size][4])
        rows += list(runs.values())
    if size != "tiny":
        rows.append(_floor_row(size == "quick", peak))
        rows += main_job(quick=size == "quick")
    return rows


def _cpu() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main_job(quick: bool, papers=None) -> list[dict]:
    """CPU and wall time of the whole reproduction (all papers unless ``papers``), one run."""
    import os

    from thermolearn.reproduce import PAPERS, run_papers

    names = list(PAPERS) if papers is None else list(papers)
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = _cpu(), time.perf_counter()
        checks = run_papers(names, Path(tmp), quick=quick, seed=20251003)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
    common = dict(quick=quick, papers=names, checks_passed=sum(c.passed for c in checks), checks=len(checks),
                  cpu_s=round(cpu, 1), wall_s=round(wall, 1), load_average_before=load0,
                  load_average_after=os.getloadavg()[0], cores=os.cpu_count())
    cpu_budget = 30.0 if quick else 150.0
    rows = [row("reproduce/cpu", cpu / cpu_budget, 1.0, higher_is_better=False, budget_cpu_s=cpu_budget, **common)]
    if not quick:
        rows.append(row("reproduce/wall", wall / 120.0, 1.0, higher_is_better=False, budget_wall_s=120.0, **common))
    return rows
