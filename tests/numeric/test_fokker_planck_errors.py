"""Bad input to the Fokker–Planck solver: each case detected and reported clearly."""

import math
import re

import numpy as np
import pytest

from thermolearn.numeric.fokker_planck import Grid, Protocol, propagate, train
from thermolearn.numeric.schedule import Schedule
from thermolearn.theory import NumericalError, ParameterError, energy_model
from thermolearn.theory.models import harmonic_trap

TRAP = harmonic_trap(k=1, beta=1, mu=1)
LIN = Protocol.linear([0.0], [0.5], 1.0)


def test_grid_too_coarse_for_local_scale():
    stiff = harmonic_trap(k=400, beta=1, mu=1)  # local scale sqrt(1/(βk)) = 0.05
    with pytest.raises(ParameterError, match=r"too coarse.*0\.05"):
        propagate(stiff, Protocol.linear([0.0], [0.1], 1.0), grid=Grid((-1.0,), (1.0,), (10,)))


def test_domain_cutting_mass_reports_how_much():
    # N(0, 1) at θ = 0 on [-1.5, 8]: the cut-off mass is Φ(−1.5) = erfc(1.5/√2)/2 ≈ 0.0668
    with pytest.raises(ParameterError, match="cuts off") as info:
        propagate(TRAP, Protocol.linear([0.0], [0.0], 1.0), grid=Grid((-1.5,), (8.0,), (300,)))
    reported = float(re.search(r"cuts off ([0-9.e-]+)", str(info.value)).group(1))
    exact = 0.5 * math.erfc(1.5 / math.sqrt(2))
    assert abs(reported - exact) < 0.01 * exact  # 3 significant digits printed, probe grid h ≈ 0.014


def test_non_finite_user_energy_on_the_grid():
    # real and normalisable everywhere, but exp(x⁴/100) overflows float64 for |x| > 51.6:
    # a grid reaching there is refused, naming the point (an energy that is not real
    # somewhere, e.g. sqrt(x + 3), is refused earlier, when the model is built)
    m = energy_model("x**2/2 - theta*x + exp(x**4/100)", beta=1, mu=1)
    with pytest.raises(NumericalError, match=r"not finite.*x=\(-"):
        propagate(m, LIN, steps=10, grid=Grid((-30.0,), (5.0,), (700,)))


def test_symbolic_temperature_rejected():
    with pytest.raises(ParameterError, match="beta"):
        propagate(harmonic_trap(k=1), LIN)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"steps": 0}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"method": "rk4"}, "method"),
        ({"p0": np.ones(7)}, "p0"),
        ({"grid": Grid((-5.0, -5.0), (5.0, 5.0), (10, 10))}, "2-D"),
        ({"u0": [np.nan]}, "u0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        propagate(TRAP, LIN, **kwargs)


def test_bad_protocol_and_schedule():
    with pytest.raises(ParameterError, match="protocol"):
        propagate(TRAP, lambda t: t)
    with pytest.raises(ParameterError, match="tau"):
        Protocol.linear([0.0], [1.0], -1.0)
    with pytest.raises(ParameterError, match="schedule"):
        train(TRAP, 1.0, theta0=[0.0], target=[1.0])
    with pytest.raises(ParameterError, match="theta"):
        train(TRAP, Schedule("c", lambda t, th: 1.0, 1.0), theta0=[0.0, 1.0], target=[1.0])


def test_density_reaching_the_boundary_is_reported():
    # arXiv 2510.03137, Fig. 1: θ overshoots from 10 to ≈ 12 while learning; a user grid that
    # holds p_m(θ) for θ in [θ*, θ0] = [0, 10] (checked up front) cannot hold the overshoot
    m = harmonic_trap(k=1, beta=1, mu=10)
    with pytest.raises(NumericalError, match="boundary"):
        train(m, Schedule("c", lambda t, th: 10.0, 1.0), theta0=[10.0], target=[0.0], u0=[-10.0],
              grid=Grid((-14.0,), (16.0,), (600,)), steps=100)
