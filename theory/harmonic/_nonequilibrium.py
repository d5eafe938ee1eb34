"""Optimal protocols when the chains do not start at the model (u₀ ≠ θ₀).

The Schmiedl–Seifert problem (PRL 98, 108301 (2007)) for the persistent
chain of arXiv 2510.03137 (harmonic trap, Figs. 3–4), with an arbitrary initial chain
mean u₀ and covariance Σ₀, for E = ½(x−θ)ᵀK(x−θ), d dimensions, scalar
mobility μ:

* the chain mean obeys u̇ = μK(θ − u); the covariance obeys
  Σ̇ = −μ(KΣ + ΣK) + (2μ/β)I, *independent of θ*;
* ⟨∂θE⟩ = K(θ − u), so the work Ẇ = θ̇ᵀK(θ − u) and the work of a jump
  θ → θ' (½[(θ'−u)ᵀK(θ'−u) − (θ−u)ᵀK(θ−u)]; the tr KΣ terms cancel)
  depend on the mean only: Σ₀ drops out of every result below;
* with K(θ − u) = u̇/μ, θ̇ᵀK(θ − u) = d/dt[½(θ−u)ᵀK(θ−u)] + |u̇|²/μ, so

      W = ½(θ* − u_τ)ᵀK(θ* − u_τ) − ½(θ₀ − u₀)ᵀK(θ₀ − u₀) + (1/μ)∫₀^τ |u̇|² dt.

Minimising the path at fixed u_τ gives a straight line; minimising over u_τ
then gives, with D = θ* − u₀ and A = μτK + 2,

    u_τ − u₀ = μτKA⁻¹D,   θ* − u_τ = 2A⁻¹D,   θ − u = A⁻¹D on 0 < t < τ,
    W_min = DᵀKA⁻¹D − ½(θ₀ − u₀)ᵀK(θ₀ − u₀).

So the first kick re-centres on the chain mean, θ(0⁺) = u₀ + A⁻¹D; the
interior rate H(t) = [β((τ−t)K + 2/μ)]⁻¹ and the last kick (2βK)⁻¹ are those
of the equilibrium start (u₀ = θ₀ recovers W_min = ΔᵀKA⁻¹Δ).  Only the first
kick depends on θ₀, u₀ and θ*:

    H̄₀ βK D = u₀ − θ₀ + A⁻¹D,   in 1-D  βkη̄₀ = 1/(μkτ+2) + (u₀ − θ₀)/(θ* − u₀).

W_min can be negative: a chain displaced from the model stores the energy
½(θ₀−u₀)ᵀK(θ₀−u₀), which the first jump recovers.
"""

from __future__ import annotations

import sympy as sp

from ._errors_local import check_square_symmetric
from ._symbols import beta, k, mu, t, target, tau, theta0, u0

__all__ = [
    "nonequilibrium_minimal_excess_work",
    "nonequilibrium_protocol",
    "nonequilibrium_kick_start",
    "nonequilibrium_proof",
    "matrix_nonequilibrium_minimal_excess_work",
    "matrix_nonequilibrium_protocol",
    "matrix_nonequilibrium_kick_start",
]


def nonequilibrium_minimal_excess_work():
    """W_min = k(θ* − u₀)²/(μkτ + 2) − k(θ₀ − u₀)²/2 (module docstring).

    >>> W = nonequilibrium_minimal_excess_work()
    >>> W.subs({k: 1, mu: 1, tau: 1, theta0: -10, u0: -12, target: 0})
    46
    """
    return k * (target - u0) ** 2 / (mu * k * tau + 2) - k * (theta0 - u0) ** 2 / 2


def nonequilibrium_protocol():
    """(θ(t), u(t)) on 0 < t < τ: u = u₀ + μkJt, θ = u + J, J = (θ* − u₀)/(μkτ + 2).

    >>> th, u = nonequilibrium_protocol()
    >>> sp.simplify((th - u).subs({k: 1, mu: 1, tau: 1, u0: -12, target: 0}))
    4
    """
    J = (target - u0) / (mu * k * tau + 2)
    u = u0 + mu * k * J * t
    return u + J, u


def nonequilibrium_kick_start():
    """First-kick weight η̄₀ with θ₀ + βkη̄₀(θ* − u₀) = u₀ + (θ* − u₀)/(μkτ + 2).

    βkη̄₀ = 1/(μkτ+2) + (u₀ − θ₀)/(θ* − u₀); undefined when θ* = u₀ (the
    gradient vanishes and no learning-rate kick can move θ).

    >>> w = nonequilibrium_kick_start()
    >>> (beta*k*w).subs({k: 1, mu: 1, tau: 1, theta0: -10, u0: -12, target: 0})
    1/6
    """
    return (1 / (mu * k * tau + 2) + (u0 - theta0) / (target - u0)) / (beta * k)


def nonequilibrium_proof() -> dict[str, sp.Expr]:
    """Residuals (all simplify to 0) proving the non-equilibrium optimum.

    ``"first_kick"`` the kick η̄₀ lands θ on θ(0⁺); ``"interior"`` the
    equilibrium interior rate η(t) = 1/(βk(τ−t+2/(μk))) drives the path;
    ``"chains"`` u̇ = μk(θ − u); ``"last_kick"`` η̄_τ = 1/(2βk) lands on θ*;
    ``"work"`` jump works plus ∫θ̇k(θ−u)dt equal W_min; ``"stationary"``
    ∂W/∂u_τ = 0 at the optimum of the reduced problem (module docstring).

    >>> all(sp.simplify(v) == 0 for v in nonequilibrium_proof().values())
    True
    """
    from ._optimal import optimal_schedule

    sched = optimal_schedule()
    th, u = nonequilibrium_protocol()
    th0p, uT, thT = th.subs(t, 0), u.subs(t, tau), th.subs(t, tau)
    jump = lambda a, b, m: k * ((b - m) ** 2 - (a - m) ** 2) / 2  # noqa: E731
    ramp = sp.integrate(sp.diff(th, t) * k * (th - u), (t, 0, tau))
    work = jump(theta0, th0p, u0) + ramp + jump(thT, target, uT)
    v = sp.Symbol("v", real=True)  # u_τ in the reduced problem
    reduced = k * (target - v) ** 2 / 2 + (v - u0) ** 2 / (mu * tau)
    return {
        "first_kick": theta0 + beta * k * nonequilibrium_kick_start() * (target - u0) - th0p,
        "interior": sp.diff(th, t) - beta * sched.rate * k * (target - u),
        "chains": sp.diff(u, t) - mu * k * (th - u),
        "last_kick": thT + beta * k * sched.kick_end * (target - uT) - target,
        "work": work - nonequilibrium_minimal_excess_work(),
        "stationary": sp.diff(reduced, v).subs(v, uT),
    }


def _matrices(K, theta0_, u0_, target_):
    K = check_square_symmetric(K)
    vecs = [sp.Matrix(v) for v in (theta0_, u0_, target_)]
    for name, vec in zip(("theta0", "u0", "target"), vecs):
        if vec.shape != (K.rows, 1):
            from .._errors import ParameterError

            raise ParameterError(f"{name} must have {K.rows} component(s), got shape {vec.shape}")
    return (K, *vecs)


def matrix_nonequilibrium_minimal_excess_work(K, theta0_, u0_, target_) -> sp.Expr:
    """W_min = DᵀK(μτK+2)⁻¹D − ½(θ₀−u₀)ᵀK(θ₀−u₀), D = θ* − u₀ (module docstring).

    >>> matrix_nonequilibrium_minimal_excess_work(sp.Matrix([[1]]), [-10], [-12], [0]).subs({mu: 1, tau: 1})
    46
    """
    K, th0, uu, tg = _matrices(K, theta0_, u0_, target_)
    D, lag = tg - uu, th0 - uu
    A = mu * tau * K + 2 * sp.eye(K.rows)
    return (D.T * K * A.inv() * D)[0, 0] - (lag.T * K * lag)[0, 0] / 2


def matrix_nonequilibrium_protocol(K, theta0_, u0_, target_):
    """(θ(t), u(t)) = (u + A⁻¹D, u₀ + μtKA⁻¹D) on 0 < t < τ, A = μτK + 2.

    >>> th, u = matrix_nonequilibrium_protocol(sp.Matrix([[1]]), [-10], [-12], [0])
    >>> sp.simplify(th[0].subs({mu: 1, tau: 1, t: 0}))
    -8
    """
    K, th0, uu, tg = _matrices(K, theta0_, u0_, target_)
    J = (mu * tau * K + 2 * sp.eye(K.rows)).inv() * (tg - uu)
    u = uu + mu * t * K * J
    return u + J, u


def matrix_nonequilibrium_kick_start(K, theta0_, u0_, target_) -> sp.Matrix:
    """A matrix H̄₀ with θ₀ + H̄₀βK(θ* − u₀) = θ(0⁺) = u₀ + (μτK+2)⁻¹(θ* − u₀).

    H̄₀ = (βK)⁻¹(μτK+2)⁻¹ + (u₀ − θ₀)gᵀ/(gᵀg), g = βK(θ* − u₀): the
    equilibrium kick plus the rank-one correction that re-centres on u₀.

    >>> H0 = matrix_nonequilibrium_kick_start(sp.Matrix([[1]]), [-10], [-12], [0])
    >>> H0.subs({beta: 1, mu: 1, tau: 1})
    Matrix([[1/6]])
    """
    K, th0, uu, tg = _matrices(K, theta0_, u0_, target_)
    g = beta * K * (tg - uu)
    norm = (g.T * g)[0, 0]
    if norm == 0:
        from .._errors import ParameterError

        raise ParameterError("target equals u0: the gradient vanishes and no learning-rate kick can move theta")
    base = (beta * K).inv() * (mu * tau * K + 2 * sp.eye(K.rows)).inv()
    return base + (uu - th0) * g.T / norm
