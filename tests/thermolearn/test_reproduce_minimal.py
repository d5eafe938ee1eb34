"""``reproduce --paper minimal-dissipation --quick``: every check passes, Figures 1–6 exist."""

import json

from thermolearn.cli import main


def test_quick_reproduction_passes_and_writes_figures(tmp_path, capsys):
    code = main(["reproduce", "--paper", "minimal-dissipation", "--out", str(tmp_path), "--quick"])
    capsys.readouterr()
    report = json.loads((tmp_path / "report.json").read_text())
    failed = [c["name"] for c in report["checks"] if not c["passed"]]
    assert code == 0 and not failed, failed
    names = {c["name"] for c in report["checks"]}
    for key in ("fig4/work", "fig1/oscillation_sign_changes", "fig2/monotone_min_increment",
                "fig6/ordering_exact(disc<slow<cont<const)", "all/bias_equals_beta_excess_work"):
        assert key in names
    pngs = sorted(p.name for p in tmp_path.glob("fig[1-6]_*.png"))  # other sections add their own figures
    assert len(pngs) == 6 and all((tmp_path / p).stat().st_size > 10_000 for p in pngs), pngs
    assert (tmp_path / "report.md").exists()
