"""Numeric learning-rate schedules for the quadratic trap (arXiv 2510.03137, Figs. 1–6).

Each returns a :class:`numeric.schedule.Schedule` built by lambdifying the
closed forms of :mod:`theory.harmonic` (one source of truth).  ``k`` is the
stiffness: a positive number, or a symmetric positive-definite matrix K for
E = ½(x−θ)ᵀK(x−θ) (then the rate is a matrix H(t) and kicks are matrices).

Kick convention (numeric/schedule.py): weight w means θ ← θ − w∇̃L with
∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s), i.e. θ ← θ + wβK(θ* − u) for the trap.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import thermolearn.theory.harmonic as H
from thermolearn.theory import ParameterError, check_positive

from ..schedule import Kick, Schedule

__all__ = [
    "constant_schedule",
    "continuous_schedule",
    "discontinuous_schedule",
    "slow_driving_schedule",
    "lagged_ramp_schedule",
    "stiffness_matrix",
    "trap_stiffness",
    "trap_minimal_excess_work",
    "trap_constant_excess_work_infinity",
]


def trap_stiffness(model):
    """K (array) if E = ½(x−θ)ᵀK(x−θ) + const with constant K and dim x = dim θ, else None.

    >>> from thermolearn.theory.models import harmonic_trap, quartic
    >>> trap_stiffness(harmonic_trap(k=2)).tolist(), trap_stiffness(quartic())
    ([[2.0]], None)
    """
    if len(model.x) != len(model.theta) or not model.is_quadratic():
        return None
    K = sp.hessian(model.energy, model.x)
    if any(e.free_symbols for e in K):
        return None
    d = sp.Matrix(model.x) - sp.Matrix(model.theta)
    if sp.expand(model.energy - (d.T * K * d)[0, 0] / 2).has(*model.x, *model.theta):
        return None
    return np.array(K.tolist(), dtype=float)


def trap_minimal_excess_work(*, mu, k, tau, theta0, target) -> float:
    """W_min = Δᵀ K (μτK + 2)⁻¹ Δ from an equilibrium start (``theory.harmonic.matrix_minimal_excess_work``).

    >>> round(trap_minimal_excess_work(mu=1, k=1, tau=1, theta0=-10, target=0), 12)
    33.333333333333
    """
    K = stiffness_matrix(k)
    delta = np.atleast_1d(np.asarray(target, float)) - np.atleast_1d(np.asarray(theta0, float))
    expr = H.matrix_minimal_excess_work(sp.Matrix(K.tolist()), sp.Matrix(delta.tolist()))
    return float(expr.subs({H.mu: float(mu), H.tau: float(tau)}))


def trap_constant_excess_work_infinity(*, beta, mu, k, eta, theta0, target) -> float:
    """W_ex(t → ∞) = βηkΔ²/(2μ) of the constant schedule from equilibrium (``theory.harmonic``), scalar k.

    >>> trap_constant_excess_work_infinity(beta=1, mu=100, k=1, eta=10, theta0=-10, target=0)
    5.0
    """
    sub = {H.beta: beta, H.mu: mu, H.k: float(stiffness_matrix(k)[0, 0]), H.eta: eta, H.theta0: theta0,
           H.target: target}
    return float(H.constant_rate_excess_work_infinity().subs(sub))



def stiffness_matrix(k) -> np.ndarray:
    """``k`` as a (d, d) symmetric positive-definite array (scalar → 1×1).

    >>> stiffness_matrix(2.0)
    array([[2.]])
    """
    K = np.atleast_2d(np.asarray(k, dtype=float))
    if K.ndim != 2 or K.shape[0] != K.shape[1] or not np.allclose(K, K.T):
        raise ParameterError(f"k must be a positive number or a symmetric matrix, got {k!r}")
    if not np.all(np.isfinite(K)) or not np.all(np.linalg.eigvalsh(K) > 0):
        raise ParameterError(f"k must be positive (definite), got {k!r}")
    return K


def _check(beta, mu, tau):
    for name, v in (("beta", beta), ("mu", mu), ("tau", tau)):
        check_positive(name, float(v) if not isinstance(v, bool) else v)
    return float(beta), float(mu), float(tau)


def _scalar_rate(expr, beta, mu, k, tau):
    f = sp.lambdify(H.t, expr.subs({H.beta: beta, H.mu: mu, H.k: k, H.tau: tau}), "math")
    return lambda t, theta=None: float(f(t))


def constant_schedule(eta, tau) -> Schedule:
    """η(t) = η, no kicks (arXiv 2510.03137, Figs. 1–2).

    >>> constant_schedule(10, 1).rate(0.3, None)
    10.0
    """
    eta = float(check_positive("eta", eta))
    tau = float(check_positive("tau", tau))
    return Schedule("constant", lambda t, theta=None: eta, tau, (), f"eta(t) = {eta:g}")


def _matrix_rate(shift, beta, mu, K, tau):
    lam, V = np.linalg.eigh(K)

    def rate(t, theta=None):
        return (V / (beta * ((tau - t) * lam + shift / mu))) @ V.T
    return rate


def continuous_schedule(*, beta, mu, k, tau) -> Schedule:
    """η(t) = 1/(β(k(τ − t) + 1/μ)), no kicks (arXiv 2510.03137, Fig. 3); matrix form [β((τ−t)K + 1/μ)]⁻¹.

    >>> round(continuous_schedule(beta=1, mu=1, k=1, tau=1).rate(0.0, None), 12)
    0.5
    """
    beta, mu, tau = _check(beta, mu, tau)
    K = stiffness_matrix(k)
    if K.shape == (1, 1):
        rate = _scalar_rate(H.continuous_schedule(), beta, mu, K[0, 0], tau)
    else:
        rate = _matrix_rate(1.0, beta, mu, K, tau)
    return Schedule("continuous", rate, tau, (), "eta(t) = 1/(beta*(k*(tau - t) + 1/mu))")


def slow_driving_schedule(*, beta, mu, k, tau) -> Schedule:
    """H(t) = [βζ + (τ − t)I]⁻¹ with ζ = 1/μ, I = βK (arXiv 2510.03137, Fig. 5), no kicks.

    For the trap this equals :func:`continuous_schedule`; started from
    equilibrium (no lag) it is the Fig. 5 protocol.

    >>> round(slow_driving_schedule(beta=1, mu=5, k=1, tau=1).rate(0.0, None), 12)
    0.833333333333
    """
    s = continuous_schedule(beta=beta, mu=mu, k=k, tau=tau)
    return Schedule("slow-driving", s.rate, s.tau, (), "H(t) = [beta*zeta + (tau - t)*I]^-1, zeta = 1/mu, I = beta*k")


def discontinuous_schedule(*, beta, mu, k, tau, theta0=None, u0=None, target=None) -> Schedule:
    """Schmiedl–Seifert optimum (arXiv 2510.03137, Fig. 4): interior 1/(βk(τ − t + 2/(μk))),
    kicks 1/(βk(μkτ+2)) at 0 and 1/(2βk) at τ; matrix forms for K.

    Chains that do not start at the model (``u0`` ≠ ``theta0``; then ``theta0``
    and ``target`` are required): the first kick re-centres on the chain mean,
    θ(0⁺) = u₀ + (μτK+2)⁻¹(θ* − u₀) (:func:`theory.harmonic.nonequilibrium_kick_start`,
    matrix :func:`theory.harmonic.matrix_nonequilibrium_kick_start`); the
    interior rate and the last kick are unchanged.

    >>> s = discontinuous_schedule(beta=1, mu=1, k=1, tau=1)
    >>> [round(float(kk.weight), 12) for kk in s.kicks]
    [0.333333333333, 0.5]
    >>> s = discontinuous_schedule(beta=1, mu=1, k=1, tau=1, theta0=-10, u0=-12, target=0)
    >>> [round(float(kk.weight), 12) for kk in s.kicks]
    [0.166666666667, 0.5]
    """
    beta, mu, tau = _check(beta, mu, tau)
    K = stiffness_matrix(k)
    n = K.shape[0]
    noneq = u0 is not None and not (theta0 is not None and np.allclose(np.ravel(u0), np.ravel(theta0), rtol=0, atol=0))
    if noneq:
        if theta0 is None or target is None:
            raise ParameterError("discontinuous_schedule with u0 needs theta0 and target (the first kick re-centres on u0)")
        vecs = [np.atleast_1d(np.asarray(v, dtype=float)).reshape(-1) for v in (theta0, u0, target)]
        for name, v in zip(("theta0", "u0", "target"), vecs):
            if v.size != n or not np.all(np.isfinite(v)):
                raise ParameterError(f"{name} must be {n} finite number(s), got {v.tolist()!r}")
        if np.allclose(vecs[2], vecs[1], rtol=0, atol=0):
            raise ParameterError("target equals u0: the gradient vanishes and no learning-rate kick can move theta")
        num = {H.beta: beta, H.mu: mu, H.tau: tau}
        mats = [sp.Matrix(v.tolist()) for v in vecs]
        first = np.array(H.matrix_nonequilibrium_kick_start(sp.Matrix(K.tolist()), *mats).subs(num).evalf(), dtype=float)
        if n == 1:
            first = float(first[0, 0])
    if n == 1:
        opt = H.optimal_schedule()
        sub = {H.beta: beta, H.mu: mu, H.k: K[0, 0], H.tau: tau}
        rate = _scalar_rate(opt.rate, beta, mu, K[0, 0], tau)
        kicks = (Kick(0.0, first if noneq else float(opt.kick_start.subs(sub))), Kick(tau, float(opt.kick_end.subs(sub))))
    else:
        rate = _matrix_rate(2.0, beta, mu, K, tau)
        Kinv = np.linalg.inv(K)
        kicks = (Kick(0.0, first if noneq else Kinv @ np.linalg.inv(mu * tau * K + 2 * np.eye(n)) / beta),
                 Kick(tau, Kinv / (2 * beta)))
    desc = "eta(t) = 1/(beta*k*(tau - t + 2/(mu*k))), kicks 1/(beta*k*(mu*k*tau + 2)) at 0, 1/(2*beta*k) at tau"
    if noneq:
        desc = ("eta(t) = 1/(beta*k*(tau - t + 2/(mu*k))), first kick re-centred on u0: "
                "beta*k*eta0 = 1/(mu*k*tau + 2) + (u0 - theta0)/(theta* - u0), 1/(2*beta*k) at tau")
    return Schedule("discontinuous", rate, tau, kicks, desc)


def lagged_ramp_schedule(*, beta, mu, k, tau, s0) -> Schedule:
    """βkη = 1/(τ − t + s₀), first kick βkη̄₀ = 1/(μk(τ + s₀)), last βkη̄_τ = 1 − 1/(μk s₀).

    The family of arXiv 2510.03137, Fig. 4 (W(s₀) = Δ²(μks₀² + 2τ)/(2μ(τ+s₀)²));
    s₀ = 2/(μk) is the optimum, s₀ = 1/(μk) needs no last kick.  Scalar k.

    >>> s = lagged_ramp_schedule(beta=1, mu=1, k=1, tau=1, s0=1.0)
    >>> float(s.kicks[1].weight)
    0.0
    """
    beta, mu, tau = _check(beta, mu, tau)
    s0 = float(check_positive("s0", s0))
    K = stiffness_matrix(k)
    if K.shape != (1, 1):
        raise ParameterError(f"lagged_ramp_schedule needs a scalar k, got shape {K.shape}")
    kk = K[0, 0]
    rate = lambda t, theta=None: 1.0 / (beta * kk * (tau - t + s0))  # noqa: E731
    kicks = (Kick(0.0, 1.0 / (beta * kk * mu * kk * (tau + s0))), Kick(tau, (1.0 - 1.0 / (mu * kk * s0)) / (beta * kk)))
    return Schedule("lagged-ramp", rate, tau, kicks, f"beta*k*eta = 1/(tau - t + {s0:g})")
