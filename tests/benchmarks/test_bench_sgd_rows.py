"""The ``sgd/run/measure`` row's target: from its full-batch passes timed directly, not from its own ratio."""

import pytest

from benchmarks import bench_sgd
from benchmarks._harness import row


def _runs(vec, loop):
    return {"train": row("sgd/run/train", 5.0, 5.0, vectorised_s=0.1, loop_s=0.5),
            "measure": row("sgd/run/measure", loop / vec, 5.0, vectorised_s=vec, loop_s=loop)}


@pytest.mark.parametrize("vec, loop, passes, target, met", [
    (0.40, 1.60, 0.25, 1.60 / 0.25 / 1.5, False),  # ratio 4.0 < ceiling 6.4 / 1.5 = 4.27
    (0.35, 1.60, 0.25, 1.60 / 0.25 / 1.5, True),   # ratio 4.57 >= 4.27 (missed against a bare 5)
    (0.20, 2.00, 0.10, 5.0, True),                 # ceiling 20: the target is capped at 5
])
def test_measure_target_is_the_ceiling_of_its_passes(monkeypatch, vec, loop, passes, target, met):
    monkeypatch.setattr(bench_sgd, "_full_batch_seconds", lambda data, cfg, repeats: (passes, 2 * passes))
    runs = _runs(vec, loop)
    bench_sgd._amdahl_ceiling(runs, None, None, 1)
    me = runs["measure"]
    assert me["details"]["amdahl_ceiling_ratio"] == pytest.approx(loop / passes, rel=1e-12)
    assert me["target"] == pytest.approx(target, rel=1e-12)
    assert me["met"] is met
    # the ceiling does not follow the measured ratio (the old difference estimate equalled it)
    assert me["details"]["amdahl_ceiling_ratio"] != pytest.approx(me["ratio"])
