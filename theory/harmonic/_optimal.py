"""Minimal-excess-work protocols for the harmonic trap E = k(x−θ)²/2.

arXiv 2510.03137, Figs. 3–4 (Schmiedl & Seifert, PRL 98, 108301
(2007), with friction γ = 1/μ).  Key identity (u̇ = μk(θ − u)):

    W = [k(θ−u)²/2]₀^τ + (1/μ)∫₀^τ u̇² dt,

so the optimum has a linear chain mean u(t), jumps J = Δ/(μkτ+2) in θ at
t = 0⁺ and t = τ, a ramp of speed μkJ in between and

    W_min = kΔ²/(μkτ + 2).

It is realised by the learning rate (all functions return sympy
expressions in the symbols of :mod:`theory.harmonic`)

    η(t) = 1/(βk(τ − t + 2/(μk))),  kicks βkη̄₀ = 1/(μkτ+2), βkη̄_τ = 1/2,

which contains neither θ* nor θ₀ (:func:`optimal_schedule_proof`).

The authors' figure script uses 2/μ², 1/(μτ + 2/μ) and 1 − μ/2 instead
(:func:`script_discontinuous_schedule`); these coincide with the forms here
only at μ = 1 (arXiv 2510.03137, Fig. 4) — thermolearn uses the derived, general forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ._symbols import Delta, beta, k, mu, s0, t, target, tau, theta0, u0

__all__ = [
    "minimal_excess_work",
    "optimal_jump",
    "optimal_protocol",
    "optimal_work_split",
    "optimal_schedule",
    "OptimalSchedule",
    "optimal_schedule_proof",
    "script_discontinuous_schedule",
    "continuous_schedule",
    "continuous_initial_lag",
    "continuous_protocol",
    "continuous_work",
    "slow_driving_schedule",
    "slow_driving_bound",
    "lagged_ramp_work",
    "lagged_ramp_optimum",
]


def minimal_excess_work():
    """W_min = kΔ²/(μkτ + 2) (arXiv 2510.03137, Fig. 4).

    >>> minimal_excess_work()
    Delta**2*k/(k*mu*tau + 2)
    """
    return k * Delta**2 / (mu * k * tau + 2)


def optimal_jump():
    """Jump J = Δ/(μkτ + 2) of θ at t = 0⁺ and at t = τ (Fig. 4).

    >>> optimal_jump()
    Delta/(k*mu*tau + 2)
    """
    return Delta / (mu * k * tau + 2)


def optimal_protocol():
    """(θ(t), u(t)) on 0 < t < τ for an equilibrium start at θ₀ (Fig. 4).

    θ = θ₀ + J + μkJ t,  u = θ₀ + μkJ t; the lag θ − u = J is constant.

    >>> th, u = optimal_protocol()
    >>> sp.simplify(th - u - optimal_jump())
    0
    """
    J = optimal_jump()
    return theta0 + J + mu * k * J * t, theta0 + mu * k * J * t


def optimal_work_split():
    """Work of (first jump, ramp, last jump) = (kJ²/2, μk²J²τ, 3kJ²/2) (Fig. 4).

    >>> sum(optimal_work_split()).simplify() == minimal_excess_work().simplify()
    True
    """
    J = optimal_jump()
    return (k * J**2 / 2, mu * k**2 * J**2 * tau, 3 * k * J**2 / 2)


@dataclass(frozen=True)
class OptimalSchedule:
    """A learning-rate schedule: interior η(t) plus delta kicks η̄ at 0 and τ.

    The kick weights multiply the persistent-chain gradient once:
    θ ← θ − η̄ ∇̃L (arXiv 2510.03137, Fig. 4).
    """

    rate: sp.Expr
    kick_start: sp.Expr
    kick_end: sp.Expr


def optimal_schedule() -> OptimalSchedule:
    """η(t) = 1/(βk(τ − t + 2/(μk))), η̄₀ = 1/(βk(μkτ+2)), η̄_τ = 1/(2βk) (Fig. 4).

    >>> s = optimal_schedule()
    >>> sp.simplify(beta*k*s.kick_start), sp.simplify(beta*k*s.kick_end)
    (1/(k*mu*tau + 2), 1/2)
    """
    return OptimalSchedule(
        rate=1 / (beta * k * (tau - t + 2 / (mu * k))),
        kick_start=1 / (beta * k * (mu * k * tau + 2)),
        kick_end=1 / (2 * beta * k),
    )


def optimal_schedule_proof() -> dict[str, sp.Expr]:
    """Residuals proving the schedule realises the optimum for any θ₀, θ* (Fig. 4).

    Returns sympy expressions that simplify to 0:

    ``"first_kick"``  θ₀ + βkη̄₀(θ* − θ₀) − (θ₀ + J): the start kick lands on the ramp;
    ``"interior"``    θ̇ − βη(t)k(θ* − u) on the optimal (θ(t), u(t));
    ``"chains"``      u̇ − μk(θ − u) on the same path;
    ``"last_kick"``   θ(τ) + βkη̄_τ(θ* − u(τ)) − θ*: the end kick lands on θ*;
    ``"independence"`` the set of θ₀, θ*, Δ, u₀ among the schedule's free
    symbols (empty: it needs neither target nor start), as a sympy ``FiniteSet``.

    >>> all(sp.simplify(v) == 0 for n, v in optimal_schedule_proof().items() if n != "independence")
    True
    >>> optimal_schedule_proof()["independence"]
    EmptySet
    """
    sched = optimal_schedule()
    th, u = optimal_protocol()
    sub = {Delta: target - theta0}
    th, u = th.subs(sub), u.subs(sub)
    J = optimal_jump().subs(sub)
    free = set().union(*(e.free_symbols for e in (sched.rate, sched.kick_start, sched.kick_end)))
    return {
        "first_kick": theta0 + beta * k * sched.kick_start * (target - theta0) - (theta0 + J),
        "interior": sp.diff(th, t) - beta * sched.rate * k * (target - u),
        "chains": sp.diff(u, t) - mu * k * (th - u),
        "last_kick": th.subs(t, tau) + beta * k * sched.kick_end * (target - u.subs(t, tau)) - target,
        "independence": sp.FiniteSet(*(free & {theta0, target, Delta, u0})),
    }


def script_discontinuous_schedule() -> OptimalSchedule:
    """The authors' script (k = 1): interior 1/(β(τ − t + 2/μ²)), kicks (1/(μτ+2/μ))/β, (1 − μ/2)/β.

    Equal to :func:`optimal_schedule` at k = 1 only when μ = 1 (arXiv 2510.03137, Fig. 4);
    kept to document the difference, never used by the simulators.

    >>> s, o = script_discontinuous_schedule(), optimal_schedule()
    >>> sp.simplify((s.rate - o.rate).subs({k: 1, mu: 1}))
    0
    >>> sp.simplify((s.kick_end - o.kick_end).subs({k: 1, mu: 5})) == 0
    False
    """
    return OptimalSchedule(
        rate=1 / (beta * (tau - t + 2 / mu**2)),
        kick_start=1 / (beta * (mu * tau + 2 / mu)),
        kick_end=(1 - mu / 2) / beta,
    )


def continuous_schedule():
    """Jump-free schedule η(t) = 1/(β(k(τ − t) + 1/μ)) (Fig. 3).

    >>> continuous_schedule().subs({k: 1, beta: 1, mu: 1, tau: 1})
    1/(2 - t)
    """
    return 1 / (beta * (k * (tau - t) + 1 / mu))


def continuous_initial_lag():
    """Required lag θ₀ − u₀ = c/(μk), c = (θ* − u₀)/(τ + 1/(μk)) (Fig. 3).

    Returned as the θ₀ that makes the continuous schedule exact for given u₀, θ*.

    >>> continuous_initial_lag().subs({k: 1, mu: 1, tau: 1, u0: -10, target: 0})
    -5
    """
    c = (target - u0) / (tau + 1 / (mu * k))
    return u0 + c / (mu * k)


def continuous_protocol():
    """(θ(t), u(t)) = (θ₀ + ct, u₀ + ct), c = (θ* − u₀)/(τ + 1/(μk)), θ₀ = u₀ + c/(μk) (Fig. 3).

    >>> th, u = continuous_protocol()
    >>> sp.simplify(th.subs(t, tau) - target)
    0
    """
    c = (target - u0) / (tau + 1 / (mu * k))
    return u0 + c / (mu * k) + c * t, u0 + c * t


def continuous_work():
    """W over [0, τ] of the continuous protocol: c²τ/μ (Fig. 3).

    >>> continuous_work().subs({k: 1, mu: 1, tau: 1, u0: -10, target: 0})
    25
    """
    c = (target - u0) / (tau + 1 / (mu * k))
    return c**2 * tau / mu


def slow_driving_schedule():
    """Slow-driving / natural-gradient schedule H = [βζ + (τ−t)I]⁻¹ for the trap (Fig. 5).

    With ζ = 1/μ and I = βk this is 1/(β(1/μ + k(τ − t))), the continuous schedule.

    >>> sp.simplify(slow_driving_schedule() - continuous_schedule())
    0
    """
    zeta, fisher = 1 / mu, beta * k
    return 1 / (beta * zeta + (tau - t) * fisher)


def slow_driving_bound():
    """Linear-response estimate 𝓛²/τ = Δ²/(μτ) (Fig. 5); exceeds W_min at finite τ.

    >>> sp.simplify(minimal_excess_work() / slow_driving_bound())
    k*mu*tau/(k*mu*tau + 2)
    """
    return Delta**2 / (mu * tau)


def lagged_ramp_work():
    """W(s₀) = Δ²(μk s₀² + 2τ)/(2μ(τ + s₀)²) of the family βkη = 1/(τ − t + s₀) (Fig. 4).

    >>> sp.simplify(lagged_ramp_work().subs(s0, 2/(mu*k)) - minimal_excess_work())
    0
    """
    return Delta**2 * (mu * k * s0**2 + 2 * tau) / (2 * mu * (tau + s0) ** 2)


def lagged_ramp_optimum():
    """The minimiser s₀ = 2/(μk) of :func:`lagged_ramp_work` (Fig. 4).

    >>> lagged_ramp_optimum()
    2/(k*mu)
    """
    sols = sp.solve(sp.diff(lagged_ramp_work(), s0), s0)
    (best,) = [s for s in sols if s.is_positive is not False]
    return sp.simplify(best)
