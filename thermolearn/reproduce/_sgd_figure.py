"""Figure 4.1 panels a–d and the reservoir comparison (shared style of :mod:`thermolearn.numeric.plotting`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["draw"]

_COLORS = {1: "#D55E00", 10: "#0072B2", 100: "#009E73"}  # Okabe-Ito, colour-blind safe
# legend labels are plain text (mathtext layout costs ~30 ms per distinct string; titles keep it)


def _color(m, i):
    from thermolearn.numeric.plotting import CYCLE

    return _COLORS.get(m, CYCLE[i % len(CYCLE)])


def _windows(steps, *series, bins=25):
    """Means over ``bins`` consecutive windows of measured steps (smooths the scatter of single steps)."""
    idx = [w for w in np.array_split(np.arange(steps.size), max(1, min(bins, steps.size))) if w.size]
    return [np.array([s[w].mean() for w in idx]) for s in (steps, *series)]


def _per_m(results, name) -> str:
    """One setting of the runs: its value when all agree, else each value with its m (mathtext spaces)."""
    values = {m: getattr(res.config, name) for m, res in results.items()}
    if len(set(values.values())) == 1:
        return f"{next(iter(values.values()))}"
    return ",\\ ".join(f"{v}\\ (m={m})" for m, v in values.items())


def draw(path: Path, reservoir_path: Path, results: dict, *, dpi=200, formats=("png", "pdf")) -> tuple[Path, Path]:
    """Panels a–d of Figure 4.1 into ``path``; T_Θ and reservoir models into ``reservoir_path``.

    Each is written as raster + vector files (``formats``) with an ``.npz`` of the plotted data.
    """
    import matplotlib.ticker

    from thermolearn.numeric.plotting import figure, save
    from thermolearn.numeric.sgd import reservoir_comparison

    path, reservoir_path = Path(path), Path(reservoir_path)
    data = {}
    with figure(2, 2, figsize=(12, 8.5)) as (fig, ax):
        # fixed margins (those constrained layout finds for this regular 2 x 2 grid, its legends inside the
        # axes, with room for wider tick labels): no layout solve, which measured every text box twice
        # (~35 % of the figure's CPU)
        fig.set_layout_engine(None)
        fig.subplots_adjust(left=0.072, right=0.99, bottom=0.055, top=0.93, wspace=0.15, hspace=0.24)
        (a, b), (c, d) = ax
        for i, (m, res) in enumerate(results.items()):
            col = _color(m, i)
            # a) displacement of one last-layer weight from its start, 4 trials (the raw values are
            #    dominated by the initial weight and look flat)
            for k in range(min(4, res.trials)):
                a.plot(res.eval_steps, res.tracked_param[k] - res.tracked_param[k][0], color=col, lw=1, alpha=0.8,
                       label=f"m = {m}" if k == 0 else None)
            # b) accuracy mean and ensemble standard deviation
            mean, var = res.accuracy()
            b.plot(res.eval_steps, mean, color=col, label=f"m = {m}")
            b.fill_between(res.eval_steps, mean - np.sqrt(var), mean + np.sqrt(var), color=col, alpha=0.25)
            # c) equal-time noise variance averaged over parameters, and the prediction
            c.semilogy(res.steps, res.variance(), color=col, lw=0.5, alpha=0.3)
            ws, wv, wp = _windows(res.steps, res.variance(), res.predicted())
            c.semilogy(ws, wv, color=col, lw=1.6, marker="o", ms=3, label=f"m = {m} measured (window means)")
            c.semilogy(ws, wp, color=col, lw=1.2, ls=":", label=f"m = {m} predicted tr \u03a3\u2081/(P m)")
            # d) normalised autocorrelation with its ±2 s.e. band
            rho, se = res.normalised_autocorrelation()
            lags = np.arange(rho.size)
            se = np.where(lags == 0, 0.0, se)  # rho(0) = 1 by definition
            d.errorbar(lags + 0.1 * (i - 1), rho, yerr=2 * se, color=col, marker="o", ms=3, lw=1,
                       capsize=2, label=f"m = {m}, t\u2080 = {res.config.t0}")
            data |= {f"m{m}_eval_steps": res.eval_steps, f"m{m}_tracked_param": res.tracked_param,
                     f"m{m}_accuracy_mean": mean, f"m{m}_accuracy_var": var, f"m{m}_steps": res.steps,
                     f"m{m}_variance": res.variance(), f"m{m}_predicted": res.predicted(),
                     f"m{m}_rho": rho, f"m{m}_rho_se": se}
        a.set(title="a) one last-layer weight, 4 trials", xlabel="SGD step $t$",
              ylabel=r"$\theta_i(t)-\theta_i(0)$")
        b.set(title=r"b) test accuracy: ensemble mean $\pm$ std", xlabel="SGD step $t$", ylabel="accuracy",
              ylim=(0, 1.02))
        c.set(title=r"c) noise variance $\frac{1}{P}\sum_i C_{ii}(t,t)$", xlabel="SGD step $t$",
              ylabel="variance (per parameter)")
        first = next(iter(results.values()))
        d.axhline(0.0, color="k", lw=0.8)
        d.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        d.set(title=r"d) normalised autocorrelation from $t_0$ ($\pm$2 s.e.)",
              xlabel=r"lag $t'-t_0$ (steps)", ylabel=r"$\rho(t_0, t'-t_0)$")
        d.margins(y=0.08)  # limits from the data and its error bars: nothing is clipped
        for axis in (a, b, d):
            axis.legend(fontsize=8)
        c.legend(fontsize=7, ncol=2, loc="upper right")
        fig.suptitle(f"SGD noise, {first.n_train} training examples, $P={first.dim_theta}$ parameters, "
                     f"$K={first.trials}$ trials, $r={_per_m(results, 'learning_rate')}$")
        save(fig, path, dpi=dpi, formats=formats)
    np.savez_compressed(path.with_suffix(".npz"), **data)

    data = {}
    with figure(1, 2, figsize=(12, 4.5)) as (fig, (t_ax, e_ax)):
        for i, (m, res) in enumerate(results.items()):
            col = _color(m, i)
            rc = reservoir_comparison(res)
            t_ax.semilogy(rc.steps, rc.temperature, color=col, label=f"m = {m}")
            ws, wm, wr, wn = _windows(rc.steps, rc.measured, rc.realistic, rc.naive, bins=10)
            e_ax.plot(ws, wm / wr, color=col, marker="o", label=f"m = {m} realistic (state-dependent)")
            e_ax.plot(ws, wm / wn, color=col, ls="--", marker="s", mfc="none",
                      label=f"m = {m} naive (fixed T\u0398)")
            data |= {f"m{m}_steps": rc.steps, f"m{m}_temperature": rc.temperature, f"m{m}_measured": rc.measured,
                     f"m{m}_realistic": rc.realistic, f"m{m}_naive": rc.naive}
        t_ax.set(title=r"effective temperature $T_\Theta = r\,\mathrm{tr}\Sigma_1/(2 m P)$",
                 xlabel="SGD step $t$", ylabel=r"$T_\Theta$")
        e_ax.axhline(1.0, color="k", lw=0.8)
        e_ax.set(title="measured $C(t,t)$ / reservoir-model prediction (10 windows)", xlabel="SGD step $t$",
                 ylabel="ratio")
        t_ax.legend(fontsize=8)
        e_ax.legend(fontsize=7)
        save(fig, reservoir_path, dpi=dpi, formats=formats)
    np.savez_compressed(reservoir_path.with_suffix(".npz"), **data)
    return path.with_suffix(".png"), reservoir_path.with_suffix(".png")
