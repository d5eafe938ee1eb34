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
