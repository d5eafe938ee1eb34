"""One shared plotting style for every thermolearn figure (matplotlib, imported lazily).

Layer-neutral: takes arrays and result objects, never imports the app, so
result objects in ``numeric`` and ``infoflow`` can offer ``.plot(ax=None)``
through it.  Files are drawn on ``matplotlib.figure.Figure`` objects (no
pyplot state, no backend switch); only ``ax=None`` in an interactive
``.plot()`` goes through pyplot.

* :data:`PALETTE` — the Okabe–Ito colour-blind-safe palette; :data:`SYMBOLS`
  — the LaTeX symbol of every quantity, used in every title and label;
* :func:`figure` / :func:`save` — a styled figure and its raster + vector
  files (PNG and PDF/SVG at a chosen dpi);
* :func:`kde` — Gaussian kernel density (Silverman bandwidth) on a grid;
* :func:`ridge` — ~100 smooth ridges of densities over time (time down the page);
* :func:`training_ridge` / :func:`work_curves` / :func:`plot_training` — the
  persistent-chain figures of arXiv 2510.03137 (p_s ridges, p_m, p_d,
  θ(t), u(t), annotated kicks; cumulative work).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from thermolearn.theory import ParameterError

__all__ = [
    "PALETTE", "SYMBOLS", "STYLE", "figure", "save", "kde", "ridge", "kick_jumps",
    "training_ridge", "work_curves", "plot_training", "model_density", "save_training_figure",
    "plot_information",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
#: Cycle used for curves, in order.
CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")

#: The one spelling of each quantity (mathtext).
SYMBOLS = {
    "eta": r"$\eta$", "mu": r"$\mu$", "beta": r"$\beta$", "tau": r"$\tau$", "k": r"$k$",
    "theta": r"$\theta$", "theta0": r"$\theta_0$", "target": r"$\theta^*$", "u": r"$u$", "u0": r"$u_0$",
    "t": r"$t$", "t_over_tau": r"$t/\tau$", "x": r"$x$",
    "W": r"$W$", "W_ex": r"$W_{\mathrm{ex}}$", "W_min": r"$W_{\min}$",
    "p_m": r"$p_m(x|\theta)$", "p_s": r"$p_s(x,t)$", "p_d": r"$p_d(x)$",
    "zeta": r"$\zeta(\theta)$", "fisher": r"$I(\theta)$", "H": r"$H(t)$",
    "kT": r"$k_BT$",
}

#: rcParams of the house style (applied with matplotlib.rc_context).
STYLE = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": False, "lines.linewidth": 1.6, "legend.frameon": False, "savefig.bbox": "standard",
    "mathtext.fontset": "cm", "pdf.fonttype": 42, "svg.fonttype": "none",
}
# savefig.bbox "standard": the figures use constrained layout, which already fits titles, labels and the legends
# placed outside the axes; "tight" drew every figure a second time to find the same box (a ridge figure:
# 1.8 -> 1.3 CPU-s as PNG at 100 dpi).  pdf.fonttype 42 (TrueType embedding) stays: Type 3 would save
# about 1 CPU-s per PDF, but some publishers reject Type 3 fonts.

#: zlib level of the PNG files (lossless at every level: the pixels are the same).  Level 3 against Pillow's
#: default 6, on the eleven figures of a quick reproduction at 100 dpi: encoding 0.50 -> 0.30 CPU-s, files
#: 1563 -> 1580 KiB (+1 %); levels 1-2 are no faster and larger.
PNG_COMPRESS_LEVEL = 3


def _mpl():
    """matplotlib, imported on first use (``import thermolearn.numeric`` stays light)."""
    import matplotlib

    return matplotlib


@contextlib.contextmanager
def figure(nrows=1, ncols=1, *, figsize=(6.4, 4.2), **kw):
    """A styled ``(Figure, axes)`` pair (no pyplot), valid inside the ``with`` block.

    >>> with figure(figsize=(2, 2)) as (fig, ax):
    ...     _ = ax.plot([0, 1], [0, 1])
    >>> type(fig).__name__
    'Figure'
    """
    mpl = _mpl()
    from matplotlib.figure import Figure

    with mpl.rc_context(STYLE | {"axes.prop_cycle": mpl.cycler(color=list(CYCLE))}):
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, **kw)
        yield fig, axes


def save(fig, path, *, formats=("png", "pdf"), dpi=200) -> list[Path]:
    """Write ``fig`` as ``path`` with each suffix in ``formats``; return the paths.

    ``formats`` among png, pdf, svg (vector: pdf, svg).  ``dpi`` sets the raster resolution.
    """
    mpl = _mpl()
    ok = {"png", "pdf", "svg"}
    formats = tuple(formats)
    if not formats or set(formats) - ok:
        raise ParameterError(f"formats must be among {sorted(ok)}, got {formats!r}")
    if not (isinstance(dpi, (int, float)) and 20 <= dpi <= 2000):
        raise ParameterError(f"dpi must be a number in [20, 2000], got {dpi!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    import logging

    quiet = logging.getLogger("fontTools")  # font subsetting for PDF logs timestamp notices: not the user's business
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        _save_all(fig, path, formats, dpi, written, mpl)
    finally:
        quiet.setLevel(level)
    return written


def _save_all(fig, path, formats, dpi, written, mpl):
    """Draw ``fig`` once per format; the layout engine (constrained layout) runs for the first only.

    The layout is solved in figure-relative units, so the first format's positions serve the others: the
    engine is switched off after the first write (constrained layout measures every text box at each
    draw, the dearest part of a figure) and put back before returning, leaving ``fig`` as it came.
    """
    engine = fig.get_layout_engine()
    try:
        with mpl.rc_context(STYLE):
            for i, fmt in enumerate(formats):
                p = path.with_suffix("." + fmt)
                meta = {"Creator": "thermolearn"} if fmt in ("pdf", "svg") else {}
                extra = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if fmt == "png" else {}
                fig.savefig(p, dpi=dpi, format=fmt, metadata=meta, **extra)
                written.append(p)
                if i == 0 and engine is not None and len(formats) > 1:
                    fig.set_layout_engine("none")
    finally:
        if engine is not None and fig.get_layout_engine() is not engine:
            fig.set_layout_engine(engine)


#: Kernel cut-off of :func:`kde` in bandwidths: a sample's kernel beyond it is below e^{-40.5} ≈ 2.6e-18 of its peak.
KDE_CUTOFF = 9.0


def kde(samples, grid, bandwidth=None) -> np.ndarray:
    """Gaussian kernel density of 1-D ``samples`` on ``grid`` (Silverman's bandwidth by default).

    f(g) = Σ_j exp(−(g − x_j)²/2h²) / (n h √(2π)).  On a uniform grid each
    sample is summed only over the grid points within :data:`KDE_CUTOFF`·h
    of it (each omitted term is below 2.6e-18 of a kernel's peak: the result
    equals the full sum up to rounding and an absolute 1.1e-18/h); other
    grids take the full sum.

    >>> x = np.random.default_rng(0).standard_normal(4000)
    >>> g = np.linspace(-6, 6, 601)
    >>> bool(abs(np.trapezoid(kde(x, g), g) - 1) < 1e-3)
    True
    >>> bool(np.allclose(kde(x, g), kde(x, np.r_[g[:300], g[300:] + 1e-9])[:], rtol=1e-6, atol=1e-12))
    True
    """
    x = np.asarray(samples, dtype=float).ravel()
    g = np.asarray(grid, dtype=float).ravel()
    if x.size < 2 or not np.all(np.isfinite(x)):
        raise ParameterError(f"kde needs at least 2 finite samples, got {x.size}")
    if bandwidth is None:
        sd = np.std(x, ddof=1)
        iqr = np.subtract(*np.percentile(x, [75, 25])) / 1.349
        spread = min(sd, iqr) if iqr > 0 else sd
        bandwidth = 0.9 * max(spread, 1e-12) * x.size ** (-0.2)
    norm = x.size * bandwidth * np.sqrt(2 * np.pi)
    step = (g[-1] - g[0]) / (g.size - 1) if g.size > 1 else 0.0
    width = int(np.ceil(2 * KDE_CUTOFF * bandwidth / step)) + 2 if step > 0 else g.size
    if width < g.size and np.allclose(np.diff(g), step, rtol=1e-9, atol=0.0):
        return _kde_windowed(x, g, bandwidth, step, width) / norm
    out = np.zeros_like(g)
    for lo in range(0, x.size, 2048):  # bounded memory: (grid × 2048) per chunk
        z = (g[:, None] - x[None, lo:lo + 2048]) / bandwidth
        out += np.exp(-0.5 * z * z).sum(axis=1)
    return out / norm


def _kde_windowed(x, g, h, step, width):
    """Σ_j exp(−(g − x_j)²/2h²) on a uniform grid, each sample over the ``width`` grid points from its cut-off.

    Indices are shifted by ``width`` into a padded accumulator, so windows that
    run off the grid need no masking; the padding is dropped at the end.
    """
    acc = np.zeros(g.size + 2 * width)
    offsets = np.arange(width)
    for lo in range(0, x.size, 4096):  # bounded memory: (4096 × width) per chunk
        xs = x[lo:lo + 4096]
        first = np.clip(np.ceil((xs - KDE_CUTOFF * h - g[0]) / step), -width, g.size).astype(np.int64)
        z = ((g[0] + first * step - xs) / h)[:, None] + offsets * (step / h)
        acc += np.bincount((first[:, None] + (offsets + width)).ravel(), weights=np.exp(-0.5 * z * z).ravel(),
                           minlength=acc.size)
    return acc[width:width + g.size]


def ridge(ax, times, grid, densities, *, height=None, cmap="cividis", label=None):
    """Draw one smooth ridge per time: density filled below its baseline t (time runs down).

    ``densities`` has shape (len(times), len(grid)); ``height`` is the peak
    height in units of t (default: 10 % of the time span, about ten ridge
    spacings at 100 ridges, so neighbouring ridges overlap as in a joy plot).  Returns the scale
    factor (t units per density unit) for drawing reference densities alike.
    """
    mpl = _mpl()
    times = np.asarray(times, float)
    dens = np.asarray(densities, float)
    if dens.shape != (times.size, np.size(grid)):
        raise ParameterError(f"densities must have shape {(times.size, np.size(grid))}, got {dens.shape}")
    spacing = (times[-1] - times[0]) / max(times.size - 1, 1) if times.size > 1 else 1.0
    peak = float(np.max(dens)) if np.max(dens) > 0 else 1.0
    span = times[-1] - times[0] if times.size > 1 else 1.0
    scale = (max(0.1 * span, 3.0 * spacing) if height is None else height) / peak
    from matplotlib.collections import PolyCollection

    colours = mpl.colormaps[cmap](np.linspace(0.15, 0.95, times.size))
    g = np.asarray(grid, float)
    verts, faces, edges, widths = [], [], [], []
    for i in range(times.size):  # a later ridge rises in front of the earlier ones (joy-plot order)
        y = times[i] - dens[i] * scale
        # the fill between baseline and curve, then the curve's white outline: one collection drawn in
        # this order (one artist instead of ~200: the same picture at a fraction of the CPU)
        verts += [np.column_stack([np.r_[g, g[::-1]], np.r_[np.full(g.size, times[i]), y[::-1]]]),
                  np.column_stack([g, y])]
        faces += [colours[i], "none"]
        edges += ["none", "white"]
        widths += [0.0, 0.3]
    # ~100 overlapping fills: rasterised inside vector files (curves, text and axes stay vector)
    coll = PolyCollection(verts, closed=False, facecolors=faces, edgecolors=edges, linewidths=widths,
                          zorder=2, rasterized=True)
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()
    if label:
        ax.fill_between([], [], [], color=colours[times.size // 2], label=label)
    return scale


def kick_jumps(times, theta, *, atol=1e-12):
    """(t, θ before, θ after) of every jump (rows that repeat a time), for the first coordinate.

    >>> kick_jumps(np.array([0., 0., 1., 1.]), np.array([[0.], [2.], [3.], [5.]]))
    [(0.0, 0.0, 2.0), (1.0, 3.0, 5.0)]
    """
    t = np.asarray(times, float)
    th = np.asarray(theta, float).reshape(t.size, -1)[:, 0]
    return [(float(t[i]), float(th[i]), float(th[i + 1])) for i in range(t.size - 1)
            if t[i + 1] - t[i] <= atol and abs(th[i + 1] - th[i]) > atol]


def training_ridge(ax, result, *, target=None, theta0=None, model_density=None, ridges=101,
                   xlim=None, annotate_kicks=True, title=None):
    """The persistent-chain ridge figure (arXiv 2510.03137, Figs. 1–5) on ``ax``.

    ``result`` is a :class:`numeric.langevin.TrainingResult` with snapshots;
    ridges are Gaussian KDEs of the chains p_s(x, t) (at most ``ridges``),
    ``model_density(grid, theta) -> density`` (optional) draws p_m(x|θ₀) at
    the top and p_d = p_m(x|θ*) at the bottom; θ(t) and u(t) are curves; each
    kick is an arrow labelled with its size Δθ.  Returns the drawn data
    ``{"grid", "times", "density", "scale"}`` (for a data file beside the figure,
    and for drawing exact densities on the same ridges).
    """
    snaps, ts = np.asarray(result.snapshots), np.asarray(result.snapshot_times, float)
    if snaps.ndim != 3 or snaps.shape[0] < 2:
        raise ParameterError("training_ridge needs a result with >= 2 snapshots (train(..., snapshots=100))")
    stride = int(np.ceil(ts.size / max(int(ridges), 2)))  # a uniform stride: equally spaced ridges, no gaps
    pick = np.arange(0, ts.size, stride)
    snaps, ts = snaps[pick, :, 0], ts[pick]
    th, u, times = result.theta[:, 0], result.sample_mean[:, 0], np.asarray(result.times, float)
    ends = [v for v in (target, theta0) if v is not None]
    sd = float(np.std(snaps[0]))
    lo = min(np.percentile(snaps, 0.1), th.min(), *(e - 3 * sd for e in ends)) if xlim is None else xlim[0]
    hi = max(np.percentile(snaps, 99.9), th.max(), *(e + 3 * sd for e in ends)) if xlim is None else xlim[1]
    if xlim is None:
        pad = 0.08 * (hi - lo) + 0.5
        lo, hi = lo - pad, hi + pad
    grid = np.linspace(lo, hi, 500)
    dens = np.array([kde(s, grid) for s in snaps])
    scale = ridge(ax, ts, grid, dens, label=r"chains $p_s(x,t)$")
    tau = float(times[-1])
    def _masked(d):  # only where the density is visible: no flat line across the axes
        return np.where(d > 1e-3 * d.max(), d, np.nan)

    if model_density is not None and theta0 is not None:
        ax.plot(grid, ts[0] - _masked(model_density(grid, theta0)) * scale, color=PALETTE["black"], ls="--", lw=1.2,
                zorder=500, label=r"model $p_m(x|\theta_0)$")
    if model_density is not None and target is not None:
        ax.plot(grid, ts[-1] - _masked(model_density(grid, target)) * scale, color=PALETTE["sky"], ls="--", lw=1.4,
                zorder=500, label=r"data $p_d(x)=p_m(x|\theta^*)$")
    ax.plot(th, times, color=PALETTE["vermillion"], lw=2.0, zorder=600, label=r"model $\theta(t)$")
    ax.plot(u, times, color=PALETTE["orange"], lw=1.2, ls="-.", zorder=600, label=r"chain mean $u(t)$")
    if target is not None:
        ax.axvline(target, color=PALETTE["black"], ls=":", lw=1.0, zorder=550, label=r"target $\theta^*$")
    if annotate_kicks:
        for tk, a, b in kick_jumps(times, result.theta):
            ax.annotate("", xy=(b, tk), xytext=(a, tk), zorder=700,
                        arrowprops=dict(arrowstyle="-|>", color=PALETTE["vermillion"], lw=1.6))
            ax.text(0.5 * (a + b), tk, f"kick $\\Delta\\theta={b - a:+.3g}$", ha="center",
                    va="bottom" if tk > 0.5 * tau else "top", fontsize=7.5, color=PALETTE["vermillion"], zorder=700,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    spacing = tau / max(ts.size - 1, 1)
    top = ts[0] - float(np.max(dens[0])) * scale
    if model_density is not None and theta0 is not None:
        top = min(top, ts[0] - float(np.max(model_density(grid, theta0))) * scale)
    ax.set_ylim(tau + 2 * spacing, top - spacing)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(r"samples $x$ and parameter $\theta$")
    ax.set_ylabel(r"training time $t$")
    if title:
        ax.set_title(title)
    return {"grid": grid, "times": ts, "density": dens, "scale": scale}


def work_curves(ax, curves, *, xlabel=r"$t/\tau$", ylabel=r"excess work $W_{\mathrm{ex}}$ [$k_BT$]",
                title=None, legend_title="lines: exact; markers: simulated"):
    """Cumulative work curves; ``curves`` = (label, linestyle, t, W, t_sim, W_sim[, W_se]).

    Exact curves are lines; simulated values are markers (with error bars
    when a standard error is given).  The legend is placed outside the axes
    so it never covers a curve.
    """
    for i, c in enumerate(curves):
        label, style, tx, wx, ts, ws = c[:6]
        se = c[6] if len(c) > 6 else None
        colour = CYCLE[i % len(CYCLE)]
        ax.plot(tx, wx, ls=style, color=colour, label=f"{label}: {wx[-1]:.4g}")
        if ts is not None:
            if se is not None:
                ax.errorbar(ts, ws, yerr=se, fmt="o", ms=3, color=colour, alpha=0.85, elinewidth=0.8)
            else:
                ax.plot(ts, ws, "o", ms=3, color=colour, alpha=0.85)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=legend_title, title_fontsize=8)
    return ax


def plot_training(result, ax=None, *, target=None, theta0=None, model_density=None, title=None):
    """Ridge plot and cumulative work of a training run side by side (``.plot()`` of results).

    ``ax`` is None (new pyplot figure) or a pair of axes.  Without snapshots
    only the work panel is filled.  Returns the axes.
    """
    if ax is None:
        _mpl()
        import matplotlib.pyplot as plt

        with _mpl().rc_context(STYLE):
            _, ax = plt.subplots(1, 2, figsize=(10, 6), width_ratios=(3, 2), layout="constrained")
    a_ridge, a_work = ax
    snaps = np.asarray(getattr(result, "snapshots", np.zeros((0, 0, 0))))
    if snaps.ndim == 3 and snaps.shape[0] >= 2:
        training_ridge(a_ridge, result, target=target, theta0=theta0, model_density=model_density)
        a_ridge.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    else:
        a_ridge.set_axis_off()
    t = np.asarray(result.times, float)
    tau = float(t[-1])
    a_work.plot(t / tau, result.work, color=CYCLE[0], label=r"work $W(t)$")
    a_work.plot(t / tau, result.excess_work, color=CYCLE[1], ls="--", label=r"excess work $W_{\mathrm{ex}}(t)$")
    a_work.set_xlabel(r"$t/\tau$")
    a_work.set_ylabel(r"cumulative work [$k_BT$]")
    a_work.legend(loc="best")
    if title:
        a_ridge.figure.suptitle(title)
    return ax


def model_density(model):
    """p_m(x|θ) ∝ e^{−βE(x,θ)} of a model with one x coordinate, normalised on the grid it is called on.

    Returns ``density(grid, theta)`` (None for models with several x), for
    the reference curves of :func:`training_ridge`.
    """
    if len(model.x) != 1:
        return None
    from thermolearn.numeric.model import numeric_twin

    tw = numeric_twin(model)
    beta = tw.beta

    def density(grid, theta):
        g = np.asarray(grid, float)
        e = tw.energy(g[..., None], np.atleast_1d(np.asarray(theta, float))) * np.ones_like(g)
        w = np.exp(-beta * (e - np.nanmin(e)))
        return w / np.trapezoid(w, g)

    return density


def save_training_figure(path, result, *, target=None, theta0=None, density=None, title=None, dpi=200) -> Path:
    """Ridge plot + cumulative work of one run into ``path`` (format from its suffix: png, pdf or svg)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf", "svg"):
        raise ParameterError(f"plot file must end in .png, .pdf or .svg, got {str(path)!r}")
    th0 = None if theta0 is None else float(np.ravel(theta0)[0])
    tg = None if target is None else float(np.ravel(target)[0])
    with figure(1, 2, figsize=(10, 6), width_ratios=(3, 2)) as (fig, axes):
        plot_training(result, ax=axes, target=tg, theta0=th0, model_density=density, title=title)
        (out,) = save(fig, path, formats=(fmt,), dpi=dpi)
    return out


def plot_information(result, ax=None, *, label=""):
    """Memorised information M = I(Θ_n;B), I(X_n;B), I(X_n;Y) and the cumulative entropy
    production Σ_{|B} of an exact X–Θ analysis (Entropy 26, 112 (2024)) on a pair of axes.

    ``result`` is an :class:`infoflow.InfoflowAnalysis`; returns the axes.
    """
    if ax is None:
        _mpl()
        import matplotlib.pyplot as plt

        with _mpl().rc_context(STYLE):
            _, ax = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    a_info, a_ep = ax
    n = np.arange(np.size(result.M))
    pre = f"{label}: " if label else ""
    a_info.plot(n, result.M, color=CYCLE[0], label=pre + r"$M=I(\Theta_n;B)$")
    a_info.plot(n, result.L1, color=CYCLE[1], ls="--", label=pre + r"$I(X_n;B)$")
    a_info.plot(n, result.L2, color=CYCLE[2], ls=":", label=pre + r"$I(X_n;Y)$")
    a_info.set_xlabel(r"training step $n$")
    a_info.set_ylabel("information [nats]")
    a_info.legend()
    m = np.arange(1, np.size(result.sigma_x) + 1)
    a_ep.plot(m, np.cumsum(np.asarray(result.sigma_theta) + np.asarray(result.sigma_x)), color=CYCLE[0],
              label=r"$\Sigma_{|B}=\sum_n(\Sigma^\Theta_n+\Sigma^X_n)$")
    a_ep.plot(m, np.cumsum(result.heat), color=CYCLE[1], ls="--", label=r"heat $\sum_n\langle Q_n\rangle$")
    a_ep.plot(m, np.cumsum(result.dI_x), color=CYCLE[2], ls=":", label=r"flow $\sum_n\Delta I^X_n$")
    a_ep.set_xlabel(r"training step $n$")
    a_ep.set_ylabel("[nats]")
    a_ep.legend()
    return ax
