"""Chains that do not start at the model (u₀ ≠ θ₀): the Schmiedl–Seifert optimum, 1-D and d-D.

Three independent paths against the closed forms of
``thermolearn.theory.harmonic`` (non-equilibrium start):

* exact sympy residuals (kicks land, the path obeys the chain equation, the
  work integral equals W_min, the reduced problem is stationary);
* brute-force optimal control: scipy minimisation of the exact work of a
  piecewise-constant protocol (n pieces, chains advanced by the exact
  exp(−μKh) step), Richardson-extrapolated from n and 2n (the error is
  O(1/n²), measured 0.0133 → 0.0033 at n = 10 → 20);
* the noise-free moment equations and the particle simulator under the
  numeric schedule built from the closed forms.
"""

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import expm
from scipy.optimize import minimize

import thermolearn.theory.harmonic as H
from thermolearn.numeric.langevin import discontinuous_schedule, train, trap_moments
from thermolearn.theory import ParameterError
from thermolearn.theory.models import harmonic_trap, quadratic_2d
from tests.tolerances import N_SIGMA, ODE_RTOL

#: Richardson extrapolation of an O(h²) discretisation leaves O(h⁴): at
#: n = 12/24 pieces that is < 1e-5 of W in every case below (measured ≤ 2e-6);
#: a wrong closed form is off by O(1).
BRUTE_RTOL = 1e-4


def _brute_force_work(K, mu, tau, th0, u0, tg, n):
    """min over piecewise-constant θ (n pieces) of the exact mean work, jumps included.

    The work is a quadratic form in the n·d protocol values z: it is assembled
    term by term (each jump ½[(θ'−u)ᵀK(θ'−u) − (θ−u)ᵀK(θ−u)], chains advanced
    by u ← θ + e^{−μKh}(u − θ)) to give scipy an exact gradient, and the
    minimiser is re-evaluated by the plain step-by-step loop as a cross-check.
    """
    K = np.atleast_2d(np.asarray(K, float))
    d = K.shape[0]
    nd = n * d
    P = expm(-mu * tau / n * K)
    th0, u0, tg = (np.atleast_1d(np.asarray(v, float)) for v in (th0, u0, tg))
    sel = [np.zeros((d, nd)) for _ in range(n)]
    for i in range(n):
        sel[i][:, i * d:(i + 1) * d] = np.eye(d)
    Q, g, w0 = np.zeros((nd, nd)), np.zeros(nd), 0.0
    U, c = np.zeros((d, nd)), u0.copy()  # u = U z + c

    def add(sign, A, a):  # sign · ½ (Az + a)ᵀK(Az + a)
        nonlocal w0
        Q[:] += sign * A.T @ K @ A
        g[:] += sign * A.T @ K @ a
        w0 += sign * 0.5 * a @ K @ a

    for i in range(n):
        add(+1, sel[i] - U, -c)
        add(-1, (sel[i - 1] if i else 0 * U) - U, (0 if i else th0) - c)
        U, c = (np.eye(d) - P) @ sel[i] + P @ U, P @ c
    add(+1, -U, tg - c)
    add(-1, sel[n - 1] - U, -c)

    def loop_work(z):
        th = z.reshape(n, d)
        u, prev, w = u0.copy(), th0, 0.0
        for i in range(n):
            a, b = prev - u, th[i] - u
            w += 0.5 * (b @ K @ b - a @ K @ a)
            u = th[i] + P @ (u - th[i])
            prev = th[i]
        a, b = prev - u, tg - u
        return w + 0.5 * (b @ K @ b - a @ K @ a)

    fun = lambda z: (w0 + g @ z + 0.5 * z @ Q @ z, g + Q @ z)  # noqa: E731
    z0 = np.linspace(th0, tg, n).ravel()
    r = minimize(fun, z0, jac=True, method="L-BFGS-B", options=dict(maxiter=10000, ftol=1e-16, gtol=1e-11))
    assert loop_work(r.x) == pytest.approx(r.fun, rel=1e-10, abs=1e-10)
    return r.fun, r.x.reshape(n, d)


# (beta, mu, k, tau, theta0, u0, target): includes the worked case (theta0 = -10, u0 = -12) and mu, k, beta != 1
CASES = [
    (1.0, 1.0, 1.0, 1.0, -10.0, -12.0, 0.0),
    (1.0, 5.0, 1.0, 1.0, -10.0, -12.0, 0.0),
    (2.0, 0.5, 3.0, 2.0, 1.5, 0.5, -0.5),
    (0.5, 3.0, 0.4, 0.8, 2.0, 6.5, 6.0),
]


def _sub(b, m, kk, T, th0, u0, tg):
    return {H.beta: b, H.mu: m, H.k: kk, H.tau: T, H.theta0: th0, H.u0: u0, H.target: tg}


def test_proof_residuals_vanish_exactly():
    for name, v in H.nonequilibrium_proof().items():
        assert sp.simplify(v) == 0, name


def test_equilibrium_start_recovers_the_known_optimum():
    W = H.nonequilibrium_minimal_excess_work().subs(H.u0, H.theta0)
    assert sp.simplify(W - H.minimal_excess_work().subs(H.Delta, H.target - H.theta0)) == 0
    w = H.nonequilibrium_kick_start().subs(H.u0, H.theta0)
    assert sp.simplify(w - H.optimal_schedule().kick_start) == 0
    th, u = H.nonequilibrium_protocol()
    th_eq, u_eq = H.optimal_protocol()
    sub = {H.Delta: H.target - H.theta0}
    assert sp.simplify(th.subs(H.u0, H.theta0) - th_eq.subs(sub)) == 0
    assert sp.simplify(u.subs(H.u0, H.theta0) - u_eq.subs(sub)) == 0


def test_worked_case_value_and_first_kick():
    sub = _sub(*(sp.Integer(int(v)) for v in CASES[0]))
    assert H.nonequilibrium_minimal_excess_work().subs(sub) == 46
    assert (H.beta * H.k * H.nonequilibrium_kick_start()).subs(sub) == sp.Rational(1, 6)


def test_matrix_forms_reduce_to_scalar_forms():
    K = sp.Matrix([[H.k]])
    Wm = H.matrix_nonequilibrium_minimal_excess_work(K, [H.theta0], [H.u0], [H.target])
    assert sp.simplify(Wm - H.nonequilibrium_minimal_excess_work()) == 0
    H0 = H.matrix_nonequilibrium_kick_start(K, [H.theta0], [H.u0], [H.target])
    assert sp.simplify(H0[0, 0] - H.nonequilibrium_kick_start()) == 0
    thm, um = H.matrix_nonequilibrium_protocol(K, [H.theta0], [H.u0], [H.target])
    th, u = H.nonequilibrium_protocol()
    assert sp.simplify(thm[0] - th) == 0 and sp.simplify(um[0] - u) == 0


@pytest.mark.parametrize("case", CASES)
def test_closed_form_is_the_brute_force_optimum_1d(case):
    b, m, kk, T, th0, u0, tg = case
    wmin = float(H.nonequilibrium_minimal_excess_work().subs(_sub(*case)))
    w1, _ = _brute_force_work(kk, m, T, th0, u0, tg, 12)
    w2, path = _brute_force_work(kk, m, T, th0, u0, tg, 24)
    assert w1 >= w2 >= wmin - 1e-9 * abs(wmin)  # a discretised protocol never beats the optimum
    rich = (4 * w2 - w1) / 3
    assert rich == pytest.approx(wmin, rel=BRUTE_RTOL, abs=BRUTE_RTOL)
    # the brute-force first piece approaches θ(0⁺) = u₀ + (θ* − u₀)/(μkτ + 2) (O(h) offset: half a piece)
    th_plus = u0 + (tg - u0) / (m * kk * T + 2)
    speed = m * kk * (tg - u0) / (m * kk * T + 2)
    assert path[0, 0] == pytest.approx(th_plus + speed * T / 48, abs=0.05 * abs(tg - u0) / 24 + 1e-6)


def test_closed_form_is_the_brute_force_optimum_2d():
    K = np.array([[2.0, 0.5], [0.5, 1.0]])
    m, T, th0, u0, tg = 0.7, 1.5, [1.0, -2.0], [0.5, 1.0], [3.0, 0.0]
    Ks = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    wmin = float(H.matrix_nonequilibrium_minimal_excess_work(Ks, th0, u0, tg).subs({H.mu: m, H.tau: T}))
    w1, _ = _brute_force_work(K, m, T, th0, u0, tg, 12)
    w2, _ = _brute_force_work(K, m, T, th0, u0, tg, 24)
    assert w1 >= w2 >= wmin - 1e-9
    assert (4 * w2 - w1) / 3 == pytest.approx(wmin, rel=BRUTE_RTOL, abs=BRUTE_RTOL)


@pytest.mark.parametrize("case", CASES)
def test_numeric_schedule_realises_the_optimum_in_the_moment_equations(case):
    b, m, kk, T, th0, u0, tg = case
    s = discontinuous_schedule(beta=b, mu=m, k=kk, tau=T, theta0=th0, u0=u0, target=tg)
    r = trap_moments(s, beta=b, mu=m, k=kk, theta0=th0, target=tg, u0=u0)
    wmin = float(H.nonequilibrium_minimal_excess_work().subs(_sub(*case)))
    assert r.work[-1] == pytest.approx(wmin, rel=ODE_RTOL, abs=ODE_RTOL)
    assert r.theta[-1, 0] == pytest.approx(tg, abs=ODE_RTOL * (1 + abs(tg - u0)))


def test_matrix_schedule_realises_the_optimum_in_the_moment_equations():
    K = np.array([[2.0, 0.5], [0.5, 1.0]])
    b, m, T, th0, u0, tg = 1.5, 0.7, 2.0, [1.0, -2.0], [0.5, 1.0], [3.0, 0.0]
    s = discontinuous_schedule(beta=b, mu=m, k=K, tau=T, theta0=th0, u0=u0, target=tg)
    r = trap_moments(s, beta=b, mu=m, k=K, theta0=th0, target=tg, u0=u0)
    Ks = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    wmin = float(H.matrix_nonequilibrium_minimal_excess_work(Ks, th0, u0, tg).subs({H.mu: m, H.tau: T}))
    assert r.work[-1] == pytest.approx(wmin, rel=ODE_RTOL)
    assert np.allclose(r.theta[-1], tg, atol=ODE_RTOL)


def test_simulation_reaches_target_with_minimal_work_any_covariance():
    """The worked case θ₀ = −10, u₀ = −12, μ = τ = 1: W = 46 within N_SIGMA s.e. of replicas;
    a second set starts the chains with variance 4/β (not the model's 1/(βk)): W_min is unchanged."""
    b, m, kk, T, th0, u0, tg = CASES[0]
    model = harmonic_trap(k=kk, beta=b, mu=m)
    s = discontinuous_schedule(beta=b, mu=m, k=kk, tau=T, theta0=th0, u0=u0, target=tg)
    for wide in (False, True):
        rows = []
        for r in range(6):
            rng = np.random.default_rng([31, r, wide])
            x0 = u0 + 2.0 * rng.standard_normal((1000, 1)) if wide else None
            res = train(model, s, theta0=th0, target=tg, u0=None if wide else u0, samples0=x0,
                        particles=1000, steps=100, rng=rng)
            rows.append((res.theta[-1, 0], res.excess_work[-1]))
        mean, se = np.mean(rows, axis=0), np.std(rows, axis=0, ddof=1) / np.sqrt(len(rows))
        assert abs(mean[1] - 46.0) <= N_SIGMA * se[1] + 1e-3 * 46, (wide, mean, se)
        assert abs(mean[0] - tg) <= N_SIGMA * se[0] + 1e-3 * 12, (wide, mean, se)


def test_simulation_2d_nonequilibrium():
    K = np.array([[2.0, 0.5], [0.5, 1.0]])
    b, m, T, th0, u0, tg = 1.0, 0.8, 1.0, [1.0, -2.0], [0.0, 0.5], [-1.0, 3.0]
    Ks = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    wmin = float(H.matrix_nonequilibrium_minimal_excess_work(Ks, th0, u0, tg).subs({H.mu: m, H.tau: T}))
    s = discontinuous_schedule(beta=b, mu=m, k=K, tau=T, theta0=th0, u0=u0, target=tg)
    ws = [train(quadratic_2d(K.tolist(), beta=b, mu=m), s, theta0=th0, target=tg, u0=u0, particles=1000, steps=60,
                rng=np.random.default_rng([5, j])).excess_work[-1] for j in range(5)]
    assert abs(np.mean(ws) - wmin) <= N_SIGMA * np.std(ws, ddof=1) / np.sqrt(5) + 1e-3 * abs(wmin)


def test_bad_inputs_raise_parameter_errors():
    with pytest.raises(ParameterError, match="theta0 and target"):
        discontinuous_schedule(beta=1, mu=1, k=1, tau=1, u0=-12)
    with pytest.raises(ParameterError, match="target equals u0"):
        discontinuous_schedule(beta=1, mu=1, k=1, tau=1, theta0=-10, u0=0, target=0)
    with pytest.raises(ParameterError, match="u0 must be 2"):
        discontinuous_schedule(beta=1, mu=1, k=np.eye(2), tau=1, theta0=[0, 0], u0=[1], target=[1, 1])
    with pytest.raises(ParameterError, match="target equals u0"):
        H.matrix_nonequilibrium_kick_start(sp.eye(2), [0, 0], [1, 1], [1, 1])
    with pytest.raises(ParameterError, match=r"theta0 must have 2 component\(s\)"):
        H.matrix_nonequilibrium_minimal_excess_work(sp.eye(2), [0], [1, 1], [1, 1])
