"""Statistics of SGD-noise runs: 1/m scaling, whiteness, reservoir models.

Each function reduces one or two :class:`SGDNoiseResult` s to a frozen
summary with an estimate and its standard error over the K independent
trials, so that checks can state their statistical tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._experiment import SGDNoiseResult

__all__ = ["ScalingSummary", "WhitenessSummary", "ReservoirSummary",
           "batch_scaling", "whiteness", "reservoir_comparison"]


@dataclass(frozen=True)
class ScalingSummary:
    """Measured ratio C_a/C_b of mean noise variances of two batch sizes.

    ``predicted`` is the state-dependent prediction (ratio of mean
    tr Σ₁/(P m)); ``ideal`` is m_b/m_a.  ``se`` is the delta-method error
    of the measured ratio from the spread over trials.
    """

    m_a: int
    m_b: int
    measured: float
    predicted: float
    ideal: float
    se: float


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def batch_scaling(a: SGDNoiseResult, b: SGDNoiseResult, *, at_start: bool = False) -> ScalingSummary:
    """Ratio of the noise variances of runs ``a`` and ``b``.

    With ``at_start`` only the first measured step (t = 0) is used: with the
    same seed both runs start from the same θ₀, so the prediction is exactly
    m_b/m_a (Entropy 26, 112 (2024): Cov η = Σ₁/m).  Otherwise the time-averaged
    variances are compared and the prediction uses tr Σ₁(θ_t) of each run.
    Per-trial time averages are independent over trials; the ratio's error
    follows from the delta method, se² = R²(se_a²/ā² + se_b²/b̄²).
    """
    sl = slice(0, 1) if at_start else slice(None)
    va = a.noise_var[:, sl].mean(axis=1)
    vb = b.noise_var[:, sl].mean(axis=1)
    (ma, sa), (mb, sb) = _mean_se(va), _mean_se(vb)
    ratio = ma / mb
    se = abs(ratio) * np.sqrt((sa / ma) ** 2 + (sb / mb) ** 2)
    pred = a.predicted_var[:, sl].mean() / b.predicted_var[:, sl].mean()
    m_a, m_b = a.config.batch_size, b.config.batch_size
    return ScalingSummary(m_a, m_b, float(ratio), float(pred), m_b / m_a, float(se))


@dataclass(frozen=True)
class WhitenessSummary:
    """Normalised autocorrelation ρ(ℓ) at lags ℓ ≥ 1 and its mean over lags.

    ``mean`` ± ``mean_se`` is the average of ρ over the lags 1…L; its error
    comes from the spread over trials of each trial's lag-averaged
    contribution, so correlations between lags (e.g. epoch shuffling) are
    accounted for.  ``max_z`` is the largest |ρ(ℓ) − expected|/se(ℓ).
    """

    lags: np.ndarray
    rho: np.ndarray
    se: np.ndarray
    mean: float
    mean_se: float
    max_z: float


def whiteness(result: SGDNoiseResult, expected: float = 0.0) -> WhitenessSummary:
    """Summarise ρ(ℓ ≥ 1); ``max_z`` measures deviations from ``expected``."""
    rho, se = result.normalised_autocorrelation()
    rho, se = rho[1:], se[1:]
    lags = np.arange(1, rho.size + 1)
    mean = float(rho.mean()) if rho.size else float("nan")
    mean_se = float("nan")
    if rho.size:
        x = result.lag_products
        denom = np.sqrt(x[:, 0].sum() * result._lag_variance())[1:]
        y = (x[:, 1:] / denom).mean(axis=1)  # per-trial share of the lag-averaged rho
        K = y.size
        mean_se = float(np.sqrt(K / (K - 1) * ((y - y.mean()) ** 2).sum()))
    max_z = float(np.max(np.abs(rho - expected) / se)) if rho.size else float("nan")
    return WhitenessSummary(lags, rho, se, mean, mean_se, max_z)


@dataclass(frozen=True)
class ReservoirSummary:
    """Naive (fixed T_Θ) against realistic (state-dependent T_Θ(θ_t)) reservoir.

    Both models predict the noise variance C(t, t) = 2 T_Θ/r: the naive one
    with T_Θ frozen at its initial value, the realistic one with
    T_Θ(t) = r tr Σ₁(θ_t)/(2 m P).  ``*_error`` are RMS relative errors
    against the measured ensemble variance, over windows of measured steps.
    """

    steps: np.ndarray
    measured: np.ndarray
    naive: np.ndarray
    realistic: np.ndarray
    temperature: np.ndarray
    naive_error: float
    realistic_error: float


def reservoir_comparison(result: SGDNoiseResult, *, bins: int = 10) -> ReservoirSummary:
    """Compare the naive and realistic reservoir models of one run.

    The errors are computed on ``bins`` consecutive windows of measured
    steps (window means of measured and predicted variance), so that the
    statistical scatter of single steps (large for m = 1) does not mask the
    systematic drift of C(t, t) that the naive model misses.
    """
    measured = result.variance()
    realistic = result.predicted()
    naive = np.full_like(realistic, realistic[0])
    windows = [w for w in np.array_split(np.arange(measured.size), max(1, min(bins, measured.size))) if w.size]

    def rms(model):
        rel = [measured[w].mean() / model[w].mean() - 1.0 for w in windows]
        return float(np.sqrt(np.mean(np.square(rel))))

    return ReservoirSummary(result.steps, measured, naive, realistic, result.temperature(),
                            rms(naive), rms(realistic))
