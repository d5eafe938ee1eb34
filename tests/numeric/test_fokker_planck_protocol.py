"""Protocols: linear, step, from trajectories (repeated time = jump), time reversal; samples0 input."""

import numpy as np
import pytest

from thermolearn.numeric.fokker_planck import Grid, Protocol, train
from thermolearn.numeric.schedule import Schedule
from thermolearn.theory import ParameterError
from thermolearn.theory.models import harmonic_trap


def test_from_trajectory_jump_and_reversal():
    p = Protocol.from_trajectory([0.0, 0.5, 0.5, 1.0], [[0.0], [1.0], [3.0], [4.0]])
    assert len(p.jumps) == 1 and p.jumps[0][0] == 0.5
    assert p(0.25)[0] == pytest.approx(0.5) and p(0.5)[0] == 3.0 and p(0.75)[0] == pytest.approx(3.5)
    b = p.reversed()
    # θ_B(t) = θ(τ − t); right-continuous at the mirrored jump, which goes 3 → 1
    assert b(0.25)[0] == pytest.approx(3.5) and b(0.5)[0] == 1.0 and b(0.75)[0] == pytest.approx(0.5)
    assert b.jumps[0][0] == 0.5 and b.jumps[0][1][0] == 3.0 and b.jumps[0][2][0] == 1.0


def test_step_protocol_reversal():
    p = Protocol.step([0.0], [2.0], 1.0, at=0.3)
    b = p.reversed()
    assert p(0.29)[0] == 0.0 and p(0.3)[0] == 2.0
    assert b(0.69)[0] == 2.0 and b(0.7)[0] == 0.0


def test_bad_trajectory():
    with pytest.raises(ParameterError, match="non-decreasing"):
        Protocol.from_trajectory([0.0, 1.0, 0.5], [[0.0], [1.0], [2.0]])
    with pytest.raises(ParameterError, match="jump time"):
        Protocol(lambda t: np.zeros(1), 1.0, ((2.0, np.zeros(1), np.ones(1)),))


def test_samples0_histogram_start(rng):
    # chains given as samples: the density starts as their histogram, so the initial mean is theirs
    x = rng.normal(1.5, 1.0, 200_000)
    grid = Grid((-8.0,), (10.0,), (360,))
    r = train(harmonic_trap(k=1, beta=1, mu=1), Schedule("c", lambda t, th: 1.0, 0.5),
              theta0=[0.0], target=[1.0], samples0=x, steps=20, grid=grid)
    # histogram mean differs from the sample mean by at most half a cell (binning)
    assert abs(r.sample_mean[0, 0] - x.mean()) < grid.spacing[0] / 2
