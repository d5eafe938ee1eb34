"""The compiled full-batch pass (gradient, loss, per-example squared norms) against the numpy reference path."""

import numpy as np
import pytest

from thermolearn.numeric.sgd import MLPSpec, Workspace, ensemble_predict, init_ensemble
from thermolearn.numeric.sgd import _kernel, _tiled
from thermolearn.numeric.sgd._mlp import _forward, _gradient

from tests.tolerances import SGD_FULL_BATCH_RTOL

needs_kernel = pytest.mark.skipif(_tiled.tiled_kernel(np.float32) is None, reason="no C compiler: numpy path only")


def _case(dtype, kind, width, depth, N, seed, K=3, d=19, C=10):
    spec = MLPSpec(d, C, width=width, depth=depth, activation=kind)
    params = [p.astype(dtype) for p in init_ensemble(spec, [np.random.default_rng(seed + k) for k in range(K)])]
    g = np.random.default_rng(seed + 50)
    # a third of the inputs exactly 0 (ReLU units at h = 0 exactly are masked in both paths)
    x = (g.random((N, d)) * (g.random((N, d)) < 0.6)).astype(dtype)
    return params, x, g.integers(0, C, N)


def _both(params, x, y, kind, block):
    with _kernel.numpy_only():
        ref = _gradient(params, x, y, kind, per_sample=True, block=64)
    got = _tiled.full_gradient_tiled(params, x, y, kind, Workspace(), block)
    assert got is not None
    return ref, got


@needs_kernel
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("width, depth, N, block", [(24, 4, 130, 128), (37, 3, 77, 16), (29, 4, 50, 7),
                                                    (16, 2, 33, 5), (53, 4, 21, 128), (8, 1, 40, 9),
                                                    (200, 4, 300, 128)])
def test_full_batch_pass_equals_the_numpy_path(dtype, kind, width, depth, N, block):
    """Gradient, mean loss and Σ_n ||∇ℓ_n||² of K = 3 networks 19 → w … → 10.

    Shapes cover the tiles' edges as the step's tests do (column tails of
    29, 37, 53, 19 inputs and 10 classes; row tiles with every remainder),
    blocks that divide N and that leave a last partial block (N = 130, 77,
    50, 33, 40, 300), a block larger than N, one layer only (no hidden
    delta) and the paper's width.  Tolerance: another summation order.
    """
    params, x, y = _case(dtype, kind, width, depth, N, seed=width + N)
    ref, (grads, loss, sq) = _both(params, x, y, kind, block)
    rtol = SGD_FULL_BATCH_RTOL[dtype]
    for u, v in zip(ref.grads, grads):
        assert v.dtype == u.dtype and v.shape == u.shape
        scale = np.abs(u).reshape(u.shape[0], -1).max(axis=1)
        err = np.abs(u - v).reshape(u.shape[0], -1).max(axis=1)
        assert np.all(err <= rtol * scale), (err / scale).max()
    np.testing.assert_allclose(loss, ref.loss, rtol=rtol)
    np.testing.assert_allclose(sq, ref.sq_norm_sum, rtol=rtol)


@needs_kernel
def test_full_batch_pass_reuses_its_workspace_and_leaves_the_parameters():
    """A second call in the same workspace (its blocks' buffers hold the last pass) gives the same numbers;
    the parameters are only read; returned gradients are fresh arrays."""
    params, x, y = _case("float32", "relu", 29, 4, 61, seed=3)
    before = [p.copy() for p in params]
    ws = Workspace()
    first = _tiled.full_gradient_tiled(params, x, y, "relu", ws, 8)
    second = _tiled.full_gradient_tiled(params, x, y, "relu", ws, 8)
    for u, v in zip(first[0], second[0]):
        assert u is not v
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(first[2], second[2])
    for p, q in zip(params, before):
        np.testing.assert_array_equal(p, q)


@needs_kernel
def test_full_batch_pass_declines_what_it_cannot_take():
    params, x, y = _case("float32", "relu", 16, 3, 20, seed=1)
    ws = Workspace()
    assert _tiled.full_gradient_tiled(params, x, np.full(20, 10), "relu", ws) is None  # label past the classes
    assert _tiled.full_gradient_tiled(params, x.astype(np.float64), y, "relu", ws) is None  # other dtype
    assert _tiled.full_gradient_tiled(params, np.asfortranarray(x), y, "relu", ws) is None
    with _kernel.numpy_only():
        assert _tiled.full_gradient_tiled(params, x, y, "relu", ws) is None


@needs_kernel
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("width, depth, N, block", [(37, 3, 77, 16), (29, 4, 50, 7), (8, 1, 40, 9), (200, 4, 300, 128)])
def test_compiled_prediction_equals_numpy_argmax(dtype, kind, width, depth, N, block):
    """The compiled forward's argmax against numpy's, on logits with every example's top two classes apart by
    more than rounding (checked), and numpy's tie and NaN rule: the first maximum, the first NaN."""
    params, x, _ = _case(dtype, kind, width, depth, N, seed=width + 2 * N)
    with _kernel.numpy_only():
        logits = _forward(params, x, kind)[0][-1]
        ref = ensemble_predict(params, x, kind)
    top2 = np.sort(logits, axis=-1)[..., -2:]
    assert np.all(top2[..., 1] - top2[..., 0] > 1e-4 * np.abs(top2[..., 1]))  # no near-ties: argmax is exact
    np.testing.assert_array_equal(_tiled.predict_tiled(params, x, kind, Workspace(), block), ref)
    np.testing.assert_array_equal(ensemble_predict(params, x, kind), ref)  # the public function takes it


@needs_kernel
def test_compiled_prediction_breaks_ties_and_nans_as_numpy():
    """Output layer only (depth 1, zero biases), rows built so the logits tie or hold NaN."""
    spec = MLPSpec(2, 4, width=3, depth=1)
    params = [p.astype(np.float32) for p in init_ensemble(spec, [np.random.default_rng(0)] * 2)]
    params[0][:] = np.array([[1.0, 1.0, 0.5, 1.0], [0.0, 0.0, 0.0, 0.0]], np.float32)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [np.nan, 0.0], [2.0, 0.0]], np.float32)
    params[0][1, 1, 3] = np.nan  # trial 1: a NaN in the last class for x[1]
    with _kernel.numpy_only():
        ref = ensemble_predict(params, x, "relu")
    np.testing.assert_array_equal(_tiled.predict_tiled(params, x, "relu", Workspace(), 3), ref)


@needs_kernel
def test_the_experiment_gradient_takes_the_compiled_pass():
    """_gradient with a shared x returns the compiled pass's numbers bitwise (here they differ from the numpy
    path's in the last bits, so the equality shows which path ran), whatever ``block`` says."""
    params, x, y = _case("float32", "relu", 200, 4, 300, seed=7)
    ref, (grads, loss, sq) = _both(params, x, y, "relu", _tiled.FULL_BLOCK)
    got = _gradient(params, x, y, "relu", per_sample=True, block=64, ws=Workspace())
    assert all(np.array_equal(u, v) for u, v in zip(got.grads, grads))
    np.testing.assert_array_equal(got.sq_norm_sum, sq)
    assert not all(np.array_equal(u, v) for u, v in zip(ref.grads, grads))
