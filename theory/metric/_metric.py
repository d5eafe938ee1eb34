"""Fisher information, friction tensor and relaxation time, closed form first.

Definitions (arXiv 2510.03137, general potentials):

* Fisher information I_ij(θ) = β² Cov_m(∂_iE, ∂_jE);
* friction tensor ζ_ij(θ) = β ∫₀^∞ ⟨δ∂_iE(t) δ∂_jE(0)⟩_{p_m(θ)} dt, the
  linear-response (slow-driving) metric of Sivak & Crooks;
* relaxation-time matrix T = β I⁻¹ ζ, so that ζ = I T / β; when T is a
  multiple of the identity it is the scalar relaxation time τ_R (ζ = τ_R I/β).

Closed forms exist here for energies quadratic in x (exact Gaussian/
Ornstein–Uhlenbeck algebra, see :mod:`theory.metric._gaussian`); for any
other energy these functions return ``None`` and :mod:`numeric.metric`
evaluates the quantities by quadrature or a generator solve.
"""

from __future__ import annotations

import sympy as sp

from .._errors import ModelError, SingularMetricError
from ._gaussian import gaussian_structure, lyapunov_solve, simplify_rational

__all__ = [
    "fisher_information",
    "friction_tensor",
    "relaxation_time",
    "mean_dE_dtheta",
    "check_metric",
]


def _simp(M):
    return simplify_rational(M, "factor")


def fisher_information(model) -> sp.Matrix | None:
    """I_ij = β² Cov_m(∂_iE, ∂_jE); closed form for quadratic energies, else None.

    >>> from thermolearn.theory.models import gaussian_mean_variance
    >>> fisher_information(gaussian_mean_variance(beta=1))
    Matrix([
    [1/s,          0],
    [  0, 1/(2*s**2)]])
    """
    if not model.is_quadratic():
        return None
    A, m, S, X0, g, M = gaussian_structure(model)
    n = len(model.theta)
    out = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            cov = (g[i].T * S * g[j])[0, 0] + sp.Rational(1, 2) * (M[i] * S * M[j] * S).trace()
            out[i, j] = out[j, i] = model.beta**2 * cov
    return _simp(out)


def friction_tensor(model) -> sp.Matrix | None:
    """ζ_ij = β∫₀^∞⟨δ∂_iE(t)δ∂_jE(0)⟩dt via the Lyapunov equation; None if not quadratic.

    For the trap ζ = 1/μ, independent of k (derived here, docs/theory.md):

    >>> from thermolearn.theory.models import harmonic_trap, learnable_stiffness
    >>> friction_tensor(harmonic_trap())
    Matrix([[1/mu]])
    >>> friction_tensor(learnable_stiffness())
    Matrix([[1/(4*beta*mu*theta**3)]])
    """
    if not model.is_quadratic():
        return None
    A, m, S, X0, g, M = gaussian_structure(model)
    mu, beta = model.mu, model.beta
    Ainv = A.inv()
    P = [lyapunov_solve(A, Mj / mu) for Mj in M]
    n = len(model.theta)
    out = sp.zeros(n, n)
    for i in range(n):
        for j in range(n):
            lin = (g[i].T * S * Ainv * g[j])[0, 0] / mu
            quad = sp.Rational(1, 2) * (M[i] * S * P[j] * S).trace()
            out[i, j] = beta * (lin + quad)
    return _simp(out)


def relaxation_time(model, *, fisher=None, friction=None):
    """T = β I⁻¹ ζ (a scalar τ_R when T ∝ identity); None without closed forms.

    ``fisher`` and ``friction``: I and ζ of this model when the caller has
    them already (:func:`fisher_information`, :func:`friction_tensor`).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> relaxation_time(harmonic_trap())
    1/(k*mu)
    """
    I = fisher_information(model) if fisher is None else fisher
    Z = friction_tensor(model) if friction is None else friction
    if I is None or Z is None:
        return None
    check_metric(I, "Fisher information")
    T = _simp(model.beta * I.inv() * Z)
    n = T.shape[0]
    if all(simplify_rational(T[i, j]) == 0 for i in range(n) for j in range(n) if i != j) and all(
        simplify_rational(T[i, i] - T[0, 0]) == 0 for i in range(n)
    ):
        return T[0, 0]
    return T


def mean_dE_dtheta(model) -> sp.Matrix | None:
    """⟨∂_θE⟩_m = ∂_θF (column), closed form for quadratic energies, else None.

    >>> from thermolearn.theory.models import learnable_stiffness
    >>> mean_dE_dtheta(learnable_stiffness())
    Matrix([[1/(2*beta*theta)]])
    """
    if not model.is_quadratic():
        return None
    A, m, S, X0, g, M = gaussian_structure(model)
    return sp.Matrix([simplify_rational(X0[i] + sp.Rational(1, 2) * (M[i] * S).trace()) for i in range(len(X0))])


def check_metric(g: sp.Matrix, name: str = "metric") -> sp.Matrix:
    """Raise :class:`SingularMetricError` if ``g`` is provably singular or indefinite.

    Three-valued: a symbolic metric passes unless sympy proves the defect.

    >>> check_metric(sp.Matrix([[1, 0], [0, 0]]))
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.SingularMetricError: metric Matrix([[1, 0], [0, 0]]) is singular (determinant 0)
    """
    if not isinstance(g, sp.MatrixBase) or g.shape[0] != g.shape[1]:
        raise ModelError(f"{name} must be a square sympy Matrix, got {g!r}")
    if simplify_rational(g - g.T) != sp.zeros(*g.shape):
        raise SingularMetricError(f"{name} {g} is not symmetric")
    det = simplify_rational(g.det())
    if det == 0:
        raise SingularMetricError(f"{name} {g} is singular (determinant 0)")
    for k in range(1, g.shape[0] + 1):
        minor = simplify_rational(g[:k, :k].det())
        if minor.is_positive is False or (minor.is_number and minor <= 0):
            raise SingularMetricError(
                f"{name} {g} is not positive definite (leading minor {k} = {minor})"
            )
    return g
