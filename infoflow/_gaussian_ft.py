"""Detailed fluctuation theorem of the Gaussian learner in closed form.

The forward generating function G_F(α) = ⟨e^{−ασ}⟩ and the reversed one
G_R(μ) = ⟨e^{−μσ̃}⟩_R (σ̃(Γ̃) = −σ(Γ)) are Gaussian integrals of quadratic
exponents.  The reversed path density is built independently from the
reversed kernels (fluctuation theorem of Entropy 26, 112 (2024)):

ln P̃[Γ̃] = ln p(Y, B) + ln P_N(θ_N, x_N | B) + Σ_n [ln K_{θ_{n+1}}(x_n | x_{n+1}) + ln T(θ_n | θ_{n+1}, x_n; B)],

so the DFT in Crooks form, P(σ = s)/P̃(σ̃ = −s) = e^{s}, is the identity
ln G_F(α) = ln G_R(1 − α) for all α where both integrals converge.
∫ exp(−vᵀAv − bᵀv − c) dv = π^{n/2} det(A)^{−1/2} exp(¼ bᵀA⁻¹b − c).
"""

from __future__ import annotations

import math

import numpy as np

from ._gaussian_analysis import _Joint, _sigma_form

__all__ = ["gaussian_dft"]


def _log_integral(A, b, c) -> float:
    A = 0.5 * (A + A.T)
    try:
        chol = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:  # A not positive definite: the integral diverges
        return math.inf
    logdet = 2.0 * np.log(np.diag(chol)).sum()
    y = np.linalg.solve(chol, b)
    return 0.5 * A.shape[0] * math.log(math.pi) - 0.5 * logdet + 0.25 * y @ y - c


def _reversed_density(J, L, N):
    """(R, r, r0) with −ln P̃(v) = vᵀRv + rᵀv + r0."""
    n = len(J.names)
    R = np.zeros((n, n))
    r = np.zeros(n)
    r0 = 0.0

    def gauss(w, var):
        nonlocal R, r0
        R += np.outer(w, w) / (2 * var)
        r0 += 0.5 * math.log(2 * math.pi * var)

    def block(nodes, cond):
        nonlocal R, r, r0
        u, g = J.ix(nodes), J.ix(cond)
        C = J.cov
        K = C[np.ix_(u, g)] @ np.linalg.inv(C[np.ix_(g, g)]) if g else np.zeros((len(u), 0))
        S = C[np.ix_(u, u)] - (K @ C[np.ix_(g, u)] if g else 0.0)
        Sinv = np.linalg.inv(S)
        M = np.zeros((len(u), n))
        M[np.arange(len(u)), u] = 1.0
        if g:
            M[:, g] -= K
        m0 = -(J.mean[u] - (K @ J.mean[g] if g else 0.0))
        R += 0.5 * M.T @ Sinv @ M
        r += M.T @ Sinv @ m0
        r0 += 0.5 * m0 @ Sinv @ m0 + 0.5 * np.linalg.slogdet(2 * math.pi * S)[1]

    block(["Y", "B"] if "Y" in J.idx else ["B"], [])
    block([f"th{N}", f"x{N}"], ["B"])
    k, a, c, rho = L.kappa, L.a, L.c, L.rho
    for t in range(N):
        th, th1, x, x1 = f"th{t}", f"th{t + 1}", f"x{t}", f"x{t + 1}"
        # reversed X move: x_t ~ K_{θ_{t+1}}(· | x_{t+1}) = N(ρ x_{t+1} + (1−ρ) θ_{t+1}, (1−ρ²)σ²)
        gauss(J.vec({x: 1.0, x1: -rho, th1: -(1 - rho)}), (1 - rho ** 2) * L.sigma ** 2)
        # reversed Θ move: θ_t ~ T(· | θ_{t+1}, x_t; B) = N(a θ_{t+1} + κB − κc x_t, q)
        w = {th: 1.0, th1: -a, "B": -k}
        if c != 0:
            w[x] = k * c
        gauss(J.vec(w), L.q)
    return 0.5 * (R + R.T), r, r0


def gaussian_dft(L, N: int, alphas=(0.25, 0.5, 0.75)) -> tuple[np.ndarray, np.ndarray]:
    """ln G_F(α) and ln G_R(1 − α) of the total EP given B, both in closed form.

    Returns two arrays over ``alphas``; the detailed FT says they are equal
    (and ln G_F(1) = 0 is the integral FT).

    >>> from thermolearn.infoflow import GaussianLearner
    >>> f, r = gaussian_dft(GaussianLearner(c=1.0, rho=0.5, kappa=0.3), 5)
    >>> bool(np.max(np.abs(f - r)) < 1e-9)
    True
    """
    J = _Joint(L, N)
    A, b, c0 = _sigma_form(J, L, N)
    R, r, r0 = _reversed_density(J, L, N)
    P = np.linalg.inv(J.cov)
    m = J.mean
    base_c = 0.5 * m @ P @ m + 0.5 * np.linalg.slogdet(2 * math.pi * J.cov)[1]
    fwd, rev = [], []
    for al in np.atleast_1d(np.asarray(alphas, dtype=float)):
        fwd.append(_log_integral(0.5 * P + al * A, -P @ m + al * b, base_c + al * c0))
        mu = 1.0 - al  # reversed exponent: −ln P̃ − μσ̃ = −ln P̃ + μσ
        rev.append(_log_integral(R - mu * A, r - mu * b, r0 - mu * c0))
    return np.array(fwd), np.array(rev)
