"""Energies no other test has seen: whole classes, each against an independent value.

Translation families E = V(x − θ) are the sharpest oracle: everything physical
is invariant under x → x + c, θ → θ + c, so a run at θ ≈ 1000 must reproduce
the run at θ ≈ 0 (same numbers, shifted), and ζ = 1/μ exactly (arXiv
2510.03137: ∂θE = −V′, and the Poisson equation of the friction is solved
by f = −x/μ, so ζ = β⟨V′ x⟩/μ = 1/μ), ⟨∂θE⟩ = 0, F(θ) = F(0),
I = β²Var(V′) = β⟨V″⟩.  Other classes (exp/cosh/softplus/log-cosh with |θx|
up to 1e3, steep x⁶/x⁸, flat-bottomed, tilted) are compared with the mpmath
reference of ``tests/hardening/_reference.py``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thermolearn.numeric.equilibrium import expectation, free_energy
from thermolearn.numeric.model import numeric_twin
from thermolearn.numeric.metric import metric_at
from thermolearn.theory import NumericalError, energy_model

#: ``HYPOTHESIS_EXAMPLES=300 HYPOTHESIS_PROFILE=explore`` runs the sweeps wide (300 examples of the
#: metric sweep: ~60 CPU-s); the suite runs a few derandomised examples.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "3"))

#: V(u) of translation families E = V(a(x − θ)): non-Gaussian, so no closed form serves them.
SHAPES = {
    "quartic": "U**4/4",
    "cosh": "cosh(U)",
    "logcosh": "logcosh(U)",
    "softplus pair": "softplus(U) + softplus(-U)",
    "x6": "U**6/6",
    "x8": "U**8/8",
    "flat-bottomed": "softplus(8*(U - 2)) + softplus(-8*(U + 2))",
    "exp wall": "exp(U) - U",
    "quadratic + quartic": "U**2/2 + U**4/4",
}

#: ζ, ⟨∂θE⟩ and F of the found-support quadrature (adaptive Gauss–Legendre, converged to ~1e-12
#: relative; ζ's Φ²/p integrand to ~1e-10) against exact values: 1e-8 leaves room for the
#: conditioning at |θ| = 1e3 (x rounded to 1e3·eps) and is far below the error of a support
#: that misses the mode (O(1)) or cuts a tail at βΔE ~ 10 (~1e-5).
EXACT_RTOL = 1e-8


def _translation(shape, a, beta, mu):
    return energy_model(SHAPES[shape].replace("U", f"({a!r}*(x - theta))"), beta=beta, mu=mu)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.sampled_from(sorted(SHAPES)), a=st.floats(0.2, 5.0), theta=st.floats(-1e3, 1e3),
       beta=st.floats(0.3, 4.0), mu=st.floats(0.2, 5.0).filter(lambda m: abs(m - 1) > 1e-3))
def test_translation_family_metric_is_exact(shape, a, theta, beta, mu):
    """ζ = 1/μ, ⟨∂θE⟩ = 0, F(θ) = F(0), I(θ) = I(0) = β⟨V″⟩ for V(a(x − θ)), any θ in ±1e3."""
    m = _translation(shape, a, beta, mu)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no accuracy or overflow warning either
        r, r0 = metric_at(m, {"theta": theta}), metric_at(m, {"theta": 0.0})
        tw = numeric_twin(m)
        F, F0 = free_energy(tw, [theta], closed_form=False), free_energy(tw, [0.0], closed_form=False)
        curv = float(expectation(tw, [0.0], lambda x: tw.hess_x(x, [0.0])[..., 0, 0], closed_form=False))
    zeta, fisher, mean = r["friction_tensor"][0][0], r["fisher_information"][0][0], r["mean_dE_dtheta"][0]
    assert zeta * mu == pytest.approx(1.0, rel=EXACT_RTOL)
    assert abs(mean) <= EXACT_RTOL * np.sqrt(fisher) / beta  # in units of the spread of ∂θE
    assert F == pytest.approx(F0, rel=EXACT_RTOL, abs=EXACT_RTOL / beta)
    assert fisher == pytest.approx(r0["fisher_information"][0][0], rel=EXACT_RTOL, abs=0)
    assert fisher == pytest.approx(beta * curv, rel=EXACT_RTOL, abs=0)  # β²Var(V′) = β⟨V″⟩ (by parts)


@pytest.mark.parametrize("text, theta", [
    ("softplus(x - 2) + softplus(-x - 2) - theta*x", 3.0),  # the tilt beats the flat bottom's walls
    ("log1p(x**2) + theta*x**2", -1.0),  # falls like -x²: βE reaches -1.8e308 where x² overflows
    ("log1p(x**2) + theta*x**4", -1.0),  # falls to -inf
])
def test_not_normalisable_at_theta_says_so(text, theta):
    """A θ where p_m is not normalisable is one clear error naming it, not a message about supports."""
    with pytest.raises(NumericalError, match="is not normalisable: beta"):
        metric_at(energy_model(text, beta=1, mu=1), {"theta": theta})


@pytest.mark.parametrize("text, theta", [
    ("softplus(2*(x - theta)) + x**2/8", -600.0),  # ∂θE = -2 + O(e^-1200) on the support: Var ~ 1e-1200
    ("softplus(x - theta) + x**2/8", 500.0),  # ∂θE = -σ(x - 500) underflows to 0 on the support
])
def test_unresolved_fisher_is_an_error_not_rounding_noise(text, theta):
    """Var(∂θE) below float64 resolution is reported, not returned as I ~ (ε·|∂θE|)² ≈ 1e-31 (whose ratio
    with ζ, the relaxation time, came out O(1) and meaningless)."""
    with pytest.raises(NumericalError, match="does not depend on this parameter there"):
        metric_at(energy_model(text, beta=0.5, mu=0.8), {"theta": theta})
    assert metric_at(energy_model(text, beta=0.5, mu=0.8), {"theta": theta / 100})["fisher_information"][0][0] > 0
