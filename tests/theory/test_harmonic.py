"""thermolearn.theory.harmonic: symbolic identities (exact) and closed forms vs scipy ODE solves.

Physics: arXiv 2510.03137, Figs. 1–6, 11.
"""

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import thermolearn.theory.harmonic as H
from thermolearn.theory import ParameterError
from tests.tolerances import ODE_RTOL

t, tau, beta, mu, k, eta = H.t, H.tau, H.beta, H.mu, H.k, H.eta


# ----------------------------------------------------------------- exact identities
@pytest.mark.parametrize("under", [True, False])
def test_constant_rate_solution_solves_the_odes_exactly(under):
    th, u = H.constant_rate_solution(underdamped=under)
    e, d = th - H.target, u - H.target
    de, dd = H.constant_rate_odes(e, d)
    assert sp.simplify(sp.diff(th, t) - de) == 0
    assert sp.simplify(sp.diff(u, t) - dd) == 0
    assert sp.simplify(th.subs(t, 0) - H.theta0) == 0
    assert sp.simplify(u.subs(t, 0) - H.u0) == 0


def test_eigenvalues_are_roots_of_the_characteristic_polynomial():
    lam = sp.Symbol("lam")
    poly = lam**2 + mu * k * lam + beta * eta * mu * k**2  # arXiv 2510.03137, moment equations
    for root in H.constant_rate_eigenvalues():
        assert sp.simplify(sp.expand(poly.subs(lam, root))) == 0


def test_work_identity_holds_exactly():
    # θ̇k(θ−u) = d/dt[k(θ−u)²/2] + u̇²/μ whenever u̇ = μk(θ−u) (arXiv 2510.03137, Sec. 6)
    u = sp.Function("u")(t)
    theta = u + sp.diff(u, t) / (mu * k)
    lhs = sp.diff(theta, t) * k * (theta - u)
    rhs = sp.diff(k * (theta - u) ** 2 / 2, t) + sp.diff(u, t) ** 2 / mu
    assert sp.simplify(lhs - rhs) == 0


def test_optimal_schedule_proof_residuals_vanish_and_need_no_target():
    proof = H.optimal_schedule_proof()
    for name in ("first_kick", "interior", "chains", "last_kick"):
        assert sp.simplify(proof[name]) == 0, name
    assert proof["independence"] == sp.EmptySet


def test_work_split_sums_to_minimum_and_euler_lagrange():
    assert sp.simplify(sum(H.optimal_work_split()) - H.minimal_excess_work()) == 0
    _, u = H.optimal_protocol()
    assert sp.diff(u, t, 2) == 0  # Euler–Lagrange ü = 0


def test_minimum_of_lagged_ramp_family_is_schmiedl_seifert():
    s0 = H.lagged_ramp_optimum()
    assert sp.simplify(s0 - 2 / (mu * k)) == 0
    assert sp.simplify(H.lagged_ramp_work().subs(H.s0, s0) - H.minimal_excess_work()) == 0
    # second derivative positive at the optimum: a minimum
    curv = sp.factor(sp.simplify(sp.diff(H.lagged_ramp_work(), H.s0, 2).subs(H.s0, s0)))
    assert sp.simplify(curv - H.Delta**2 * k**4 * mu**3 * tau / (mu * k * tau + 2) ** 3) == 0


def test_script_schedule_equals_derived_only_at_mu_one():
    s, o = H.script_discontinuous_schedule(), H.optimal_schedule()
    at = {k: 1}
    for a, b in ((s.rate, o.rate), (s.kick_start, o.kick_start), (s.kick_end, o.kick_end)):
        assert sp.simplify((a - b).subs(at).subs(mu, 1)) == 0
        assert sp.simplify((a - b).subs(at).subs(mu, 5)) != 0


def test_slow_driving_equals_continuous_and_bound_ratio():
    assert sp.simplify(H.slow_driving_schedule() - H.continuous_schedule()) == 0
    ratio = sp.simplify(H.minimal_excess_work() / H.slow_driving_bound())
    assert sp.limit(ratio, tau, sp.oo) == 1


def test_matrix_forms_reduce_to_scalar_and_realise_the_optimum_exactly():
    K1 = sp.Matrix([[k]])
    assert sp.simplify(H.matrix_minimal_excess_work(K1, sp.Matrix([H.Delta])) - H.minimal_excess_work()) == 0
    # 2-D, non-diagonal K: the matrix schedule drives the optimal path exactly
    K = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    th0, tgt = sp.Matrix([1, -2]), sp.Matrix([-1, 3])
    th, u = H.matrix_protocol(K, th0, tgt - th0)
    Hm, H0, Ht = H.matrix_optimal_schedule(K)
    assert sp.simplify(th0 + H0 * beta * K * (tgt - th0) - th.subs(t, 0)) == sp.zeros(2, 1)
    assert sp.simplify(sp.diff(th, t) - Hm * beta * K * (tgt - u)) == sp.zeros(2, 1)
    assert sp.simplify(sp.diff(u, t) - mu * K * (th - u)) == sp.zeros(2, 1)
    end = th.subs(t, tau) + Ht * beta * K * (tgt - u.subs(t, tau))
    assert sp.simplify(end - tgt) == sp.zeros(2, 1)


def test_matrix_bad_input():
    with pytest.raises(ParameterError, match="symmetric square"):
        H.matrix_minimal_excess_work(sp.Matrix([[1, 2], [3, 4]]), sp.Matrix([1, 1]))


# ----------------------------------------------------------- closed forms vs ODE
def _solve(rate, kicks, *, b, m, kk, T, th0, tgt, u0, T_end=None):
    """Independent ODE integration of θ, u, W with exact kicks (arXiv 2510.03137, Secs. 5-6)."""
    th, u, W = th0, u0, 0.0
    for time, w in kicks:
        if time == 0:
            new = th + w * b * kk * (tgt - u)
            W += kk * ((new - u) ** 2 - (th - u) ** 2) / 2
            th = new

    def rhs(s, y):
        a, c, _ = y
        da = rate(s) * b * kk * (tgt - c)
        return [da, m * kk * (a - c), da * kk * (a - c)]

    sol = solve_ivp(rhs, (0, T if T_end is None else T_end), [th, u, W], method="DOP853", rtol=1e-12, atol=1e-12)
    th, u, W = sol.y[:, -1]
    for time, w in kicks:
        if time == T and T_end is None:
            new = th + w * b * kk * (tgt - u)
            W += kk * ((new - u) ** 2 - (th - u) ** 2) / 2
            th = new
    return th, u, W


POINTS = [  # (beta, mu, k, tau, theta0, target)
    (1.0, 1.0, 1.0, 1.0, -10.0, 0.0),
    (1.0, 5.0, 1.0, 1.0, -10.0, 0.0),
    (2.0, 0.7, 3.0, 2.5, 1.5, -0.5),
    (0.5, 3.0, 0.4, 0.8, 2.0, 4.0),
]


@pytest.mark.parametrize("b,m,kk,T,th0,tgt", POINTS)
def test_optimal_schedule_gives_minimal_work_ode(b, m, kk, T, th0, tgt):
    sub = {beta: b, mu: m, k: kk, tau: T, H.theta0: th0, H.target: tgt, H.Delta: tgt - th0}
    s = H.optimal_schedule()
    rate = sp.lambdify(t, s.rate.subs(sub))
    kicks = [(0, float(s.kick_start.subs(sub))), (T, float(s.kick_end.subs(sub)))]
    th, u, W = _solve(rate, kicks, b=b, m=m, kk=kk, T=T, th0=th0, tgt=tgt, u0=th0)
    Wmin = float(H.minimal_excess_work().subs(sub))
    assert th == pytest.approx(tgt, rel=ODE_RTOL, abs=ODE_RTOL)
    assert W == pytest.approx(Wmin, rel=ODE_RTOL)
    th_r, u_r = H.optimal_protocol()
    assert u == pytest.approx(float(u_r.subs(sub).subs(t, T)), rel=ODE_RTOL)


@pytest.mark.parametrize("s0f", [0.5, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("b,m,kk,T,th0,tgt", POINTS[1:3])
def test_lagged_ramp_work_ode(b, m, kk, T, th0, tgt, s0f):
    s0 = s0f / (m * kk)
    rate = lambda s: 1 / (b * kk * (T - s + s0))  # noqa: E731
    kicks = [(0, 1 / (b * kk * m * kk * (T + s0))), (T, (1 - 1 / (m * kk * s0)) / (b * kk))]
    th, _, W = _solve(rate, kicks, b=b, m=m, kk=kk, T=T, th0=th0, tgt=tgt, u0=th0)
    sub = {mu: m, k: kk, tau: T, H.s0: s0, H.Delta: tgt - th0}
    assert th == pytest.approx(tgt, abs=1e-8)
    assert W == pytest.approx(float(H.lagged_ramp_work().subs(sub)), rel=ODE_RTOL)
    assert W >= float(H.minimal_excess_work().subs(sub)) * (1 - 1e-12)


@pytest.mark.parametrize("b,m,kk,T,th0,tgt", POINTS)
def test_continuous_protocol_ode(b, m, kk, T, th0, tgt):
    u0 = th0
    sub = {beta: b, mu: m, k: kk, tau: T, H.u0: u0, H.target: tgt}
    th_start = float(H.continuous_initial_lag().subs(sub))
    rate = sp.lambdify(t, H.continuous_schedule().subs(sub))
    th, u, W = _solve(rate, [], b=b, m=m, kk=kk, T=T, th0=th_start, tgt=tgt, u0=u0)
    th_r, u_r = H.continuous_protocol()
    assert th == pytest.approx(tgt, rel=ODE_RTOL, abs=ODE_RTOL)
    assert u == pytest.approx(float(u_r.subs(sub).subs(t, T)), rel=ODE_RTOL)
    assert W == pytest.approx(float(H.continuous_work().subs(sub)), rel=ODE_RTOL)


@pytest.mark.parametrize("b,m,kk,e,th0,u0", [
    (1.0, 10.0, 1.0, 10.0, 10.0, -10.0),   # Fig. 1, underdamped
    (1.0, 100.0, 1.0, 10.0, -10.0, -10.0),  # Fig. 2, overdamped
    (2.0, 0.7, 3.0, 0.3, 1.0, 2.0),
    (0.5, 4.0, 0.5, 0.5, -1.0, 0.5),
])
def test_constant_rate_closed_form_vs_ode(b, m, kk, e, th0, u0):
    tgt = 0.25
    under = H.is_underdamped(m, b, e)
    th_e, u_e = H.constant_rate_solution(underdamped=under)
    sub = {beta: b, mu: m, k: kk, eta: e, H.theta0: th0, H.u0: u0, H.target: tgt}
    f = sp.lambdify(t, [th_e.subs(sub), u_e.subs(sub)])
    T = 1.3
    sol = solve_ivp(lambda s, y: [b * e * kk * (tgt - y[1]), m * kk * (y[0] - y[1])], (0, T), [th0, u0],
                    method="DOP853", rtol=1e-12, atol=1e-12, dense_output=True)
    for s in (0.1, 0.5, T):
        assert np.allclose(f(s), sol.sol(s), rtol=ODE_RTOL, atol=ODE_RTOL)


@pytest.mark.parametrize("b,m,kk,e,d", [(1.0, 10.0, 1.0, 10.0, 3.0), (1.0, 1.0, 1.0, 0.5, 1.0), (2.0, 0.7, 3.0, 0.3, -2.0)])
def test_constant_rate_total_excess_work_vs_ode(b, m, kk, e, d):
    # equilibrium start u0 = θ0, integrate the work to many relaxation times
    slowest = min(abs(complex(x.subs({beta: b, mu: m, k: kk, eta: e})).real) for x in H.constant_rate_eigenvalues())
    T = 60.0 / slowest  # e^-60: the remaining work is far below ODE_RTOL
    _, _, W = _solve(lambda s: e, [], b=b, m=m, kk=kk, T=T, th0=-d, tgt=0.0, u0=-d)
    sub = {beta: b, mu: m, k: kk, eta: e, H.theta0: -d, H.target: 0}
    assert W == pytest.approx(float(H.constant_rate_excess_work_infinity().subs(sub)), rel=ODE_RTOL)


def test_reference_numbers():
    # arXiv 2510.03137, figure values: W_min = 33.333 (Fig. 4), 14.2857 (mu = 5), 0.142857 (Fig. 6); Fig. 3 W = 25
    W = H.minimal_excess_work()
    assert W.subs({k: 1, mu: 1, tau: 1, H.Delta: 10}) == sp.Rational(100, 3)
    assert W.subs({k: 1, mu: 5, tau: 1, H.Delta: 10}) == sp.Rational(100, 7)
    assert W.subs({k: 1, mu: 1, tau: 5, H.Delta: 1}) == sp.Rational(1, 7)
    assert H.continuous_work().subs({k: 1, mu: 1, tau: 1, H.u0: -10, H.target: 0}) == 25


def test_fig1_closed_form_matches_reference_table():
    # arXiv 2510.03137, Figs. 1–2: continuous-time θ(t) of Fig. 1 at t = 0, 0.1, ..., 1 (2 decimals quoted)
    quoted = [10, 11.93, 5.70, 0.09, -2.03, -1.63, -0.53, 0.18, 0.34, 0.20, 0.03]
    th, _ = H.constant_rate_solution(underdamped=True)
    f = sp.lambdify(t, th.subs({beta: 1, mu: 10, k: 1, eta: 10, H.theta0: 10, H.u0: -10, H.target: 0}))
    for i, q in enumerate(quoted):
        assert f(i / 10) == pytest.approx(q, abs=0.005 + 1e-12)  # rounding of the quoted values
