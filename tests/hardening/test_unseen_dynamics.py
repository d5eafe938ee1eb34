"""Runs on energies no other test has seen: translation invariance of the trainers.

A translation family E = V(x − θ) is invariant under x → x + c, θ → θ + c:
a density run at θ ≈ 1000 must reproduce the run at θ ≈ 0 shifted (the
automatic grid is found around the density, not assumed near the origin),
and a Langevin run with the same seed the same chains shifted, for every
stepper.  Wide runs: ``HYPOTHESIS_EXAMPLES=300 HYPOTHESIS_PROFILE=explore``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.test_unseen_classes import _translation
from thermolearn.numeric.fokker_planck import auto_grid
from thermolearn.numeric.fokker_planck import train as fp_train
from thermolearn.numeric.langevin import train
from thermolearn.numeric.model import numeric_twin
from thermolearn.numeric.schedule import build_schedule
from thermolearn.theory import energy_model

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "4"))

@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.sampled_from(["logcosh", "quartic", "flat-bottomed", "cosh"]),
       method=st.sampled_from(["euler", "heun", "mala"]), shift=st.floats(-1e3, 1e3),
       seed=st.integers(0, 2**32 - 1))
def test_langevin_run_is_translation_invariant(shape, method, shift, seed):
    """Chains, θ and work of a run shifted by c equal the unshifted run's, same seed (float rounding only)."""
    m = _translation(shape, 1.0, 1.3, 0.7)
    out = []
    for c in (0.0, shift):
        s = build_schedule("slow-driving", m, tau=2.0, theta0=[c], target=[c + 1.0])
        r = train(m, s, theta0=[c], target=[c + 1.0], particles=64, steps=20, method=method,
                  rng=np.random.default_rng(seed))
        out.append(np.concatenate([r.theta[:, 0] - c, r.sample_mean[:, 0] - c, r.work, r.excess_work]))
    # x ≈ 1e3 carries 1e3·eps ≈ 2e-13 absolute rounding per step; 20 steps of a contracting flow
    np.testing.assert_allclose(out[1], out[0], rtol=0, atol=1e-8)


# A noise-free density run is deterministic: the shifted run differs only by the grid placement
# (cell centres fall at other offsets from the mode) and rounding of x ≈ 1e3 (1e3·eps ≈ 2e-13).
# Grid error of the second-order scheme at ≥ 10 cells per local scale is ~1e-4 relative; a grid
# that misses the density or cuts its tail errs by O(1) or raises.
SHIFT_RTOL = 2e-3

SHIFTED = ["cosh(x - theta)", "(x - theta)**6/6", "softplus(4*(x - theta - 1)) + softplus(-4*(x - theta + 1))"]


@pytest.mark.parametrize("text", SHIFTED)
def test_fokker_planck_run_is_translation_invariant(text):
    """θ 1000 → 1001 gives the run θ 0 → 1 shifted by 1000 (the automatic grid is found, not assumed)."""
    m = energy_model(text, beta=1.5, mu=0.8)
    out = []
    for c in (0.0, 1000.0):
        s = build_schedule("slow-driving", m, tau=4.0, theta0=[c], target=[c + 1.0])
        r = fp_train(m, s, theta0=[c], target=[c + 1.0], steps=30)
        out.append((r.theta[-1, 0] - c, r.sample_mean[-1, 0] - c, r.excess_work[-1], r.work[-1]))
    np.testing.assert_allclose(out[1], out[0], rtol=SHIFT_RTOL, atol=SHIFT_RTOL * 1e-2, err_msg=text)


@pytest.mark.parametrize("text, theta", [("cosh(x - theta)", 1e3), ("(x - theta)**8/8", -1e3),
                                         ("exp(x - theta) - x", 700.0)])
def test_auto_grid_holds_a_far_density(text, theta):
    """The grid covers the found support at θ far from the origin, cells resolve the peak."""
    tw = numeric_twin(energy_model(text, beta=2, mu=1))
    g = auto_grid(tw, [np.array([theta])], mass_tol=1e-10)
    x = g.centres[0]
    bE = tw.beta_energy(x[:, None], [theta])
    w = np.exp(-(bE - bE.min()))
    w /= w.sum()
    assert w[0] < 1e-12 and w[-1] < 1e-12, (g.lower, g.upper)
    assert np.sum(w > 1e-3) >= 20  # the peak spans many cells
