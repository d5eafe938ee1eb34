"""The trainer on float32 chains (``train(..., dtype="float32")``) against the trap's closed forms.

arXiv 2510.03137: minimal excess work of the discontinuous schedule
W_min = k Δ²/(μkτ + 2) and the trap's exact stationary variance 1/(βk).
Statistical checks: fixed seeds, N_SIGMA standard errors (tests/tolerances.py);
the float32 chains must reach the same numbers as the float64 ones, and
the bookkeeping stays float64 (bias = βW_ex to rounding).
"""

import math

import numpy as np
import pytest

from tests.tolerances import N_SIGMA
from thermolearn.numeric.langevin import constant_schedule, discontinuous_schedule, train
from thermolearn.numeric.schedule import Schedule
from thermolearn.theory import ParameterError
from thermolearn.theory.models import double_well, harmonic_trap, quadratic_2d

# (beta, mu, k, tau, theta0, target): β, μ, k ≠ 1
CASES = [(2.0, 0.7, 3.0, 2.5, 1.5, -0.5), (0.5, 3.0, 0.4, 0.8, 2.0, 6.0)]


@pytest.mark.parametrize("b,m,kk,T,th0,tgt", CASES)
def test_float32_chains_reach_the_minimal_excess_work(b, m, kk, T, th0, tgt):
    model = harmonic_trap(k=kk, beta=b, mu=m)
    sched = discontinuous_schedule(beta=b, mu=m, k=kk, tau=T)
    w = []
    for r in range(5):
        res = train(model, sched, theta0=th0, target=tgt, particles=4000, steps=40, dtype="float32",
                    rng=np.random.default_rng([17, r]))
        assert res.samples.dtype == np.float32 and res.work.dtype == np.float64
        assert abs(res.bias[-1] - b * res.excess_work[-1]) < 1e-9 * max(1.0, abs(res.bias[-1]))
        w.append(res.excess_work[-1])
    wmin = kk * (tgt - th0) ** 2 / (m * kk * T + 2)
    se = np.std(w, ddof=1) / math.sqrt(len(w))
    assert abs(np.mean(w) - wmin) <= N_SIGMA * se + 1e-3 * wmin, (np.mean(w), se, wmin)


@pytest.mark.parametrize("method", ["exact", "euler"])
def test_float32_chains_hold_the_trap_variance(method):
    """Frozen θ (rate 0): the chains keep N(θ, 1/(βk)) (Euler: its discrete law 1/(βk(1 − μkdt/2)))."""
    b, m, kk, n = 2.5, 0.6, 2.0, 100_000
    dt = 0.05
    res = train(harmonic_trap(k=kk, beta=b, mu=m), Schedule("frozen", lambda t, th: 0.0, 30 * dt), theta0=0.7, target=0.7,
                particles=n, steps=30, method=method, dtype="float32", rng=np.random.default_rng(5))
    var = 1.0 / (b * kk) / (1.0 - m * kk * dt / 2 if method == "euler" else 1.0)
    X = res.samples[:, 0].astype(np.float64)
    assert abs(X.mean() - 0.7) < N_SIGMA * math.sqrt(var / n)
    assert abs(X.var() / var - 1.0) < N_SIGMA * math.sqrt(2.0 / n)
    assert abs(res.sample_var[-1, 0] / var - 1.0) < N_SIGMA * math.sqrt(2.0 / n)
    # tails of the stationary law: P(|x − θ| > 3σ), with the generator's cut-off far beyond (5.77σ)
    p = math.erfc(3.0 / math.sqrt(2.0))
    count = np.count_nonzero(np.abs(X - 0.7) > 3.0 * math.sqrt(var))
    assert abs(count - n * p) < N_SIGMA * math.sqrt(n * p * (1 - p))


def test_float32_and_float64_agree_on_the_path():
    """Same schedule and sizes: θ(t) and the work of the two precisions agree within their noise."""
    model = harmonic_trap(k=2, beta=2, mu=0.5)
    sched = discontinuous_schedule(beta=2, mu=0.5, k=2, tau=1)
    kw = dict(theta0=-3.0, target=0.5, particles=20_000, steps=50)
    a = train(model, sched, dtype="float64", rng=np.random.default_rng(1), **kw)
    b = train(model, sched, dtype="float32", rng=np.random.default_rng(2), **kw)
    se_w = math.sqrt(2) * 2 * 3.5 / math.sqrt(2 * 2 * 20_000)  # W_ex fluctuates by ~kΔ·σ_x/√N
    assert abs(a.excess_work[-1] - b.excess_work[-1]) < N_SIGMA * se_w
    assert np.allclose(a.theta, b.theta, atol=N_SIGMA * 0.5 / math.sqrt(20_000) * 3)


@pytest.mark.parametrize("kwargs,match", [
    (dict(dtype="float16"), "dtype"),
    (dict(dtype="int32"), "dtype"),
    (dict(dtype="float32", method="heun"), "float32 chains need method"),
    (dict(dtype="float32", model=double_well(beta=1, mu=1), method="euler"), "quadratic in x"),
    (dict(dtype="float32", model=quadratic_2d(K=((2, 1), (1, 3)), beta=1, mu=1), theta0=[0, 0],
          target=[1, 1]), "1 coordinate|2 coordinate"),
])
def test_bad_dtype_choices_are_parameter_errors(kwargs, match):
    kw = dict(model=harmonic_trap(k=1, beta=1, mu=1), theta0=0.0, target=1.0, particles=10, steps=2,
              rng=np.random.default_rng(0))
    kw.update(kwargs)
    model = kw.pop("model")
    with pytest.raises(ParameterError, match=match):
        train(model, constant_schedule(1.0, 1.0), **kw)
