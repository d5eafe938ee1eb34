"""Ridge plots of persistent-chain histograms (Figures 1–5 of the minimal-dissipation paper)."""

from __future__ import annotations

import numpy as np

__all__ = ["ridge_figure", "work_figure"]


def _gauss(x, m, var):
    return np.exp(-(x - m) ** 2 / (2 * var)) / np.sqrt(2 * np.pi * var)


def ridge_figure(path, res, *, title, target, theta0, var_eq, xlim=None):
    """Histograms of the chains (time down the page), θ(t) in red, θ* dotted, p_m/p_d outlines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    snaps, ts = res.snapshots[:, :, 0], res.snapshot_times
    tau = float(res.times[-1])
    sd = float(np.sqrt(var_eq))
    lo = min(snaps.min(), res.theta[:, 0].min(), target - 4 * sd, theta0 - 4 * sd) - 0.5
    hi = max(snaps.max(), res.theta[:, 0].max(), target + 4 * sd, theta0 + 4 * sd) + 0.5
    if xlim is not None:
        lo, hi = xlim
    bins = np.linspace(lo, hi, 90)
    centres = 0.5 * (bins[1:] + bins[:-1])
    spacing = tau / max(len(ts) - 1, 1)
    peak = 1 / np.sqrt(2 * np.pi * var_eq)
    scale = 2.2 * spacing / peak
    fig, ax = plt.subplots(figsize=(7.0, 8.0))
    xs = np.linspace(lo, hi, 400)
    for i in range(len(ts) - 1, -1, -1):
        dens, _ = np.histogram(snaps[i], bins=bins, density=True)
        base = ts[i]
        z = 2 + (len(ts) - i)
        ax.fill_between(centres, base, base - dens * scale, color=plt.cm.viridis(i / max(len(ts) - 1, 1)),
                        alpha=0.75, lw=0, zorder=z)
        ax.plot(centres, np.where(dens > 0, base - dens * scale, np.nan), color="k", lw=0.5, zorder=z)
    ax.plot(xs, ts[0] - _gauss(xs, theta0, var_eq) * scale, "k--", lw=1.2, label=r"$p_m(x|\theta_0)$", zorder=100)
    ax.plot(xs, ts[-1] - _gauss(xs, target, var_eq) * scale, color="tab:blue", ls="--", lw=1.2,
            label=r"$p_d(x)$ = $p_m(x|\theta^*)$", zorder=100)
    ax.plot(res.theta[:, 0], res.times, color="red", lw=2.0, label=r"model $\theta(t)$", zorder=101)
    ax.plot(res.sample_mean[:, 0], res.times, color="orange", lw=1.2, ls="-.", label=r"chain mean $u(t)$", zorder=101)
    ax.axvline(target, color="k", ls=":", lw=1.2, label=r"target $\theta^*$", zorder=99)
    ax.set_ylim(tau + 0.02 * tau, -2.6 * spacing)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x (samples) and θ (model)")
    ax.set_ylabel("training time t (down the page)")
    ax.set_title(title, fontsize=10)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def work_figure(path, curves, *, title):
    """Cumulative excess work vs t/τ: exact curves (lines) and simulated values (markers).

    ``curves`` is a list of (label, style, t_over_tau, W_exact, t_sim, W_sim).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 4.8))
    for i, (label, style, tx, wx, ts, ws) in enumerate(curves):
        color = f"C{i}"
        ax.plot(tx, wx, ls=style, color=color, lw=1.8, label=f"{label}: {wx[-1]:.4f}")
        if ts is not None:
            ax.plot(ts, ws, "o", color=color, ms=3.5, alpha=0.8)
    ax.set_xlabel("t / τ")
    ax.set_ylabel("cumulative excess work $W_{ex}$ (units of $k_BT$)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="lines: exact; dots: simulated (replica mean)", title_fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
