"""Deterministic moment dynamics of the quadratic trap (the noise-free reference).

For E = ½(x−θ)ᵀK(x−θ) the Fokker–Planck equation closes on the chain mean
(arXiv 2510.03137, harmonic trap; docs/theory.md): u̇ = μK(θ − u), θ̇ = H(t)βK(θ* − u), and the mean work
rate is Ẇ = θ̇·K(θ − u).  A kick of weight w is the exact jump
θ ← θ + wβK(θ* − u) with W ← W + ½[(θ'−u)ᵀK(θ'−u) − (θ−u)ᵀK(θ−u)].
Solved with scipy's ``solve_ivp`` (DOP853) between kicks: an independent
check of the particle simulator and of every closed form.

Finite particle number N (``particles=N``): the chain mean of N chains is
itself an OU process, dū = μK(θ − ū)dt + √(2μ/(βN)) dW, and θ depends on
ū linearly, so z = (θ, ū) is Gaussian with covariance C obeying
Ċ = AC + CAᵀ + Q, A = [[0, −HβK], [μK, −μK]], Q = diag(0, 2μ/(βN)),
C(0) = diag(0, K⁻¹/(βN)).  The expected work then gains
E[δθ̇ᵀK(δθ − δū)] = tr(K(C_θu − C_uu)Pᵀ), P = −HβK, and at a kick
½tr(K[Var(θ'−ū) − Var(θ−ū)]): the exact O(1/N) bias of the simulator's
work estimator (continuous time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ParameterError

from ..schedule import Schedule
from ..results import ResultMixin
from ._ledger import check_int
from ._schedules import stiffness_matrix
from ._train import _apply

__all__ = ["TrapMoments", "trap_moments"]


@dataclass(frozen=True)
class TrapMoments(ResultMixin):
    """Times (K,), θ (K, d), u (K, d), cumulative work (K,) (kick times repeated)."""

    times: np.ndarray
    theta: np.ndarray
    u: np.ndarray
    work: np.ndarray


def trap_moments(schedule: Schedule, *, beta, mu, k, theta0, target, u0=None,
                 points: int = 201, rtol: float = 1e-11, atol: float = 1e-12,
                 particles: int | None = None) -> TrapMoments:
    """Solve the trap's mean equations under ``schedule`` (see module docstring).

    >>> from thermolearn.numeric.langevin import discontinuous_schedule
    >>> s = discontinuous_schedule(beta=1, mu=1, k=1, tau=1)
    >>> r = trap_moments(s, beta=1, mu=1, k=1, theta0=-10, target=0)
    >>> round(float(r.work[-1]), 9), round(float(r.theta[-1, 0]), 9) + 0.0
    (33.333333333, 0.0)
    """
    from scipy.integrate import solve_ivp

    K = stiffness_matrix(k)
    d = K.shape[0]
    beta, mu = float(beta), float(mu)
    th = np.atleast_1d(np.asarray(theta0, dtype=float))
    tg = np.atleast_1d(np.asarray(target, dtype=float))
    u = th.copy() if u0 is None else np.atleast_1d(np.asarray(u0, dtype=float))
    if not (th.shape == tg.shape == u.shape == (d,)):
        raise ParameterError(f"theta0, target, u0 must have {d} components each")
    tau = schedule.tau
    W = 0.0
    nn = 2 * d
    C, Q = np.zeros((nn, nn)), np.zeros((nn, nn))
    if particles is not None:
        particles = check_int("particles", particles, 1)
        C[d:, d:] = np.linalg.inv(K) / (beta * particles)
        Q[d:, d:] = 2 * mu / (beta * particles) * np.eye(d)
    out_t, out_th, out_u, out_w = [0.0], [th.copy()], [u.copy()], [0.0]

    def as_matrix(Hm):
        Hm = np.asarray(Hm, dtype=float)
        return Hm * np.eye(d) if Hm.ndim == 0 else Hm

    def lag_var(C):
        return C[:d, :d] - C[:d, d:] - C[d:, :d] + C[d:, d:]

    def do_kicks(time):
        nonlocal th, W, C
        for kk in schedule.kicks:
            if abs(kk.time - time) <= 1e-12 * max(1.0, tau):
                new = th + _apply(kk.weight, beta * K @ (tg - u))
                W += 0.5 * ((new - u) @ K @ (new - u) - (th - u) @ K @ (th - u))
                M = np.eye(nn)
                M[:d, d:] = -as_matrix(kk.weight) @ (beta * K)
                C_new = M @ C @ M.T
                W += 0.5 * (np.trace(K @ lag_var(C_new)) - np.trace(K @ lag_var(C)))
                th, C = new, C_new
                out_t.append(time), out_th.append(th.copy()), out_u.append(u.copy()), out_w.append(W)

    def rhs(t, y):
        a, b = y[:d], y[d:2 * d]
        Hm = schedule.rate(t, a)
        da = _apply(Hm, beta * K @ (tg - b))
        db = mu * K @ (a - b)
        dw = da @ K @ (a - b)
        if particles is None:
            return np.concatenate([da, db, [dw]])
        Cm = y[2 * d + 1:].reshape(nn, nn)
        P = -as_matrix(Hm) @ (beta * K)
        A = np.zeros((nn, nn))
        A[:d, d:] = P
        A[d:, :d] = mu * K
        A[d:, d:] = -mu * K
        dC = A @ Cm + Cm @ A.T + Q
        dw += np.trace(K @ (Cm[:d, d:] - Cm[d:, d:]) @ P.T)
        return np.concatenate([da, db, [dw], dC.ravel()])

    do_kicks(0.0)
    grid = np.linspace(0.0, tau, points)
    y0 = np.concatenate([th, u, [W]] + ([C.ravel()] if particles is not None else []))
    sol = solve_ivp(rhs, (0.0, tau), y0, method="DOP853", t_eval=grid, rtol=rtol, atol=atol)
    for j in range(1, len(sol.t)):
        out_t.append(sol.t[j]), out_th.append(sol.y[:d, j]), out_u.append(sol.y[d:2 * d, j])
        out_w.append(sol.y[2 * d, j])
    th, u, W = sol.y[:d, -1].copy(), sol.y[d:2 * d, -1].copy(), float(sol.y[2 * d, -1])
    if particles is not None:
        C = sol.y[2 * d + 1:, -1].reshape(nn, nn)
    do_kicks(tau)
    return TrapMoments(np.array(out_t), np.array(out_th), np.array(out_u), np.array(out_w))
