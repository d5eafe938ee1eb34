"""The compiled m = 1 SGD step against the numpy reference path (same trajectory to rounding)."""

import numpy as np
import pytest

from thermolearn.numeric.sgd import MLPSpec, Workspace, init_ensemble, sgd_step
from thermolearn.numeric.sgd import _kernel

needs_kernel = pytest.mark.skipif(_kernel.rank1_kernel(np.float32) is None, reason="no C compiler: numpy path only")


def _trajectory(params, xs, ys, kind, r, numpy_path):
    """Losses and bounds of consecutive m = 1 steps applied in place to ``params``."""
    out, ws = [], Workspace()
    for x, y in zip(xs, ys):
        if numpy_path:
            with _kernel.numpy_only():
                out.append(sgd_step(params, x, y, kind, r, ws))
        else:
            out.append(sgd_step(params, x, y, kind, r, ws))
    return out


@needs_kernel
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 2e-5)])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1])
def test_kernel_follows_the_numpy_rank1_trajectory(dtype, rtol, kind, seed):
    """40 steps of K = 5 networks (64 → 24 → 24 → 24 → 10) with half the inputs exactly 0.

    The zeros exercise the kernel's skipped rows (blank pixels, inactive
    ReLU units).  Tolerance: rounding of a different summation order grown
    over the trajectory (float64 1e-10; float32 2e-5, ~100 ulps), as for the
    BLAS rank-1 path against the general one.
    """
    spec = MLPSpec(64, 10, width=24, activation=kind)
    start = [p.astype(dtype) for p in init_ensemble(spec, [np.random.default_rng(seed + k) for k in range(5)])]
    g = np.random.default_rng(seed + 50)
    xs = (g.random((40, 5, 1, 64)) * (g.random((40, 5, 1, 64)) < 0.5)).astype(dtype)
    ys = g.integers(0, 10, (40, 5, 1))
    ref, got = [p.copy() for p in start], [p.copy() for p in start]
    expected = _trajectory(ref, xs, ys, kind, 0.1, numpy_path=True)
    result = _trajectory(got, xs, ys, kind, 0.1, numpy_path=False)
    for (g0, l0, b0, c0), (g1, l1, b1, c1) in zip(expected, result):
        assert g0 is None and g1 is None and c0 == c1
        np.testing.assert_allclose(l1, l0, rtol=rtol)
        np.testing.assert_allclose(b1, b0, rtol=rtol)
        assert l1.dtype == l0.dtype and b1.dtype == b0.dtype == np.float64
    moved = max(float(np.abs(u - v).max()) for u, v in zip(ref, start))
    assert moved > 1e3 * rtol  # the steps changed the weights: the comparison below has teeth
    for u, v in zip(got, ref):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * 1e-2)


def test_without_the_kernel_the_numpy_path_runs(monkeypatch):
    """No compiler (no kernel): sgd_step at m = 1 gives exactly the numpy rank-1 path."""
    spec = MLPSpec(8, 3, width=5, depth=3)
    p = init_ensemble(spec, [np.random.default_rng(k) for k in range(3)])
    q = [a.copy() for a in p]
    g = np.random.default_rng(1)
    x, y = g.random((3, 1, 8)), g.integers(0, 3, (3, 1))
    with _kernel.numpy_only():
        expected = sgd_step(p, x, y, "relu", 0.1, Workspace())
    monkeypatch.setattr(_kernel, "rank1_kernel", lambda dtype, multi=False: None)
    got = sgd_step(q, x, y, "relu", 0.1, Workspace())
    for u, v in zip(q, p):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("library", ["rank1", "tiled"])
def test_a_failed_build_leaves_no_kernel(monkeypatch, tmp_path, library):
    """A compiler that fails (or is missing: OSError from the build helper) yields None, not an error: the
    m = 1 kernel and the tiled m = 2..50 kernel alike."""
    from thermolearn.numeric.sgd import _tiled
    from thermolearn.numeric.codegen import _build

    def broken(*args, **kwargs):
        raise OSError("C compiler 'cc' not found")

    monkeypatch.setattr(_build, "build_c_library", broken)
    monkeypatch.setattr(_kernel, "_cache_dir", lambda: tmp_path)
    assert {"rank1": _kernel, "tiled": _tiled}[library]._library.__wrapped__() is None


def test_integer_or_strided_inputs_are_declined():
    """Arrays the kernel cannot read in place (wrong dtype, non-contiguous) are left to numpy."""
    spec = MLPSpec(8, 3, width=5, depth=3)
    p = [a.astype(np.float32) for a in init_ensemble(spec, [np.random.default_rng(k) for k in range(2)])]
    x = np.ones((2, 1, 8), np.float64)  # dtype differs from the weights
    assert _kernel.step_rank1(p, x, np.zeros((2, 1), int), "relu", 0.1, Workspace()) is None
    xs = np.ones((2, 1, 16), np.float32)[:, :, ::2]  # strided
    assert _kernel.step_rank1(p, xs, np.zeros((2, 1), int), "relu", 0.1, Workspace()) is None


def test_cached_kernels_load_without_the_codegen_package():
    """A cached kernel library loads without importing numeric.codegen (which loads sympy): the suffix agrees."""
    import subprocess
    import sys

    from thermolearn.numeric.codegen._build import SHARED_LIB_SUFFIX

    assert _kernel.LIB_SUFFIX == SHARED_LIB_SUFFIX
    if _kernel.rank1_kernel(np.float32) is None:
        pytest.skip("no C compiler: nothing cached")
    code = ("import sys; from thermolearn.numeric.sgd import _kernel, _tiled; "
            "assert _kernel._library() is not None and _tiled._library() is not None; "
            "print('thermolearn.numeric.codegen' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
