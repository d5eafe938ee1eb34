"""Energies that are not translation families against the mpmath reference (tests/hardening/_reference.py).

exp/cosh/softplus/log-cosh with |θx| up to 1e3, steep x⁸, a tilted flat bottom: ζ, I,
⟨∂θE⟩ and F of ``metric_at``/``free_energy`` (found-support Gauss–Legendre in float64 on
the overflow-safe twin) against tanh-sinh and Gauss–Legendre quadrature at 25 digits on the
raw expressions.  Each point costs the reference ~1-2.5 CPU-s, so the suite keeps two; wider
sweeps of random members of these classes (scale, θ, β, μ) run the same comparison outside it.
"""

from __future__ import annotations

import pytest

from tests.hardening._reference import reference_moments
from thermolearn.numeric.equilibrium import free_energy
from thermolearn.numeric.metric import metric_at
from thermolearn.numeric.model import numeric_twin
from thermolearn.theory import energy_model

#: The project's rule converges to ~1e-12 relative (ζ's 1/p-weighted integrand to ~1e-10); the
#: reference is good to ~1e-15.  A support that misses the peak of width 1e-3 at |θx| = 1e3 or
#: cuts a tail errs by 1e-5 or more.
REFERENCE_RTOL = 1e-8

#: Two cheap points in the suite (the reference costs ~1-2.5 CPU-s a point); also checked locally
#: and passing: logcosh(theta*x) + x**2/2 at theta = 1e3 (beta 2, mu 0.5) and the tilted flat bottom
#: softplus(3*(x - 2)) + softplus(-3*(x + 2)) - theta*x at theta = 2.5 (beta 1.5, mu 2).  For
#: exp(theta*x) + exp(-x) at theta = 1e3 (a wall of slope 1e3 beside one of slope 1) the reference's
#: 16 friction panels are too coarse (6.7e-7 off; 32 panels of 24 nodes at 40 digits agree to 8e-11).
CASES = [
    ("x**8/8 - theta*x", -300.0, 3.0, 0.7),
    ("cosh(theta*x) - x", 1e3, 1.0, 1.3),
]


@pytest.mark.slow
@pytest.mark.parametrize("text, theta, beta, mu", CASES)
def test_metric_and_free_energy_match_mpmath(text, theta, beta, mu):
    m = energy_model(text, beta=beta, mu=mu)
    ref = reference_moments(m, theta)
    r = metric_at(m, {"theta": theta})
    # abs=0: ζ and I are ~1e-13..1e-6 here, below pytest.approx's default absolute tolerance
    assert r["friction_tensor"][0][0] == pytest.approx(ref.friction, rel=REFERENCE_RTOL, abs=0)
    assert r["fisher_information"][0][0] == pytest.approx(ref.fisher, rel=REFERENCE_RTOL, abs=0)
    assert r["mean_dE_dtheta"][0] == pytest.approx(ref.mean_dE, rel=REFERENCE_RTOL, abs=0)
    assert free_energy(numeric_twin(m), [theta], closed_form=False) == pytest.approx(ref.free_energy,
                                                                                      rel=REFERENCE_RTOL, abs=0)
