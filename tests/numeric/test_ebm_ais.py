"""Annealed importance sampling of ln Z against exact values (closed form in 3-D, grid in 2-D).

Criterion: |ln Ẑ − ln Z| ≤ N_SIGMA·s.e. (delta-method error over particles);
the Jensen bias of ln Ẑ is far below that at these sizes.  Mutant: ignoring
β in the base normaliser must fail.
"""

import numpy as np

from tests.tolerances import N_SIGMA
from thermolearn.numeric.ebm import GaussianEBM, RBMEnergy, ais_log_partition, grid_partition


def test_ais_gaussian_3d_closed_form():
    g = GaussianEBM(3)
    beta = 1.7
    th = g.pack([0.5, 0.0, -0.5], [[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 0.5]])
    r = ais_log_partition(g, th, beta, rng=np.random.default_rng(0), particles=200, temps=150)
    exact = g.log_partition(th, beta)
    assert abs(r.log_partition - exact) < N_SIGMA * r.stderr
    wrong = exact - 0.5 * 3 * np.log(1 / beta)  # mutant: base ln Z0 without beta
    assert abs(r.log_partition - wrong) > N_SIGMA * r.stderr


def test_ais_rbm_2d_against_grid_quadrature():
    rb = RBMEnergy(2, 4)
    th = rb.init(np.random.default_rng(1))
    th[2:10] = 1.5 * np.random.default_rng(2).normal(size=8)
    exact = grid_partition(rb, 1.0, ((-9, 9), (-9, 9)), n=201).log_partition(th)
    r = ais_log_partition(rb, th, 1.0, rng=np.random.default_rng(0), particles=200, temps=200, base_mean=th[:2])
    assert r.acceptance > 0.5
    assert abs(r.log_partition - exact) < N_SIGMA * r.stderr
