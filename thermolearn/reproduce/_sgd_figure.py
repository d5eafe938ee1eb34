"""Figure 4.1 panels a–d and the reservoir comparison (PNG, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["draw"]

_COLORS = {1: "tab:red", 10: "tab:blue", 100: "tab:green"}


def _color(m, i):
    return _COLORS.get(m, f"C{i}")


def _windows(steps, *series, bins=25):
    """Means over ``bins`` consecutive windows of measured steps (smooths the scatter of single steps)."""
    idx = [w for w in np.array_split(np.arange(steps.size), max(1, min(bins, steps.size))) if w.size]
    return [np.array([s[w].mean() for w in idx]) for s in (steps, *series)]


def draw(path: Path, reservoir_path: Path, results: dict) -> tuple[Path, Path]:
    """Panels a–d of Figure 4.1 into ``path``; T_Θ and reservoir models into ``reservoir_path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from thermolearn.numeric.sgd import reservoir_comparison

    fig, ax = plt.subplots(2, 2, figsize=(12, 8.5))
    (a, b), (c, d) = ax
    ref = 0.0
    for i, (m, res) in enumerate(results.items()):
        col = _color(m, i)
        # a) four realisations of one last-layer weight
        for k in range(min(4, res.trials)):
            a.plot(res.eval_steps, res.tracked_param[k], color=col, lw=1, alpha=0.8,
                   label=f"m={m}" if k == 0 else None)
        # b) accuracy mean and ensemble standard deviation
        mean, var = res.accuracy()
        b.plot(res.eval_steps, mean, color=col, label=f"m={m}")
        b.fill_between(res.eval_steps, mean - np.sqrt(var), mean + np.sqrt(var), color=col, alpha=0.25)
        # c) noise variance averaged over parameters, and the prediction
        c.semilogy(res.steps, res.variance(), color=col, lw=0.5, alpha=0.3)
        ws, wv, wp = _windows(res.steps, res.variance(), res.predicted())
        c.semilogy(ws, wv, color=col, lw=1.6, marker="o", ms=3, label=f"m={m} measured (window means)")
        c.semilogy(ws, wp, color="k", lw=1, ls=":", label="tr$\\Sigma_1$/(P m)" if i == 0 else None)
        if res.max_full_grad.size:
            ref = max(ref, float(res.max_full_grad.max()))
        # d) normalised autocorrelation with its ±2 s.e. band
        rho, se = res.normalised_autocorrelation()
        lags = np.arange(rho.size)
        se = np.where(lags == 0, 0.0, se)  # rho(0) = 1 by definition
        d.errorbar(lags + 0.1 * (i - 1), rho, yerr=2 * se, color=col, marker="o", ms=3, lw=1,
                   capsize=2, label=f"m={m}")
    a.set(title="a) one last-layer weight, 4 trials", xlabel="SGD step t", ylabel=r"$\theta_i(t)$")
    b.set(title="b) test accuracy: ensemble mean ± std", xlabel="SGD step t", ylabel="accuracy", ylim=(0, 1.02))
    if ref > 0:
        c.axhline(ref ** 2, color="k", ls="--", lw=1, label=r"$(\max|\nabla U_B|)^2$")
    c.set(title=r"c) noise variance $\frac{1}{P}\sum_i C_{ii}(t,0)$", xlabel="SGD step t",
          ylabel="variance (per parameter)")
    first = next(iter(results.values()))
    d.axhline(0.0, color="k", lw=0.8)
    d.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    d.set(title=rf"d) normalised autocorrelation at $t_0$={first.config.t0} (±2 s.e.)",
          xlabel="lag t' − t₀ (steps)", ylabel=r"$\rho(t_0, t'-t_0)$", ylim=(-0.15, 1.05))
    for axis in (a, b, d):
        axis.legend(fontsize=8)
    c.legend(fontsize=7, ncol=2, loc="upper right", bbox_to_anchor=(1.0, 0.9), framealpha=0.9)
    fig.suptitle(f"SGD noise, {first.n_train} training examples, P = {first.dim_theta} parameters, "
                 f"K = {first.trials} trials, r = {first.config.learning_rate}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

    fig, (t_ax, e_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for i, (m, res) in enumerate(results.items()):
        col = _color(m, i)
        rc = reservoir_comparison(res)
        t_ax.semilogy(rc.steps, rc.temperature, color=col, label=f"m={m}")
        ws, wm, wr, wn = _windows(rc.steps, rc.measured, rc.realistic, rc.naive, bins=10)
        e_ax.plot(ws, wm / wr, color=col, marker="o", label=f"m={m} realistic (state-dependent)")
        e_ax.plot(ws, wm / wn, color=col, ls="--", marker="s", mfc="none",
                  label=f"m={m} naive (fixed $T_\\Theta$)")
    t_ax.set(title=r"effective temperature $T_\Theta = r\,\mathrm{tr}\Sigma_1/(2 m P)$", xlabel="SGD step t",
             ylabel=r"$T_\Theta$")
    e_ax.axhline(1.0, color="k", lw=0.8)
    e_ax.set(title="measured C(t,t) / reservoir-model prediction (10 windows)", xlabel="SGD step t",
             ylabel="ratio")
    t_ax.legend(fontsize=8)
    e_ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(reservoir_path, dpi=110)
    plt.close(fig)
    return Path(path), Path(reservoir_path)
