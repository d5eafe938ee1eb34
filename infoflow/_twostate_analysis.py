"""Exact analysis of the two-state learner by forward recursion (linear in N).

The joint law p_n[Y, B, θ_n, x_n] is propagated move by move; each Θ move
produces q[Y, B, θ_n, x_n, θ_{n+1}] and each X move r[Y, B, θ_{n+1}, x_n, x_{n+1}],
from which the per-move flows and entropy productions of Entropy 26, 112 (2024) are
read off with :func:`infoflow.mutual_information` / :func:`infoflow.entropy`.
No trajectory is ever enumerated; the cost is O(N·|Y|·|B|·S³).
"""

from __future__ import annotations

import numpy as np

from thermolearn.numeric.progress import progress_reporter
from thermolearn.theory._errors import ParameterError

from ._measures import entropy as H
from ._measures import mutual_information as I
from ._result import InfoflowAnalysis

__all__ = ["analyse_two_state", "two_state_marginals"]

# axes: joint p[Y, B, th, x]; q[Y, B, th, x, th']; r[Y, B, th', x, x']
_Y, _B = 0, 1


def _initial(k) -> np.ndarray:
    return np.einsum("y,yB,t,tx->yBtx", k.pY, k.pB_Y, k.p0, k.ppm)


def _theta_move(k, p):
    return np.einsum("yBtx,Btxs->yBtxs", p, k.TB)


def _x_move(k, q):
    return np.einsum("yBxs,sxz->yBsxz", q, k.K)


def two_state_marginals(learner, N: int) -> np.ndarray:
    """P_n(θ, x | B) for n = 0..N, shape (N+1, |B|, S_θ, S_x) (forward recursion)."""
    k = learner.kernels()
    pB = np.einsum("y,yB->B", k.pY, k.pB_Y)
    cond = np.einsum("t,tx->tx", k.p0, k.ppm)
    out = np.empty((N + 1, pB.size) + cond.shape)
    P = np.broadcast_to(cond, (pB.size,) + cond.shape).copy()
    out[0] = P
    for n in range(N):
        P = np.einsum("Btx,Btxs,sxz->Bsz", P, k.TB, k.K)
        out[n + 1] = P
    return out


def analyse_two_state(learner, N: int, progress=None) -> InfoflowAnalysis:
    """Exact M-info, L-info candidates, flows and EPs of a discrete learner (two-state or general).

    Per move n (Entropy 26, 112 (2024), β = 1):
    ΔI^Θ_n = I(X_n;Θ_{n+1}|B) − I(X_n;Θ_n|B);  s^Θ_n = ln T(θ'|θ,x;B)/T(θ|θ',x;B);
    Σ^Θ_n = ΔH(Θ|B) + ⟨s^Θ_n⟩ − ΔI^Θ_n;  ΔI^X_n = I(X_{n+1};Θ_{n+1}|B) − I(X_n;Θ_{n+1}|B);
    Q_n = E(x_n;θ_{n+1}) − E(x_{n+1};θ_{n+1});  Σ^X_n = ΔH(X|B) + ⟨Q_n⟩ − ΔI^X_n.
    L3 and σ_{X|Θ} need path marginals and are computed by enumeration only
    while (S_θ·S_x)^{N+1}·|B| ≤ 2^20 (NaN otherwise): see :func:`infoflow.enumerate_paths`.
    ``progress``: one unit per move (:func:`numeric.progress.progress_reporter`).
    """
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise ParameterError(f"N must be an integer >= 1, got {N!r}")
    k = learner.kernels()
    E = k.energy
    lnT = np.log(k.TB)
    s_theta = lnT - np.transpose(lnT, (0, 3, 2, 1))           # [B, θ, x, θ']
    p = _initial(k)
    M, Ith, L1, L2, L4, HJ = [], [], [], [], [], []
    ll = np.einsum("yz,tz->yt", k.target, -E)                  # E_{x*~p*_y}[ln p(x*|θ)]

    def record(p):
        M.append(I(p, 2, _B)); Ith.append(I(p, 2, _Y))
        L1.append(I(p, 3, _B)); L2.append(I(p, 3, _Y))
        L4.append(float(np.einsum("yBtx,yt->", p, ll)))
        HJ.append(H(p, (2, 3), _B))

    record(p)
    start = p
    dIt, dIx, sgt, sgx, heat, med, work = (np.empty(N) for _ in range(7))
    bar = progress_reporter(progress, total=N, desc="two-state analysis")
    for n in range(N):
        bar.update()
        q = _theta_move(k, p)
        med[n] = float(np.einsum("yBtxs,Btxs->", q, s_theta))
        work[n] = float(np.einsum("yBtxs,sx->", q, E) - np.einsum("yBtxs,tx->", q, E))
        dIt[n] = I(q, 3, 4, _B) - I(q, 3, 2, _B)
        sgt[n] = H(q, 4, _B) - H(q, 2, _B) + med[n] - dIt[n]
        r = _x_move(k, q.sum(axis=2))  # r[Y,B,θ',x,x'] after summing θ_n out
        heat[n] = float(np.einsum("yBsxz,sx->", r, E) - np.einsum("yBsxz,sz->", r, E))
        dIx[n] = I(r, 4, 2, _B) - I(r, 3, 2, _B)
        sgx[n] = H(r, 4, _B) - H(r, 3, _B) + heat[n] - dIx[n]
        p = r.sum(axis=3)
        record(p)
    bar.close()
    medium = float(heat.sum() + med.sum())
    sig_B = H(p, (2, 3), _B) - H(start, (2, 3), _B) + medium
    sig_app = H(p, (2, 3)) - H(start, (2, 3)) + medium
    I_final = I(p, (2, 3), _B)
    L4a = np.array(L4)
    e_end = float(np.einsum("yBtx,tx->", p, E)) - float(np.einsum("yBtx,tx->", start, E))
    L3 = Mtraj = sxt = float("nan")
    if np.allclose(k.K, k.K[:, :1, :]):
        # fresh re-sampling: P(x_N|θ_{0:N}) = p(x_N|θ_N), so ⟨σ_{X|Θ}⟩ = H(X_N|Θ_N) − H(X_0|Θ_0) + Σ⟨Q_n⟩
        sxt = H(p, 3, 2) - H(start, 3, 2) + float(heat.sum())
    if k.ppm.size ** (N + 1) * k.TB.shape[0] <= 2 ** 20:
        from ._enumerate import enumerate_paths

        paths = enumerate_paths(learner, N)
        L3, Mtraj = paths.L3, paths.M_trajectory
        if not np.isfinite(sxt):
            sxt = paths.mean_sigma_x_given_theta
    return InfoflowAnalysis(
        N=N, M=np.array(M), I_theta_task=np.array(Ith), L1=np.array(L1), L2=np.array(L2),
        L3=L3, M_trajectory=Mtraj, L4=L4a - L4a[0], L5=np.concatenate([[0.0], np.cumsum(dIx)]),
        dI_theta=dIt, dI_x=dIx, sigma_theta=sgt, sigma_x=sgx, heat=heat, medium_theta=med, work=work,
        sigma_given_B=sig_B, sigma_apparent=sig_app, I_final=I_final, sigma_x_given_theta_path=sxt,
        identity_residual=I_final - (sig_app - sig_B),
        telescoping_residual=float((dIt + dIx).sum()) - (I(p, 3, 2, _B) - I(start, 3, 2, _B)),
        decomposition_residual=float((sgt + sgx).sum()) - sig_B,
        first_law_residual=e_end - float(work.sum() - heat.sum()),
        joint_entropy_given_B=np.array(HJ),
    )
