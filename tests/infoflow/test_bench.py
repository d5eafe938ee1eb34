"""The infoflow benchmark runs and its exact checks hold (correctness only, no timing)."""

from benchmarks.bench_infoflow import run


def test_bench_tiny_correctness():
    rows = {r["name"]: r for r in run("tiny")}
    ft = rows["infoflow/ift_dft_N50"]["details"]
    assert ft["ift_residual"] <= 1e-12 and ft["dft_residual"] <= 1e-12
    en = rows["infoflow/vs_enumeration"]["details"]
    assert en["enumeration_ift_residual"] <= 1e-12 and en["enumeration_dft_residual"] <= 1e-8
