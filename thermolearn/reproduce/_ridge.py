"""Ridge figures of the minimal-dissipation reproduction (arXiv 2510.03137, Figs. 1–5).

Drawn with the shared style of :mod:`thermolearn.numeric.plotting`: ~100
smooth ridges (kernel densities of the persistent chains p_s), the model
p_m(x|θ₀) on top and the data p_d = p_m(x|θ*) at the bottom, θ(t) and the
chain mean u(t), annotated kicks; beside it the cumulative work W(t) of the
run against the exact moment equations.  Each figure is written as raster
and vector files with an ``.npz`` of everything drawn.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

__all__ = ["ridge_figure", "ridge_canvas"]


#: Fixed boxes (figure fractions: left, bottom, width, height) of the ridge panel and the work panel: those
#: constrained layout finds for these figures (two-line suptitle above, the legends below the panels), with
#: room for wider tick labels (negative or four-digit times).  Placing them directly skips the layout solve, which measured every text box
#: (~0.3 CPU-s a figure set); tests/numeric/test_plotting.py checks that no text leaves the canvas or meets
#: the other panel, at the paper's parameters and at wider tick labels.
RIDGE_BOXES = ((0.08, 0.172, 0.618, 0.716), (0.718, 0.172, 0.276, 0.716))


@contextlib.contextmanager
def ridge_canvas():
    """The figure the ridge figures are drawn on: ``with ridge_canvas() as canvas`` yields ``(fig, (ax, aw))``.

    Pass it to :func:`ridge_figure` as ``canvas`` to draw several figures in turn on one
    figure with its own Agg canvas: its renderer, and with it matplotlib's caches of text
    extents and parsed mathtext (kept per renderer), then serve every figure after the
    first (``savefig`` on a figure without a canvas of its own makes a new one per file).
    The panels sit in the fixed boxes :data:`RIDGE_BOXES` (no layout engine).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from thermolearn.numeric.plotting import figure

    with figure(1, 2, figsize=(8.4, 6.2), width_ratios=(3.0, 1.3), sharey=False) as (fig, axes):
        # no engine at all (None, not "none", which leaves a placeholder): savefig skips the layout pass
        fig.set_layout_engine(None)
        for ax, box in zip(axes, RIDGE_BOXES):
            ax.set_position(box)
        FigureCanvasAgg(fig)
        yield fig, axes


def ridge_figure(stem, res, *, title, target, theta0, density, reference=None, exact_var=None, dpi=200,
                 formats=("png", "pdf"), canvas=None) -> list[Path]:
    """Write ``stem``.png/.pdf/.npz for one training run ``res`` (with snapshots); return the paths.

    ``reference`` (moment equations) and ``exact_var`` (the chains' constant variance) add the
    exact chain density on every tenth ridge and the exact work curve.  ``canvas``: a
    ``(fig, (ax, aw))`` from :func:`ridge_canvas` to draw on (cleared first), else a new figure.
    """
    if canvas is not None:
        fig, (ax, aw) = canvas
        ax.clear(), aw.clear()
        return _draw(fig, ax, aw, Path(stem), res, title=title, target=target, theta0=theta0, density=density,
                     reference=reference, exact_var=exact_var, dpi=dpi, formats=formats)
    with ridge_canvas() as (fig, (ax, aw)):
        return _draw(fig, ax, aw, Path(stem), res, title=title, target=target, theta0=theta0, density=density,
                     reference=reference, exact_var=exact_var, dpi=dpi, formats=formats)


def _draw(fig, ax, aw, stem, res, *, title, target, theta0, density, reference, exact_var, dpi, formats):
    from thermolearn.numeric.plotting import CYCLE, save, training_ridge

    drawn = training_ridge(ax, res, target=target, theta0=theta0, model_density=density)
    if reference is not None and exact_var is not None:
        # the trap's chains stay Gaussian with the equilibrium variance (the covariance does not
        # depend on theta): the exact p_s(x, t) = N(u(t), 1/(beta k)) on every tenth ridge
        # (one line, the ridges separated by NaN: one artist instead of one per ridge)
        g, ts_r, sc = drawn["grid"], drawn["times"], drawn["scale"]
        tr = ts_r[::10, None]
        u = np.interp(tr, reference.times, reference.u[:, 0])
        pe = np.exp(-(g - u) ** 2 / (2 * exact_var)) / np.sqrt(2 * np.pi * exact_var)
        ys = tr - np.where(pe > 1e-3 * pe.max(axis=1, keepdims=True), pe, np.nan) * sc
        gaps = np.full((ys.shape[0], 1), np.nan)
        ax.plot(np.hstack([np.broadcast_to(g, ys.shape), gaps]).ravel(), np.hstack([ys, gaps]).ravel(), color="k",
                lw=0.6, ls=(0, (2, 1)), zorder=450, label=r"exact $p_s$ (moment equations)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3)
    t = np.asarray(res.times, float)
    aw.plot(res.work, t, color=CYCLE[0], label="this run")
    if reference is not None:
        aw.plot(reference.work, reference.times, color="k", ls="--", lw=1.0, label="exact (moments)")
    aw.set_ylim(ax.get_ylim())
    aw.set_xlabel(r"work $W(t)$ [$k_BT$]")
    aw.set_yticklabels([])
    aw.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09))
    aw.set_title(f"$W(\\tau)={float(res.work[-1]):.4g}$")
    fig.suptitle(title)
    paths = save(fig, stem, dpi=dpi, formats=formats)
    data = dict(times=t, theta=res.theta, sample_mean=res.sample_mean, work=res.work,
                excess_work=res.excess_work, ridge_grid=drawn["grid"], ridge_times=drawn["times"],
                ridge_density=drawn["density"])
    if reference is not None:
        data |= dict(exact_times=reference.times, exact_theta=reference.theta, exact_u=reference.u,
                     exact_work=reference.work)
    npz = stem.with_suffix(".npz")
    np.savez_compressed(npz, **data)
    return [*paths, npz]
