"""The compiled register-tiled SGD step (m ≥ 2) against the numpy reference path."""

import numpy as np
import pytest

from thermolearn.numeric.sgd import MLPSpec, Workspace, init_ensemble, sgd_step
from thermolearn.numeric.sgd import _kernel, _tiled
from thermolearn.numeric.sgd._mlp import _gradient

from tests.tolerances import MACHINE_RTOL, SGD_KERNEL_RTOL

needs_kernel = pytest.mark.skipif(_tiled.tiled_kernel(np.float32) is None, reason="no C compiler: numpy path only")


def _max_abs(grads, to_grad):
    return np.max([np.abs(g.reshape(g.shape[0], -1)).max(axis=1) for g in grads], axis=0) * to_grad


def _run(params, xs, ys, kind, r, numpy_path):
    """(loss, exact max |∇U_b|) of consecutive steps applied in place to ``params``."""
    out, ws = [], Workspace()
    for x, y in zip(xs, ys):
        if numpy_path:
            with _kernel.numpy_only():
                grads, loss, _, to_grad = sgd_step(params, x, y, kind, r, ws)
            out.append((loss, _max_abs(grads, to_grad), to_grad))
        else:
            grads, loss, bound, to_grad = sgd_step(params, x, y, kind, r, ws)
            assert grads is None  # nothing materialised: the bound is the exact maximum
            out.append((loss, bound, to_grad))
    return out


def _case(dtype, kind, width, m, seed, steps=12, K=3):
    spec = MLPSpec(19, 10, width=width, activation=kind)
    start = [p.astype(dtype) for p in init_ensemble(spec, [np.random.default_rng(seed + k) for k in range(K)])]
    g = np.random.default_rng(seed + 50)
    xs = (g.random((steps, K, m, 19)) * (g.random((steps, K, m, 19)) < 0.6)).astype(dtype)
    ys = g.integers(0, 10, (steps, K, m))
    return start, xs, ys


@needs_kernel
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("width, m", [(24, 10), (37, 2), (37, 7), (53, 13), (16, 5), (29, 9), (24, 6), (37, 33),
                                      (16, 48)])
def test_tiled_step_follows_the_numpy_trajectory(dtype, kind, width, m):
    """12 steps of K = 3 networks 19 → w → w → w → 10, a third of the inputs exactly 0.

    Widths and batch sizes cover every tile edge: 2-vector column tiles, the
    1-vector tile and the zero-padded column tail (29, 37, 53, 19 inputs, 10
    classes); forward row tiles of 5 with each remainder 4, 3, 2, 1 (m = 9,
    13, 7, 6) and none (5, 10); backward tiles of 2 examples with the odd
    one; panels of 5 rows of W, then 4 (19, 24, 29), then single rows (16,
    37, 53); the narrow output layer; from m = 32 on the backward product
    through a transposed copy of W, in 8 × 8 blocks with row and column
    remainders (37, m = 33) and without (16, m = 48).
    Tolerance: rounding of another summation order grown over the steps.
    """
    rtol = SGD_KERNEL_RTOL[dtype]
    start, xs, ys = _case(dtype, kind, width, m, seed=width + m)
    ref, got = [p.copy() for p in start], [p.copy() for p in start]
    expected = _run(ref, xs, ys, kind, 0.1, numpy_path=True)
    result = _run(got, xs, ys, kind, 0.1, numpy_path=False)
    for (l0, b0, c0), (l1, b1, c1) in zip(expected, result):
        assert c0 == c1
        np.testing.assert_allclose(l1, l0, rtol=rtol)
        np.testing.assert_allclose(b1, b0, rtol=rtol)
        assert l1.dtype == l0.dtype and b1.dtype == np.float64
    moved = min(float(np.abs(u - v).max()) for u, v in zip(ref, start))
    assert moved > 100 * rtol  # every layer (weights and biases) moved: the comparison below has teeth
    for u, v in zip(got, ref):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * 1e-2)


@needs_kernel
def test_tiled_step_is_the_gradient_step_of_the_minibatch_mean():
    """One float64 step against θ − r ∇U_b from :func:`ensemble_gradient`'s path (per trial, exact)."""
    start, xs, ys = _case("float64", "relu", 29, 6, seed=3, steps=1)
    got = [p.copy() for p in start]
    _, loss, bound, to_grad = sgd_step(got, xs[0], ys[0], "relu", 0.3, Workspace())
    for k in range(3):
        one = [p[k:k + 1] for p in start]
        g = _gradient(one, xs[0, k], ys[0, k], "relu")
        assert loss[k] == pytest.approx(g.loss[0], rel=MACHINE_RTOL)
        assert bound[k] == pytest.approx(_max_abs(g.grads, 1.0)[0], rel=MACHINE_RTOL)
        for u, v, gr in zip(got, start, g.grads):
            np.testing.assert_allclose(u[k], v[k] - 0.3 * gr[0], rtol=MACHINE_RTOL, atol=1e-15)
    assert to_grad == 1 / 0.3


@needs_kernel
def test_a_non_finite_weight_gives_a_non_finite_bound():
    """NaN propagates to the divergence bound (as numpy's max), so a run stops at that step."""
    start, xs, ys = _case("float32", "relu", 24, 4, seed=1, steps=1)
    start[4][1, 3, 5] = np.nan  # trial 1, third weight matrix
    _, loss, bound, _ = sgd_step(start, xs[0], ys[0], "relu", 0.1, Workspace())
    assert np.isnan(bound[1]) and np.isnan(loss[1])
    assert np.all(np.isfinite(bound[[0, 2]]))


def test_without_the_kernel_the_numpy_path_runs(monkeypatch):
    """No compiler (no kernel): sgd_step at m ≥ 2 gives exactly the numpy path, with its gradients."""
    start, xs, ys = _case("float64", "relu", 7, 4, seed=2, steps=1)
    p, q = [a.copy() for a in start], [a.copy() for a in start]
    with _kernel.numpy_only():
        expected = sgd_step(p, xs[0], ys[0], "relu", 0.1, Workspace())
    monkeypatch.setattr(_tiled, "tiled_kernel", lambda dtype, multi=False: None)
    got = sgd_step(q, xs[0], ys[0], "relu", 0.1, Workspace())
    assert got[0] is not None
    for u, v in zip(q, p):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(got[2], expected[2])


def test_inputs_the_kernel_cannot_read_are_declined():
    """Wrong dtype, strided input, mismatched shapes or out-of-range labels: left to numpy (None)."""
    start, xs, ys = _case("float32", "relu", 7, 4, seed=2, steps=1)
    x, y = xs[0], ys[0]
    assert _tiled.step_tiled(start, x.astype(np.float64), y, "relu", 0.1, Workspace()) is None
    wide = np.zeros((3, 4, 38), np.float32)
    assert _tiled.step_tiled(start, wide[:, :, ::2], y, "relu", 0.1, Workspace()) is None
    assert _tiled.step_tiled(start, x[:2].copy(), y[:2], "relu", 0.1, Workspace()) is None
    assert _tiled.step_tiled(start, x, y[:, :3], "relu", 0.1, Workspace()) is None
    assert _tiled.step_tiled(start, x, np.full_like(y, 10), "relu", 0.1, Workspace()) is None
    assert _tiled.step_tiled(start, x, np.full_like(y, -1), "relu", 0.1, Workspace()) is None
    with pytest.raises(IndexError):  # the numpy path reports the bad label
        sgd_step(start, x, np.full_like(y, 10), "relu", 0.1, Workspace())
