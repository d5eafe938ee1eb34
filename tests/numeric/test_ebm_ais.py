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


def _ais_reevaluating(family, theta, beta, rng, m0, particles, temps, step=0.05):
    """Reference: the MALA-AIS loop evaluating E and ∇ₓE of the current state afresh at every temperature."""
    x = m0 + np.sqrt(1.0 / beta) * rng.standard_normal((particles, family.dim_x))
    logw, grid = np.zeros(particles), np.linspace(0.0, 1.0, temps + 1)

    def parts(x, s):
        E1, E0 = family.energy(x, theta), np.sum((x - m0) ** 2, axis=1) / 2
        return (1 - s) * E0 + s * E1, (1 - s) * (x - m0) / 1.0 + s * family.grad_x(x, theta), E1 - E0

    for k in range(1, temps + 1):
        s = grid[k]
        Es, G, diff = parts(x, s)
        logw -= beta * (grid[k] - grid[k - 1]) * diff
        y = x - step * G + np.sqrt(2 * step / beta) * rng.standard_normal(x.shape)
        Ey, Gy, _ = parts(y, s)
        log_a = (-beta * (Ey - Es) - (np.sum((x - y + step * Gy) ** 2, axis=1)
                                      - np.sum((y - x + step * G) ** 2, axis=1)) * beta / (4 * step))
        x = np.where((np.log(rng.random(particles)) < log_a)[:, None], y, x)
    return logw


def test_ais_evaluates_each_state_once_and_equals_the_reevaluating_loop():
    """The current state's E, ∇ₓE and E₀ are kept between temperatures (a rejected proposal keeps them, an
    accepted one brings its own): one family evaluation per temperature, the same numbers as re-evaluating."""
    rb = RBMEnergy(3, 4)
    th = rb.init(np.random.default_rng(1))
    th[3:15] = 1.5 * np.random.default_rng(2).normal(size=12)
    calls = []

    class Counted:
        dim_x = rb.dim_x

        def energy(self, x, t):
            calls.append(1)
            return rb.energy(x, t)

        def grad_x(self, x, t):
            return rb.grad_x(x, t)

    r = ais_log_partition(Counted(), th, 1.3, rng=np.random.default_rng(5), particles=60, temps=40, base_mean=th[:3])
    assert len(calls) == 41  # the start, then one proposal per temperature
    assert 0.3 < r.acceptance < 1.0  # both branches of the selection are exercised
    logw = _ais_reevaluating(rb, th, 1.3, np.random.default_rng(5), th[:3], 60, 40)
    top = logw.max()
    assert r.log_partition == 0.5 * 3 * np.log(2 * np.pi / 1.3) + top + np.log(np.exp(logw - top).mean())
