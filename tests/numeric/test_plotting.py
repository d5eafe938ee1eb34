"""thermolearn.numeric.plotting: the shared figure style, KDE ridges, kicks, file output."""

import numpy as np
import pytest

from thermolearn.numeric import plotting as P
from thermolearn.numeric.langevin import discontinuous_schedule, train
from thermolearn.theory import ParameterError
from thermolearn.theory.models import harmonic_trap


@pytest.mark.parametrize("loc,scale", [(0.0, 1.0), (-7.0, 0.3), (3.0, 4.0)])
def test_kde_matches_the_normal_density(loc, scale):
    # the bandwidth h smooths N(m, s^2) to N(m, s^2 + h^2) exactly: the kde must match that density to
    # 5 pointwise standard deviations sqrt(f R(K)/(n h)), R(K) = 1/(2 sqrt(pi)), at the peak
    rng = np.random.default_rng(3)
    x = rng.normal(loc, scale, 20000)
    g = np.linspace(loc - 5 * scale, loc + 5 * scale, 401)
    d = P.kde(x, g)
    h = 0.9 * min(x.std(ddof=1), np.subtract(*np.percentile(x, [75, 25])) / 1.349) * x.size ** -0.2
    var = scale**2 + h**2
    ref = np.exp(-(g - loc) ** 2 / (2 * var)) / np.sqrt(2 * np.pi * var)
    assert np.trapezoid(d, g) == pytest.approx(1.0, abs=1e-3)
    tol = 5 * np.sqrt(ref.max() / (2 * np.sqrt(np.pi)) / (x.size * h))
    assert np.max(np.abs(d - ref)) <= tol
    # a wrong input is caught: a density 1.5 times too wide fails the same bound
    wrong = np.exp(-(g - loc) ** 2 / (2 * 1.5 * var)) / np.sqrt(2 * np.pi * 1.5 * var)
    assert np.max(np.abs(d - wrong)) > tol


def test_kick_jumps_and_bad_inputs():
    assert P.kick_jumps(np.array([0.0, 0.5, 1.0]), np.array([[0.0], [1.0], [2.0]])) == []
    with pytest.raises(ParameterError, match="2 finite samples"):
        P.kde([1.0], [0.0])
    with pytest.raises(ParameterError, match="formats"):
        with P.figure() as (fig, _):
            P.save(fig, "/tmp/never", formats=("jpg",))
    with pytest.raises(ParameterError, match="dpi"):
        with P.figure() as (fig, _):
            P.save(fig, "/tmp/never", dpi=1)


def test_training_ridge_and_plot_write_raster_and_vector(tmp_path):
    m = harmonic_trap(k=2.0, beta=1.5, mu=0.7)
    s = discontinuous_schedule(beta=1.5, mu=0.7, k=2.0, tau=1.0)
    r = train(m, s, theta0=-3.0, target=1.0, particles=300, steps=40, snapshots=41,
              rng=np.random.default_rng(0))
    jumps = P.kick_jumps(r.times, r.theta)
    assert len(jumps) == 2 and jumps[0][2] - jumps[0][1] == pytest.approx(4.0 / (0.7 * 2 * 1 + 2), rel=0.2)
    with P.figure(1, 2, figsize=(8, 5)) as (fig, axes):
        r.plot(ax=axes, target=1.0, theta0=-3.0)
        paths = P.save(fig, tmp_path / "run", formats=("png", "svg"), dpi=60)
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 5000 for p in paths)
    with P.figure() as (fig, ax):
        drawn = P.training_ridge(ax, r, target=1.0, theta0=-3.0)
    assert drawn["density"].shape == (41, drawn["grid"].size)
    np.testing.assert_allclose(np.trapezoid(drawn["density"], drawn["grid"], axis=1), 1.0, atol=2e-2)


def test_result_plot_methods_of_infoflow_and_fokker_planck():
    from thermolearn.infoflow import TwoStateLearner
    from thermolearn.numeric.fokker_planck import Protocol, propagate

    r = TwoStateLearner(c=1.0).analyse(6)
    with P.figure(1, 2) as (_, axes):
        a_info, a_ep = r.plot(ax=axes, label="B")
    assert np.allclose(a_info.lines[0].get_ydata(), r.M)
    assert np.allclose(a_ep.lines[0].get_ydata(), np.cumsum(r.sigma_theta + r.sigma_x))
    f = propagate(harmonic_trap(k=1, beta=1, mu=1), Protocol.linear(0, 1, 1.0), steps=20)
    with P.figure(1, 2) as (_, axes):
        f.plot(ax=axes)
    assert not axes[0].axison and np.allclose(axes[1].lines[0].get_ydata(), f.work)


def test_pdf_output_is_silent(tmp_path, caplog):
    # fontTools logs a warning per subset font while the PDF is written (printed on stderr outside pytest);
    # library code must not print
    import logging

    with caplog.at_level(logging.DEBUG):
        with P.figure(figsize=(2, 2)) as (fig, ax):
            ax.set_title(r"$\eta(t)$, $\mu$")
            (p,) = P.save(fig, tmp_path / "f", formats=("pdf",), dpi=50)
    assert p.read_bytes()[:4] == b"%PDF"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


@pytest.mark.parametrize("n,loc,scale,lo,hi,points", [
    (500, 0.0, 1.0, -15.0, 5.0, 500),       # ridge-figure sizes: a wide grid, the kernel window inside it
    (20000, -7.0, 0.3, -9.0, -5.0, 401),    # many samples, narrow grid: windows run off both ends
    (3, 2.0, 4.0, -30.0, 30.0, 1001),       # three samples: a wide bandwidth
    (2000, 50.0, 1.0, -5.0, 5.0, 300),      # samples far outside the grid: every window off the grid
])
def test_kde_on_a_uniform_grid_equals_the_full_kernel_sum(n, loc, scale, lo, hi, points):
    # the cut-off window (KDE_CUTOFF bandwidths) drops terms below 2.6e-18 of a kernel's peak: the result must
    # equal the full double sum up to rounding (summation order), absolute 1e-13 of the peak density
    x = np.random.default_rng(5).normal(loc, scale, n)
    g = np.linspace(lo, hi, points)
    h = 0.9 * min(x.std(ddof=1), np.subtract(*np.percentile(x, [75, 25])) / 1.349) * n ** -0.2
    ref = np.exp(-0.5 * ((g[:, None] - x[None]) / h) ** 2).sum(axis=1) / (n * h * np.sqrt(2 * np.pi))
    peak = 1.0 / (h * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(P.kde(x, g), ref, rtol=0, atol=1e-13 * peak)
    np.testing.assert_allclose(P.kde(x, g, bandwidth=2 * h), P.kde(x, g[::-1], bandwidth=2 * h)[::-1],
                               rtol=0, atol=1e-13 * peak)  # a decreasing grid (full sum) agrees with the window


def test_ridge_draws_each_fill_then_its_outline_in_joy_plot_order():
    # one collection: ridge i's fill, then its white outline, then ridge i+1 (drawn in front); the outline is
    # the density curve t_i - scale * f_i(x), the fill reaches down to the baseline t_i
    times, grid = np.array([0.0, 1.0, 2.0]), np.linspace(-1, 1, 5)
    dens = np.array([[0, 1, 2, 1, 0], [0, 2, 4, 2, 0], [1, 1, 1, 1, 1]], float)
    with P.figure() as (_, ax):
        scale = P.ridge(ax, times, grid, dens, height=0.5)
        (coll,) = ax.collections
    assert scale == pytest.approx(0.5 / 4)
    paths = coll.get_paths()
    assert len(paths) == 6
    faces, edges = coll.get_facecolors(), coll.get_edgecolors()
    assert [f[3] > 0 for f in faces] == [True, False] * 3 and [e[3] > 0 for e in edges] == [False, True] * 3
    for i in range(3):
        np.testing.assert_allclose(paths[2 * i + 1].vertices, np.column_stack([grid, times[i] - dens[i] * scale]))
        fill = paths[2 * i].vertices
        assert fill[:5, 1].tolist() == [times[i]] * 5 and np.allclose(fill[5:, 1], (times[i] - dens[i] * scale)[::-1])


def test_png_is_written_at_the_house_compression_with_the_same_pixels(tmp_path):
    """save() writes PNG at PNG_COMPRESS_LEVEL (faster than Pillow's default 6): a valid file whose
    pixels equal those of a default-level file, and whose bytes are those of that level, not the default."""
    import io

    from PIL import Image

    with P.figure(figsize=(3, 2)) as (fig, ax):
        ax.plot([0, 1, 2], [0, 1, 4], label=P.SYMBOLS["theta"])
        ax.legend()
        (path,) = P.save(fig, tmp_path / "f", formats=("png",), dpi=80)
        refs = {}
        for level in (P.PNG_COMPRESS_LEVEL, 6):
            refs[level] = io.BytesIO()
            fig.savefig(refs[level], format="png", dpi=80, pil_kwargs={"compress_level": level})
    written = path.read_bytes()
    assert written == refs[P.PNG_COMPRESS_LEVEL].getvalue() != refs[6].getvalue()
    with Image.open(path) as a, Image.open(refs[6]) as b:
        a.verify()
    with Image.open(path) as a, Image.open(refs[6]) as b:
        assert a.size == (240, 160) and np.array_equal(np.asarray(a), np.asarray(b))


def _layout_problems(fig):
    """Axes (with their titles, drawn tick labels, axis labels, legends) or the suptitle reaching outside
    the canvas or overlapping each other: what a fixed-margin figure can get wrong that constrained layout
    would not."""
    import itertools

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    # a twin axes (twinx) shares its host's box by construction: host and twins are one panel
    panels, seen = [], set()
    for ax in fig.axes:
        if ax in seen:
            continue
        group = ax._twinned_axes.get_siblings(ax)
        seen.update(group)
        panels.append(Bbox.union([a.get_tightbbox(r) for a in group]))
    boxes = [(f"axes {i}", box) for i, box in enumerate(panels)]
    if fig._suptitle is not None:
        boxes.append(("suptitle", fig._suptitle.get_window_extent(r)))
    f, problems = fig.bbox, []
    for name, e in boxes:
        if e.x0 < f.x0 - 1 or e.y0 < f.y0 - 1 or e.x1 > f.x1 + 1 or e.y1 > f.y1 + 1:
            problems.append(f"outside: {name} {e.bounds}")
    for (na, a), (nb, b) in itertools.combinations(boxes, 2):
        if a.overlaps(b):
            problems.append(f"overlap: {na} / {nb}")
    return problems


def test_sgd_figure_with_fixed_margins_keeps_every_text_inside(tmp_path, monkeypatch):
    """The SGD-noise figure is laid out with fixed margins (no constrained-layout solve): every title,
    label, drawn tick label and legend stays on the canvas and no two panels overlap (a short run, whose
    log-axis tick labels, 2x10^-5 style, are wider than the quick run's)."""
    from dataclasses import replace

    from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, run_batch_sizes
    from thermolearn.reproduce._sgd_figure import draw

    found = {}

    def check(fig, path, **kw):
        found[path.name] = _layout_problems(fig) if path.name == "a.png" else []  # b.png: constrained layout
        return []

    monkeypatch.setattr(P, "save", check)
    cfg = SGDNoiseConfig(batch_size=10, learning_rate=0.05, steps=30, trials=3, width=8, t0=20, max_lag=3,
                         measure_every=5, eval_every=10)
    results = run_batch_sizes(load_digits(seed=0), {1: replace(cfg, batch_size=1, learning_rate=0.02), 10: cfg},
                              seed=1)
    draw(tmp_path / "a.png", tmp_path / "b.png", results, dpi=60, formats=("png",))
    assert found == {"a.png": [], "b.png": []}


def _gp_panel(name, a, b, scale):
    """One row of the general-potentials figure from synthetic curves; ``scale`` sets the metric's and the
    learning rates' magnitude (the widest tick labels: 0.5 to 5e3, log axes over eight decades)."""
    from types import SimpleNamespace

    tg = np.geomspace(0.5, 32.0, 5)
    t = np.linspace(0.0, 4.0, 81)
    path = np.linspace(min(a, b), max(a, b), 41)
    theta = a + (b - a) * (t / 4) ** 2
    fp = {"tau_grid": tg, "geodesic_Wtau_over_L2": 1 + 1 / tg, "linear_Wtau_over_L2": 1.2 + 1 / tg,
          "path": path, "zeta": scale * np.exp(-path**2), "fisher": 1.3 * scale * np.exp(-path**2 / 2),
          "geodesic_t": t, "geodesic_theta": theta, "linear_theta": a + (b - a) * t / 4}
    for key, f in (("constant_rate", 0.9), ("slow_driving", 1.1), ("geodesic_schedule", 1.0)):
        fp[f"{key}_t"], fp[f"{key}_theta"] = t, a + (b - a) * f * t / 4
        fp[f"{key}_Wex"] = np.array([0.456 * scale, 0.399 * scale, b])
        fp[f"{key}_H_t"], fp[f"{key}_H"] = t, 1e-4 * scale * np.exp(4.6 * t)
    taus = (1.0, 2.0, 4.0, 8.0)
    return (name, a, b, SimpleNamespace(length=2.062), None, 4.25, 6.3, taus, 1.1 * 4.25 * np.ones(4),
            0.05 * np.ones(4), fp)


def test_general_potentials_figure_with_fixed_boxes_keeps_every_text_inside(tmp_path, monkeypatch):
    """The general-potentials figure is placed in fixed boxes (no constrained-layout solve): every title,
    label, drawn tick label (the metric column's twin axis included) and legend stays on the canvas and no
    two panels overlap, the first row at the section's value ranges, the second at wider tick labels."""
    from thermolearn.reproduce import general_potentials as gp

    found = []
    monkeypatch.setattr(P, "save", lambda fig, path, **kw: found.append(_layout_problems(fig)) or [])
    panels = [_gp_panel("quartic", 0.0, 8.0, 1.0), _gp_panel("double_well", -1.5, 1.5, 5e3)]
    gp._figure(tmp_path / "general_potentials", panels, tau_mid=4.0, eta=0.5, dpi=60, formats=("png",))
    assert found == [[]]


@pytest.mark.parametrize("name,overrides", [("fig1", {}), ("fig4", {"theta0": -2000.0, "u0": -2000.0, "tau": 400.0})])
def test_ridge_figures_in_fixed_boxes_keep_every_text_inside(tmp_path, monkeypatch, name, overrides):
    """The ridge figures are drawn in fixed panel boxes (no constrained-layout solve): the two-line
    suptitle, every label, drawn tick label and the legends below the panels stay on the canvas and do
    not meet, at the paper's parameters (negative time ticks) and at four- and five-digit tick labels
    (Fig. 4 redrawn at θ₀ = u₀ = −2000, τ = 400, kicks annotated)."""
    from thermolearn.reproduce import minimal_dissipation as md
    from thermolearn.reproduce._ridge import ridge_canvas, ridge_figure

    found = []
    monkeypatch.setattr(P, "save", lambda fig, path, **kw: found.append(_layout_problems(fig)) or [])
    title, kind, p = md._params(name, overrides)
    model = harmonic_trap(k=p["k"], beta=p["beta"], mu=p["mu"])
    sched = md._schedule(kind, p)
    res = train(model, sched, theta0=p["theta0"], target=p["target"], u0=p["u0"], particles=200, steps=40,
                rng=np.random.default_rng(0), snapshots=11)
    ref = md.trap_moments(sched, points=41, beta=p["beta"], mu=p["mu"], k=p["k"], theta0=p["theta0"],
                          target=p["target"], u0=p["u0"])
    with ridge_canvas() as canvas:
        for _ in range(2):  # a second figure on the same canvas (cleared and redrawn)
            ridge_figure(tmp_path / name, res, title=f"{title}\n{md._label(p)}", target=p["target"],
                         theta0=p["theta0"], density=md._density(p), reference=ref, exact_var=1.0 / p["k"],
                         dpi=50, formats=("png",), canvas=canvas)
    assert found == [[], []]


def test_constrained_layout_is_solved_once_per_save_and_the_figure_keeps_its_engine(tmp_path, monkeypatch):
    """Saving PNG and PDF runs the layout engine for the first format only (its positions serve the
    second), and the figure comes back with its own engine, positions unchanged."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    calls = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", lambda self, fig: calls.append(1) or execute(self, fig))
    with P.figure(1, 2, figsize=(4, 2)) as (fig, axes):
        for ax in axes:
            ax.plot([0, 1], [0, 1e5])
            ax.set_title("a title")
        engine = fig.get_layout_engine()
        P.save(fig, tmp_path / "f", formats=("png", "pdf"), dpi=50)
        laid_out = [ax.get_position().bounds for ax in axes]
        assert len(calls) == 1
        assert fig.get_layout_engine() is engine
        P.save(fig, tmp_path / "g", formats=("png",), dpi=50)
        assert len(calls) == 2
        np.testing.assert_allclose([ax.get_position().bounds for ax in axes], laid_out, atol=1e-3)
