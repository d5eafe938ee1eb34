"""Closed-form predictions for a persistent-chain run on the quadratic trap.

The trap E = ½(x−θ)ᵀK(x−θ) has exact noise-free mean equations
(:func:`trap_moments`) and closed forms in :mod:`theory.harmonic`
(arXiv 2510.03137: the minimal excess work W_min = ΔᵀK(μτK + 2)⁻¹Δ of the
optimal discontinuous schedule, the work c²τ/μ of the continuous schedule
from its pre-lagged start).  Other energies get no prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

import thermolearn.theory.harmonic as H

from ._moments import trap_moments
from ._schedules import trap_minimal_excess_work

__all__ = ["TrapPrediction", "trap_prediction"]


@dataclass(frozen=True)
class TrapPrediction:
    """Predicted W_ex of the run (noise-free), the bound W_min (or None, with the reason) and their sources."""

    excess_work: float
    source: str
    minimal_excess_work: float | None
    minimal_reason: str


def trap_prediction(schedule, *, beta, mu, k, theta0, target, u0=None) -> TrapPrediction:
    """The closed-form / moment-equation prediction for ``schedule`` on the trap of stiffness ``k``.

    >>> from thermolearn.numeric.langevin import discontinuous_schedule
    >>> p = trap_prediction(discontinuous_schedule(beta=1, mu=1, k=1, tau=1), beta=1, mu=1, k=1, theta0=[-10], target=[0])
    >>> round(p.excess_work, 9), round(p.minimal_excess_work, 9), p.source[:11]
    (33.333333333, 33.333333333, 'closed form')
    """
    th0, tg = np.atleast_1d(np.asarray(theta0, float)), np.atleast_1d(np.asarray(target, float))
    K = np.atleast_2d(np.asarray(k, float))
    tau = float(schedule.tau)
    uu = th0 if u0 is None else np.atleast_1d(np.asarray(u0, float))
    eq = np.allclose(uu, th0)
    if eq:
        wmin = trap_minimal_excess_work(mu=mu, k=K, tau=tau, theta0=th0, target=tg)
        src = "closed form W_min = Delta^T K (mu tau K + 2)^-1 Delta"
    else:
        f = sp.lambdify((H.mu, H.tau), H.matrix_nonequilibrium_minimal_excess_work(
            sp.Matrix(K.tolist()), th0.tolist(), uu.tolist(), tg.tolist()), "math")
        wmin = float(f(mu, tau))
        src = "closed form W_min = D^T K (mu tau K + 2)^-1 D - (theta0-u0)^T K (theta0-u0)/2, D = theta* - u0"
    if schedule.name == "discontinuous":
        return TrapPrediction(wmin, src, wmin, "")
    if schedule.name == "continuous" and len(th0) == 1 and u0 is not None:
        sub = {H.k: float(K[0, 0]), H.mu: mu, H.tau: tau, H.u0: float(uu[0]), H.target: float(tg[0])}
        if abs(float(H.continuous_initial_lag().subs(sub)) - th0[0]) <= 1e-9 * max(1.0, abs(th0[0])):
            return TrapPrediction(float(H.continuous_work().subs(sub)), "closed form W = c^2 tau / mu (pre-lagged start)",
                                  wmin, "")
    ref = trap_moments(schedule, beta=beta, mu=mu, k=K, theta0=th0, target=tg, u0=u0)
    return TrapPrediction(float(ref.work[-1]), "exact moment equations of the trap (noise-free ODE solve)", wmin, "")
