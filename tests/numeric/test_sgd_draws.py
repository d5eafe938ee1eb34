"""J noise draws per full-batch gradient (SGDNoiseConfig.draws): same trajectory, same law, 1/J variance.

At frozen θ (r = 0) every measured step sees the same θ, so the draws are
i.i.d. with E||η||²/P = tr Σ₁/(P m) (Entropy 26, 112 (2024): Cov η = Σ₁/m);
the mean of J of them has 1/J of the single-draw variance.  Criteria are
N_SIGMA standard errors (tests/tolerances.py) at a fixed seed.
"""

from dataclasses import replace

import numpy as np
import pytest

from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, make_dataset, run_ensemble, run_trials
from thermolearn.theory import ParameterError
from tests.tolerances import N_SIGMA


@pytest.fixture(scope="module")
def data():
    d = load_digits(seed=0)
    return make_dataset(d.x_train[:300], d.y_train[:300], test_fraction=0.2, seed=0, n_classes=10)


def _cfg(**kw):
    base = dict(batch_size=4, learning_rate=0.05, steps=40, trials=6, width=12, depth=3, measure_every=4,
                t0=20, max_lag=4, eval_every=20)
    base.update(kw)
    return SGDNoiseConfig(**base)


def test_extra_draws_leave_the_trajectory_and_the_window_unchanged(data):
    one = run_trials(data, _cfg(), seed=3)
    many = run_trials(data, _cfg(draws=5), seed=3)
    for name in ("tracked_param", "full_loss", "predicted_var", "lag_products", "lag_var", "test_accuracy"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name), err_msg=name)
    assert not np.array_equal(one.noise_var, many.noise_var)
    # the window's normaliser is the driving draw's own ||eta||^2: rho(0) = 1 exactly
    assert many.normalised_autocorrelation()[0][0] == pytest.approx(1.0, rel=1e-12)


def test_chunked_runs_with_draws_match_the_inline_run(data):
    cfg = _cfg(draws=3)
    from thermolearn.numeric.sgd import merge_results

    whole = run_trials(data, cfg, seed=4)
    parts = merge_results([run_trials(data, cfg, 4, [k]) for k in range(cfg.trials)])
    np.testing.assert_allclose(parts.noise_var, whole.noise_var, rtol=1e-9)


@pytest.mark.parametrize("replacement", [True, False])
def test_draws_are_unbiased_and_divide_the_variance_by_J(data, replacement):
    """Frozen θ: mean of noise_var = prediction; var(noise_var | J) · J = var(noise_var | 1)."""
    J = 4
    cfg = _cfg(learning_rate=0.0, steps=81, trials=12, measure_every=1, t0=0, max_lag=1, eval_every=100,
               replacement=replacement, dtype="float64")
    one = run_ensemble(data, cfg, seed=7)
    many = run_ensemble(data, replace(cfg, draws=J), seed=8)
    for res in (one, many):
        d = res.noise_var / res.predicted_var  # per trial: i.i.d. over steps at frozen theta
        per_trial = d.mean(axis=1)
        se = per_trial.std(ddof=1) / np.sqrt(per_trial.size)
        assert abs(per_trial.mean() - 1.0) < N_SIGMA * se, (per_trial.mean(), se)
    # variance over steps within each trial (theta fixed per trial), pooled over trials
    v1 = (one.noise_var / one.predicted_var).var(axis=1, ddof=1)
    vJ = (many.noise_var / many.predicted_var).var(axis=1, ddof=1)
    ratio = J * vJ.mean() / v1.mean()
    # se of the ratio of two pooled variance estimates, from their spread over trials (delta method)
    se = ratio * np.sqrt(v1.var(ddof=1) / v1.size / v1.mean() ** 2 + vJ.var(ddof=1) / vJ.size / vJ.mean() ** 2)
    assert abs(ratio - 1.0) < N_SIGMA * se, (ratio, se)
    assert se < 0.25  # the criterion can tell 1 from J = 4 (a draw repeated J times gives ratio J)


def test_draws_must_be_a_positive_integer():
    with pytest.raises(ParameterError, match="draws must be a positive integer"):
        SGDNoiseConfig(draws=0)


@pytest.mark.parametrize("m", [1, 4])
def test_extra_draws_equal_the_explicit_noise_of_each_minibatch(data, m):
    """Σ_j ||∇U_{b_j} − ∇U_B||² from the in-place workspace path equals the explicit sum.

    Reference: each extra minibatch's gradient by ``ensemble_gradient`` (fresh arrays), minus
    the full-batch gradient, squared norm accumulated in float64; same indices (same seeds).
    """
    from thermolearn.numeric.sgd import Workspace, ensemble_gradient, initial_state
    from thermolearn.numeric.sgd._experiment import _draw_rngs, _extra_batches, _noise_draws

    from tests.tolerances import MACHINE_RTOL

    cfg = _cfg(batch_size=m, draws=4)
    params, _ = initial_state(data, cfg, seed=3)
    full = ensemble_gradient(params, data.x_train, data.y_train, per_sample=True)
    got = _noise_draws(params, full, data, cfg, data.x_train, _draw_rngs(cfg, 3, np.arange(cfg.trials)), Workspace())
    idx = _extra_batches(_draw_rngs(cfg, 3, np.arange(cfg.trials)), data.n_train, m, 3, cfg.replacement)
    want = 0.0
    for b in idx:
        g = ensemble_gradient(params, data.x_train[b], data.y_train[b])
        want = want + sum(((u - v).reshape(len(u), -1).astype(np.float64) ** 2).sum(axis=1)
                          for u, v in zip(g.grads, full.grads))
    np.testing.assert_allclose(got, want, rtol=MACHINE_RTOL)
