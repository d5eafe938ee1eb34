"""SGD-noise statistics against their predictions (Entropy 26, 112 (2024), Sec. 4).

Small networks on subsets of the bundled digits keep every run under a few
seconds; every statistical criterion is N_SIGMA standard errors over the
independent trials (tests/tolerances.py), with a fixed seed.
"""

from dataclasses import replace

import numpy as np
import pytest

from thermolearn.numeric.sgd import (
    SGDNoiseConfig, batch_scaling, ensemble_gradient, initial_state, load_digits, make_dataset,
    reservoir_comparison, run_batch_sizes, run_ensemble, whiteness,
)
from tests.tolerances import MACHINE_RTOL, N_SIGMA
from thermolearn.theory import ParameterError


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


@pytest.fixture(scope="module")
def small(digits):
    """100 training examples (the epoch test needs N/m small)."""
    return make_dataset(digits.x_train[:125], digits.y_train[:125], test_fraction=0.2, seed=0, n_classes=10)


def _cfg(**kw):
    base = dict(batch_size=1, learning_rate=0.05, steps=60, trials=20, width=16, depth=3,
                measure_every=1, t0=20, max_lag=8, eval_every=20)
    base.update(kw)
    return SGDNoiseConfig(**base)


def test_predicted_variance_equals_explicit_per_sample_covariance(small):
    """tr Σ₁/(P m) from the layer-wise factorisation vs np.var over explicit per-sample gradients."""
    cfg = _cfg(batch_size=4, learning_rate=0.0, steps=2, trials=3, t0=0, max_lag=1)
    res = run_ensemble(small, cfg, seed=5)
    params, _ = initial_state(small, cfg, seed=5)
    for k in range(3):
        one = [p[k:k + 1] for p in params]
        rows = []
        for n in range(small.n_train):
            g = ensemble_gradient(one, small.x_train[n:n + 1], small.y_train[n:n + 1])
            rows.append(np.concatenate([a.ravel() for a in g.grads]))
        G = np.array(rows)
        expected = np.var(G, axis=0).sum() / (G.shape[1] * 4)  # population covariance, Cov(mean of 4 iid) = Σ₁/4
        assert res.predicted_var[k, 0] == pytest.approx(expected, rel=1e-9)  # sums of ~1e3 products
        assert res.dim_theta == G.shape[1]


@pytest.mark.parametrize("m", [1, 10])
def test_frozen_theta_variance_is_trace_sigma1_over_m(digits, m):
    """At r = 0, E||η||² = tr Σ₁/m exactly (minibatch of m iid draws)."""
    res = run_ensemble(digits, _cfg(batch_size=m, learning_rate=0.0, steps=40, t0=0, max_lag=1), seed=1)
    ratio, se = res.variance_ratio()
    assert abs(ratio - 1.0) <= N_SIGMA * se, (ratio, se)
    assert se < 0.1  # the test has power: a 1/m error would be caught


def test_training_variance_tracks_state_dependent_prediction(digits):
    res = run_ensemble(digits, _cfg(batch_size=10, steps=80, learning_rate=0.1, measure_every=2), seed=2)
    ratio, se = res.variance_ratio()
    assert abs(ratio - 1.0) <= N_SIGMA * se and se < 0.05
    # the variance changes along training and the realistic reservoir follows it
    rc = reservoir_comparison(res)
    assert rc.realistic_error < rc.naive_error
    np.testing.assert_allclose(res.temperature(), 0.5 * 0.1 * res.predicted(), rtol=MACHINE_RTOL)


def test_variance_scales_as_one_over_m_at_common_start(digits):
    # only t = 0 is used: one draw per trial, many trials
    out = run_batch_sizes(digits, _cfg(steps=2, t0=0, max_lag=1, learning_rate=0.0, trials=120),
                          batch_sizes=(1, 10), seed=3)
    s = batch_scaling(out[1], out[10], at_start=True)
    assert s.ideal == 10
    assert abs(s.measured - 10.0) <= N_SIGMA * s.se and s.se < 1.5


def test_white_noise_with_replacement(digits):
    res = run_ensemble(digits, _cfg(batch_size=5, steps=40, t0=10, max_lag=12, trials=30), seed=4)
    w = whiteness(res)
    assert w.rho.size == 12
    assert abs(w.mean) <= N_SIGMA * w.mean_se and w.mean_se < 0.03
    rho, _ = res.normalised_autocorrelation()
    assert rho[0] == pytest.approx(1.0, rel=MACHINE_RTOL)


def test_epoch_shuffling_gives_minus_one_over_k_minus_one(small):
    """Frozen θ, N = 100, m = 10: Σ of η over an epoch is 0, so ρ(ℓ) = −1/(K_b − 1) = −1/9."""
    cfg = _cfg(batch_size=10, learning_rate=0.0, replacement=False, steps=12, t0=0, max_lag=9, trials=40)
    res = run_ensemble(small, cfg, seed=6)
    w = whiteness(res)
    target = -1.0 / 9.0
    assert abs(w.mean - target) <= N_SIGMA * w.mean_se
    assert abs(w.mean) > N_SIGMA * w.mean_se  # distinguishable from white noise
    # without replacement the diagonal carries the finite-population factor (N−m)/(N−1)
    ratio, se = res.variance_ratio()
    assert abs(ratio - 1.0) <= N_SIGMA * se


def test_epoch_shuffling_visits_every_example_once_per_epoch(small):
    from thermolearn.numeric.sgd._experiment import _batches

    rngs = [np.random.default_rng(0), np.random.default_rng(1)]
    batches = list(_batches(rngs, 100, 10, 20, replacement=False))
    for k in range(2):
        for e in range(2):
            seen = np.concatenate([b[k] for b in batches[10 * e:10 * (e + 1)]])
            assert sorted(seen.tolist()) == list(range(100))


def test_same_seed_same_numbers_and_ensemble_learns(digits):
    cfg = _cfg(batch_size=10, width=32, steps=200, measure_every=50, t0=0, max_lag=1, trials=4, eval_every=100)
    a = run_ensemble(digits, cfg, seed=7)
    b = run_ensemble(digits, cfg, seed=7)
    c = run_ensemble(digits, cfg, seed=8)
    np.testing.assert_array_equal(a.noise_var, b.noise_var)
    np.testing.assert_array_equal(a.tracked_param, b.tracked_param)
    assert not np.array_equal(a.noise_var, c.noise_var)
    # a 64-32-32-10 ReLU net after 200 steps of m = 10 is far above chance (0.1)
    assert a.accuracy()[0][-1] > 0.8


def test_diverging_learning_rate_stops_cleanly(digits):
    cfg = _cfg(batch_size=10, learning_rate=1e4, steps=50, t0=0, max_lag=3, trials=3)
    res = run_ensemble(digits, cfg, seed=9)
    assert res.diverged and "diverged at step" in res.message and "learning_rate" in res.message
    assert res.completed_steps < cfg.steps
    assert res.noise_var.shape == res.predicted_var.shape == (3, res.steps.size)
    assert np.all(res.steps < res.completed_steps + 1)
    assert np.all(np.isfinite(res.noise_var))


def test_bad_input_is_rejected(digits):
    with pytest.raises(ParameterError, match="batch size 2000 must lie in 1..1438"):
        run_ensemble(digits, _cfg(batch_size=2000), seed=0)
    with pytest.raises(ParameterError, match="batch size 5000"):
        run_batch_sizes(digits, _cfg(), batch_sizes=(1, 5000), seed=0)
    with pytest.raises(ParameterError, match="t0 \\+ max_lag"):
        _cfg(t0=50, max_lag=20)
    with pytest.raises(ParameterError, match="learning_rate"):
        _cfg(learning_rate=float("nan"))
    with pytest.raises(ParameterError, match="trials"):
        _cfg(trials=1)
    with pytest.raises(ParameterError, match="batch_size"):
        _cfg(batch_size=0)
    with pytest.raises(ParameterError, match="executor"):
        run_ensemble(digits, _cfg(), seed=0, executor=object())


@pytest.mark.parametrize("lr, max_grad", [(0.05, 1e6), (30.0, 1e3)])
def test_trial_groups_change_speed_not_numbers(digits, lr, max_grad):
    """Any group_size gives the run of one batched block, diverging or not.

    At r = 30 the trials run alone diverge at steps 2, 2, 2, never, 2: the
    groups after the first must stop where it did.
    """
    cfg = _cfg(batch_size=10, learning_rate=lr, steps=30, t0=5, max_lag=4, trials=5, measure_every=3,
               eval_every=10, group_size=5, max_grad=max_grad)
    whole = run_ensemble(digits, cfg, seed=11)
    for g in (1, 2):
        part = run_ensemble(digits, replace(cfg, group_size=g), seed=11)
        assert part.diverged == whole.diverged and part.completed_steps == whole.completed_steps
        np.testing.assert_array_equal(part.steps, whole.steps)
        np.testing.assert_array_equal(part.eval_steps, whole.eval_steps)
        for name in ("noise_var", "predicted_var", "lag_products", "test_accuracy", "tracked_param"):
            # the same per-trial products in a different batch: equal to rounding
            np.testing.assert_allclose(getattr(part, name), getattr(whole, name), rtol=1e-9, atol=1e-15)
    assert whole.diverged == (lr > 1)
    with pytest.raises(ParameterError, match="group_size"):
        replace(cfg, group_size=0)


def test_divergence_bound_falls_back_to_the_exact_maximum(digits):
    """A threshold between the largest gradient component and the cheap bound is not a divergence."""
    from thermolearn.numeric.sgd import Workspace, sgd_step
    from thermolearn.numeric.sgd._experiment import _batches
    from thermolearn.numeric.sgd._mlp import max_abs as _max_abs

    cfg = _cfg(batch_size=10, learning_rate=1e-9, steps=2, t0=0, max_lag=1, trials=3)
    params, rngs = initial_state(digits, cfg, seed=12)
    idx = next(_batches(rngs, digits.n_train, 10, 1, True))
    grads, _, bound, to_grad = sgd_step(params, digits.x_train[idx], digits.y_train[idx], "relu", 0.0,
                                        Workspace(), apply=False)
    exact = _max_abs(grads) * to_grad
    assert np.all(exact < 0.5 * bound)  # the bound is loose here, so the fallback is exercised
    threshold = float(np.sqrt(exact.max() * bound.min()))
    assert exact.max() < threshold < bound.min()
    res = run_ensemble(digits, replace(cfg, max_grad=threshold), seed=12)
    assert res.completed_steps >= 1, res.message  # step 0 passed the exact check
    tight = run_ensemble(digits, replace(cfg, max_grad=0.9 * exact.min()), seed=12)
    assert tight.diverged and tight.completed_steps == 0


@pytest.mark.parametrize("m", [1, 5])
def test_in_place_steps_detect_divergence_with_the_exact_maximum(digits, m):
    """The in-place step (m = 1 rank-1, m = 5 tiled) reports the exact largest component, and the run stops on it.

    Step 1 is an applied step (measured: 0, 2, 3); its exact maximum is taken from the
    materialised gradient at the same θ.  A threshold 1e-9 below it (rounding: 1e-16) stops the
    run at step 1, one just above lets step 1 pass.
    """
    from thermolearn.numeric.sgd import Workspace, sgd_step
    from thermolearn.numeric.sgd._experiment import _batches
    from thermolearn.numeric.sgd._mlp import max_abs as _max_abs

    cfg = _cfg(batch_size=m, learning_rate=0.05, steps=4, t0=2, max_lag=1, trials=3, measure_every=10)
    params, rngs = initial_state(digits, cfg, seed=5)
    batches = _batches(rngs, digits.n_train, m, 2, True)
    i0, i1 = next(batches), next(batches)
    sgd_step(params, digits.x_train[i0], digits.y_train[i0], "relu", 0.05, Workspace(), apply=False)
    grads, *_ = sgd_step(params, digits.x_train[i0], digits.y_train[i0], "relu", 0.05, Workspace(), apply=False)
    for p, g in zip(params, grads):  # step 0 is measured (not applied): θ_1 = θ_0 − r∇U
        p -= 0.05 * g
    grads, _, _, to_grad = sgd_step(params, digits.x_train[i1], digits.y_train[i1], "relu", 0.05, Workspace(),
                                    apply=False)
    exact = _max_abs(grads) * to_grad
    stop = run_ensemble(digits, replace(cfg, max_grad=(1 - 1e-9) * exact.max()), seed=5)
    assert stop.diverged and stop.completed_steps == 1, stop.message
    go = run_ensemble(digits, replace(cfg, max_grad=(1 + 1e-9) * exact.max()), seed=5)
    assert go.completed_steps >= 2, go.message
