"""Laws of the exact information measures (one test per law, law in the docstring)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermolearn.infoflow import (
    entropy,
    gaussian_entropy,
    gaussian_mutual_information,
    mutual_information,
)
from tests.infoflow.strategies import joint_tables, markov_chain_tables
from tests.tolerances import MACHINE_RTOL
from thermolearn.theory import ParameterError, SingularMetricError

SETTINGS = settings(max_examples=60, deadline=None)




@SETTINGS
@given(joint_tables(min_vars=3, max_vars=4))
def test_conditional_mutual_information_is_non_negative(p):
    """I(A;B|C) ≥ 0 for every joint table (Shannon inequality)."""
    assert mutual_information(p, 0, 1) >= -MACHINE_RTOL
    assert mutual_information(p, 0, 1, given=2) >= -MACHINE_RTOL
    assert mutual_information(p, [0, 2], 1) >= -MACHINE_RTOL


@SETTINGS
@given(joint_tables(min_vars=3, max_vars=4))
def test_chain_rule(p):
    """I(A;B,C) = I(A;B) + I(A;C|B) and H(A,B) = H(A) + H(B|A)."""
    lhs = mutual_information(p, 0, [1, 2])
    rhs = mutual_information(p, 0, 1) + mutual_information(p, 0, 2, given=1)
    assert abs(lhs - rhs) <= MACHINE_RTOL * max(1.0, abs(lhs))
    assert abs(entropy(p, [0, 1]) - entropy(p, 0) - entropy(p, 1, given=0)) <= MACHINE_RTOL * 10


@SETTINGS
@given(markov_chain_tables(length=4))
def test_data_processing_on_chains(p):
    """X0 → X1 → X2 → X3: I(X0;X3) ≤ I(X0;X2) ≤ I(X0;X1) and I(X0;X2|X1) = 0."""
    a, b, c = (mutual_information(p, 0, k) for k in (1, 2, 3))
    assert c <= b + MACHINE_RTOL and b <= a + MACHINE_RTOL
    assert abs(mutual_information(p, 0, 2, given=1)) <= MACHINE_RTOL


@SETTINGS
@given(joint_tables(min_vars=2, max_vars=3))
def test_discrete_against_brute_force_definition(p):
    """I(A;B) = Σ p(a,b) ln p(a,b)/(p(a)p(b)) computed entry by entry."""
    pab = p.sum(axis=tuple(range(2, p.ndim)))
    pa, pb = pab.sum(1), pab.sum(0)
    ref = sum(pab[i, j] * math.log(pab[i, j] / (pa[i] * pb[j]))
              for i, j in itertools.product(*map(range, pab.shape)) if pab[i, j] > 0)
    assert abs(mutual_information(p, 0, 1) - ref) <= MACHINE_RTOL


@settings(max_examples=20, deadline=None)
@given(joint_tables(min_vars=3, max_vars=3))
def test_against_dit(p):
    """Second implementation: dit's coinformation / entropy (optional dependency).

    The same quantities are checked against the entry-by-entry definition in
    test_discrete_against_brute_force_definition, so nothing is lost without dit.
    """
    dit = pytest.importorskip("dit")
    outs = [tuple(i) for i in itertools.product(*map(range, p.shape))]
    d = dit.Distribution(outs, p.ravel().tolist())
    d.set_base("e")
    ref_cmi = dit.multivariate.coinformation(d, [[0], [1]], [2])
    assert abs(mutual_information(p, 0, 1, given=2) - ref_cmi) <= 1e-10
    assert abs(entropy(p, [0, 2]) - dit.shannon.entropy(d, [0, 2])) <= 1e-10


def _random_cov(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    return A @ A.T + 0.1 * np.eye(n)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2 ** 32 - 1))
def test_gaussian_laws(seed):
    """Gaussian CMI ≥ 0, chain rule, and I = H(A) − H(A|B) with log-determinants."""
    c = _random_cov(seed, 4)
    assert gaussian_mutual_information(c, 0, 1, given=[2, 3]) >= -MACHINE_RTOL
    lhs = gaussian_mutual_information(c, 0, [1, 2])
    rhs = gaussian_mutual_information(c, 0, 1) + gaussian_mutual_information(c, 0, 2, given=1)
    assert abs(lhs - rhs) <= MACHINE_RTOL * 10
    assert abs(gaussian_entropy(c, 0) - gaussian_entropy(c, 0, given=[1, 3])
               - gaussian_mutual_information(c, 0, [1, 3])) <= MACHINE_RTOL * 10


def test_gaussian_mi_against_quadrature():
    """I(X;Y) = ∫∫ p ln p/(p_x p_y) for a bivariate normal, r ∈ {0.3, 0.8} (dblquad, 1e-8)."""
    from scipy import integrate

    for r in (0.3, 0.8):
        sx, sy = 1.0, 2 ** 0.5
        cov = np.array([[sx * sx, r * sx * sy], [r * sx * sy, sy * sy]])
        det = cov[0, 0] * cov[1, 1] - cov[0, 1] ** 2
        inv = np.linalg.inv(cov)

        def log_ratio_density(y, x):
            q = inv[0, 0] * x * x + 2 * inv[0, 1] * x * y + inv[1, 1] * y * y
            logp = -0.5 * q - math.log(2 * math.pi) - 0.5 * math.log(det)
            logpx = -0.5 * x * x / (sx * sx) - 0.5 * math.log(2 * math.pi * sx * sx)
            logpy = -0.5 * y * y / (sy * sy) - 0.5 * math.log(2 * math.pi * sy * sy)
            return math.exp(logp) * (logp - logpx - logpy)

        ref, _ = integrate.dblquad(log_ratio_density, -9, 9, -13, 13, epsabs=1e-11)
        assert abs(gaussian_mutual_information(cov, 0, 1) - ref) <= 1e-8  # dblquad accuracy ~1e-10


def test_bad_pmf_inputs():
    """Negative entries, wrong sum, unknown/overlapping axes: ParameterError naming the offender."""
    with pytest.raises(ParameterError, match="negative entry"):
        mutual_information([[0.6, -0.1], [0.25, 0.25]], 0, 1)
    with pytest.raises(ParameterError, match="sum to 1"):
        entropy([[0.5, 0.5], [0.5, 0.5]], 0)
    with pytest.raises(ParameterError, match="b names variable 5"):
        mutual_information(np.full((2, 2), 0.25), 0, 5)
    with pytest.raises(ParameterError, match="disjoint"):
        mutual_information(np.full((2, 2), 0.25), 0, 0)


def test_bad_covariance_inputs():
    """Non-PSD, asymmetric, non-square covariances raise ParameterError; singular blocks SingularMetricError."""
    with pytest.raises(ParameterError, match="not positive semidefinite"):
        gaussian_mutual_information([[1.0, 2.0], [2.0, 1.0]], 0, 1)
    with pytest.raises(ParameterError, match="not symmetric"):
        gaussian_entropy([[1.0, 0.5], [0.0, 1.0]], 0)
    with pytest.raises(ParameterError, match="square"):
        gaussian_entropy(np.ones((2, 3)), 0)
    with pytest.raises(SingularMetricError, match="singular"):
        gaussian_mutual_information([[1.0, 1.0], [1.0, 1.0]], 0, 1)


def test_small_block_logdet_equals_slogdet():
    # the Python-float LDLᵀ path of 1–3 variable blocks against numpy's LU slogdet, random covariances
    # (well and badly conditioned), every index order; a singular block still raises
    from thermolearn.infoflow._measures import _logdet, _logdet_small
    from thermolearn.theory import SingularMetricError

    rng = np.random.default_rng(11)
    for scale in (1.0, 1e-3, 1e3):
        for _ in range(20):
            G = rng.normal(size=(5, 5)) * scale
            C = G @ G.T + 1e-6 * scale * scale * np.eye(5)
            for idx in [(1,), (3, 0), (4, 2, 1), (0, 1, 2)]:
                ref = np.linalg.slogdet(C[np.ix_(idx, idx)])[1]
                got = _logdet_small(C, idx)
                assert got is not None and abs(got - ref) <= 1e-9 * max(1.0, abs(ref)), (idx, got, ref)
    assert _logdet_small(np.diag([1.0, 0.0, 2.0]), (0, 1, 2)) is None  # pivot 0: left to the general path
    with pytest.raises(SingularMetricError):
        _logdet(np.zeros((3, 3)), (0, 1, 2))
