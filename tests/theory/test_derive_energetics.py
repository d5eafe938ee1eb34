"""Energetics and Theorem 1 (bias = β·excess work), symbolic and by ODE.

Source: arXiv 2510.03137 — the work/heat bookkeeping, Theorem 1, the
constant-rate excess work W_ex(∞) = βηkΔ²/(2μ) from an equilibrium start, and
the harmonic work identity W = [k(θ−u)²/2] + μ⁻¹∫u̇².
"""

import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from tests.tolerances import ODE_RTOL
from thermolearn.theory import ModelError, energy_model, models
from thermolearn.theory.derive import (
    bias_theorem,
    energetics,
    free_energy,
    gaussian_closure,
    gaussian_expectation,
    mle_gradient,
    moment_symbols,
    persistent_chain_gradient,
    rate_symbols,
)


@pytest.mark.parametrize("model", [models.harmonic_trap(), models.gaussian_mean_variance(), models.quartic(),
                                   energy_model("a*x1**2 + b*x2**2 + c*x1*x2 + x1**4", x="x1,x2", theta="a,b,c")],
                         ids=lambda m: str(m.energy))
def test_bias_theorem_general_case_proved(model):
    proof = bias_theorem(model)
    assert proof.proved and proof.residual == 0
    assert sp.simplify(proof.bias_rate - model.beta * proof.excess_work_rate) == 0


@pytest.mark.parametrize("model", [models.harmonic_trap(), models.gaussian_mean_variance(), models.learnable_stiffness(),
                                   models.quadratic_2d()], ids=lambda m: str(m.energy))
def test_bias_theorem_explicit_quadratic_proved(model):
    proof = bias_theorem(model, "quadratic")
    assert proof.proved
    assert "residual" in proof._repr_latex_()


def test_bias_theorem_harmonic_trap_explicit_form():
    """arXiv 2510.03137: ∇L − ∇̃L = βk(θ − u), so the bias rate is βkθ̇(θ − u)."""
    model = models.harmonic_trap()
    proof = bias_theorem(model, "quadratic")
    k, th = model.constants[0], model.theta[0]
    (th_dot,) = rate_symbols(model)
    u = gaussian_closure(model).mean[0]
    assert sp.simplify(proof.bias_rate - model.beta * k * th_dot * (th - u)) == 0


def test_bias_theorem_bad_case():
    with pytest.raises(ModelError, match="quadratic"):
        bias_theorem(models.quartic(), "quadratic")
    with pytest.raises(ValueError, match="case"):
        bias_theorem(models.harmonic_trap(), "other")


def test_gradients_in_moment_symbols():
    model = models.gaussian_mean_variance()
    d, m, s = (moment_symbols(model, w) for w in "dms")
    exact, approx = mle_gradient(model), persistent_chain_gradient(model)
    for i in range(2):
        assert sp.simplify(exact.components[i] - model.beta * (d[i] - m[i])) == 0
        assert sp.simplify(approx.components[i] - model.beta * (d[i] - s[i])) == 0
    assert exact.statistics == tuple(sp.diff(model.energy, t) for t in model.theta)
    assert "\\langle" in approx._repr_latex_()


def test_moment_symbols_do_not_collide_with_model_names():
    model = energy_model("(x - m_s)**2/(2*C_s) + avg_s_dE_dm_s", theta="m_s")
    g = gaussian_closure(model)
    assert not ({*g.mean, *g.covariance} & model.energy.free_symbols)
    assert not (set(moment_symbols(model, "s")) & model.energy.free_symbols)


def test_first_law_exact_for_quadratic_energies():
    """d⟨E⟩_s/dt = Ẇ − Q̇ with Q̇ = μ⟨|∇E|²⟩_s − (μ/β)⟨ΔE⟩_s, chains N(m, C) under the closure."""
    for model in (models.harmonic_trap(), models.gaussian_mean_variance(), models.quadratic_2d()):
        g, en = gaussian_closure(model), energetics(model)
        m, C = g.mean, g.covariance
        rates = rate_symbols(model)
        avgE = gaussian_expectation(model.energy, model.x, m, C)
        d = len(model.x)
        dE_dt = sum(sp.diff(avgE, m[i]) * g.mean_rhs[i] for i in range(d))
        dE_dt += sum(sp.diff(avgE, C[i, j]) * g.covariance_rhs[i, j] for i in range(d) for j in range(i, d))
        dE_dt += sum(sp.diff(avgE, t) * r for t, r in zip(model.theta, rates))
        chain = dict(zip(moment_symbols(model, "s"), g.chain_statistics))
        work = en.work_rate.subs(chain)
        g2, lap = (gaussian_expectation(f, model.x, m, C) for f in en.heat_statistics)
        heat = en.heat_rate.subs({sp.Symbol("avg_s_grad_E_sq", real=True): g2, sp.Symbol("avg_s_laplacian_E", real=True): lap})
        assert sp.simplify(dE_dt - (work - heat)) == 0, model.energy


def test_harmonic_work_identity():
    """θ̇k(θ − u) = d/dt[k(θ − u)²/2] + u̇²/μ along the closure u̇ = μk(θ − u)."""
    model = models.harmonic_trap()
    g, en = gaussian_closure(model), energetics(model)
    k, th, mu = model.constants[0], model.theta[0], model.mu
    (th_dot,) = rate_symbols(model)
    u = g.mean[0]
    u_dot = g.mean_rhs[0]
    work = en.work_rate.subs(dict(zip(moment_symbols(model, "s"), g.chain_statistics)))
    rhs = sp.diff(k * (th - u) ** 2 / 2, th) * th_dot + sp.diff(k * (th - u) ** 2 / 2, u) * u_dot + u_dot**2 / mu
    assert sp.simplify(work - rhs) == 0


def _lambdify(expr, args):
    return sp.lambdify(args, expr, "math")


@pytest.mark.parametrize("k, beta, mu, eta, delta", [(1.0, 1.0, 100.0, 10.0, 20.0), (2.0, 0.5, 3.0, 1.5, -1.2),
                                                     (0.7, 2.0, 1.0, 4.0, 0.8)])
def test_excess_work_from_equilibrium_start(k, beta, mu, eta, delta):
    """Constant η, u0 = θ0: W_ex(∞) = βηkΔ²/(2μ) for any damping (arXiv 2510.03137)."""
    model = models.harmonic_trap(k=k, beta=beta, mu=mu)
    g, en = gaussian_closure(model), energetics(model)
    th, u = model.theta[0], g.mean[0]
    (th_dot,) = rate_symbols(model)
    chain = dict(zip(moment_symbols(model, "s"), g.chain_statistics))
    target = 0.0
    # learning rule θ̇ = −η ∇̃L, with ⟨∂θE⟩_d = k(θ − θ*) for data ~ p_m(θ*)
    grad = persistent_chain_gradient(model).components[0]
    d_sym = moment_symbols(model, "d")[0]
    theta_rate = _lambdify((-eta * grad).subs(chain).subs(d_sym, k * (th - target)), [th, u])
    u_rate = _lambdify(g.mean_rhs[0], [u, th])
    w_rate = _lambdify(en.excess_work_rate.subs(chain), [th, u, th_dot])

    def fun(t, y):
        thv, uv, _ = y
        td = theta_rate(thv, uv)
        return [td, u_rate(uv, thv), w_rate(thv, uv, td)]

    theta0 = target - delta
    slowest = min(abs(ev) for ev in np.roots([1, mu * k, beta * eta * mu * k**2]).real)
    T = 60.0 / slowest
    sol = integrate.solve_ivp(fun, (0, T), [theta0, theta0, 0.0], rtol=1e-12, atol=1e-12, method="DOP853")
    expected = beta * eta * k * delta**2 / (2 * mu)
    assert sol.y[2, -1] == pytest.approx(expected, rel=ODE_RTOL)


def test_theorem1_numerically_gaussian_mean_variance():
    """L(θ_t) − L̃(t) = β(W − ΔF) along a learning trajectory with ΔF ≠ 0.

    The model E = (x − m)²/(2s) learns (m, s) from data ~ N(m*, s*/β); the
    chains obey the closure ODEs.  L, its gradient and the data moments are
    written by hand here; work rate, closure and F come from thermolearn.theory.derive.
    """
    beta, mu, eta = 1.3, 2.0, 0.4
    model = models.gaussian_mean_variance(beta=beta, mu=mu)
    g, en = gaussian_closure(model), energetics(model)
    F = free_energy(model).free_energy
    m, s = model.theta
    ms, Cs = g.mean[0], g.covariance[0, 0]
    m_star, s_star = 0.5, 2.0
    chain = dict(zip(moment_symbols(model, "s"), g.chain_statistics))
    rates = rate_symbols(model)
    args = [m, s, ms, Cs]
    stats_s = [_lambdify(v, args) for v in g.chain_statistics]
    work_rate = _lambdify(en.work_rate.subs(chain), [*args, *rates])
    closure = [_lambdify(g.mean_rhs[0], args), _lambdify(g.covariance_rhs[0, 0], args)]
    F_num = _lambdify(F, [m, s])

    def L(mv, sv):  # β(⟨E⟩_d − F), ⟨E⟩_d = ((m* − m)² + s*/β)/(2s), F = −(1/2β) ln(2πs/β)
        return beta * ((m_star - mv) ** 2 + s_star / beta) / (2 * sv) + 0.5 * math.log(2 * math.pi * sv / beta)

    def data_stats(mv, sv):  # ⟨∂mE⟩_d, ⟨∂sE⟩_d by hand
        return (mv - m_star) / sv, -((m_star - mv) ** 2 + s_star / beta) / (2 * sv**2)

    def fun(t, y):
        mv, sv, msv, csv, _, _ = y
        dd = data_stats(mv, sv)
        ss = [f(mv, sv, msv, csv) for f in stats_s]
        approx_grad = [beta * (a - b) for a, b in zip(dd, ss)]
        rate = [-eta * gi for gi in approx_grad]
        return [*rate, closure[0](*y[:4]), closure[1](*y[:4]),
                sum(r * gi for r, gi in zip(rate, approx_grad)),  # dL̃/dt
                work_rate(*y[:4], *rate)]

    m0, s0 = -1.0, 0.6
    y0 = [m0, s0, 1.2, 1.0, L(m0, s0), 0.0]  # chains not in equilibrium: W_ex may be negative
    sol = integrate.solve_ivp(fun, (0, 3.0), y0, rtol=1e-12, atol=1e-13, method="DOP853", dense_output=True)
    for t in (0.5, 1.5, 3.0):
        mv, sv, _, _, L_tilde, W = sol.sol(t)
        bias = L(mv, sv) - L_tilde
        excess = W - (F_num(mv, sv) - F_num(m0, s0))
        assert bias == pytest.approx(beta * excess, rel=ODE_RTOL, abs=ODE_RTOL)
        assert abs(excess) > 1e-3  # the check is not vacuous


@pytest.mark.parametrize("model", [models.harmonic_trap(), models.gaussian_mean_variance(), models.learnable_stiffness(),
                                   models.quadratic_2d()], ids=lambda m: str(m.energy))
def test_excess_work_differentiates_to_its_rate(model):
    """d/dt (W − ΔF) with Ẇ = work rate equals the excess-work rate, exactly."""
    en = energetics(model)
    W = sp.Symbol("W", real=True)
    rates = rate_symbols(model)
    d_dt = en.work_rate + sum(sp.diff(en.excess_work, th) * r for th, r in zip(model.theta, rates))
    assert sp.diff(en.excess_work, W) == 1
    assert sp.simplify(d_dt - en.excess_work_rate) == 0
    theta0 = {sp.Symbol(f"{t.name}_0", **t.assumptions0): t for t in model.theta}
    assert sp.simplify(en.excess_work.xreplace(theta0) - W) == 0  # ΔF = 0 at θ = θ₀
