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

import numpy as np

from thermolearn.numeric.progress import progress_reporter

from ._gaussian_analysis import _check_steps, _unresolved, density_factors, sigma_factors
from ._gaussian_chain import gaussian_chain, log_integrals, neg_log_density, neg_log_kernel, windows

__all__ = ["gaussian_dft"]


def _reversed_density(L, N, win):
    """−ln P̃(v) as quadratic factors (reversed kernels; each touches adjacent slices and Y, B)."""
    first, last = win[0], win[-1]
    out = [neg_log_density(first, ["Y", "B"] if "Y" in first.idx else ["B"]),
           neg_log_density(last, [f"th{N}", f"x{N}"], ["B"])]
    k, a, c, rho = L.kappa, L.a, L.c, L.rho

    for t in range(N):
        th, th1, x, x1 = f"th{t}", f"th{t + 1}", f"x{t}", f"x{t + 1}"
        # reversed X move: x_t ~ K_{θ_{t+1}}(· | x_{t+1}) = N(ρ x_{t+1} + (1−ρ) θ_{t+1}, (1−ρ²)σ²)
        out.append(neg_log_kernel({x: 1.0, x1: -rho, th1: -(1 - rho)}, (1 - rho ** 2) * L.sigma ** 2))
        # reversed Θ move: θ_t ~ T(· | θ_{t+1}, x_t; B) = N(a θ_{t+1} + κB − κc x_t, q)
        w = {th: 1.0, th1: -a, "B": -k}
        if c != 0:
            w[x] = k * c
        out.append(neg_log_kernel(w, L.q))
    return out


def gaussian_dft(L, N: int, alphas=(0.25, 0.5, 0.75), progress=None) -> tuple[np.ndarray, np.ndarray]:
    """ln G_F(α) and ln G_R(1 − α) of the total EP given B, both in closed form (O(N) each).

    Returns two arrays over ``alphas``; the detailed FT says they are equal
    (and ln G_F(1) = 0 is the integral FT).  Each is a Gaussian integral of a sum of
    quadratic factors of adjacent time slices, done slice by slice.  ``progress``: one
    unit per time slice of each integral (:func:`numeric.progress.progress_reporter`).

    >>> from thermolearn.infoflow import GaussianLearner
    >>> f, r = gaussian_dft(GaussianLearner(c=1.0, rho=0.5, kappa=0.3), 5)
    >>> bool(np.max(np.abs(f - r)) < 1e-9)
    True
    """
    N = _check_steps(N)
    win = windows(gaussian_chain(L), N)
    sig, dens, rev_dens = sigma_factors(L, N, win), density_factors(L, N), _reversed_density(L, N, win)
    alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
    k = alphas.size
    on, off = np.ones(k), np.zeros(k)
    with progress_reporter(progress, total=2 * k * (N + 2), desc="detailed fluctuation theorem") as bar:
        # the 2k integrals in one recursion on stacked blocks (every one integrates the same nodes):
        # members 0..k-1 are −ln P + ασ, members k..2k-1 the reversed −ln P̃ − μσ̃ = −ln P̃ + μσ, μ = 1 − α
        both = log_integrals([(dens, np.concatenate([on, off])), (rev_dens, np.concatenate([off, on])),
                              (sig, np.concatenate([alphas, -(1.0 - alphas)]))], N, bar)
        fwd, rev = both[:k], both[k:]
    inside = (alphas >= 0) & (alphas <= 1)
    if not (np.all(np.isfinite(fwd[inside])) and np.all(np.isfinite(rev[inside]))):
        _unresolved(L, "G_F(a), G_R(1 - a)")
    return fwd, rev
