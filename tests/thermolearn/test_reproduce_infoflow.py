"""The X–Θ learner section of the reproduction: exact checks pass, figure and data written."""

import numpy as np

from thermolearn.reproduce import PAPERS
from thermolearn.reproduce import infoflow_learning as S
from thermolearn.infoflow import TwoStateLearner


def test_registered_with_the_second_paper():
    assert "thermolearn.reproduce.infoflow_learning" in PAPERS["sgd-thermodynamics"]


def test_quick_run_checks_pass_and_files_written(quick_reproduction):
    checks = {n: c for n, c in quick_reproduction.checks().items() if n.startswith("infoflow/")}
    failed = [(c["name"], c["expected"], c["measured"]) for c in checks.values() if not c["passed"]]
    assert checks and not failed
    for v in ("A_fresh_X", "B_fresh_X", "A_X_memory", "B_X_memory"):
        assert f"infoflow/{v}/identities" in checks and f"infoflow/{v}/ift_transfer_matrix" in checks
    assert "infoflow/enumeration_dft_pointwise" in checks
    out = quick_reproduction.out
    for suffix in (".png", ".npz"):  # --quick writes no vector files
        assert (out / f"infoflow_learning{suffix}").stat().st_size > 5000
    assert np.load(out / "infoflow_learning.npz")["B_X_memory_M"].shape == (21,)
    assert "![infoflow](infoflow_learning.png)" in (out / "report.md").read_text()


def test_network_drawing_has_the_variant_edges():
    from thermolearn.numeric.plotting import figure

    with figure() as (_, ax):
        G = S.draw_network(ax, TwoStateLearner(c=1.0, lam=0.5), 3)
    assert G.has_edge("x0", "th1") and G.has_edge("x0", "x1")  # feedback and X memory
    with figure() as (_, ax):
        G = S.draw_network(ax, TwoStateLearner(c=0.0, lam=1.0), 3)
    assert not G.has_edge("x0", "th1") and not G.has_edge("x0", "x1")
    assert S._labels(G)["th2"] == r"$\Theta_2$"
