"""``reproduce --quick`` (the shared session run): the minimal-dissipation checks pass, Figures 1–6 exist."""

import json

import numpy as np
import pytest

from thermolearn.cli import main


def test_quick_reproduction_passes_and_writes_figures(quick_reproduction):
    out = quick_reproduction.out
    report = json.loads((out / "report.json").read_text())
    failed = [c["name"] for c in report["checks"] if not c["passed"]]
    assert quick_reproduction.code == 0 and not failed, failed
    assert report["passed"] is True
    names = {c["name"] for c in report["checks"]}
    for key in ("fig4/work", "fig1/oscillation_sign_changes", "fig2/monotone_min_increment",
                "fig6/ordering_exact(disc<slow<cont<const)", "all/bias_equals_beta_excess_work"):
        assert key in names
    # other sections add their own figures (Figure 4.1 of the other paper: fig4_1_*)
    pngs = sorted(p.name for p in out.glob("fig[1-6]_*.png") if not p.name.startswith("fig4_1"))
    assert len(pngs) == 6 and all((out / p).stat().st_size > 10_000 for p in pngs), pngs
    assert (out / "report.md").exists()
    names = {p.name for p in out.iterdir()}
    for stem in ("fig1_constant", "fig2_quasi_static", "fig3_continuous", "fig4_discontinuous",
                 "fig5_slow_driving", "fig6_excess_work"):
        assert {f"{stem}.png", f"{stem}.npz"} <= names and f"{stem}.pdf" not in names, stem  # --quick: PNG only
    md = (out / "report.md").read_text()
    assert "![fig4](fig4_discontinuous.png)" in md  # each figure shown beside its checks


def _report(tmp_path, capsys, *argv):
    code = main(["reproduce", "--quick", "--out", str(tmp_path), *argv])
    capsys.readouterr()
    return code, {c["name"]: c for c in json.loads((tmp_path / "report.json").read_text())["checks"]}


@pytest.mark.slow
def test_only_fig4_at_mu5_reaches_the_true_optimum(tmp_path, capsys):
    # W_min = k Delta^2/(mu k tau + 2) = 100/7 at mu = 5, Delta = 10, tau = k = beta = 1
    code, checks = _report(tmp_path, capsys, "--only", "fig4", "--set", "mu=5", "--figure-format", "png,svg",
                           "--dpi", "60")
    assert code == 0 and all(c["passed"] for c in checks.values())
    assert checks["fig4/work"]["expected"] == pytest.approx(100 / 7, rel=1e-12)
    assert not any(n.startswith(("fig1", "fig6")) for n in checks)
    assert sorted(p.name for p in tmp_path.glob("fig*")) == [
        "fig4_discontinuous.npz", "fig4_discontinuous.png", "fig4_discontinuous.svg"]
    data = np.load(tmp_path / "fig4_discontinuous.npz")
    from thermolearn.reproduce.minimal_dissipation import RIDGES

    # a quick run draws RIDGES[True] ridges (51; the full run 101)
    assert data["ridge_density"].shape[0] == RIDGES[True] and data["theta"][-1, 0] == pytest.approx(0.0, abs=0.2)


@pytest.mark.slow
def test_displaced_chains_override_uses_the_nonequilibrium_optimum(tmp_path, capsys):
    code, checks = _report(tmp_path, capsys, "--only", "fig4", "--set", "u0=-12", "--dpi", "40",
                           "--figure-format", "png,pdf")
    assert code == 0 and checks["fig4/work"]["expected"] == pytest.approx(46.0, rel=1e-12)
    # an explicit --figure-format overrides the PNG-only default of --quick
    assert (tmp_path / "fig4_discontinuous.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_fig6_at_mu_half_shows_the_optimum_least(tmp_path, capsys):
    code, checks = _report(tmp_path, capsys, "--only", "fig6", "--set", "mu=0.5", "--dpi", "40")
    assert code == 0 and all(c["passed"] for c in checks.values())
    assert checks["fig6/discontinuous_exact_equals_Wmin"]["expected"] == pytest.approx(2 / 9, rel=1e-12)
    assert "fig6/optimum_is_least_among_protocols_reaching_target_min_z" in checks


@pytest.mark.parametrize("argv,msg", [
    (["--only", "fig9"], "not a section or figure"),
    (["--only", "fig4", "--set", "foo=1"], "take beta, k, mu"),
    (["--only", "fig4", "--set", "mu=-1"], "positive"),
    (["--only", "general-potentials", "--set", "mu=5"], "none of the selected sections"),
    (["--figure-format", "pdf"], "png plus"),
    (["--dpi", "3"], "--dpi"),
])
def test_bad_options_give_one_line_and_exit_2(tmp_path, capsys, argv, msg):
    code = main(["reproduce", "--quick", "--out", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert code == 2 and msg in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("overrides", [{}, {"mu": 5.0}, {"mu": 0.5, "k": 2.0, "beta": 1.5}, {"u0": -12.0}])
@pytest.mark.parametrize("name", ["fig1", "fig2", "fig3", "fig4", "fig5"])
def test_closed_forms_of_every_figure_match_the_moment_equations(name, overrides):
    """The expected values of the figure checks, at the paper's and at overridden parameters, against
    the noise-free moment equations (an independent ODE solve, rtol 1e-11)."""
    from thermolearn.numeric.langevin import trap_moments
    from thermolearn.reproduce import minimal_dissipation as md
    from tests.tolerances import ODE_RTOL

    _, kind, p = md._params(name, md._check_overrides(overrides))
    ref = trap_moments(md._schedule(kind, p), beta=p["beta"], mu=p["mu"], k=p["k"], theta0=p["theta0"],
                       target=p["target"], u0=p["u0"])
    for closed, exact in zip(md._closed(kind, p), (ref.theta[-1, 0], ref.u[-1, 0], ref.work[-1])):
        if closed is not None:
            assert closed == pytest.approx(exact, rel=ODE_RTOL, abs=ODE_RTOL * 10)
