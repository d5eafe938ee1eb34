"""The arithmetic floor of the SGD-noise section (benchmarks/bench_sgd.py) against a hand count.

The benchmark's ``reproduce/sgd_floor`` row divides these FLOPs by the
measured peak GEMM rate; a wrong count would misstate what the main job's
CPU budget can hold.  Independent path: the layer sizes of the paper's
network on the bundled digits (64 → 200 → 200 → 200 → 10) counted by hand.
"""

import pytest

from benchmarks.bench_sgd import _floor_row, sgd_section_flops

# multiply-adds per example: forward, weight gradients (same count), deltas below layer 1
_FWD = 64 * 200 + 2 * 200 * 200 + 200 * 10  # 94,800
_DELTA = 2 * 200 * 200 + 200 * 10  # 82,000
_PER_EXAMPLE = 2 * (2 * _FWD + _DELTA)  # FLOPs of one example's gradient: 543,200


def test_full_experiment_flops_match_hand_count():
    parts = sgd_section_flops(quick=False)
    # 2,000 steps x 50 trials x (1 + 10 + 100) examples
    assert parts["train"] == pytest.approx(2000 * 50 * 111 * _PER_EXAMPLE, rel=1e-12)
    # 40 measured steps (every 100 steps and the lag window 1000..1020) x 50 trials x 3 batch sizes,
    # each a pass over the 1,438 training examples of the digits split
    assert parts["full"] == pytest.approx(40 * 50 * 3 * 1438 * _PER_EXAMPLE, rel=1e-12)
    # extra noise draws: J - 1 = 10, 2, 2 minibatches of m examples per measured step
    assert parts["draws"] == pytest.approx(40 * 50 * (10 * 1 + 2 * 10 + 2 * 100) * _PER_EXAMPLE, rel=1e-12)
    # 41 test evaluations (every 50 steps and the end) x 50 trials x 3 batch sizes, forward only
    assert parts["eval"] == pytest.approx(41 * 50 * 3 * 359 * 2 * _FWD, rel=1e-12)


def test_floor_row_is_flops_over_peak():
    parts = sgd_section_flops(quick=True)
    r = _floor_row(True, 50.0)
    assert r["details"]["floor_cpu_s"] == pytest.approx(sum(parts.values()) / 50e9, abs=0.05)
    assert r["ratio"] == pytest.approx(sum(parts.values()) / 50e9 / 30.0, rel=1e-12)
