"""thermolearn.numeric.schedule and the trap schedules of numeric.langevin: validation and
agreement of the lambdified rates with the sympy closed forms (theory.harmonic)."""

import numpy as np
import pytest
import sympy as sp

import thermolearn.theory.harmonic as H
from thermolearn.numeric.langevin import (
    continuous_schedule,
    discontinuous_schedule,
    lagged_ramp_schedule,
    slow_driving_schedule,
)
from thermolearn.numeric.schedule import Kick, Schedule
from thermolearn.theory import ParameterError
from tests.tolerances import MACHINE_RTOL


@pytest.mark.parametrize("b,m,kk,T", [(1.0, 1.0, 1.0, 1.0), (2.0, 0.7, 3.0, 2.5), (0.5, 5.0, 0.4, 0.8)])
def test_numeric_rates_equal_sympy_closed_forms(b, m, kk, T):
    sub = {H.beta: b, H.mu: m, H.k: kk, H.tau: T}
    opt = H.optimal_schedule()
    disc = discontinuous_schedule(beta=b, mu=m, k=kk, tau=T)
    cont = continuous_schedule(beta=b, mu=m, k=kk, tau=T)
    slow = slow_driving_schedule(beta=b, mu=m, k=kk, tau=T)
    for t in np.linspace(0, T, 5):
        assert disc.rate(t, None) == pytest.approx(float(opt.rate.subs(sub).subs(H.t, t)), rel=MACHINE_RTOL)
        want = float(H.continuous_schedule().subs(sub).subs(H.t, t))
        assert cont.rate(t, None) == pytest.approx(want, rel=MACHINE_RTOL)
        assert slow.rate(t, None) == pytest.approx(want, rel=MACHINE_RTOL)
    assert float(disc.kicks[0].weight) == pytest.approx(float(opt.kick_start.subs(sub)), rel=MACHINE_RTOL)
    assert float(disc.kicks[1].weight) == pytest.approx(float(opt.kick_end.subs(sub)), rel=MACHINE_RTOL)
    assert [kk_.time for kk_ in disc.kicks] == [0.0, T]


def test_matrix_schedule_equals_sympy_and_reduces_to_scalar():
    K = np.array([[2.0, 0.5], [0.5, 1.0]])
    Hs, H0, Ht = H.matrix_optimal_schedule(sp.Matrix(K.tolist()))
    sub = {H.beta: 1.5, H.mu: 0.8, H.tau: 2.0}
    s = discontinuous_schedule(beta=1.5, mu=0.8, k=K, tau=2.0)
    for t in (0.0, 0.7, 2.0):
        want = np.array(Hs.subs(sub).subs(H.t, t).tolist(), dtype=float)
        assert np.allclose(s.rate(t, None), want, rtol=1e-12, atol=1e-12 * np.abs(want).max())  # eigh round-off
    assert np.allclose(s.kicks[0].weight, np.array(H0.subs(sub).tolist(), dtype=float), rtol=1e-12)
    assert np.allclose(s.kicks[1].weight, np.array(Ht.subs(sub).tolist(), dtype=float), rtol=1e-12)


def test_lagged_ramp_family_kicks():
    # s0 = 2/(mu k) is the Schmiedl–Seifert optimum: last kick 1/2 (arXiv 2510.03137, discontinuous optimum)
    s = lagged_ramp_schedule(beta=1, mu=2, k=1, tau=1, s0=1.0)
    assert float(s.kicks[1].weight) == pytest.approx(0.5, rel=MACHINE_RTOL)
    assert float(s.kicks[0].weight) == pytest.approx(1 / (2 * 2), rel=MACHINE_RTOL)


@pytest.mark.parametrize("make,match", [
    (lambda: Schedule("x", lambda t, th: 1.0, 0.0), "tau"),
    (lambda: Schedule("x", lambda t, th: 1.0, float("inf")), "tau"),
    (lambda: Schedule("x", lambda t, th: 1.0, 1.0, (Kick(2.0, 0.1),)), "outside"),
    (lambda: Kick(float("nan"), 0.1), "time"),
    (lambda: Kick(0.0, float("inf")), "weight"),
    (lambda: lagged_ramp_schedule(beta=1, mu=1, k=1, tau=1, s0=-1), "s0"),
    (lambda: lagged_ramp_schedule(beta=1, mu=1, k=[[1, 0], [0, 1]], tau=1, s0=1), "scalar k"),
    (lambda: discontinuous_schedule(beta=0, mu=1, k=1, tau=1), "beta"),
    (lambda: continuous_schedule(beta=1, mu=1, k=-2, tau=1), "k must be positive"),
])
def test_bad_schedule_input(make, match):
    with pytest.raises(ParameterError, match=match):
        make()


@pytest.mark.parametrize("trainer", ["langevin", "fokker-planck"])
def test_rate_of_the_wrong_shape_is_refused_by_both_trainers(trainer):
    # a user rate returning a vector for two parameters: H @ grad would silently be a scalar product
    from thermolearn.numeric.fokker_planck import train as fp_train
    from thermolearn.numeric.langevin import train
    from thermolearn.theory.models import quadratic_2d

    m = quadratic_2d([[1, 0], [0, 2]], beta=1, mu=1)
    bad = Schedule("vector", lambda t, th: np.ones(2), 1.0)
    with pytest.raises(ParameterError, match="2x2 matrix, got shape \\(2,\\)"):
        if trainer == "langevin":
            train(m, bad, theta0=[0.0, 0.0], target=[1.0, 1.0], particles=10, steps=5, rng=np.random.default_rng(0))
        else:
            fp_train(m, bad, theta0=[0.0, 0.0], target=[1.0, 1.0], steps=5)
