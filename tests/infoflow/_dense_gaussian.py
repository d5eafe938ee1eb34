"""Test oracle: the Gaussian learner's analysis from the full joint covariance (dense, O(N^3)).

This is the straightforward route the library used before the linear-time chain recursions:
every quantity from the mean and covariance of the *whole* network
(:func:`thermolearn.infoflow.gaussian_joint`), the fluctuation theorems from dense Gaussian
integrals over all 2N + 4 nodes.  It shares no code with ``infoflow._gaussian_chain`` beyond
the learner's network, ``Window`` (the named-node container of the log-det measures, used
here on the whole joint) and the per-move formulas (``move_quantities``, checked by the
second-law and identity tests), so agreement at small N checks the recursions.
"""

from __future__ import annotations

import math

import numpy as np

from thermolearn.infoflow import gaussian_joint
from thermolearn.infoflow._gaussian_analysis import _move_terms, move_quantities
from thermolearn.infoflow._gaussian_chain import Window


class Joint(Window):
    """The whole network as one window: the log-det measures on the dense joint covariance."""

    def __init__(self, learner, N):
        super().__init__(*gaussian_joint(learner.network(N)))

    def vec(self, terms):
        w = np.zeros(len(self.names))
        for k, v in terms.items():
            w[self.idx[k]] += v
        return w


def analyse(L, N):
    """The fields of ``InfoflowAnalysis`` as a dict, from the dense joint."""
    J = Joint(L, N)
    s2x = L.sigma ** 2
    ths = [f"th{n}" for n in range(N + 1)]
    xs = [f"x{n}" for n in range(N + 1)]
    out = dict(M=np.array([J.I(t, "B") for t in ths]), I_theta_task=np.array([J.I(t, "Y") for t in ths]),
               L1=np.array([J.I(x, "B") for x in xs]), L2=np.array([J.I(x, "Y") for x in xs]),
               L4=np.array([(J.esq({"Y": 1.0, "th0": -1.0}) - J.esq({"Y": 1.0, t: -1.0})) / (2 * s2x)
                            if t != "th0" else 0.0 for t in ths]))
    dIt, dIx, sgt, sgx, heat, med, work = (np.empty(N) for _ in range(7))
    for n in range(N):
        med[n], heat[n], work[n], dIt[n], dIx[n], sgt[n], sgx[n] = move_quantities(L, n, J)
    medium = float(heat.sum() + med.sum())
    end, start = [ths[N], xs[N]], ["th0", "x0"]
    out.update(dI_theta=dIt, dI_x=dIx, sigma_theta=sgt, sigma_x=sgx, heat=heat, medium_theta=med, work=work,
               L3=J.I(xs, "B"), M_trajectory=J.I(ths, "B"), L5=np.concatenate([[0.0], np.cumsum(dIx)]),
               sigma_given_B=J.H(end, "B") - J.H(start, "B") + medium,
               sigma_apparent=J.H(end) - J.H(start) + medium, I_final=J.I(end, "B"),
               sigma_x_given_theta_path=J.H(xs[N], ths) - J.H("x0", "th0") + float(heat.sum()),
               joint_entropy_given_B=np.array([J.H([t, x], "B") for t, x in zip(ths, xs)]))
    return out


def sigma_form(J, L, N):
    """σ = vᵀAv + bᵀv + c0 over all nodes (dense)."""
    n = len(J.names)
    A, b, c0 = np.zeros((n, n)), np.zeros(n), 0.0

    def add_sq(coef, w):
        nonlocal A
        A += coef * np.outer(w, w)

    def add_logdens(sign, nodes, cond):
        nonlocal c0
        u, g = J.ix(nodes), J.ix(cond)
        C = J.cov
        K = C[np.ix_(u, g)] @ np.linalg.inv(C[np.ix_(g, g)])
        S = C[np.ix_(u, u)] - K @ C[np.ix_(g, u)]
        Sinv = np.linalg.inv(S)
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


def ift(L, N, lam=1.0):
    """(⟨e^{−λσ}⟩, ⟨σ⟩) by dense Gaussian integrals."""
    J = Joint(L, N)
    A, b, c0 = sigma_form(J, L, N)
    m, C = J.mean, J.cov
    mean_sigma = float(np.trace(A @ C) + m @ A @ m + b @ m + c0)
    P = np.linalg.inv(C)
    P2 = P + 2 * lam * A
    h = P @ m - lam * b
    ld1 = np.linalg.slogdet(P)[1]
    s2, ld2 = np.linalg.slogdet(P2)
    if s2 <= 0:
        return math.inf, mean_sigma
    log_g = 0.5 * (ld1 - ld2) + 0.5 * h @ np.linalg.solve(P2, h) - 0.5 * m @ P @ m - lam * c0
    return float(math.exp(log_g)), mean_sigma


def _log_integral(A, b, c):
    A = 0.5 * (A + A.T)
    try:
        chol = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return math.inf
    y = np.linalg.solve(chol, b)
    return 0.5 * A.shape[0] * math.log(math.pi) - np.log(np.diag(chol)).sum() + 0.25 * y @ y - c


def dft(L, N, alphas):
    """(ln G_F(α), ln G_R(1 − α)) by dense Gaussian integrals; the reversed density from reversed kernels."""
    J = Joint(L, N)
    A, b, c0 = sigma_form(J, L, N)
    n = len(J.names)
    R, r, r0 = np.zeros((n, n)), np.zeros(n), 0.0

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

    block(["Y", "B"], [])
    block([f"th{N}", f"x{N}"], ["B"])
    k, a, c, rho = L.kappa, L.a, L.c, L.rho
    for t in range(N):
        th, th1, x, x1 = f"th{t}", f"th{t + 1}", f"x{t}", f"x{t + 1}"
        gauss(J.vec({x: 1.0, x1: -rho, th1: -(1 - rho)}), (1 - rho ** 2) * L.sigma ** 2)
        w = {th: 1.0, th1: -a, "B": -k}
        if c != 0:
            w[x] = k * c
        gauss(J.vec(w), L.q)
    R = 0.5 * (R + R.T)
    P = np.linalg.inv(J.cov)
    m = J.mean
    base_c = 0.5 * m @ P @ m + 0.5 * np.linalg.slogdet(2 * math.pi * J.cov)[1]
    fwd, rev = [], []
    for al in alphas:
        fwd.append(_log_integral(0.5 * P + al * A, -P @ m + al * b, base_c + al * c0))
        rev.append(_log_integral(R - (1 - al) * A, r - (1 - al) * b, r0 - (1 - al) * c0))
    return np.array(fwd), np.array(rev)
