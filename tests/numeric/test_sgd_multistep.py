"""S consecutive SGD steps in one call (:func:`sgd_steps`) against S single steps, and the experiment using it."""

from dataclasses import replace

import numpy as np
import pytest

from thermolearn.numeric.sgd import (MLPSpec, SGDNoiseConfig, Workspace, init_ensemble, initial_state, load_digits,
                                     run_trials)
from thermolearn.numeric.sgd import _experiment, _kernel, _tiled
from thermolearn.numeric.sgd._mlp import max_abs, sgd_step, sgd_steps
from thermolearn.numeric.sgd._tiled import TILED_BATCH_SIZES, TILED_MULTI_BATCH_SIZES
from thermolearn.theory import ParameterError

from tests.tolerances import SGD_KERNEL_RTOL

needs_kernel = pytest.mark.skipif(_tiled.tiled_kernel(np.float32) is None or _kernel.rank1_kernel(np.float32) is None,
                                  reason="no C compiler: numpy path only")


def _case(dtype, kind, width, m, seed, S=9, K=3, N=40):
    """Networks 19 → w → w → w → 10, a training set with a third of its inputs exactly 0, S minibatches."""
    spec = MLPSpec(19, 10, width=width, activation=kind)
    start = [p.astype(dtype) for p in init_ensemble(spec, [np.random.default_rng(seed + k) for k in range(K)])]
    g = np.random.default_rng(seed + 50)
    x = (g.random((N, 19)) * (g.random((N, 19)) < 0.6)).astype(dtype)
    return start, x, g.integers(0, 10, N), g.integers(0, N, (S, K, m))


def _single_steps(params, x, y, idx, kind, r, numpy_path=False):
    """(loss, bound) (S, K) of S calls of sgd_step, the bound exact (from the gradients on the numpy path)."""
    ws, out = Workspace(), []
    for s in range(idx.shape[0]):
        if numpy_path:
            with _kernel.numpy_only():
                grads, loss, bound, to_grad = sgd_step(params, x[idx[s]], y[idx[s]], kind, r, ws)
            if grads is not None:  # m = 1 takes the in-place rank-1 update, whose bound is exact
                bound = max_abs(grads) * to_grad
        else:
            grads, loss, bound, _ = sgd_step(params, x[idx[s]], y[idx[s]], kind, r, ws)
            assert grads is None  # the compiled single step: its bound is exact
        out.append((loss, bound))
    return np.stack([o[0] for o in out]), np.stack([o[1] for o in out])


def _tiled_single_steps(params, x, y, idx, kind, r):
    """(loss, bound) of S one-step calls of the compiled tiled kernel (any m)."""
    ws, m = Workspace(), idx.shape[2]
    out = [_tiled.step_tiled(params, np.ascontiguousarray(x[idx[s]]), y[idx[s]], kind, r / m, ws)
           for s in range(idx.shape[0])]
    return np.stack([o[0] for o in out]), np.stack([o[1] for o in out]) / r


def _tiled_multi_steps(params, x, y, idx, kind, r):
    """(loss, bound) of one S-step call of the compiled tiled kernel (any m)."""
    loss, gmax = _tiled.steps_tiled(params, x, idx, y[idx], kind, r / idx.shape[2], Workspace())
    return loss, gmax / r


@needs_kernel
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("width, m", [(24, 1), (37, 1), (24, 10), (37, 2), (37, 7), (53, 13), (16, 5), (16, 100)])
def test_multi_step_kernel_is_bitwise_the_single_steps(dtype, kind, width, m):
    """One compiled S-step call gives bitwise the weights, losses and exact maxima of S single-step calls.

    m = 1 (rank-1 kernel) and tiled m with every row-tile remainder of the
    forward (5) and backward (2) tiles, column tails (37, 53), and m = 100
    (not a single-step size of sgd_step: the kernel's S-step function
    against its one-step function; its backward takes the transposed-copy
    product); the same compiled per-trial step on the same numbers, so
    equality is exact.
    """
    start, x, y, idx = _case(dtype, kind, width, m, seed=width + m)
    one, many = [p.copy() for p in start], [p.copy() for p in start]
    if m not in TILED_BATCH_SIZES:  # sgd_step is not compiled: the kernel's S-step function against its one-step one
        l0, b0 = _tiled_single_steps(one, x, y, idx, kind, 0.1)
        l1, b1 = _tiled_multi_steps(many, x, y, idx, kind, 0.1)
    else:
        l0, b0 = _single_steps(one, x, y, idx, kind, 0.1)
        l1, b1 = sgd_steps(many, x, y, idx, kind, 0.1, Workspace())
    np.testing.assert_array_equal(l1, l0)
    np.testing.assert_array_equal(b1, b0)
    for u, v, w in zip(many, one, start):
        assert not np.array_equal(v, w)  # every layer moved: the comparison has teeth
        np.testing.assert_array_equal(u, v)


@needs_kernel
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("m", [1, 7, 100])
def test_multi_step_kernel_follows_the_numpy_trajectory(dtype, kind, m):
    """The compiled S steps against S numpy-path steps: to the rounding of another summation order."""
    rtol = SGD_KERNEL_RTOL[dtype]
    start, x, y, idx = _case(dtype, kind, 29, m, seed=3 + m)
    ref, got = [p.copy() for p in start], [p.copy() for p in start]
    l0, b0 = _single_steps(ref, x, y, idx, kind, 0.1, numpy_path=True)
    if m not in TILED_MULTI_BATCH_SIZES:
        l1, b1 = _tiled_multi_steps(got, x, y, idx, kind, 0.1)
    else:
        l1, b1 = sgd_steps(got, x, y, idx, kind, 0.1, Workspace())
    np.testing.assert_allclose(l1, l0, rtol=rtol)
    np.testing.assert_allclose(b1, b0, rtol=rtol)
    for u, v in zip(got, ref):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("m", [1, 7, 100, 101])
def test_numpy_path_is_the_single_steps(m):
    """Without the kernel (and at m beyond TILED_MULTI_BATCH_SIZES, not compiled) sgd_steps is S sgd_step calls:
    bitwise."""
    start, x, y, idx = _case("float32", "relu", 16, m, seed=m, S=4, N=120)
    one, many = [p.copy() for p in start], [p.copy() for p in start]
    with _kernel.numpy_only():
        ws = Workspace()
        expected = [sgd_step(one, x[idx[s]], y[idx[s]], "relu", 0.1, ws)[1] for s in range(4)]
    if not (m == 1 or m in TILED_MULTI_BATCH_SIZES):  # no compiled S-step function for this m
        loss, _ = sgd_steps(many, x, y, idx, "relu", 0.1, Workspace())
    else:
        with _kernel.numpy_only():
            loss, _ = sgd_steps(many, x, y, idx, "relu", 0.1, Workspace())
    np.testing.assert_array_equal(loss, np.stack(expected))
    for u, v in zip(many, one):
        np.testing.assert_array_equal(u, v)


def test_numpy_path_bound_is_exact_where_it_reaches_the_threshold():
    """On the numpy path the cheap bound is replaced by the exact maximum at the steps where it reaches max_grad."""
    start, x, y, idx = _case("float64", "relu", 16, 7, seed=4, S=6)
    with _kernel.numpy_only():
        _, exact = _single_steps([p.copy() for p in start], x, y, idx, "relu", 0.1, numpy_path=True)
        _, cheap = sgd_steps([p.copy() for p in start], x, y, idx, "relu", 0.1, Workspace())
        assert np.all(cheap > 1.5 * exact)  # the bound is loose here: the replacement is visible
        threshold = float(np.median(cheap.max(axis=1)))
        _, got = sgd_steps([p.copy() for p in start], x, y, idx, "relu", 0.1, Workspace(), max_grad=threshold)
    over = cheap.max(axis=1) >= threshold
    assert 0 < over.sum() < over.size
    np.testing.assert_array_equal(got[~over], cheap[~over])  # below the threshold: the cheap bound stays
    np.testing.assert_allclose(got[over], exact[over], rtol=1e-12)  # the same gradients, reduced again


def test_inputs_the_multi_step_kernel_cannot_read_are_declined():
    """Indices or labels out of range, another dtype or a strided training set: None (numpy reports them)."""
    start, x, y, idx = _case("float32", "relu", 8, 3, seed=1, S=2)
    for steps, m in ((_tiled.steps_tiled, 3), (_kernel.steps_rank1, 1)):
        i = idx[..., :m]
        scale = 0.1 / m
        assert steps(start, x.astype(np.float64), i, y[i], "relu", scale, Workspace()) is None
        assert steps(start, np.repeat(x, 2, axis=1)[:, ::2], i, y[i], "relu", scale, Workspace()) is None
        assert steps(start, x, i + x.shape[0], y[i], "relu", scale, Workspace()) is None
        assert steps(start, x, i, y[i] + 10, "relu", scale, Workspace()) is None
        assert steps(start, x, i, y[i], "relu", scale, Workspace()) is not None or _tiled.tiled_kernel(np.float32) is None
    with pytest.raises(IndexError):
        sgd_steps([p.copy() for p in start], x, y, idx + x.shape[0], "relu", 0.1, Workspace())
    with pytest.raises(ParameterError, match="learning_rate"):
        sgd_steps(start, x, y, idx, "relu", 0.0, Workspace())


@pytest.mark.parametrize("m", [1, 4])
def test_without_the_kernel_sgd_steps_takes_the_numpy_path(monkeypatch, m):
    """A failed build (no library) for either kernel: sgd_steps gives exactly the numpy path's steps."""
    start, x, y, idx = _case("float64", "relu", 7, m, seed=2, S=3)
    p, q = [a.copy() for a in start], [a.copy() for a in start]
    with _kernel.numpy_only():
        expected = sgd_steps(p, x, y, idx, "relu", 0.1, Workspace())
    monkeypatch.setattr(_tiled, "_library", lambda: None)
    monkeypatch.setattr(_kernel, "_library", lambda: None)
    assert _tiled.tiled_kernel(np.float64, multi=True) is None and _kernel.rank1_kernel(np.float64, multi=True) is None
    got = sgd_steps(q, x, y, idx, "relu", 0.1, Workspace())
    for u, v in zip(q, p):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def _cfg(**kw):
    base = dict(batch_size=5, learning_rate=0.05, steps=60, trials=4, width=16, depth=3, measure_every=25, t0=30,
                max_lag=3, eval_every=20, dtype="float32")
    base.update(kw)
    return SGDNoiseConfig(**base)


@pytest.mark.parametrize("m", [1, 5])
def test_chunked_training_is_bitwise_the_step_by_step_run(digits, monkeypatch, m):
    """run_trials with the steps between measured/evaluated steps in one call equals one call per step.

    Chunks end at the measured steps (0, 25, 30..33, 50) and the evaluations
    (every 20) and at ``_CHUNK_STEPS``; every statistic, the tracked weight
    and the accuracies are bitwise those of single steps.
    """
    cfg = _cfg(batch_size=m)
    chunked = run_trials(digits, cfg, seed=3)
    monkeypatch.setattr(_experiment, "_CHUNK_STEPS", 1)
    single = run_trials(digits, cfg, seed=3)
    assert not chunked.diverged and chunked.completed_steps == single.completed_steps == 60
    for name in ("steps", "noise_var", "predicted_var", "max_full_grad", "full_loss", "lag_products", "eval_steps",
                 "test_accuracy", "tracked_param"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(single, name), err_msg=name)


@pytest.mark.parametrize("m", [1, 5, 100])
def test_divergence_inside_a_chunk_is_reported_at_its_step(digits, monkeypatch, m):
    """A threshold first reached in the middle of a chunk stops the run at that step, in that trial.

    The per-step exact maxima of an undisturbed run are recorded; the
    threshold is set between the running maximum before a later step t* of
    the chunk 1..19 and that step's maximum, so t* is the first step at or
    above it.
    """
    cfg = _cfg(batch_size=m, learning_rate=1.0, steps=40, measure_every=100, t0=0, max_lag=0, eval_every=20,
               max_grad=1e30)
    params, rngs = initial_state(digits, cfg, seed=1)
    i0 = next(_experiment._batches(rngs, digits.n_train, m, 1, True))
    grads, _, bound, to_grad = sgd_step(params, digits.x_train[i0].astype(np.float32), digits.y_train[i0], "relu",
                                        1.0, Workspace(), apply=False)
    g0 = float((max_abs(grads) * to_grad).max())  # step 0 (measured, not in a chunk)
    seen = []
    real = _experiment.sgd_steps

    def record(*args, **kwargs):  # max_grad=0: exact maxima on the numpy path (m = 100) too
        loss, gmax = real(*args, **{**kwargs, "max_grad": 0.0})
        seen.append(gmax.copy())
        return loss, gmax

    monkeypatch.setattr(_experiment, "sgd_steps", record)
    run_trials(digits, cfg, seed=1)
    monkeypatch.setattr(_experiment, "sgd_steps", real)
    first = seen[0]  # steps 1..19: step 0 is measured
    assert first.shape == (19, cfg.trials)
    peak = first.max(axis=1)
    records = [s for s in range(1, first.shape[0] - 1) if peak[s] > max(peak[:s].max(), g0)]
    assert records, peak  # a step that raises the running maximum, not the chunk's last
    s = records[0]
    threshold = float(np.sqrt(max(peak[:s].max(), g0) * peak[s]))
    assert np.any(first[s + 1:] >= threshold)  # later steps are over it too: the first one must be reported
    res = run_trials(digits, replace(cfg, max_grad=threshold), seed=1)
    t_star, k = 1 + s, int(np.argmax(first[s] >= threshold))
    assert res.diverged and res.completed_steps == t_star, res.message
    assert res.message.startswith(f"SGD diverged at step {t_star} in trial {k}:"), res.message
    assert res.eval_steps.tolist() == [0]
