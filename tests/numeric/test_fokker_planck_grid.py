"""Automatic domain and cell size: mass outside below tolerance, local scale resolved.

Independent check: Gaussian tail masses from erfc (1-D) and a union bound over
the exact marginals N(θ_i, (K⁻¹)_ii/β) (2-D).
"""

import math

import numpy as np
import pytest

from thermolearn.numeric.fokker_planck import Grid, auto_grid
from thermolearn.numeric.model import numeric_twin
from thermolearn.theory import ParameterError
from thermolearn.theory.models import double_well, harmonic_trap, quadratic_2d


def _tail(a, b, mean, var):
    s = math.sqrt(2 * var)
    return 0.5 * math.erfc((mean - a) / s) + 0.5 * math.erfc((b - mean) / s)


@pytest.mark.parametrize("k, beta", [(1.0, 1.0), (25.0, 4.0), (0.2, 0.5)])
def test_auto_grid_1d_gaussian(k, beta):
    ne = numeric_twin(harmonic_trap(k=k, beta=beta, mu=1))
    thetas = [np.array([-1.0]), np.array([2.0])]
    g = auto_grid(ne, thetas, mass_tol=1e-10)
    for th in thetas:
        assert _tail(g.lower[0], g.upper[0], th[0], 1 / (beta * k)) < 1e-10
    assert g.spacing[0] * math.sqrt(beta * k) <= 0.1 + 1e-12  # ≥ 10 cells per local scale


def test_auto_grid_2d_gaussian_union_bound():
    K = np.array([[2.0, 1.0], [1.0, 3.0]])
    ne = numeric_twin(quadratic_2d(K.tolist(), beta=1, mu=1))
    thetas = [np.array([0.0, 0.0]), np.array([1.0, -1.0])]
    g = auto_grid(ne, thetas, mass_tol=1e-10)
    cov = np.linalg.inv(K)
    for th in thetas:
        bound = sum(_tail(g.lower[i], g.upper[i], th[i], cov[i, i]) for i in range(2))
        assert bound < 1e-10
    for i in range(2):  # ≥ 5 cells per local scale sqrt(1/(βK_ii)) along each axis in 2-D
        assert g.spacing[i] * math.sqrt(K[i, i]) <= 0.2 + 1e-12


def test_auto_grid_double_well_resolves_barrier_and_walls():
    ne = numeric_twin(double_well(beta=5, mu=1))
    g = auto_grid(ne, [np.array([0.0])])
    x = g.centres[0]
    w = np.exp(-5 * (x**4 / 4 - x**2 / 2))
    w /= w.sum()
    curv = np.abs(3 * x**2 - 1)  # E''
    assert np.max(np.where(w > 1e-10, g.spacing[0] * np.sqrt(5 * curv), 0)) <= 0.1 + 1e-9
    assert w[0] < 1e-12 and w[-1] < 1e-12


@pytest.mark.parametrize(
    "args, match",
    [
        (((0.0,), (1.0,), (2,)), "cells"),
        (((1.0,), (0.0,), (10,)), "upper > lower"),
        (((0.0,), (np.inf,), (10,)), "finite"),
        (((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (4, 4, 4)), "1-D or 2-D"),
    ],
)
def test_bad_grids(args, match):
    with pytest.raises(ParameterError, match=match):
        Grid(*args)
    with pytest.raises(ParameterError, match="boundary"):
        Grid((0.0,), (1.0,), (10,), boundary="absorbing")


@pytest.mark.parametrize("late, beta", [(0.5, 1.0), (0.25, 3.0), (1.0, 0.5)])
def test_user_grid_checked_at_every_distinct_theta_of_the_protocol(late, beta):
    """prepare_grid checks each distinct θ once: a grid that holds θ(0) but not a later θ(t) is refused.

    The protocol stays at θ = 0 until t = 1 − late, then moves the trap to 9: the grid [−10, 10]
    holds the Boltzmann mass at θ = 0 (tail < 1e-11) but cuts off 4 % or more of it at
    θ = 9, so the check of the repeated θ = 0 alone would pass it.
    """
    from thermolearn.numeric.fokker_planck import Protocol, propagate

    model = harmonic_trap(k=1, beta=beta, mu=1)
    proto = Protocol(lambda t: 0.0 if t < 1 - late else 9.0 * (t - 1 + late) / late, 1.0, (), "late move")
    grid = Grid((-10.0,), (10.0,), (400,))
    assert _tail(-10.0, 10.0, 0.0, 1 / beta) < 1e-11 and _tail(-10.0, 10.0, 9.0, 1 / beta) > 0.01
    with pytest.raises(ParameterError, match="cuts off"):
        propagate(model, proto, steps=10, grid=grid)
    propagate(model, Protocol(lambda t: 0.0, 1.0, (), "static"), steps=2, grid=grid)  # θ = 0 alone: accepted
