"""The EBM-training reproduction section (quick mode): checks pass, table and figure written."""

from thermolearn.reproduce import PAPERS, ebm_training


def test_registered():
    assert "thermolearn.reproduce.ebm_training" in PAPERS["ebm-training"]


def test_quick_run(tmp_path):
    checks = ebm_training.run(tmp_path, quick=True, seed=0)
    names = {c.name for c in checks}
    assert "ebm/digits-2d/theorem1_bias_equals_beta_excess_work" in names
    assert not [(c.name, c.measured, c.expected) for c in checks if not c.passed]
    table = (tmp_path / "ebm_training.md").read_text()
    assert "slow-driving" in table and "annealed importance sampling" in table
    assert (tmp_path / "ebm_training.png").stat().st_size > 10_000
