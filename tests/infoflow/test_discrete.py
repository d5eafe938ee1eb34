"""General discrete learner: 3-state alphabets, network vs recursion, laws, bad kernels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermolearn.infoflow import DiscreteLearner, discrete_joint, enumerate_paths, fluctuation_check, mutual_information
from tests.tolerances import MACHINE_RTOL
from thermolearn.theory import GraphError, ModelError


def _random_learner(seed, St=3, Sx=3, nB=3, nY=2):
    rng = np.random.default_rng(seed)

    def rows(*shape):
        t = rng.random(shape) + 0.05
        return t / t.sum(axis=-1, keepdims=True)

    E = rng.normal(size=(St, Sx))
    p = np.exp(-E) / np.exp(-E).sum(axis=1, keepdims=True)
    # Metropolis-type kernel in detailed balance with p(.|θ): K = (1-λ)I + λ p, λ random per θ
    lam = rng.uniform(0.2, 1.0, size=St)
    K = (1 - lam)[:, None, None] * np.eye(Sx)[None] + lam[:, None, None] * p[:, None, :]
    return DiscreteLearner(rows(nY), rows(nY, nB), rows(St), E, rows(nB, St, Sx, St), K, rows(nY, Sx))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2 ** 32 - 1))
def test_laws_on_random_three_state_learners(seed):
    """Per-move EPs ≥ 0, identities to 1e-12, exact IFT/DFT, and the recursion = enumeration (N = 3)."""
    L = _random_learner(seed)
    r = L.analyse(3)
    assert r.sigma_theta.min() >= -MACHINE_RTOL and r.sigma_x.min() >= -MACHINE_RTOL
    for res in (r.identity_residual, r.telescoping_residual, r.decomposition_residual, r.first_law_residual):
        assert abs(res) <= MACHINE_RTOL * 10
    chk = fluctuation_check(L, 3)
    assert chk.ift_residual <= 1e-12 and chk.dft_residual <= 1e-12
    e = enumerate_paths(L, 3)
    assert e.ift_residual <= 1e-12 and e.pointwise_residual <= 1e-12
    assert abs(e.pB @ e.mean_sigma() - r.sigma_given_B) <= MACHINE_RTOL * 10


def test_network_joint_equals_recursion():
    """The learner's own Bayesian network (einsum contraction) gives the recursion's M and L1 at N = 2."""
    L = _random_learner(3)
    r = L.analyse(2)
    _, p = discrete_joint(L.network(2), nodes=["B", "th2", "x2"])
    assert abs(mutual_information(p, 1, 0) - r.M[-1]) <= MACHINE_RTOL
    assert abs(mutual_information(p, 2, 0) - r.L1[-1]) <= MACHINE_RTOL


def test_bad_kernels():
    """K without detailed balance, a table not summing to 1, a negative entry: named errors."""
    L = _random_learner(1)
    K = L.K.copy()
    K[0] = np.array([[0.1, 0.9, 0.0], [0.0, 0.1, 0.9], [0.9, 0.0, 0.1]])  # cyclic: breaks LDB
    with pytest.raises(ModelError, match="local detailed balance .* theta=0"):
        DiscreteLearner(L.pY, L.pB_Y, L.p0, L.energy, L.TB, K)
    with pytest.raises(GraphError, match="p0: row"):
        DiscreteLearner(L.pY, L.pB_Y, np.array([0.5, 0.5, 0.5]), L.energy, L.TB, L.K)
    with pytest.raises(GraphError, match="pY has a negative"):
        DiscreteLearner(np.array([1.5, -0.5]), L.pB_Y, L.p0, L.energy, L.TB, L.K)
