"""Figure 4.1 of the learning-thermodynamics paper: SGD noise as the heat bath.

Source: Entropy 26, 112 (2024), Sec. 4 and Figure 4.1 (the noise covariance
Cov η = Σ₁/m of minibatch SGD).  Default data: scikit-learn's bundled digits (the paper uses
MNIST; pass ``mnist=DIR`` to :func:`run` or use ``thermolearn sgd-noise
--mnist DIR``).  Network: 4 affine layers of width 200 (3 hidden ReLU
layers), vanilla SGD with r = 0.02, 2,000 steps, K = 50 trials, batch sizes
1, 10 and 100, minibatches drawn with replacement.

Estimator.  The noise ||η_t||² needs the full-batch gradient ∇U_B(θ_t), by
far the dearest part of the run.  At every measured step J independent
minibatches share that one full-batch gradient (``SGDNoiseConfig.draws``):
given θ_t their ||η||² are i.i.d. with mean tr Σ₁(θ_t)/m, so J draws at each
of T/J steps have the statistical power of one draw at each of T steps.
The schedule below keeps at least the number of noise draws per trial of
measuring one draw every 5 (m = 1) or 20 (m ≥ 10) steps, with 4–5× fewer
full-batch passes; the lag window t₀ … t₀+20 is still measured at every
step (its products use the minibatch that drove each step).

Checks (each with its statistical tolerance):

* measured C(t,t) against tr Σ₁(θ_t)/(P m), within 5 % for every m;
* 1/m: C(0,0) ratios between batch sizes equal m_b/m_a at the common θ₀,
  and time-averaged ratios equal the state-dependent prediction, within
  4 standard errors;
* white noise: the mean normalised autocorrelation over lags ≥ 1 is 0 within
  4 standard errors (with replacement), and −1/(K_b−1) with epoch shuffling
  (frozen θ, N = 200, m = 10, K_b = 20 batches per epoch);
* final mean test accuracy ≥ 0.9 for every batch size;
* the realistic (state-dependent) reservoir describes C(t,t) better than the
  naive one with T_Θ fixed at its initial value.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path


from thermolearn._report import N_SIGMA, bound_check, close_check

__all__ = ["run", "settings"]

RATIO_TOL = 0.05  # measured and predicted noise variance agree within 5 %


def settings(quick: bool) -> dict:
    """Config per batch size, of the full experiment or of ``--quick``.

    Every 100 steps (and every step of the lag window) with J = 11 noise
    draws for m = 1 and J = 3 for m ≥ 10: 440 and 120 draws per trial,
    against 416 and 119 for one draw every 5 and every 20 steps.  The
    single-example noise ||η||² is heavy-tailed (coefficient of variation
    ≈ 2 once most examples are fitted), so resolving 5 % needs ~10⁴ draws
    of it over the ensemble; m ≥ 10 averages that away.

    ``--quick`` (a smoke run of every check at width 64, K = 12) spends its
    time on what the checks need.  The full-batch passes are the dear part,
    so each run measures at only 9–10 steps (every ``measure_every`` steps
    plus a lag window of 4); m = 1 draws J = 32 minibatches at each (cheap
    next to a full pass), enough for its reservoir comparison to resolve the
    drift of tr Σ₁.  m = 1 trains 4000 cheap steps at r = 0.02 (a larger r
    leaves its final accuracy below 0.9); m = 10 and 100 train at r = 0.05,
    reaching their accuracy in 600 and 250 steps.  Every check compares a
    run with its own prediction (tr Σ₁/(P m) of its own θ_t, whatever r),
    so unequal r and lengths leave the checks valid; C(0,0) is at the
    common θ₀.  Seeds 0–7: all 17 checks pass; the smallest margins are
    the accuracies (mean 0.940, 0.950, 0.944 against 0.9, 4.4–5.3 seed
    standard deviations) and the reservoir errors (realistic/naive 0.46,
    0.42, 0.23 against 1, ≥ 3.9 standard deviations).
    """
    from thermolearn.numeric.sgd import SGDNoiseConfig

    if quick:
        cfg = SGDNoiseConfig(trials=12, width=64, max_lag=4, dtype="float32")
        return {1: replace(cfg, batch_size=1, steps=4000, measure_every=500, t0=2000, eval_every=250, draws=32),
                10: replace(cfg, batch_size=10, learning_rate=0.05, steps=600, measure_every=150, t0=100,
                            eval_every=50, draws=3),
                100: replace(cfg, batch_size=100, learning_rate=0.05, steps=250, measure_every=50, t0=100,
                             eval_every=25, draws=3)}
    cfg = SGDNoiseConfig(measure_every=100, dtype="float32")
    draws = {1: 11, 10: 3, 100: 3}
    return {m: replace(cfg, batch_size=m, draws=j) for m, j in draws.items()}


def _epoch_config(quick: bool):
    from thermolearn.numeric.sgd import SGDNoiseConfig

    # Frozen θ (r = 0), 20 batches per epoch, t0 at an epoch start: lags
    # 1..19 lie within the epoch (sampling without replacement).
    return SGDNoiseConfig(batch_size=10, learning_rate=0.0, steps=20, trials=20 if quick else 50,
                          width=48 if quick else 200, replacement=False, measure_every=1, t0=0,
                          max_lag=19, eval_every=20)


def run(out: Path, *, quick: bool, seed: int, mnist=None, executor=None, dpi=200, formats=("png", "pdf")) -> list:
    """Run the experiment, write ``fig4_1_sgd_noise.png`` and return the checks."""
    from thermolearn.numeric.sgd import load_digits, load_mnist, make_dataset, run_batch_sizes, run_ensemble

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_mnist(mnist, n_train=2000, n_test=1000) if mnist else load_digits(seed=seed)
    configs = settings(quick)
    small = make_dataset(data.x_train[:250], data.y_train[:250], test_fraction=0.2, seed=seed,
                         n_classes=data.n_classes, name=data.name + "-subset")
    # with an executor (the reproduction's pool): every task submitted before any is awaited, the
    # dearest batch size first, each task about one cache-sized group of trials, so the workers
    # finish together
    chunks = max(1, min(cfg.trials for cfg in configs.values()) // 10)
    ordered = {m: configs[m] for m in sorted(configs, reverse=True)}
    results = run_batch_sizes(data, ordered, seed=seed, executor=executor, chunks=chunks)
    results = {m: results[m] for m in sorted(results)}
    epoch = run_ensemble(small, _epoch_config(quick), seed=seed + 1, executor=executor)
    checks = _checks(results, epoch, data.name, quick)
    from ._sgd_figure import draw

    draw(out / "fig4_1_sgd_noise.png", out / "fig4_1_reservoir.png", results, dpi=dpi, formats=formats)
    return checks


def _checks(results, epoch, dataset, quick=False) -> list:
    from thermolearn.numeric.sgd import batch_scaling, reservoir_comparison, whiteness

    fig = "fig4_1"  # the report embeds fig4_1_*.png beside these checks
    checks = []
    for m, res in results.items():
        if res.diverged:
            checks.append(bound_check(f"fig4.1/m={m}/no_divergence", 0, 1, reason=res.message, figure=fig))
            continue
        ratio, se = res.variance_ratio()
        tol = max(RATIO_TOL, N_SIGMA * se) if quick else RATIO_TOL
        checks.append(close_check(
            f"fig4.1/m={m}/variance_vs_trSigma1", 1.0, ratio, tol,
            reason=("measured mean C(t,t) within 5% of tr Sigma1/(P m)"
                    + (f" (--quick: or {N_SIGMA:g} s.e. if larger)" if quick else "")
                    + f"; statistical s.e. of the ratio {se:.3g} over K={res.trials} trials x "
                    f"{res.steps.size} measured steps"), figure=fig))
        w = whiteness(res)
        checks.append(close_check(
            f"fig4.1/m={m}/white_noise_rho_lags>=1", 0.0, w.mean, N_SIGMA * w.mean_se,
            reason=(f"with replacement eta is a martingale difference (Entropy 26, 112 (2024), Sec. 4): mean rho over lags "
                    f"1..{w.lags.size} is 0 within {N_SIGMA:g} s.e.; max |z| over lags = {w.max_z:.2f}"),
            figure=fig))
        acc = float(res.accuracy()[0][-1])
        checks.append(bound_check(
            f"fig4.1/m={m}/final_test_accuracy", 0.9, acc, upper=False,
            reason=f"the ensemble learns ({dataset}, {res.completed_steps} steps, r={res.config.learning_rate})",
            figure=fig))
        rc = reservoir_comparison(res)
        checks.append(bound_check(
            f"fig4.1/m={m}/realistic_reservoir_error", rc.naive_error, rc.realistic_error,
            reason=("RMS relative error of C(t,t) under the state-dependent T_Theta(theta_t) must not exceed "
                    f"that of the naive fixed T_Theta ({rc.naive_error:.3g})"), figure=fig))
    ms = sorted(m for m in results if not results[m].diverged)
    for a, b in zip(ms, ms[1:]):
        s0 = batch_scaling(results[a], results[b], at_start=True)
        checks.append(close_check(
            f"fig4.1/ratio_C(0,0)_m={a}/m={b}", s0.ideal, s0.measured, N_SIGMA * s0.se,
            reason=f"same theta_0 for both batch sizes: Cov eta = Sigma1/m exactly; {N_SIGMA:g} s.e. ({s0.se:.3g})",
            figure=fig))
        s = batch_scaling(results[a], results[b])
        checks.append(close_check(
            f"fig4.1/ratio_C(t,t)_m={a}/m={b}", s.predicted, s.measured, N_SIGMA * s.se,
            reason=(f"time-averaged variances against the state-dependent prediction (1/m ideal: {s.ideal:g}); "
                    f"{N_SIGMA:g} s.e. ({s.se:.3g})"), figure=fig))
    n_per_epoch = epoch.n_train // epoch.config.batch_size
    w = whiteness(epoch, expected=-1.0 / (n_per_epoch - 1))
    checks.append(close_check(
        "fig4.1/epoch_shuffling_rho_lags>=1", -1.0 / (n_per_epoch - 1), w.mean, N_SIGMA * w.mean_se,
        reason=(f"without replacement at frozen theta, sum of eta over an epoch is 0: rho = -1/(K_b-1), "
                f"K_b={n_per_epoch} {N_SIGMA:g} s.e.; max |z| = {w.max_z:.2f}"), figure=fig))
    return checks
