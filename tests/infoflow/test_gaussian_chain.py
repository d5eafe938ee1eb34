"""The Gaussian learner's O(N) chain recursions against the dense O(N³) route, and their cost.

The library computes every exact quantity from the Markov chain s_n = (Y, B, θ_n, x_n):
window moments, Kalman path entropies, slice-by-slice Gaussian integrals.  The oracle
(tests/infoflow/_dense_gaussian.py) uses the covariance of all 2N + 4 nodes.
"""

import numpy as np
import pytest

from tests.infoflow import _dense_gaussian as dense
from tests.tolerances import CHAIN_VS_DENSE_RTOL
from thermolearn.infoflow import GaussianLearner, gaussian_dft, gaussian_ift
from thermolearn.infoflow import _gaussian_chain as chain

LEARNERS = [
    GaussianLearner(),
    GaussianLearner(c=1.0, rho=0.6, kappa=0.3),
    GaussianLearner(c=0.5, rho=0.3, kappa=0.7, sigma=1.7, s2=0.4, n_train=3, batch=2, tau2=2.5, mu0=0.8,
                    v0=0.3, m0=-1.2),
    GaussianLearner(kappa=0.2, theta_temperature=0.05, mu0=2.0),
    GaussianLearner(c=1.0, kappa=1.6, sigma=0.5),  # a = 1 − κ + κc = 1: θ does not contract, only the feedback
]


def _scale(a):
    return max(1.0, float(np.max(np.abs(a))))


@pytest.mark.parametrize("N", [1, 2, 7])
@pytest.mark.parametrize("index", range(len(LEARNERS)))
def test_analysis_equals_dense_joint(index, N):
    """Every field of the analysis equals the dense-covariance value (CHAIN_VS_DENSE_RTOL)."""
    L = LEARNERS[index]
    got, ref = L.analyse(N), dense.analyse(L, N)
    for key, want in ref.items():
        have = np.asarray(getattr(got, key), dtype=float)
        assert have.shape == np.shape(want), key
        np.testing.assert_allclose(have, want, rtol=0, atol=CHAIN_VS_DENSE_RTOL * _scale(want), err_msg=key)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_fluctuation_integrals_equal_dense(index):
    """ln G_F(α), ln G_R(1 − α), ⟨e^{−λσ}⟩ and ⟨σ⟩ equal the dense Gaussian integrals."""
    L, N = LEARNERS[index], 6
    alphas = (0.1, 0.5, 0.9, 1.0, 1.7)
    f, r = gaussian_dft(L, N, alphas)
    fd, rd = dense.dft(L, N, alphas)
    for a, b in ((f, fd), (r, rd)):
        finite = np.isfinite(b)
        assert np.array_equal(np.isfinite(a), finite)  # the same integrals diverge
        np.testing.assert_allclose(a[finite], b[finite], rtol=0, atol=CHAIN_VS_DENSE_RTOL * _scale(b[finite]))
    for lam in (0.5, 1.0):
        g, m = gaussian_ift(L, N, lam)
        gd, md = dense.ift(L, N, lam)
        assert abs(g - gd) <= CHAIN_VS_DENSE_RTOL * max(1.0, gd) and abs(m - md) <= CHAIN_VS_DENSE_RTOL * _scale(md)


def test_chain_is_read_from_the_network_kernels():
    """F, c, Q reproduce the dense joint of three steps: (s_1, s_2) from s_0 by the recursion."""
    L = LEARNERS[2]
    ch = chain.gaussian_chain(L)
    from thermolearn.infoflow import gaussian_joint

    names, mean, cov = gaussian_joint(L.network(3))
    m, S = ch.m0, ch.S0
    for n in range(4):
        i = [names.index(v) for v in ("Y", "B", f"th{n}", f"x{n}")]
        np.testing.assert_allclose(m, mean[i], rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(S, cov[np.ix_(i, i)], rtol=1e-13, atol=1e-14)
        m, S = ch.F @ m + ch.c, ch.F @ S @ ch.F.T + ch.Q


def _counted(monkeypatch):
    """Count the work units of the recursions and the largest matrix each one touches."""
    seen = {"windows": 0, "eliminations": 0, "largest": 0, "dense_nodes": 0}
    window_init, integrate = chain.Window.__init__, chain._Form.integrate
    joint = chain.gaussian_joint

    def window(self, names, mean, cov):
        seen["windows"] += 1
        seen["largest"] = max(seen["largest"], cov.shape[0])
        window_init(self, names, mean, cov)

    def eliminate(self, nodes):
        seen["eliminations"] += 1
        seen["largest"] = max(seen["largest"], self.A.shape[-1])  # A is (batch, n, n)
        seen["batch"] = max(seen.get("batch", 0), self.A.shape[0])
        return integrate(self, nodes)

    def dense_joint(G):
        seen["dense_nodes"] = max(seen["dense_nodes"], G.number_of_nodes())
        return joint(G)

    monkeypatch.setattr(chain.Window, "__init__", window)
    monkeypatch.setattr(chain._Form, "integrate", eliminate)
    monkeypatch.setattr(chain, "gaussian_joint", dense_joint)
    return seen


@pytest.mark.parametrize("N", [10, 40])
def test_work_is_linear_in_the_number_of_steps(monkeypatch, N):
    """Windows and eliminations grow as N while no matrix exceeds 6×6 and no dense joint of the
    N-step network is built: the cost is O(N) (counted, not timed)."""
    seen = _counted(monkeypatch)
    L = LEARNERS[1]
    L.analyse(N)
    gaussian_ift(L, N)
    gaussian_dft(L, N, (0.5,))
    # analyse, ift and dft build the N windows once each; ift: 1 integral of N + 2 stages, dft: its 2 integrals
    # (forward and reversed, one α) as one recursion on stacked blocks
    assert seen["windows"] == 3 * N
    assert seen["eliminations"] == 2 * (N + 2)
    assert seen["batch"] == 2
    assert seen["largest"] <= 6
    assert seen["dense_nodes"] <= 6  # only network(1), to read the kernels


def test_log_integral_factor_naming_a_node_twice():
    # vᵀAv with v = (θ0, θ0) and A = ¼·ones is θ0²: ∫ exp(−θ0² − θ0) dθ0 = √π e^{1/4};
    # every entry of a repeated node's block must be accumulated (plain fancy-index += keeps one)
    f = chain.Factor(("th0", "th0"), np.full((2, 2), 0.25), np.array([0.5, 0.5]), 0.0)
    np.testing.assert_allclose(chain.log_integral([f], 0), 0.5 * np.log(np.pi) + 0.25, rtol=CHAIN_VS_DENSE_RTOL)


def test_batched_integrals_equal_one_at_a_time():
    # members with different weights (one diverging) in one recursion = log_integral of each weighted sum
    L = LEARNERS[2]
    N = 6
    win = chain.windows(chain.gaussian_chain(L), N)
    from thermolearn.infoflow._gaussian_analysis import density_factors, sigma_factors

    dens, sig = density_factors(L, N), sigma_factors(L, N, win)
    alphas = np.array([0.0, 0.3, 1.0, 1.7, -40.0])
    got = chain.log_integrals([(dens, 1.0), (sig, alphas)], N)
    for a, g in zip(alphas, got):
        ref = chain.log_integral(dens + [f.scaled(a) for f in sig], N)
        assert (g == ref == np.inf) or abs(g - ref) <= CHAIN_VS_DENSE_RTOL * max(1.0, abs(ref)), (a, g, ref)
    assert abs(got[0]) < 1e-12 and np.isinf(got[-1]) and np.all(np.isfinite(got[:3]))  # ∫P = 1; −40σ diverges
