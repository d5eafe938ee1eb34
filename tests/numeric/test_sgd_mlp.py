"""The vectorised MLP ensemble: gradients, per-sample norms, architecture."""

import numpy as np
import pytest

from thermolearn.numeric.sgd import MLPSpec, Workspace, ensemble_gradient, ensemble_predict, init_ensemble, sgd_step
from thermolearn.theory import ParameterError

from tests.tolerances import MACHINE_RTOL


def _setup(kind, K=3, n=9, seed=0):
    spec = MLPSpec(4, 3, width=6, depth=3, activation=kind)
    params = init_ensemble(spec, [np.random.default_rng(seed + k) for k in range(K)])
    g = np.random.default_rng(seed + 100)
    return spec, params, g.standard_normal((n, 4)), g.integers(0, 3, n)


def _loss_one(params, k, x, y, kind):
    """Reference: one network, one example at a time, plain Python loops."""
    total = 0.0
    L = len(params) // 2
    for xn, yn in zip(x, y):
        a = xn
        for i in range(L):
            h = a @ params[2 * i][k] + params[2 * i + 1][k]
            a = (np.maximum(h, 0) if kind == "relu" else np.tanh(h)) if i < L - 1 else h
        total += np.log(np.exp(a - a.max()).sum()) + a.max() - a[yn]
    return total / len(y)


@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences(kind, seed):
    _, params, x, y = _setup(kind, seed=seed)
    g = ensemble_gradient(params, x, y, kind)
    rng = np.random.default_rng(seed)
    h = 1e-6
    for _ in range(6):
        j = int(rng.integers(len(params)))
        idx = tuple(int(rng.integers(s)) for s in params[j].shape)
        k = idx[0]
        plus = [p.copy() for p in params]
        minus = [p.copy() for p in params]
        plus[j][idx] += h
        minus[j][idx] -= h
        fd = (_loss_one(plus, k, x, y, kind) - _loss_one(minus, k, x, y, kind)) / (2 * h)
        # central differences: truncation O(h²)·|f'''| and round-off O(eps/h) ≈ 1e-10
        assert g.grads[j][idx] == pytest.approx(fd, abs=1e-7)
    # the loss itself against the reference loop
    for k in range(3):
        assert g.loss[k] == pytest.approx(_loss_one(params, k, x, y, kind), rel=MACHINE_RTOL)


@pytest.mark.parametrize("kind", ["relu", "tanh"])
def test_per_sample_norm_factorisation_equals_explicit_per_sample_gradients(kind):
    _, params, x, y = _setup(kind, n=7)
    g = ensemble_gradient(params, x, y, kind, per_sample=True)
    brute = np.zeros(3)
    for n in range(7):
        gn = ensemble_gradient(params, x[n:n + 1], y[n:n + 1], kind)
        brute += sum((a.reshape(3, -1) ** 2).sum(axis=1) for a in gn.grads)
    np.testing.assert_allclose(g.sq_norm_sum, brute, rtol=MACHINE_RTOL)


def test_blocked_full_gradient_equals_unblocked_and_per_trial_minibatches():
    _, params, x, y = _setup("relu", n=11)
    a = ensemble_gradient(params, x, y, per_sample=True)
    b = ensemble_gradient(params, x, y, per_sample=True, block=4)
    for u, v in zip(a.grads, b.grads):
        np.testing.assert_allclose(u, v, rtol=MACHINE_RTOL, atol=1e-15)
    np.testing.assert_allclose(a.sq_norm_sum, b.sq_norm_sum, rtol=MACHINE_RTOL)
    # per-trial input (K, n, d) with the same data in every row = shared input
    c = ensemble_gradient(params, np.broadcast_to(x, (3,) + x.shape), np.broadcast_to(y, (3, 11)))
    for u, v in zip(a.grads, c.grads):
        np.testing.assert_allclose(u, v, rtol=MACHINE_RTOL, atol=1e-15)


def test_dim_theta_counts_the_parameter_arrays_and_predict_shape():
    spec = MLPSpec(64, 10, width=20, depth=4)
    params = init_ensemble(spec, [np.random.default_rng(0), np.random.default_rng(1)])
    assert sum(p[0].size for p in params) == spec.dim_theta == 64 * 20 + 20 + 2 * (20 * 20 + 20) + 20 * 10 + 10
    assert ensemble_predict(params, np.zeros((5, 64))).shape == (2, 5)


@pytest.mark.parametrize("kw", [{"width": 0}, {"depth": 0}, {"activation": "sigmoid"}, {"n_out": 1}, {"width": 2.5}])
def test_bad_architecture_is_rejected(kw):
    args = {"n_in": 4, "n_out": 3, **kw}
    with pytest.raises(ParameterError):
        MLPSpec(**args)


def _minibatches(K, m, seed):
    g = np.random.default_rng(seed)
    return g.standard_normal((K, m, 4)), g.integers(0, 3, (K, m))


@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("m", [1, 5])
def test_sgd_step_gradient_and_fused_update(kind, m):
    """sgd_step against ensemble_gradient run one trial and one example at a time.

    The reference takes the shared-input path (2-D x, matmul with the
    example axis), the step under test the per-trial path (outer products
    at m = 1), so the two share no gradient arithmetic beyond the layer
    formulas.
    """
    _, params, _, _ = _setup(kind)
    x, y = _minibatches(3, m, seed=4 + m)
    ref = []
    for k in range(3):
        one = [p[k:k + 1] for p in params]
        per_example = [ensemble_gradient(one, x[k, n:n + 1], y[k, n:n + 1], kind).grads for n in range(m)]
        ref.append([sum(g[j] for g in per_example)[0] / m for j in range(len(params))])
    expected = [np.stack([ref[k][j] for k in range(3)]) for j in range(len(params))]

    before = [p.copy() for p in params]
    ws = Workspace()
    sgd_step(params, x, y, kind, 0.3, ws, apply=False)
    for key, arr in ws._a.items():  # stale buffer contents must never reach a result
        if key[0] != "ones":
            arr.fill(np.nan)
    grads, loss, bound, to_grad = sgd_step(params, x, y, kind, 0.3, ws, apply=False)
    for u, v in zip(grads, expected):
        np.testing.assert_allclose(u * to_grad, v, rtol=MACHINE_RTOL, atol=1e-14)
    for u, v in zip(params, before):
        np.testing.assert_array_equal(u, v)  # apply=False leaves θ alone
    for k in range(3):
        one = [p[k:k + 1] for p in params]
        assert loss[k] == pytest.approx(_loss_one(one, 0, x[k], y[k], kind), rel=MACHINE_RTOL)
    # the divergence bound: max component <= Euclidean norm <= bound
    norm = np.sqrt(sum((v.reshape(3, -1) ** 2).sum(axis=1) for v in expected))
    assert np.all(norm <= bound * (1 + 1e-12))
    if m == 1:  # one example: the bound is the norm itself
        np.testing.assert_allclose(bound, norm, rtol=1e-12)

    grads, loss2, _, to_grad = sgd_step(params, x, y, kind, 0.3, Workspace(), apply=True)
    np.testing.assert_allclose(loss2, loss, rtol=MACHINE_RTOL)  # loss at θ before the step
    for u, v, g in zip(params, before, expected):
        np.testing.assert_allclose(u, v - 0.3 * g, rtol=MACHINE_RTOL, atol=1e-14)


def test_sgd_step_refuses_to_apply_a_zero_learning_rate():
    _, params, _, _ = _setup("relu")
    x, y = _minibatches(3, 2, seed=0)
    with pytest.raises(ParameterError, match="learning_rate > 0"):
        sgd_step(params, x, y, "relu", 0.0, Workspace(), apply=True)


@pytest.mark.parametrize("kind", ["relu", "tanh"])
def test_blocked_gradient_in_a_poisoned_workspace_equals_the_plain_one(kind):
    from thermolearn.numeric.sgd._mlp import _gradient

    _, params, x, y = _setup(kind, n=11)
    plain = ensemble_gradient(params, x, y, kind, per_sample=True)
    ws = Workspace()
    _gradient(params, x, y, kind, per_sample=True, block=4, ws=ws)
    for key, arr in ws._a.items():
        if key[0] != "ones":
            arr.fill(np.nan)
    again = _gradient(params, x, y, kind, per_sample=True, block=4, ws=ws)
    for u, v in zip(again.grads, plain.grads):
        np.testing.assert_allclose(u, v, rtol=MACHINE_RTOL, atol=1e-15)
    np.testing.assert_allclose(again.sq_norm_sum, plain.sq_norm_sum, rtol=MACHINE_RTOL)
    np.testing.assert_allclose(again.loss, plain.loss, rtol=MACHINE_RTOL)


def _general_steps(params, xs, ys, kind, r):
    """Reference trajectory: the materialised gradient (apply=False), then θ ← θ − r∇U_b."""
    bounds = []
    for x, y in zip(xs, ys):
        grads, _, _, to_grad = sgd_step(params, x, y, kind, r, Workspace(), apply=False)
        bounds.append(np.max([np.abs(g.reshape(g.shape[0], -1)).max(axis=1) for g in grads], axis=0) * to_grad)
        for p, g in zip(params, grads):
            p -= r * to_grad * g
    return bounds


@pytest.mark.parametrize("path", ["compiled", "blas"])
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 5e-5)])
@pytest.mark.parametrize("kind", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank1_step_follows_the_general_trajectory(dtype, rtol, kind, seed, path):
    """m = 1 with apply: the in-place rank-1 update gives the general path's weights to rounding.

    Both rank-1 paths: the compiled kernel (where a C compiler is present)
    and BLAS ``?ger``.  30 steps, several seeds; the tolerance is rounding
    grown over the trajectory (float64: 1e-10; float32: 5e-5, about 400
    float32 ulps: measured up to 3.2e-5 on the bound for the compiled
    kernel, whose FMA and summation order differ; a wrong formula errs by
    O(1)).  The returned bound is the exact largest gradient component.
    """
    import contextlib

    from thermolearn.numeric.sgd import _kernel

    if path == "compiled" and _kernel.rank1_kernel(dtype) is None:
        pytest.skip("no C compiler: numpy path only")
    with _kernel.numpy_only() if path == "blas" else contextlib.nullcontext():
        _rank1_trajectory(dtype, rtol, kind, seed)


def _rank1_trajectory(dtype, rtol, kind, seed):
    _, params, _, _ = _setup(kind, K=4, seed=seed)
    params = [p.astype(dtype) for p in params]
    ref = [p.copy() for p in params]
    g = np.random.default_rng(seed + 7)
    xs = g.standard_normal((30, 4, 1, 4)).astype(dtype)
    ys = g.integers(0, 3, (30, 4, 1))
    expected_bounds = _general_steps(ref, xs, ys, kind, 0.2)
    ws = Workspace()
    for x, y, eb in zip(xs, ys, expected_bounds):
        grads, _, bound, _ = sgd_step(params, x, y, kind, 0.2, ws)
        assert grads is None  # nothing materialised
        np.testing.assert_allclose(bound, eb, rtol=rtol)
    for u, v in zip(params, ref):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * 1e-2)


def test_rank1_step_falls_back_on_non_contiguous_weights():
    """Weights BLAS cannot update in place (here Fortran-ordered per trial) take the general path."""
    _, params, _, _ = _setup("relu")
    ref = [p.copy() for p in params]
    params = [np.asfortranarray(p.transpose(0, 2, 1)).transpose(0, 2, 1) if p.ndim == 3 else p for p in params]
    x, y = _minibatches(3, 1, seed=3)
    grads, *_ = sgd_step(params, x, y, "relu", 0.2, Workspace())
    assert grads is not None
    _general_steps(ref, [x], [y], "relu", 0.2)
    for u, v in zip(params, ref):
        np.testing.assert_allclose(u, v, rtol=MACHINE_RTOL, atol=1e-15)
