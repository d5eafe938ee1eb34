"""Free-energy estimators from work samples: Jarzynski, Bennett (BAR), Crooks histogram.

* Jarzynski: ⟨e^{−βW}⟩ = e^{−βΔF}.  The estimator ΔF̂ = −β⁻¹ ln mean(e^{−βW})
  is biased upward at finite N by ≈ Var(e^{−βW})/(2Nβ⟨e^{−βW}⟩²) (delta
  method; Gore, Ritort & Bustamante, PNAS 100, 12564 (2003)), with standard
  error ≈ std(e^{−βW})/(β sqrt(N) ⟨e^{−βW}⟩).  Both are reported, with the
  effective sample size (Σw)²/Σw² that says when they can be trusted.
* Crooks: P_F(W)/P_R(−W) = e^{β(W − ΔF)}.  Bennett's acceptance ratio
  (Bennett 1976; Shirts et al., PRL 91, 140601 (2003), Eqs. 5 and 10) is
  its maximum-likelihood ΔF; the histogram log-ratio is fitted by weighted
  least squares, slope β and intercept −βΔF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logsumexp

from thermolearn.theory import ParameterError

__all__ = ["JarzynskiEstimate", "BennettEstimate", "CrooksFit", "jarzynski", "jarzynski_blocks", "bennett",
           "crooks_histogram"]


def _works(name, w):
    w = np.asarray(w, float).ravel()
    if w.size < 2:
        raise ParameterError(f"{name} needs at least 2 work values, got {w.size}")
    if not np.all(np.isfinite(w)):
        raise ParameterError(f"{name} contains non-finite work values ({np.sum(~np.isfinite(w))} of {w.size})")
    return w


def _beta(beta):
    if isinstance(beta, bool) or not (np.isfinite(beta) and beta > 0):
        raise ParameterError(f"beta must be positive and finite, got {beta!r}")
    return float(beta)


@dataclass(frozen=True)
class JarzynskiEstimate:
    """ΔF̂ (raw), its first-order bias and standard error, the corrected value and ESS."""

    delta_f: float
    bias: float
    stderr: float
    corrected: float
    effective_samples: float
    mean_work: float


def _delta_f(a_max, mean_x, b):
    """ΔF̂ = −β⁻¹ ln mean(e^{−βW}) from max(−βW) and mean(e^{−βW − max(−βW)}) (overflow-free)."""
    return -(a_max + np.log(mean_x)) / b


def jarzynski_blocks(work, beta, size: int) -> np.ndarray:
    """The raw Jarzynski estimate ΔF̂ of each block of ``size`` consecutive works, vectorised.

    Block i holds ``work[i*size:(i+1)*size]`` (the length must be a multiple
    of ``size``); entry i equals ``jarzynski(block_i, beta).delta_f``.  The
    mean over many blocks exposes the estimator's finite-sample bias
    ≈ Var(e^{−βW})/(2·size·β⟨e^{−βW}⟩²) (see the module docstring).

    >>> w = np.random.default_rng(0).normal(1.0, 0.5, 4000)
    >>> blocks = jarzynski_blocks(w, 1.0, 8)
    >>> blocks.shape, bool(np.isclose(blocks[3], jarzynski(w[24:32], 1.0).delta_f, rtol=1e-14))
    ((500,), True)
    """
    w, b = _works("work", work), _beta(beta)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 2 or w.size % size:
        raise ParameterError(f"size must be an integer >= 2 dividing the {w.size} works, got {size!r}")
    a = (-b * w).reshape(-1, size)
    a_max = a.max(axis=1)
    return _delta_f(a_max, np.exp(a - a_max[:, None]).mean(axis=1), b)


def jarzynski(work, beta) -> JarzynskiEstimate:
    """Jarzynski estimate of ΔF from forward works.

    >>> w = np.random.default_rng(0).normal(1.0, 0.5, 200000)   # Gaussian W: ΔF = ⟨W⟩ − βσ²/2
    >>> est = jarzynski(w, 1.0)
    >>> bool(abs(est.corrected - (1.0 - 0.125)) < 4 * est.stderr)
    True
    """
    w, b = _works("work", work), _beta(beta)
    a = -b * w
    lw = a - a.max()
    x = np.exp(lw)
    m, v = x.mean(), x.var(ddof=1)
    n = w.size
    df = _delta_f(a.max(), m, b)
    bias = v / (2 * n * m**2) / b
    se = np.sqrt(v / n) / m / b
    ess = float(np.exp(2 * logsumexp(lw) - logsumexp(2 * lw)))
    return JarzynskiEstimate(float(df), float(bias), float(se), float(df - bias), ess, float(w.mean()))


@dataclass(frozen=True)
class BennettEstimate:
    """BAR ΔF and its asymptotic standard error."""

    delta_f: float
    stderr: float


def bennett(work_forward, work_reverse, beta) -> BennettEstimate:
    """Bennett acceptance ratio from forward works W_F and reverse works W_R.

    Solves Σ_F f(M + βW_F − βΔF) = Σ_R f(−M + βW_R + βΔF), f(x) = 1/(1 + eˣ),
    M = ln(n_F/n_R).

    >>> rng = np.random.default_rng(1)   # Gaussian pair obeying Crooks with ΔF = 0.3, β = 1
    >>> est = bennett(rng.normal(0.8, 1.0, 50000), rng.normal(-0.3 + 0.5, 1.0, 50000), 1.0)
    >>> bool(abs(est.delta_f - 0.3) < 4 * est.stderr)
    True
    """
    wf, wr, b = _works("work_forward", work_forward), _works("work_reverse", work_reverse), _beta(beta)
    nf, nr = wf.size, wr.size
    M = np.log(nf / nr)
    xf, xr = b * wf, b * wr

    def g(bdf):
        return expit(-(M + xf - bdf)).sum() - expit(-(-M + xr + bdf)).sum()

    lo = min(xf.min(), -xr.max()) - 50.0
    hi = max(xf.max(), -xr.min()) + 50.0
    bdf = brentq(g, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=500)
    allx = np.concatenate([xf, -xr])
    inner = np.mean(1.0 / (2.0 + 2.0 * np.cosh(M + allx - bdf)))
    var = 1.0 / (allx.size * inner) - (1.0 / nf + 1.0 / nr)
    return BennettEstimate(float(bdf / b), float(np.sqrt(max(var, 0.0)) / b))


@dataclass(frozen=True)
class CrooksFit:
    """Weighted fit ln[P_F(W)/P_R(−W)] = slope·W + intercept over overlapping bins."""

    slope: float
    slope_stderr: float
    intercept: float
    intercept_stderr: float
    bins_used: int

    def delta_f(self) -> float:
        """ΔF = −intercept/slope."""
        return -self.intercept / self.slope


def crooks_histogram(work_forward, work_reverse, *, bins=30, min_count=20) -> CrooksFit:
    """Histogram log-ratio test of the Crooks relation.

    Counts of W_F and of −W_R in common bins over their overlap; bins with
    at least ``min_count`` entries in both are fitted with weights
    1/Var(ln ratio) = 1/(1/n_F + 1/n_R) (Poisson counts).

    Raises
    ------
    ParameterError
        If fewer than 3 bins overlap (the distributions barely meet: the
        protocol dissipates too much for this sample size).
    """
    wf, wr = _works("work_forward", work_forward), _works("work_reverse", work_reverse)
    lo, hi = max(wf.min(), -wr.max()), min(wf.max(), -wr.min())
    if not hi > lo:
        raise ParameterError("forward and reversed work distributions do not overlap; Crooks cannot be tested")
    edges = np.linspace(lo, hi, int(bins) + 1)
    cf, _ = np.histogram(wf, edges)
    cr, _ = np.histogram(-wr, edges)
    ok = (cf >= min_count) & (cr >= min_count)
    if ok.sum() < 3:
        raise ParameterError(
            f"only {int(ok.sum())} bins hold >= {min_count} forward and reverse works; "
            "expected at least 3 (more samples or a slower protocol)"
        )
    centres = 0.5 * (edges[1:] + edges[:-1])[ok]
    y = np.log(cf[ok] / wf.size) - np.log(cr[ok] / wr.size)
    wts = 1.0 / (1.0 / cf[ok] + 1.0 / cr[ok])
    X = np.stack([centres, np.ones_like(centres)], axis=1)
    cov = np.linalg.inv(X.T @ (wts[:, None] * X))
    coef = cov @ (X.T @ (wts * y))
    return CrooksFit(float(coef[0]), float(np.sqrt(cov[0, 0])), float(coef[1]), float(np.sqrt(cov[1, 1])), int(ok.sum()))
