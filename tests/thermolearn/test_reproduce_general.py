"""The general-potentials section of the minimal-dissipation reproduction (the shared quick run)."""

from thermolearn.reproduce import PAPERS


def test_registered():
    assert "thermolearn.reproduce.general_potentials" in PAPERS["minimal-dissipation"]


def test_quick_run_checks_pass_and_figure_written(quick_reproduction):
    checks = {n: c for n, c in quick_reproduction.checks().items() if n.startswith("general/")}
    for model in ("quartic", "double_well"):
        assert f"general/{model}/geodesic_over_linear_excess_work" in checks
        assert f"general/{model}/geodesic_over_constant_eta_excess_work" in checks
    failed = [(c["name"], c["expected"], c["measured"]) for c in checks.values() if not c["passed"]]
    assert not failed
    assert all({"name", "expected", "measured", "tolerance", "passed"} <= set(c) for c in checks.values())
    png = quick_reproduction.out / "general_potentials.png"
    assert png.exists() and png.stat().st_size > 10_000
