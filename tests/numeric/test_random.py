"""Fast float32 normals (numeric.random) and the float32 trap steps (numeric.langevin32).

Every statistical criterion is N_SIGMA standard errors at a fixed seed
(tests/tolerances.py); sums are accumulated in float64.
"""

import math

import numpy as np
import pytest
from scipy import special, stats

from thermolearn.numeric.langevin32 import Float32Buffers, euler_step_f32, ou_step_f32, step_function
from thermolearn.numeric.random import BLOCK, RADIUS_MAX, standard_normal_f32
from tests.tolerances import N_SIGMA

N = 2_000_000


@pytest.fixture(scope="module")
def z():
    return standard_normal_f32(np.random.default_rng(11), np.empty(N, np.float32)).astype(np.float64)


def test_moments(z):
    n = z.size
    assert abs(z.mean()) < N_SIGMA / math.sqrt(n)
    assert abs(z.var() - 1.0) < N_SIGMA * math.sqrt(2.0 / n)
    assert abs(stats.skew(z)) < N_SIGMA * math.sqrt(6.0 / n)
    assert abs(stats.kurtosis(z)) < N_SIGMA * math.sqrt(24.0 / n)


@pytest.mark.parametrize("k", [1.0, 2.0, 3.0, 4.0])
def test_tail_probabilities(z, k):
    p = special.erfc(k / math.sqrt(2.0))  # P(|Z| > k)
    count = np.count_nonzero(np.abs(z) > k)
    assert abs(count - z.size * p) < N_SIGMA * math.sqrt(z.size * p * (1 - p)), (k, count, z.size * p)


def test_distribution_function(z):
    """Kolmogorov–Smirnov on 2e6 draws: a p-value below 1e-4 would be a 4-sigma-like rejection."""
    assert stats.kstest(z[:200_000], "norm").pvalue > 1e-4


def test_box_muller_partners_are_independent(z):
    """Element i and i + BLOCK/2 of a block share the radius: uncorrelated, and so are their squares."""
    blocks = z[: (z.size // BLOCK) * BLOCK].reshape(-1, 2, BLOCK // 2)
    a, b = blocks[:, 0].ravel(), blocks[:, 1].ravel()
    se = 1.0 / math.sqrt(a.size)
    assert abs(np.corrcoef(a, b)[0, 1]) < N_SIGMA * se
    assert abs(np.corrcoef(a * a, b * b)[0, 1]) < N_SIGMA * se


class _Bits:
    """A bit generator stand-in returning a constant 64-bit word."""

    def __init__(self, word):
        self.word = word

    def random_raw(self, size):
        return np.full(size, self.word, dtype=np.uint64)


class _Rng:
    def __init__(self, word):
        self.bit_generator = _Bits(word)


def test_tail_cut_off_is_the_documented_radius():
    """All bits set: k = 2^24 − 1, u1 = 2^-24, so |z| reaches sqrt(48 ln 2) and no further."""
    out = standard_normal_f32(_Rng(np.uint64(2**64 - 1)), np.empty(8, np.float32))
    assert np.abs(out).max() == pytest.approx(RADIUS_MAX, rel=1e-6)
    assert RADIUS_MAX == pytest.approx(5.7681, abs=1e-4)
    zero = standard_normal_f32(_Rng(np.uint64(0)), np.empty(8, np.float32))  # u1 = 1: radius 0, not NaN
    assert np.all(zero == 0.0)


def test_scale_shapes_seed_and_bad_output():
    rng = np.random.default_rng(3)
    out = standard_normal_f32(rng, np.empty((1001, 3), np.float32), scale=0.5)
    assert out.shape == (1001, 3) and np.all(np.isfinite(out))
    big = standard_normal_f32(np.random.default_rng(4), np.empty(300_001, np.float32), scale=2.5)
    assert abs(big.var(dtype=np.float64) / 6.25 - 1.0) < N_SIGMA * math.sqrt(2.0 / big.size)
    a = standard_normal_f32(np.random.default_rng(5), np.empty(77, np.float32))
    b = standard_normal_f32(np.random.default_rng(5), np.empty(77, np.float32))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="float32"):
        standard_normal_f32(rng, np.empty(4))


@pytest.mark.parametrize("mu, beta, k, m", [(1.0, 1.0, 1.0, 0.0), (0.7, 2.0, 1.5, -1.2), (2.0, 0.5, 0.3, 3.0)])
def test_float32_exact_step_matches_the_trap_law(mu, beta, k, m):
    """From x = 0, n exact steps of dt: mean m(1 − e^{−μkt}), variance (1 − e^{−2μkt})/(βk)."""
    n_part, steps, dt = 200_000, 40, 0.05
    X = np.zeros(n_part, np.float32)
    buf = Float32Buffers(n_part)
    rng = np.random.default_rng(7)
    for _ in range(steps):
        ou_step_f32(X, m, k, mu=mu, beta=beta, dt=dt, rng=rng, buffers=buf)
    t = steps * dt
    mean, var = m * (1 - math.exp(-mu * k * t)), -math.expm1(-2 * mu * k * t) / (beta * k)
    assert abs(X.mean(dtype=np.float64) - mean) < N_SIGMA * math.sqrt(var / n_part)
    assert abs(X.var(dtype=np.float64) / var - 1.0) < N_SIGMA * math.sqrt(2.0 / n_part)


def test_float32_euler_step_reaches_its_discrete_stationary_variance():
    """Euler's AR(1): stationary variance 1/(βk(1 − μk dt/2)), distinguishable from 1/(βk) at dt = 0.2."""
    mu, beta, k, dt = 1.0, 1.5, 2.0, 0.2
    n_part = 200_000
    X = np.zeros(n_part, np.float32)
    buf = Float32Buffers(n_part)
    rng = np.random.default_rng(8)
    for _ in range(60):
        euler_step_f32(X, 0.5, k, mu=mu, beta=beta, dt=dt, rng=rng, buffers=buf)
    var = 1.0 / (beta * k * (1 - mu * k * dt / 2))
    assert abs(X.var(dtype=np.float64) / var - 1.0) < N_SIGMA * math.sqrt(2.0 / n_part)
    assert abs(X.var(dtype=np.float64) * beta * k - 1.0) > 10 * math.sqrt(2.0 / n_part)


def test_step_function_selects_by_dtype():
    assert step_function("exact", np.float32) is ou_step_f32
    assert step_function("euler", "float32") is euler_step_f32
    assert step_function("exact", "float64") is None
    with pytest.raises(TypeError, match="float32"):
        ou_step_f32(np.zeros(3), 0.0, 1.0, mu=1, beta=1, dt=0.1, rng=np.random.default_rng(0),
                    buffers=Float32Buffers(3))


def test_propagate_selects_the_float32_steps_by_dtype():
    """numeric.langevin.propagate on float32 chains: the trap's exact law at β, μ ≠ 1; bad choices are errors."""
    from thermolearn.numeric.langevin import propagate
    from thermolearn.theory import ParameterError
    from thermolearn.theory.models import double_well, harmonic_trap

    n_part, k, beta, mu, th = 200_000, 2.0, 2.0, 0.5, 1.0
    X = np.full((n_part, 1), 3.0, np.float32)
    means = propagate(harmonic_trap(k=k, beta=beta, mu=mu), th, X, steps=50, dt=0.1,
                      rng=np.random.default_rng(9), mean_every=25)
    t = 5.0
    mean, var = th + (3.0 - th) * math.exp(-mu * k * t), -math.expm1(-2 * mu * k * t) / (beta * k)
    assert X.dtype == np.float32 and means.shape == (2, 1) and means.dtype == np.float64
    assert abs(X.mean(dtype=np.float64) - mean) < N_SIGMA * math.sqrt(var / n_part)
    assert abs(X.var(dtype=np.float64) / var - 1.0) < N_SIGMA * math.sqrt(2.0 / n_part)
    with pytest.raises(ParameterError, match="float32 chains need method"):
        propagate(harmonic_trap(k=1, beta=1, mu=1), 0.0, np.zeros((10, 1), np.float32), steps=1, dt=0.1,
                  method="heun", rng=np.random.default_rng(0))
    with pytest.raises(ParameterError, match="quadratic in x"):
        propagate(double_well(beta=1, mu=1), 0.0, np.zeros((10, 1), np.float32), steps=1, dt=0.1,
                  method="euler", rng=np.random.default_rng(0))
