"""d-dimensional quadratic energy E = ½(x−θ)ᵀK(x−θ) with scalar mobility μ.

arXiv 2510.03137, Fig. 5 ("discontinuous analogue in matrix
form").  Fisher information I = βK, friction ζ = 1/μ (identity), relaxation
time matrix τ_R = (μK)⁻¹.  The optimal learning-rate *matrix* is

    H(t) = [(τ − t)I + 2βζ]⁻¹ = [β((τ − t)K + 2/μ)]⁻¹,
    kick at 0:  H̄₀ = I⁻¹τ_R(τ + 2τ_R)⁻¹ = (βK)⁻¹(μτK + 2)⁻¹,
    kick at τ:  H̄_τ = I⁻¹/2,

the jump vector is J = (μτK + 2)⁻¹Δ and

    W_min = Δᵀ K (μτK + 2)⁻¹ Δ.

Functions take an explicit sympy ``Matrix`` K (symbolic or numeric).
"""

from __future__ import annotations

import sympy as sp

from ._errors_local import check_square_symmetric
from ._symbols import beta, mu, t, tau

__all__ = [
    "matrix_minimal_excess_work",
    "matrix_jump",
    "matrix_protocol",
    "matrix_optimal_schedule",
]


def matrix_jump(K: sp.Matrix, delta: sp.Matrix) -> sp.Matrix:
    """J = (μτK + 2)⁻¹Δ (arXiv 2510.03137, Fig. 5).

    >>> matrix_jump(sp.Matrix([[1]]), sp.Matrix([3]))
    Matrix([[3/(mu*tau + 2)]])
    """
    K = check_square_symmetric(K)
    return (mu * tau * K + 2 * sp.eye(K.rows)).inv() * sp.Matrix(delta)


def matrix_minimal_excess_work(K: sp.Matrix, delta: sp.Matrix) -> sp.Expr:
    """W_min = Δᵀ K (μτK + 2)⁻¹ Δ (arXiv 2510.03137, Fig. 5).

    >>> matrix_minimal_excess_work(sp.Matrix([[2]]), sp.Matrix([1]))
    2/(2*mu*tau + 2)
    """
    K = check_square_symmetric(K)
    delta = sp.Matrix(delta)
    return (delta.T * K * (mu * tau * K + 2 * sp.eye(K.rows)).inv() * delta)[0, 0]


def matrix_protocol(K: sp.Matrix, theta0: sp.Matrix, delta: sp.Matrix):
    """(θ(t), u(t)) = (θ₀ + J + μKJt, θ₀ + μKJt) on 0 < t < τ (arXiv 2510.03137, Fig. 5).

    >>> th, u = matrix_protocol(sp.Matrix([[1]]), sp.Matrix([0]), sp.Matrix([1]))
    >>> sp.simplify(th[0] - u[0])
    1/(mu*tau + 2)
    """
    J = matrix_jump(K, delta)
    theta0 = sp.Matrix(theta0)
    return theta0 + J + mu * K * J * t, theta0 + mu * K * J * t


def matrix_optimal_schedule(K: sp.Matrix):
    """(H(t), H̄₀, H̄_τ) of the optimal learning-rate matrix (arXiv 2510.03137, Fig. 5).

    >>> H, H0, Ht = matrix_optimal_schedule(sp.Matrix([[1]]))
    >>> sp.simplify(H[0] - 1/(beta*(tau - t + 2/mu)))
    0
    """
    K = check_square_symmetric(K)
    n = K.rows
    one = sp.eye(n)
    H = (beta * ((tau - t) * K + 2 / mu * one)).inv()
    H0 = (beta * K).inv() * (mu * tau * K + 2 * one).inv()
    Ht = (beta * K).inv() / 2
    return H, H0, Ht
