"""Brute-force enumeration of all trajectories of the two-state learner.

The independent reference for the forward recursion and the tilted transfer
matrices: every path Γ = (θ_{0:N}, x_{0:N}) is listed ((S_θ·S_x)^{N+1} of them per
training set), with its probability P[Γ|B], the reversed-path probability
P̃[Γ̃|B] built from the reversed kernels, and σ from the bookkeeping
σ = ln P_0(θ_0,x_0|B) − ln P_N(θ_N,x_N|B) + Σ_n (Q_n + s^Θ_n)
(entropy production of Entropy 26, 112 (2024)).  Exponential cost; for
tests, benchmarks and N ≤ 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory._errors import ParameterError

from ._measures import mutual_information
from thermolearn.numeric.results import ResultMixin

__all__ = ["PathEnumeration", "enumerate_paths"]

#: Largest N enumerated (4^{11} paths × |B| doubles ≈ 130 MB).
MAX_ENUMERATION_N = 10


@dataclass(frozen=True)
class PathEnumeration(ResultMixin):
    """All paths of N steps: per training set B (rows) and path (columns)."""

    N: int
    prob: np.ndarray          # P[Γ|B]
    prob_reversed: np.ndarray  # P̃[Γ̃|B]
    sigma: np.ndarray         # total EP σ(Γ) given B
    sigma_x_given_theta: np.ndarray  # σ_{X|Θ}(Γ)
    pB: np.ndarray
    L3: float
    M_trajectory: float
    mean_sigma_x_given_theta: float

    @property
    def ift_residual(self) -> float:
        """max_B |Σ_Γ P[Γ|B] e^{−σ(Γ)} − 1|."""
        return float(np.max(np.abs((self.prob * np.exp(-self.sigma)).sum(axis=1) - 1.0)))

    @property
    def pointwise_residual(self) -> float:
        """max |ln P[Γ|B]/P̃[Γ̃|B] − σ(Γ)| over paths of positive probability."""
        ok = self.prob > 0
        return float(np.max(np.abs(np.log(self.prob[ok] / self.prob_reversed[ok]) - self.sigma[ok])))

    def dft_residual(self, decimals: int = 9) -> float:
        """max |ln P(σ=s)/P̃(σ̃=−s) − s| with σ grouped to ``decimals`` digits."""
        worst = 0.0
        for b in range(self.prob.shape[0]):
            s = np.round(self.sigma[b], decimals)
            vals, inv = np.unique(s, return_inverse=True)
            pf = np.bincount(inv, weights=self.prob[b])
            pr = np.bincount(inv, weights=self.prob_reversed[b])
            ok = pf > 0
            worst = max(worst, float(np.max(np.abs(np.log(pf[ok] / pr[ok]) - vals[ok]))))
        return worst

    def mean_sigma(self) -> np.ndarray:
        """⟨σ|B⟩ for every training set."""
        return (self.prob * self.sigma).sum(axis=1)


def enumerate_paths(learner, N: int) -> PathEnumeration:
    """List every trajectory of a discrete learner (anything with ``kernels()``) over N steps.

    >>> from thermolearn.infoflow import TwoStateLearner
    >>> e = enumerate_paths(TwoStateLearner(), 2)
    >>> e.prob.shape, e.ift_residual < 1e-12
    ((4, 64), True)
    """
    if isinstance(N, bool) or not isinstance(N, int) or not 1 <= N <= MAX_ENUMERATION_N:
        raise ParameterError(f"N must be an integer in 1..{MAX_ENUMERATION_N} for enumeration, got {N!r}")
    k = learner.kernels()
    T = N + 1
    St, Sx = k.ppm.shape
    S = St * Sx
    if S ** T * k.TB.shape[0] > 2 ** 26:
        raise ParameterError(f"N={N}: {S ** T} paths per training set is too many to enumerate")
    code = np.arange(S ** T)
    digit = (code[:, None] // S ** np.arange(T)) % S
    th, x = digit // Sx, digit % Sx
    lnT, lnK, E = np.log(k.TB), np.log(k.K), k.energy
    t0, x0 = th[:, 0], x[:, 0]
    logp = np.log(k.p0[t0] * k.ppm[t0, x0])[None, :] + np.zeros((k.TB.shape[0], 1))
    logr = np.zeros_like(logp)
    med = np.zeros_like(logp)
    heat = np.zeros(code.size)
    for n in range(N):
        a, b, xa, xb = th[:, n], th[:, n + 1], x[:, n], x[:, n + 1]
        logp = logp + lnT[:, a, xa, b] + lnK[b, xa, xb][None, :]
        logr = logr + lnT[:, b, xa, a] + lnK[b, xb, xa][None, :]
        med = med + lnT[:, a, xa, b] - lnT[:, b, xa, a]
        heat = heat + E[b, xa] - E[b, xb]
    prob = np.exp(logp)
    nb = prob.shape[0]
    # boundary marginals P_0 and P_N given B, from the enumeration itself
    end = th[:, N] * Sx + x[:, N]
    PN = np.stack([np.bincount(end, weights=prob[i], minlength=S) for i in range(nb)]).reshape(nb, St, Sx)
    P0 = k.p0[:, None] * k.ppm
    lnPN = np.log(np.where(PN > 0, PN, 1.0))[:, th[:, N], x[:, N]]
    sigma = np.log(P0[t0, x0])[None, :] - lnPN + heat[None, :] + med
    prob_rev = np.exp(lnPN + logr)
    pB = k.pY @ k.pB_Y
    joint = pB[:, None] * prob
    # trajectory information: I(X_{0:N};B) and I(Θ_{0:N};B)
    thc = (th * St ** np.arange(T)).sum(axis=1)
    xc = (x * Sx ** np.arange(T)).sum(axis=1)
    jx = np.stack([np.bincount(xc, weights=joint[i], minlength=Sx ** T) for i in range(nb)])
    jt = np.stack([np.bincount(thc, weights=joint[i], minlength=St ** T) for i in range(nb)])
    L3 = mutual_information(jx / jx.sum(), 0, 1)
    Mt = mutual_information(jt / jt.sum(), 0, 1)
    # σ_{X|Θ}: needs P(x_N | θ_{0:N}) (marginal over B and x_{0:N-1})
    key = thc * Sx + x[:, N]
    jtx = np.bincount(key, weights=joint.sum(axis=0), minlength=St ** T * Sx)
    jt_all = np.bincount(thc, weights=joint.sum(axis=0), minlength=St ** T)
    cond = np.where(jt_all[thc] > 0, jtx[key] / np.where(jt_all[thc] > 0, jt_all[thc], 1.0), 1.0)
    sxt = np.log(k.ppm[t0, x0]) - np.log(np.where(cond > 0, cond, 1.0)) + heat
    sxt_b = np.broadcast_to(sxt, prob.shape)
    return PathEnumeration(
        N=N, prob=prob, prob_reversed=prob_rev, sigma=sigma, sigma_x_given_theta=np.array(sxt_b),
        pB=pB, L3=L3, M_trajectory=Mt, mean_sigma_x_given_theta=float((joint * sxt[None, :]).sum()),
    )
