"""The N-D support box holds the mass of tilted, curved and skewed densities, and says when nothing can.

The box of :func:`numeric.equilibrium._support.support_box` is found along
the coordinate axes through the mode, then widened until βE − βE_min ≥ 50
on the whole of every face.  A tilted density (x1 − a·x2 coupling) reaches
the faces away from the axes; before the widening the grid quadrature on
that box was first order in h and gave up ("did not converge"), and the
friction solve on the same box was biased.  References: the free energy by
integrating x1 out exactly (a Gaussian in x1) and x2 by adaptive 1-D
quadrature (scipy ``quad``); the friction of a 2-D quadratic energy from
theory's closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from thermolearn.numeric.equilibrium import expectation, free_energy
from thermolearn.numeric.metric import friction_generator
from thermolearn.numeric.model import numeric_twin
from thermolearn.theory import NumericalError, energy_model
from thermolearn.theory.metric import friction_tensor

from tests.tolerances import QUADRATURE_RTOL

# E = (x1 - a*x2 - theta)**2/2 + g(x2): x1 | x2 is Gaussian, so F = -ln(sqrt(2 pi/beta) * int exp(-beta g))/beta
G = {"log-cosh": ("log(cosh(x2)) + x2**2/8", lambda u: abs(u) + math.log1p(math.exp(-2 * abs(u))) - math.log(2)
                    + u * u / 8),
     "exp": ("exp(x2) - x2", lambda u: math.exp(min(u, 700.0)) - u),
     "quartic": ("x2**4/4", lambda u: u**4 / 4)}


def _reference_free_energy(g, beta):
    z2, _ = integrate.quad(lambda u: math.exp(-beta * g(u)), -np.inf, np.inf, epsabs=0, epsrel=1e-13, limit=400)
    return -math.log(math.sqrt(2 * math.pi / beta) * z2) / beta


@pytest.mark.parametrize("family, a, beta, theta", [("log-cosh", 3.0, 1.0, 0.0), ("exp", 6.0, 0.5, 40.0),
                                                    ("quartic", -4.0, 2.5, -7.0)])
def test_tilted_free_energy_and_mean_match_the_exact_marginal(family, a, beta, theta):
    text, g = G[family]
    model = energy_model(f"(x1 - {a}*x2 - theta)**2/2 + {text}", x=["x1", "x2"], beta=beta, mu=1)
    twin = numeric_twin(model)
    F = free_energy(twin, [theta])
    # trapezoid on the cleared box: spectral, converged to 1e-9 in ln Z (grid_rule's rtol)
    assert abs(F - _reference_free_energy(g, beta)) <= 1e-9 / beta + QUADRATURE_RTOL * abs(F)
    m = expectation(twin, [theta], lambda x: x)
    assert np.allclose(m[0], theta + a * m[1], rtol=0, atol=1e-8)  # E[x1 | x2] = theta + a x2


@pytest.mark.parametrize("c, beta, theta", [(0.5, 1.0, 0.0), (-0.3, 2.0, 25.0)])
def test_curved_density_free_energy_and_mean_are_exact(c, beta, theta):
    # x1 | x2 ~ N(theta + c x2**2, 1/beta) along a parabola; x2 ~ N(0, 1/beta); the Hessian at the mode is
    # diagonal, so the box found along the axes misses the arms of the parabola until its faces are cleared
    model = energy_model(f"(x1 - theta - {c}*x2**2)**2/2 + x2**2/2", x=["x1", "x2"], beta=beta, mu=1)
    twin = numeric_twin(model)
    assert abs(free_energy(twin, [theta]) + math.log(2 * math.pi / beta) / beta) <= 1e-9 / beta
    assert np.allclose(expectation(twin, [theta], lambda x: x), [theta + c / beta, 0.0], rtol=0, atol=1e-8)


@pytest.mark.parametrize("a, beta, mu", [(3.0, 1.0, 1.0), (-5.0, 2.0, 0.5)])
def test_tilted_quadratic_friction_on_the_found_box_matches_theory(a, beta, mu):
    energy = f"(x1 - {a}*x2 - theta)**2/2 + x2**2/2"
    model = energy_model(energy, x=["x1", "x2"], beta=beta, mu=mu)
    exact = float(np.array(friction_tensor(model).subs({"theta": 0.0}).evalf(), dtype=float)[0, 0])
    got = friction_generator(model, [0.0], n=161, relaxation=False).friction[0, 0]
    # generator discretisation error O(h^2): ~1e-3 relative at 161 points per axis on this box
    assert got == pytest.approx(exact, rel=5e-3)


def test_a_density_that_does_not_decay_is_reported_not_integrated():
    # along x1 = -x2/5, x2 -> -inf the energy falls like -x2**2/50: not normalisable
    model = energy_model("(x1 - theta)**2/2 + exp(x2) - x2 + x1*x2/5", x=["x1", "x2"], beta=2, mu=1)
    twin = numeric_twin(model)
    with pytest.raises(NumericalError, match="not normalisable"):
        free_energy(twin, [0.6])
    with pytest.raises(NumericalError, match="not normalisable"):
        friction_generator(model, [0.6], n=41, relaxation=False)


def test_generator_modes_and_their_share_of_the_friction():
    # harmonic trap k: modes n*mu*k, only the first couples to dE/dtheta = -(x - theta): share 1
    model = energy_model("2*(x - theta)**2", beta=1.3, mu=0.7)
    g = friction_generator(model, [0.4], n=801)
    assert g.mode_times[0] == pytest.approx(1 / (0.7 * 4), rel=1e-4)  # O(h^2) of the 801-point grid
    assert g.mode_shares[0] == pytest.approx(1.0, abs=1e-4) and np.all(g.mode_shares[1:] < 1e-4)
    # a symmetric well with an even dE/dtheta = x**2/2: the slowest (odd) mode carries nothing
    g = friction_generator(energy_model("theta*x**2/2 + x**4/4", beta=2, mu=1), [-1.0], n=801)
    assert g.mode_shares[0] < 1e-8 and g.mode_shares[1] > 0.5


@pytest.mark.parametrize("energy, beta", [("(x1 - theta - x2**2/2)**2/2 + x2**2/2", 0.7),
                                          ("(x1 - 3*x2 - theta)**2/2 + log(cosh(x2)) + x2**2/8", 1.5)])
def test_metric_at_two_coordinates_is_extrapolated_to_the_exact_friction(energy, beta):
    # translation families in x1: zeta = 1/mu exactly.  One 161-point grid errs by 4e-3 (tilted) and 2e-2
    # (curved); the Richardson pair 81/161 by 5e-5 and 1e-3
    from thermolearn.numeric.metric import metric_at

    r = metric_at(energy_model(energy, x=["x1", "x2"], beta=beta, mu=1.9), {"theta": 0.3})
    assert r["friction_tensor"][0][0] == pytest.approx(1 / 1.9, rel=2e-3)
    assert "Richardson" in r["method"]
