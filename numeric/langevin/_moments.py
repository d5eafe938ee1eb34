"""Deterministic moment dynamics of the quadratic trap (the noise-free reference).

For E = ½(x−θ)ᵀK(x−θ) the Fokker–Planck equation closes on the chain mean
(digest Secs. 3, 5): u̇ = μK(θ − u), θ̇ = H(t)βK(θ* − u), and the mean work
rate is Ẇ = θ̇·K(θ − u).  A kick of weight w is the exact jump
θ ← θ + wβK(θ* − u) with W ← W + ½[(θ'−u)ᵀK(θ'−u) − (θ−u)ᵀK(θ−u)].
Solved with scipy's ``solve_ivp`` (DOP853) between kicks: an independent
check of the particle simulator and of every closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory import ParameterError

from ..schedule import Schedule
from ._schedules import stiffness_matrix

__all__ = ["TrapMoments", "trap_moments"]


@dataclass(frozen=True)
class TrapMoments:
    """Times (K,), θ (K, d), u (K, d), cumulative work (K,) (kick times repeated)."""

    times: np.ndarray
    theta: np.ndarray
    u: np.ndarray
    work: np.ndarray


def trap_moments(schedule: Schedule, *, beta, mu, k, theta0, target, u0=None,
                 points: int = 201, rtol: float = 1e-11, atol: float = 1e-12) -> TrapMoments:
    """Solve the trap's mean equations under ``schedule`` (see module docstring).

    >>> from numeric.langevin import discontinuous_schedule
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
    out_t, out_th, out_u, out_w = [0.0], [th.copy()], [u.copy()], [0.0]

    def apply(Hm, g):
        Hm = np.asarray(Hm, dtype=float)
        return Hm * g if Hm.ndim == 0 else Hm @ g

    def do_kicks(time):
        nonlocal th, W
        for kk in schedule.kicks:
            if abs(kk.time - time) <= 1e-12 * max(1.0, tau):
                new = th + apply(kk.weight, beta * K @ (tg - u))
                W += 0.5 * ((new - u) @ K @ (new - u) - (th - u) @ K @ (th - u))
                th = new
                out_t.append(time), out_th.append(th.copy()), out_u.append(u.copy()), out_w.append(W)

    def rhs(t, y):
        a, b = y[:d], y[d:2 * d]
        da = apply(schedule.rate(t, a), beta * K @ (tg - b))
        db = mu * K @ (a - b)
        return np.concatenate([da, db, [da @ K @ (a - b)]])

    do_kicks(0.0)
    grid = np.linspace(0.0, tau, points)
    sol = solve_ivp(rhs, (0.0, tau), np.concatenate([th, u, [W]]), method="DOP853",
                    t_eval=grid, rtol=rtol, atol=atol)
    for j in range(1, len(sol.t)):
        out_t.append(sol.t[j]), out_th.append(sol.y[:d, j]), out_u.append(sol.y[d:2 * d, j])
        out_w.append(sol.y[-1, j])
    th, u, W = sol.y[:d, -1].copy(), sol.y[d:2 * d, -1].copy(), float(sol.y[-1, -1])
    do_kicks(tau)
    return TrapMoments(np.array(out_t), np.array(out_th), np.array(out_u), np.array(out_w))
