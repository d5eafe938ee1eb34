"""The thermodynamic length's standard error (numeric/ebm/_trainer.py, ``_Ledger._chord``).

A chord c adds ℓ = √q, q = cᵀζ̂c; the block's ζ̂ has standard errors s on its
diagonal, so q carries δq = √Σ(cᵢ² sᵢ)².  Linear propagation δℓ = δq/(2ℓ)
holds while δq ≪ q; beyond it √(q ± δq) − √q is at most √δq, and linear
propagation (what the ledger did) reported ±4 on a length of 1.3 for the
default ``thermolearn train --model rbm`` run, whose lengths over six seeds
spread by ±1.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from thermolearn.numeric.ebm._trainer import _Ledger


def _ledger(zeta, se):
    block = SimpleNamespace(friction_se=np.asarray(se, float))
    metric = SimpleNamespace(friction=np.asarray(zeta, float), blocks=[block],
                             quadratic=lambda c: float(c @ np.asarray(zeta, float) @ c))
    led = _Ledger.__new__(_Ledger)  # only the chord's bookkeeping is under test
    led.metric, led.length, led.action, led.len_var = metric, 0.0, 0.0, 0.0
    led._mark, led._t_mark, led._t = np.zeros(2), 0.0, 1.0
    return led


@pytest.mark.parametrize("zeta, se, expected", [
    (np.diag([2.0, 1.0]), np.diag([1e-3, 1e-3]), 1e-3 * 0.36 / (2 * np.sqrt(2 * 0.36))),  # small error: linear
    (np.diag([1e-6, 1e-6]), np.diag([1.0, 1.0]), 0.6),  # error ≫ q: at most √δq = √(0.36)
])
def test_chord_error_is_linear_when_small_and_saturates_when_large(zeta, se, expected):
    led = _ledger(zeta, se)
    led._chord(np.array([0.6, 0.0]))
    assert np.sqrt(led.len_var) == pytest.approx(expected, rel=1e-12)
    assert led.length == pytest.approx(np.sqrt(0.36 * zeta[0, 0]), rel=1e-12)
