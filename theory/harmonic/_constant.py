"""Harmonic trap E = k(x−θ)²/2 trained with a constant learning rate η.

arXiv 2510.03137, Figs. 1–2.  With e = θ − θ* and d = u − θ* (u the
mean of the persistent chains) the moment equations close exactly:

    ė = −βηk d,      ḋ = μk (e − d),

with eigenvalues λ± = (k/2)[−μ ± √(μ(μ − 4βη))]: underdamped iff μ < 4βη.
From an equilibrium start (u₀ = θ₀) the total excess work is exactly
W_ex(∞) = βηkΔ²/(2μ), for any damping.
"""

from __future__ import annotations

import sympy as sp

from ._symbols import beta, eta, k, mu, t, target, theta0, u0

__all__ = [
    "constant_rate_odes",
    "constant_rate_eigenvalues",
    "is_underdamped",
    "constant_rate_solution",
    "constant_rate_excess_work_infinity",
    "quasi_static_work",
]


def constant_rate_odes(e: sp.Expr, d: sp.Expr):
    """Right-hand sides (ė, ḋ) of the constant-η moment equations (Figs. 1–2).

    >>> e, d = sp.symbols("e d")
    >>> constant_rate_odes(e, d)
    (-beta*d*eta*k, k*mu*(-d + e))
    """
    return (-beta * eta * k * d, mu * k * (e - d))


def constant_rate_eigenvalues():
    """λ± = (k/2)[−μ ± √(μ(μ − 4βη))] of the linear system (Figs. 1–2).

    >>> lp, lm = constant_rate_eigenvalues()
    >>> sp.simplify(lp + lm + mu*k)
    0
    """
    root = sp.sqrt(mu * (mu - 4 * beta * eta))
    return (k / 2 * (-mu + root), k / 2 * (-mu - root))


def is_underdamped(mu_value, beta_value, eta_value) -> bool:
    """True iff μ < 4βη (k drops out of the condition; Figs. 1–2).

    >>> is_underdamped(10, 1, 10), is_underdamped(100, 1, 10)
    (True, False)
    """
    from thermolearn.theory._errors import ParameterError
    from thermolearn.theory._parse import as_expression

    values = [as_expression(v, name) for v, name in ((mu_value, "mu"), (beta_value, "beta"), (eta_value, "eta"))]
    if not all(v.is_number and v.is_real for v in values):
        raise ParameterError(f"is_underdamped needs real numbers for mu, beta, eta, got {values}")
    return bool(values[0] < 4 * values[1] * values[2])


def constant_rate_solution(*, underdamped: bool = True):
    """Closed-form θ(t), u(t) for constant η (arXiv 2510.03137, Figs. 1–2).

    Underdamped (Ω² = βημk² − μ²k²/4 > 0)::

        θ − θ* = e^{−μkt/2}[e₀ cos Ωt + ((μk e₀/2 − βηk d₀)/Ω) sin Ωt]
        u − θ* = e^{−μkt/2}[d₀ cos Ωt + ((μk e₀ − μk d₀/2)/Ω) sin Ωt]

    Overdamped: cos → cosh, sin → sinh with ω = √(−Ω²) in place of Ω.
    e₀ = θ₀ − θ*, d₀ = u₀ − θ*.  Symbols from :mod:`theory.harmonic`.

    Returns
    -------
    (theta_t, u_t) : tuple of sympy.Expr

    Examples
    --------
    >>> th, u = constant_rate_solution()
    >>> sp.simplify(th.subs(t, 0) - theta0), sp.simplify(u.subs(t, 0) - u0)
    (0, 0)
    """
    e0, d0 = theta0 - target, u0 - target
    decay = sp.exp(-mu * k * t / 2)
    if underdamped:
        w = sp.sqrt(beta * eta * mu * k**2 - mu**2 * k**2 / 4)
        c, s = sp.cos(w * t), sp.sin(w * t)
    else:
        w = sp.sqrt(mu**2 * k**2 / 4 - beta * eta * mu * k**2)
        c, s = sp.cosh(w * t), sp.sinh(w * t)
    th = target + decay * (e0 * c + (mu * k * e0 / 2 - beta * eta * k * d0) / w * s)
    u = target + decay * (d0 * c + (mu * k * e0 - mu * k * d0 / 2) / w * s)
    return th, u


def constant_rate_excess_work_infinity():
    """W_ex(t → ∞) = βηkΔ²/(2μ) from an equilibrium start, Δ = θ* − θ₀ (Figs. 1–2).

    Exact for every damping (Lyapunov-equation derivation, arXiv 2510.03137, moment equations).

    >>> constant_rate_excess_work_infinity()
    beta*eta*k*(-theta0 + theta_star)**2/(2*mu)
    """
    return beta * eta * k * (target - theta0) ** 2 / (2 * mu)


def quasi_static_work():
    """The authors' quasi-static curve W(t) ≈ βηkΔ²/(2μ)(1 − e^{−2βηkt}) (Figs. 1–2, Fig. 6).

    A slow-driving approximation whose t → ∞ limit is exact.

    >>> sp.limit(quasi_static_work(), t, sp.oo) == constant_rate_excess_work_infinity()
    True
    """
    return constant_rate_excess_work_infinity() * (1 - sp.exp(-2 * beta * eta * k * t))
