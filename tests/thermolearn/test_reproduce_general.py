"""The general-potentials section of the minimal-dissipation reproduction (quick mode)."""

import json

from thermolearn._report import write_report
from thermolearn.reproduce import PAPERS
from thermolearn.reproduce import general_potentials


def test_registered():
    assert "thermolearn.reproduce.general_potentials" in PAPERS["minimal-dissipation"]


def test_quick_run_checks_pass_and_figure_written(tmp_path):
    checks = general_potentials.run(tmp_path, quick=True, seed=0)
    names = {c.name for c in checks}
    for model in ("quartic", "double_well"):
        assert f"general/{model}/geodesic_over_linear_excess_work" in names
        assert f"general/{model}/geodesic_over_constant_eta_excess_work" in names
    failed = [(c.name, c.expected, c.measured) for c in checks if not c.passed]
    assert not failed
    png = tmp_path / "general_potentials.png"
    assert png.exists() and png.stat().st_size > 10_000
    jpath, _ = write_report(tmp_path, checks)
    data = json.loads(jpath.read_text())
    assert all({"name", "expected", "measured", "tolerance", "passed"} <= set(c) for c in data["checks"])
