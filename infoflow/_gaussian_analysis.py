"""Exact bookkeeping of the Gaussian learner: information, flows, EPs, IFT.

All quantities come from the mean and covariance of the learner's own
Bayesian network (:func:`infoflow.gaussian_joint`).  Definitions (entropy
production of Entropy 26, 112 (2024), B = the data statistic D, β = 1):

* ΔI^Θ_n = I(X_n;Θ_{n+1}|B) − I(X_n;Θ_n|B),  ΔI^X_n = I(X_{n+1};Θ_{n+1}|B) − I(X_n;Θ_{n+1}|B);
* Σ^Θ_n = ΔH(Θ|B) + ⟨s^Θ_n⟩ − ΔI^Θ_n ≥ 0,  Σ^X_n = ΔH(X|B) + ⟨Q_n⟩ − ΔI^X_n ≥ 0 (LDB for the X move);
* Σ_{|B} = H(Θ_N,X_N|B) − H(Θ_0,X_0|B) + Σ_n ⟨Q_n + s^Θ_n⟩, Σ^app the same with marginal entropies,
  and I(Θ_N,X_N;B) = Σ^app − Σ_{|B} (Result 5);
* σ_{X|Θ} = ln p(x_0|θ_0) − ln P(x_N|θ_{0:N}) + Σ_n Q_n (conditional EP given the Θ path).
"""

from __future__ import annotations

import math

import numpy as np

from thermolearn.theory._errors import ParameterError

from ._result import InfoflowAnalysis
from ._measures import _gaussian_entropy, _gaussian_mi

__all__ = ["analyse_gaussian", "gaussian_ift", "gaussian_sigma_form"]


class _Joint:
    def __init__(self, learner, N):
        self.names, self.mean, self.cov = gaussian_joint_of(learner, N)
        # PSD by construction (covariance propagation of a linear SEM), so no eigen-check here
        self.idx = {v: i for i, v in enumerate(self.names)}
        self.second = self.cov + np.outer(self.mean, self.mean)

    def ix(self, nodes):
        return [self.idx[v] for v in ([nodes] if isinstance(nodes, str) else nodes)]

    def H(self, a, given=()):
        return _gaussian_entropy(self.cov, self.ix(a), self.ix(given))

    def I(self, a, b, given=()):
        return _gaussian_mi(self.cov, self.ix(a), self.ix(b), self.ix(given))

    def vec(self, terms: dict) -> np.ndarray:
        w = np.zeros(len(self.names))
        for k, v in terms.items():
            w[self.idx[k]] += v
        return w

    def esq(self, terms: dict) -> float:
        """E[(Σ_k w_k v_k)²] over the full joint (second moments)."""
        w = self.vec(terms)
        return float(w @ self.second @ w)


def gaussian_joint_of(learner, N):
    from ._bayesnet import gaussian_joint

    return gaussian_joint(learner.network(N))


def _move_terms(L, n):
    """Linear forms of s^Θ_n and Q_n, W_n (notation of Entropy 26, 112 (2024))."""
    k, a, c = L.kappa, L.a, L.c
    th, th1, x, x1 = f"th{n}", f"th{n + 1}", f"x{n}", f"x{n + 1}"
    back = {th: 1.0, th1: -a, "B": -k}
    fwd = {th1: 1.0, th: -a, "B": -k}
    if c != 0:
        back[x] = back.get(x, 0.0) + k * c
        fwd[x] = fwd.get(x, 0.0) + k * c
    return {
        "s_back": back, "s_fwd": fwd,
        "q_before": {x: 1.0, th1: -1.0}, "q_after": {x1: 1.0, th1: -1.0},
        "w_new": {x: 1.0, th1: -1.0}, "w_old": {x: 1.0, th: -1.0},
    }


def analyse_gaussian(L, N: int) -> InfoflowAnalysis:
    """Exact information flows and entropy productions of the Gaussian learner."""
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise ParameterError(f"N must be an integer >= 1, got {N!r}")
    J = _Joint(L, N)
    s2x, q = L.sigma ** 2, L.q
    ths = [f"th{n}" for n in range(N + 1)]
    xs = [f"x{n}" for n in range(N + 1)]
    M = np.array([J.I(t, "B") for t in ths])
    Ith = np.array([J.I(t, "Y") for t in ths])
    L1 = np.array([J.I(x, "B") for x in xs])
    L2 = np.array([J.I(x, "Y") for x in xs])
    # L4: E[ln p(x*|θ_n) − ln p(x*|θ_0)], x* ~ N(μ*, s²); the x*-noise cancels.
    L4 = np.array([(J.esq({"Y": 1.0, "th0": -1.0}) - J.esq({"Y": 1.0, t: -1.0})) / (2 * s2x)
                   if t != "th0" else 0.0 for t in ths])
    dIt, dIx, sgt, sgx, heat, med, work = (np.empty(N) for _ in range(7))
    for n in range(N):
        f = _move_terms(L, n)
        th, th1, x, x1 = ths[n], ths[n + 1], xs[n], xs[n + 1]
        med[n] = (J.esq(f["s_back"]) - J.esq(f["s_fwd"])) / (2 * q)
        heat[n] = (J.esq(f["q_before"]) - J.esq(f["q_after"])) / (2 * s2x)
        work[n] = (J.esq(f["w_new"]) - J.esq(f["w_old"])) / (2 * s2x)
        dIt[n] = J.I(x, th1, "B") - J.I(x, th, "B")
        dIx[n] = J.I(x1, th1, "B") - J.I(x, th1, "B")
        sgt[n] = J.H(th1, "B") - J.H(th, "B") + med[n] - dIt[n]
        sgx[n] = J.H(x1, "B") - J.H(x, "B") + heat[n] - dIx[n]
    medium = float(heat.sum() + med.sum())
    end, start = [ths[N], xs[N]], ["th0", "x0"]
    sig_B = J.H(end, "B") - J.H(start, "B") + medium
    sig_app = J.H(end) - J.H(start) + medium
    I_final = J.I(end, "B")
    energy_change = (J.esq({xs[N]: 1.0, ths[N]: -1.0}) - J.esq({"x0": 1.0, "th0": -1.0})) / (2 * s2x)
    return InfoflowAnalysis(
        N=N, M=M, I_theta_task=Ith, L1=L1, L2=L2,
        L3=J.I(xs, "B"), M_trajectory=J.I(ths, "B"), L4=L4,
        L5=np.concatenate([[0.0], np.cumsum(dIx)]),
        dI_theta=dIt, dI_x=dIx, sigma_theta=sgt, sigma_x=sgx, heat=heat, medium_theta=med, work=work,
        sigma_given_B=sig_B, sigma_apparent=sig_app, I_final=I_final,
        sigma_x_given_theta_path=J.H(xs[N], ths) - J.H("x0", "th0") + float(heat.sum()),
        identity_residual=I_final - (sig_app - sig_B),
        telescoping_residual=float((dIt + dIx).sum()) - (J.I(xs[N], ths[N], "B") - J.I("x0", "th0", "B")),
        decomposition_residual=float((sgt + sgx).sum()) - sig_B,
        first_law_residual=energy_change - float(work.sum() - heat.sum()),
        joint_entropy_given_B=np.array([J.H([t, x], "B") for t, x in zip(ths, xs)]),
    )


def gaussian_sigma_form(L, N: int):
    """σ(Γ) as a quadratic form: returns (names, A, b, c0) with σ = vᵀAv + bᵀv + c0.

    v lists the network's nodes in the order ``names`` (:func:`gaussian_joint`);
    σ = ln P_0(θ_0,x_0|B) − ln P_N(θ_N,x_N|B) + Σ_n (Q_n + s^Θ_n) (Entropy 26, 112 (2024), entropy production).
    Evaluate it on simulated paths for a pointwise (Monte-Carlo) check.
    """
    J = _Joint(L, N)
    return (J.names,) + _sigma_form(J, L, N)


def _sigma_form(J, L, N):
    n = len(J.names)
    A = np.zeros((n, n))
    b = np.zeros(n)
    c0 = 0.0

    def add_sq(coef, w, const=0.0):
        nonlocal c0, b, A
        A += coef * np.outer(w, w)
        b += 2 * coef * const * w
        c0 += coef * const * const

    def add_logdens(sign, nodes, cond):
        # sign * ln N(u; m_u + K(B - m_B), S)
        nonlocal c0
        u, g = J.ix(nodes), J.ix(cond)
        C = J.cov
        K = C[np.ix_(u, g)] @ np.linalg.inv(C[np.ix_(g, g)])
        S = C[np.ix_(u, u)] - K @ C[np.ix_(g, u)]
        Sinv = np.linalg.inv(S)
        # residual r = u - K g - (m_u - K m_g): rows of a linear map R v + r0
        R = np.zeros((len(u), n))
        R[np.arange(len(u)), u] = 1.0
        R[:, g] -= K
        r0 = -(J.mean[u] - K @ J.mean[g])
        A[...] += sign * (-0.5) * R.T @ Sinv @ R
        b[...] += sign * (-1.0) * R.T @ Sinv @ r0
        c0 += sign * (-0.5 * r0 @ Sinv @ r0 - 0.5 * np.linalg.slogdet(2 * np.pi * S)[1])

    add_logdens(+1.0, ["th0", "x0"], ["B"])
    add_logdens(-1.0, [f"th{N}", f"x{N}"], ["B"])
    for k in range(N):
        f = _move_terms(L, k)
        add_sq(1 / (2 * L.q), J.vec(f["s_back"]))
        add_sq(-1 / (2 * L.q), J.vec(f["s_fwd"]))
        add_sq(1 / (2 * L.sigma ** 2), J.vec(f["q_before"]))
        add_sq(-1 / (2 * L.sigma ** 2), J.vec(f["q_after"]))
    return 0.5 * (A + A.T), b, c0


def gaussian_ift(L, N: int, lam: float = 1.0) -> tuple[float, float]:
    """Closed-form ⟨e^{−λσ}⟩ and ⟨σ⟩ of the total EP given B (Gaussian integrals).

    σ = ln P_0(θ_0,x_0|B) − ln P_N(θ_N,x_N|B) + Σ_n (Q_n + s^Θ_n) is a
    quadratic form vᵀAv + bᵀv + c0 of the Gaussian vector v ~ N(m, C) of all
    nodes, hence (P = C⁻¹, P' = P + 2λA, h = Pm − λb)
    ⟨e^{−λσ}⟩ = √(det P/det P') exp(½ hᵀP'⁻¹h − ½ mᵀPm − λ c0).
    The integral fluctuation theorem is the statement ⟨e^{−σ}⟩ = 1.

    Returns
    -------
    (generating_function, mean_sigma)

    >>> from thermolearn.infoflow import GaussianLearner
    >>> g, m = gaussian_ift(GaussianLearner(kappa=0.3), 4)
    >>> bool(abs(g - 1) < 1e-10), bool(abs(m - GaussianLearner(kappa=0.3).analyse(4).sigma_given_B) < 1e-10)
    (True, True)
    """
    J = _Joint(L, N)
    A, b, c0 = _sigma_form(J, L, N)
    m, C = J.mean, J.cov
    mean_sigma = float(np.trace(A @ C) + m @ A @ m + b @ m + c0)
    P = np.linalg.inv(C)
    P2 = P + 2 * lam * A
    h = P @ m - lam * b
    s1, ld1 = np.linalg.slogdet(P)
    s2, ld2 = np.linalg.slogdet(P2)
    if s2 <= 0:
        return math.inf, mean_sigma
    log_g = 0.5 * (ld1 - ld2) + 0.5 * h @ np.linalg.solve(P2, h) - 0.5 * m @ P @ m - lam * c0
    return float(math.exp(log_g)), mean_sigma
