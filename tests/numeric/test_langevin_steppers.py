"""Each registered Langevin stepper's declared order, fitted against an exact OU solution.

OU process dx = −μk(x − m)dt + sqrt(2μ/β)dW (the harmonic trap at frozen θ = m), β, μ ≠ 1.
Strong order: one Brownian path per chain at a fine resolution, summed into the coarse
increments each step size uses (coupled paths), error = RMS distance to the exact solution
x(T) = m + e^{−λT}(x0 − m) + σ∫e^{−λ(T−s)}dW (the integral by the fine midpoint sum).
Weak order of the mean: for additive noise and a linear drift the mean obeys the noise-free
recurrence, so a zero-noise generator gives the weak error of E[x(T)] exactly.
"""

import math

import numpy as np
import pytest

from thermolearn.numeric.langevin import MALA, STEPPERS, EulerMaruyama, ExactOU, StochasticHeun, get_stepper
from thermolearn.numeric.langevin._ledger import model_callables
from thermolearn.theory import ParameterError
from thermolearn.theory.models import harmonic_trap
from tests.tolerances import N_SIGMA, ORDER_SLACK

BETA, MU, K, M, T = 1.9, 0.7, 1.9, 0.4, 1.0
LAM = MU * K
SIGMA = math.sqrt(2 * MU / BETA)
FINE = 1024
COARSE = (4, 8, 16, 32)


class _Increments:
    """Duck-typed generator: standard_normal(out=) yields the next coarse Brownian increment / sqrt(h)."""

    def __init__(self, dW, n, rng):
        block = dW.shape[1] // n
        self.z = dW.reshape(dW.shape[0], n, block).sum(axis=2) / math.sqrt(T / n)
        self.j = 0
        self.rng = rng

    def standard_normal(self, out):
        out[:, 0] = self.z[:, self.j]
        self.j += 1

    def random(self, size):
        return self.rng.random(size)

    def standard_exponential(self, size):
        return self.rng.standard_exponential(size)


class _Zeros:
    def standard_normal(self, out):
        out[...] = 0.0


def _callables():
    return model_callables(harmonic_trap(k=K, beta=BETA, mu=MU), [M])


def _strong_errors(stepper, chains=400, seed=0):
    rng = np.random.default_rng(seed)
    x0 = M + rng.standard_normal(chains) / math.sqrt(BETA * K)
    hf = T / FINE
    dW = rng.standard_normal((chains, FINE)) * math.sqrt(hf)
    mid = T - (np.arange(FINE) + 0.5) * hf
    exact = M + math.exp(-LAM * T) * (x0 - M) + SIGMA * dW @ np.exp(-LAM * mid)
    th = _callables()
    errs = []
    for n in COARSE:
        X = x0[:, None].copy()
        gen = _Increments(dW, n, np.random.default_rng(seed + 1))
        noise = np.empty_like(X)
        for _ in range(n):
            stepper.advance(X, np.array([M]), th, T / n, 1, gen, noise)
        errs.append(float(np.sqrt(np.mean((X[:, 0] - exact) ** 2))))
    return np.array(errs)


def _mean_errors(stepper):
    th, x0 = _callables(), 3.0
    exact = M + math.exp(-LAM * T) * (x0 - M)
    errs = []
    for n in COARSE:
        X = np.full((1, 1), x0)
        stepper.advance(X, np.array([M]), th, T / n, n, _Zeros(), np.empty_like(X))
        errs.append(abs(X[0, 0] - exact))
    return np.array(errs)


def _slope(errs):
    return float(np.polyfit(np.log(T / np.array(COARSE)), np.log(errs), 1)[0])


@pytest.mark.parametrize("stepper", [EulerMaruyama(), StochasticHeun()], ids=lambda s: s.name)
def test_strong_order_fits_declared(stepper):
    assert abs(_slope(_strong_errors(stepper)) - stepper.strong_order) <= ORDER_SLACK


def test_mala_strong_order_at_least_declared():
    # rejections lower MALA's pathwise order; the declared 1/2 is a lower bound
    assert _slope(_strong_errors(MALA())) >= MALA.strong_order - ORDER_SLACK


@pytest.mark.parametrize("stepper", [EulerMaruyama(), StochasticHeun()], ids=lambda s: s.name)
def test_weak_order_of_the_mean_fits_declared(stepper):
    assert abs(_slope(_mean_errors(stepper)) - stepper.weak_order) <= ORDER_SLACK


def test_exact_ou_has_no_step_error():
    # declared order inf: noise-free mean exact to rounding at every step size ...
    assert np.all(_mean_errors(ExactOU()) <= 1e-14)
    # ... and one step of length T gives the exact N(mean, variance) (statistical check, n sigma)
    th, n = _callables(), 200_000
    X = np.full((n, 1), 3.0)
    ExactOU().advance(X, np.array([M]), th, T, 1, np.random.default_rng(4), np.empty_like(X))
    mean = M + math.exp(-LAM * T) * (3.0 - M)
    var = -math.expm1(-2 * LAM * T) / (BETA * K)
    assert abs(X.mean() - mean) <= N_SIGMA * math.sqrt(var / n)
    assert abs(X.var() - var) <= N_SIGMA * var * math.sqrt(2 / n)


def test_registry():
    assert set(STEPPERS) == {"exact", "euler", "heun", "mala"}
    assert get_stepper("euler") is STEPPERS["euler"] and get_stepper(STEPPERS["mala"]) is STEPPERS["mala"]
    with pytest.raises(ParameterError, match="method"):
        get_stepper("rk4")
    for s in STEPPERS.values():
        assert s.weak_order >= 1 and s.strong_order >= 0.5


def test_heun_and_mala_drive_a_non_quadratic_energy():
    # quartic x^4/4 - theta x at beta = mu = 1 from equilibrium at theta = 0.5: stationary mean preserved
    from thermolearn.numeric.langevin import propagate
    from thermolearn.theory.models import quartic

    model = quartic(beta=1, mu=1)
    ref = None
    for name in ("mala", "heun"):
        X = np.zeros((20_000, 1))
        propagate(model, 0.5, X, steps=400, dt=0.02, method=name, rng=np.random.default_rng(9))
        m, se = X.mean(), X.std() / math.sqrt(len(X))
        ref = m if ref is None else ref
        assert abs(m - ref) <= 2 * N_SIGMA * se


# MALA keeps p_m(θ) exactly invariant at any step: exact equilibrium samples stay in equilibrium after a few
# steps so large that the unadjusted Euler–Maruyama proposal alone is visibly biased (acceptance ~40-70 %).
_MALA_CASES = {
    # name: (model factory, theta, beta, mu, dt)
    "double_well": (lambda b, m: __import__("thermolearn.theory.models", fromlist=["x"]).double_well(beta=b, mu=m),
                    [0.3], 2.0, 0.7, 0.4),
    "quartic": (lambda b, m: __import__("thermolearn.theory.models", fromlist=["x"]).quartic(beta=b, mu=m),
                [-1.2], 0.6, 1.7, 0.3),
    "quadratic_2d": (lambda b, m: __import__("thermolearn.theory.models", fromlist=["x"]).quadratic_2d(
        [[2.0, 0.9], [0.9, 1.3]], beta=b, mu=m), [0.4, -0.5], 1.5, 0.8, 0.9),
}


@pytest.mark.parametrize("case", sorted(_MALA_CASES))
def test_mala_keeps_equilibrium_invariant_at_large_steps(case):
    from thermolearn.numeric.equilibrium import expectation, sample_equilibrium
    from thermolearn.numeric.model import numeric_twin

    make, theta, beta, mu, dt = _MALA_CASES[case]
    tw = numeric_twin(make(beta, mu))
    n, steps = 100_000, 4
    rng = np.random.default_rng(11)
    X = sample_equilibrium(tw, theta, n, rng)
    acc = MALA().advance(X, np.array(theta), tw, dt, steps, rng, np.empty_like(X))
    assert 0.3 < acc / (n * steps) < 0.9  # large steps: the Metropolis test matters
    stats = lambda x: np.concatenate([x, x**2], axis=1)  # noqa: E731  first and second moments per coordinate
    ref = expectation(tw, theta, stats)
    # the chains after `steps` steps are still n independent equilibrium draws: n-sigma per moment
    got, se = stats(X).mean(axis=0), stats(X).std(axis=0) / math.sqrt(n)
    assert np.all(np.abs(got - ref) <= N_SIGMA * se), (got, ref, se)


@pytest.mark.parametrize("method", ["exact", "euler"])
@pytest.mark.parametrize("beta,mu,k,theta", [(1.0, 1.0, 1.0, 0.0), (2.5, 0.3, 4.0, -1.7), (0.4, 7.0, 0.2, 30.0)])
def test_scaled_run_takes_the_single_steps_draws_to_rounding(monkeypatch, method, beta, mu, k, theta):
    """A run of many steps at one θ (1-D quadratic energy) goes through the scaled recursion y ← r·y + ξ of
    ``linear_run_1d``: the same draws as the one-step kernels, so the chains equal theirs to rounding
    (MACHINE_RTOL of the chains' scale after 50 steps, β, μ ≠ 1, θ ≠ 0)."""
    from thermolearn.numeric.langevin import _steppers as S
    from tests.tolerances import MACHINE_RTOL

    used = []
    run_1d = S.linear_run_1d
    monkeypatch.setattr(S, "linear_run_1d", lambda *a, **kw: used.append(1) or run_1d(*a, **kw))
    th = model_callables(harmonic_trap(k=k, beta=beta, mu=mu), [theta])
    m, A = th.gaussian(np.array([theta]))
    dt = 0.5 / (mu * k)  # Euler stable (mu k dt = 0.5); the exact step at any dt
    X0 = np.random.default_rng(3).normal(theta + 2.0, 1.5, size=(2000, 1))
    run, single = X0.copy(), X0.copy()
    steps = max(50, S.SCALED_RUN_MIN)
    S.STEPPERS[method].advance(run, np.array([theta]), th, dt, steps, np.random.default_rng(8), np.empty_like(run))
    assert used == [1]
    one = S.ou_step if method == "exact" else S.euler_step_quadratic
    rng, buf = np.random.default_rng(8), np.empty_like(single)
    for _ in range(steps):
        one(single, m, A, mu=mu, beta=beta, dt=dt, rng=rng, noise=buf)
    np.testing.assert_allclose(run, single, rtol=0, atol=MACHINE_RTOL * np.abs(single).max())
