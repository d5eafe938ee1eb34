"""The EBM-training reproduction section (the shared quick run): checks pass, table and figure written."""

from thermolearn.reproduce import PAPERS


def test_registered():
    assert "thermolearn.reproduce.ebm_training" in PAPERS["ebm-training"]


def test_quick_run(quick_reproduction):
    checks = {n: c for n, c in quick_reproduction.checks().items() if n.startswith("ebm/")}
    assert "ebm/digits-2d/theorem1_bias_equals_beta_excess_work" in checks
    assert not [(c["name"], c["measured"], c["expected"]) for c in checks.values() if not c["passed"]]
    table = (quick_reproduction.out / "ebm_training.md").read_text()
    assert "slow-driving" in table and "annealed importance sampling" in table and "(initial theta0)" in table
    assert (quick_reproduction.out / "ebm_training.png").stat().st_size > 10_000
