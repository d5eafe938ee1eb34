"""Exact bookkeeping of the Gaussian learner: information, flows, EPs, IFT.

All quantities come from the kernels of the learner's own Bayesian network, through its
Markov chain (``infoflow._gaussian_chain``): window moments, Kalman path entropies and
slice-by-slice Gaussian integrals, each O(N) in the number of steps.  Definitions (entropy
production of Entropy 26, 112 (2024), B = the data statistic D, β = 1):

* ΔI^Θ_n = I(X_n;Θ_{n+1}|B) − I(X_n;Θ_n|B),  ΔI^X_n = I(X_{n+1};Θ_{n+1}|B) − I(X_n;Θ_{n+1}|B);
* Σ^Θ_n = ΔH(Θ|B) + ⟨s^Θ_n⟩ − ΔI^Θ_n ≥ 0,  Σ^X_n = ΔH(X|B) + ⟨Q_n⟩ − ΔI^X_n ≥ 0 (LDB for the X move);
* Σ_{|B} = H(Θ_N,X_N|B) − H(Θ_0,X_0|B) + Σ_n ⟨Q_n + s^Θ_n⟩, Σ^app the same with marginal entropies,
  and I(Θ_N,X_N;B) = Σ^app − Σ_{|B} (Result 5);
* σ_{X|Θ} = ln p(x_0|θ_0) − ln P(x_N|θ_{0:N}) + Σ_n Q_n (conditional EP given the Θ path).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from thermolearn.numeric.progress import progress_reporter
from thermolearn.theory._errors import AccuracyWarning, ParameterError

from ._bayesnet import check_network
from ._gaussian_chain import (gaussian_chain, log_integral, neg_log_density, neg_log_kernel, path_entropy, square,
                              window_of, windows)
from ._result import InfoflowAnalysis

__all__ = ["analyse_gaussian", "gaussian_ift", "gaussian_sigma_form", "sigma_factors", "density_factors"]


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


def move_quantities(L, n: int, J) -> tuple:
    """Medium, heat, work, ΔI_Θ, ΔI_X, Σ^Θ_n, Σ^X_n of move n, read off a window ``J``.

    ``J`` holds B, θ_n, x_n, θ_{n+1}, x_{n+1} (a :class:`Window` of the chain or of the dense
    joint); the per-move terms of Entropy 26, 112 (2024) (entropy production of each
    sub-system as conditional-entropy change plus medium entropy minus information flow).
    """
    f, q, s2x = _move_terms(L, n), L.q, L.sigma ** 2
    th, th1, x, x1 = f"th{n}", f"th{n + 1}", f"x{n}", f"x{n + 1}"
    med = (J.esq(f["s_back"]) - J.esq(f["s_fwd"])) / (2 * q)
    heat = (J.esq(f["q_before"]) - J.esq(f["q_after"])) / (2 * s2x)
    work = (J.esq(f["w_new"]) - J.esq(f["w_old"])) / (2 * s2x)
    dIt = J.I(x, th1, "B") - J.I(x, th, "B")
    dIx = J.I(x1, th1, "B") - J.I(x, th1, "B")
    return (med, heat, work, dIt, dIx, J.H(th1, "B") - J.H(th, "B") + med - dIt,
            J.H(x1, "B") - J.H(x, "B") + heat - dIx)


def _check_steps(N) -> int:
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ParameterError(f"N must be an integer >= 1, got {N!r}")
    return int(N)


def analyse_gaussian(L, N: int, progress=None) -> InfoflowAnalysis:
    """Exact information flows and entropy productions of the Gaussian learner, in O(N).

    Per-step quantities come from the moments of the window (Y, B, θ_n, x_n, θ_{n+1}, x_{n+1}),
    trajectory informations (L3, trajectory M-info, ⟨σ_{X|Θ}⟩) from Kalman-filter path entropies
    (``infoflow._gaussian_chain``).  ``progress``: one unit per step
    (:func:`numeric.progress.progress_reporter`).
    """
    N = _check_steps(N)
    ch = gaussian_chain(L)
    win = windows(ch, N)
    s2x = L.sigma ** 2

    def at(n):  # the window holding θ_n and x_n
        return win[min(n, N - 1)]

    ths = [f"th{n}" for n in range(N + 1)]
    xs = [f"x{n}" for n in range(N + 1)]
    M = np.array([at(n).I(t, "B") for n, t in enumerate(ths)])
    Ith = np.array([at(n).I(t, "Y") for n, t in enumerate(ths)])
    L1 = np.array([at(n).I(x, "B") for n, x in enumerate(xs)])
    L2 = np.array([at(n).I(x, "Y") for n, x in enumerate(xs)])
    # L4: E[ln p(x*|θ_n) − ln p(x*|θ_0)], x* ~ N(μ*, s²); the x*-noise cancels.
    e0 = win[0].esq({"Y": 1.0, "th0": -1.0})
    L4 = np.array([(e0 - at(n).esq({"Y": 1.0, t: -1.0})) / (2 * s2x) if n else 0.0 for n, t in enumerate(ths)])
    dIt, dIx, sgt, sgx, heat, med, work = (np.empty(N) for _ in range(7))
    bar = progress_reporter(progress, total=N, desc="gaussian analysis")
    for n in range(N):
        bar.update()
        med[n], heat[n], work[n], dIt[n], dIx[n], sgt[n], sgx[n] = move_quantities(L, n, win[n])
    bar.close()
    medium = float(heat.sum() + med.sum())
    first, last = win[0], win[-1]
    end, start = [ths[N], xs[N]], ["th0", "x0"]
    sig_B = last.H(end, "B") - first.H(start, "B") + medium
    sig_app = last.H(end) - first.H(start) + medium
    I_final = last.I(end, "B")
    energy_change = (last.esq({xs[N]: 1.0, ths[N]: -1.0}) - first.esq({"x0": 1.0, "th0": -1.0})) / (2 * s2x)
    Y, B, TH, X = range(4)
    h_B = path_entropy(ch, 0, lambda n: [B])

    def trajectory_info(comp):  # I(o_{0:N}; B) = H(o) + H(B) − H(o, B)
        return (path_entropy(ch, N, lambda n: [comp]) + h_B
                - path_entropy(ch, N, lambda n: [B, comp] if n == 0 else [comp]))

    # H(x_N | θ_{0:N}) = H(θ_{0:N}, x_N) − H(θ_{0:N})
    h_x_given_path = (path_entropy(ch, N, lambda n: [TH, X] if n == N else [TH])
                      - path_entropy(ch, N, lambda n: [TH]))
    return InfoflowAnalysis(
        N=N, M=M, I_theta_task=Ith, L1=L1, L2=L2,
        L3=trajectory_info(X), M_trajectory=trajectory_info(TH), L4=L4,
        L5=np.concatenate([[0.0], np.cumsum(dIx)]),
        dI_theta=dIt, dI_x=dIx, sigma_theta=sgt, sigma_x=sgx, heat=heat, medium_theta=med, work=work,
        sigma_given_B=sig_B, sigma_apparent=sig_app, I_final=I_final,
        sigma_x_given_theta_path=h_x_given_path - first.H("x0", "th0") + float(heat.sum()),
        identity_residual=I_final - (sig_app - sig_B),
        telescoping_residual=float((dIt + dIx).sum()) - (last.I(xs[N], ths[N], "B") - first.I("x0", "th0", "B")),
        decomposition_residual=float((sgt + sgx).sum()) - sig_B,
        first_law_residual=energy_change - float(work.sum() - heat.sum()),
        joint_entropy_given_B=np.array([at(n).H([t, x], "B") for n, (t, x) in enumerate(zip(ths, xs))]),
    )


def sigma_factors(L, N: int, win=None) -> list:
    """σ = ln P_0(θ_0,x_0|B) − ln P_N(θ_N,x_N|B) + Σ_n (Q_n + s^Θ_n) as quadratic factors.

    Each factor touches one or two adjacent time slices and B (Entropy 26, 112 (2024),
    entropy production given B); ``win`` are the chain windows (computed if not given).
    """
    win = windows(gaussian_chain(L), N) if win is None else win
    out = [neg_log_density(win[0], ["th0", "x0"], ["B"]).scaled(-1.0),
           neg_log_density(win[-1], [f"th{N}", f"x{N}"], ["B"])]
    for k in range(N):
        f = _move_terms(L, k)
        out += [square(1 / (2 * L.q), f["s_back"]), square(-1 / (2 * L.q), f["s_fwd"]),
                square(1 / (2 * L.sigma ** 2), f["q_before"]), square(-1 / (2 * L.sigma ** 2), f["q_after"])]
    return out


def density_factors(L, N: int) -> list:
    """−ln p(v) of the whole network as one factor per node: (v − c − Σ a_p p)²/(2q) + ½ ln(2πq)."""
    G = L.network(N)
    out = []
    for v in check_network(G):
        d = G.nodes[v]
        terms = {v: 1.0}
        for p, a in d["coef"].items():
            terms[p] = terms.get(p, 0.0) - float(a)
        out.append(neg_log_kernel(terms, float(d.get("noise_var", 0.0)), -float(d.get("intercept", 0.0))))
    return out


def gaussian_sigma_form(L, N: int):
    """σ(Γ) as a quadratic form: returns (names, A, b, c0) with σ = vᵀAv + bᵀv + c0.

    v lists the network's nodes in the order ``names`` (topological, as
    :func:`gaussian_joint`); σ = ln P_0(θ_0,x_0|B) − ln P_N(θ_N,x_N|B) + Σ_n (Q_n + s^Θ_n)
    (Entropy 26, 112 (2024), entropy production).  Evaluate it on simulated paths for a
    pointwise (Monte-Carlo) check.  The matrix is dense (O(N²) memory); the exact analyses
    use the factors directly.
    """
    N = _check_steps(N)
    names = check_network(L.network(N))
    idx = {v: i for i, v in enumerate(names)}
    n = len(names)
    A, b, c0 = np.zeros((n, n)), np.zeros(n), 0.0
    for f in sigma_factors(L, N):
        i = [idx[v] for v in f.names]
        A[np.ix_(i, i)] += f.A
        b[i] += f.b
        c0 += f.c
    return names, 0.5 * (A + A.T), b, c0


def _exp(log_value: float) -> float:
    return math.exp(log_value) if log_value < 709.0 else math.inf


def gaussian_ift(L, N: int, lam: float = 1.0, progress=None) -> tuple[float, float]:
    """Closed-form ⟨e^{−λσ}⟩ and ⟨σ⟩ of the total EP given B (Gaussian integrals), in O(N).

    σ = ln P_0(θ_0,x_0|B) − ln P_N(θ_N,x_N|B) + Σ_n (Q_n + s^Θ_n) is a sum of
    quadratic factors of adjacent slices, and so is −ln p(v), hence
    ln⟨e^{−λσ}⟩ = ln ∫ exp(−[−ln p(v) + λσ(v)]) dv is computed by eliminating the
    slices in time order, and ⟨σ⟩ as the sum of the factors' expectations over their
    windows.  The integral fluctuation theorem is the statement ⟨e^{−σ}⟩ = 1.
    ``progress``: one unit per time slice (:func:`numeric.progress.progress_reporter`).

    Returns
    -------
    (generating_function, mean_sigma)

    >>> from thermolearn.infoflow import GaussianLearner
    >>> g, m = gaussian_ift(GaussianLearner(kappa=0.3), 4)
    >>> bool(abs(g - 1) < 1e-10), bool(abs(m - GaussianLearner(kappa=0.3).analyse(4).sigma_given_B) < 1e-10)
    (True, True)
    """
    N = _check_steps(N)
    win = windows(gaussian_chain(L), N)
    sig = sigma_factors(L, N, win)
    mean_sigma = sum(window_of(win, f.names).expect(f) for f in sig)
    with progress_reporter(progress, total=N + 2, desc="integral fluctuation theorem") as bar:
        log_g = log_integral(density_factors(L, N) + [f.scaled(lam) for f in sig], N, bar)
    if not math.isfinite(log_g) and 0.0 <= lam <= 1.0:
        _unresolved(L, f"<exp(-{lam:g} sigma)>")
    return _exp(log_g), float(mean_sigma)


def _unresolved(L, what: str) -> None:
    """Warn that a generating function which converges for exponents in [0, 1] came out infinite or NaN."""
    warnings.warn(f"the closed-form Gaussian integral {what} is not resolved in float64 at these parameters (it "
                  f"converges in exact arithmetic; the slice-by-slice elimination lost its precision, Theta noise "
                  f"variance q = {L.q:.3g}); the fluctuation theorem is not checked here", AccuracyWarning,
                  stacklevel=3)
