"""The friction tensor as the integrated autocorrelation of ∂θE along stationary chains.

The default dynamics is :func:`numeric.equilibrium.mala`, a vectorised
Metropolis-adjusted Langevin step of dx = −μ∇ₓE dt + sqrt(2μ/β) dW (p_m(θ)
exactly invariant, the diffusion to O(dt); the acceptance is reported);
``method="euler"`` skips the correction; any sampler can be passed.

Friction from the integrated autocorrelation (the definition of arXiv 2510.03137):
for chains in equilibrium, S = ∫₀^T X dt has

    Cov(S) = 2T ∫₀^∞ C(s) ds − 2∫₀^∞ s C(s) ds + o(1),

so β Cov(S_T)/(2T) is biased low by O(τ_R/T).  With A, B the integrals over
the two halves (S_T = A + B; in equilibrium Cov(A) = Cov(B) = Cov(S_{T/2})),
Cov(S_T) − [Cov(A) + Cov(B)]/2 = T ∫₀^∞ C ds + (exponentially small) removes
that bias: ζ = β[Cov(S_T) − (Cov(A) + Cov(B))/2]/T (reported as
``friction``; the plain estimate is ``friction_uncorrected``).  Independent
chains give the covariances and a per-chain standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import NumericalError, ParameterError

from ..equilibrium import mala, run_sampler, sample_equilibrium
from ..langevin._ledger import check_int
from ..model import numeric_twin
from thermolearn.numeric.results import ResultMixin

__all__ = ["AutocorrelationResult", "friction_autocorrelation"]


@dataclass(frozen=True)
class AutocorrelationResult(ResultMixin):
    """ζ estimate, its standard error, and run diagnostics."""

    friction: np.ndarray
    stderr: np.ndarray
    fisher: np.ndarray
    friction_uncorrected: np.ndarray
    chains: int
    duration: float
    dt: float
    acceptance: float


def _check(chains, duration, dt, method, stride):
    check_int("chains", chains, 2), check_int("stride", stride, 1)
    for name, v in (("duration", duration), ("dt", dt)):
        if not (np.isfinite(v) and v > 0):
            raise ParameterError(f"{name} must be positive, got {v!r}")
    if method not in ("mala", "euler"):
        raise ParameterError(f"method must be 'mala' or 'euler', got {method!r}")


def friction_autocorrelation(model, theta, *, values=None, chains: int = 2000, duration: float = 50.0,
                             dt: float = 0.01, burn_in: float = 10.0, rng, method: str = "mala", x0=None,
                             sampler=None, stride: int = 1, statistic=None, mean=None) -> AutocorrelationResult:
    """ζ = β[Cov(S_T) − (Cov(A) + Cov(B))/2]/T over independent equilibrated chains.

    S_T = A + B = ∫₀^T δX dt (A, B the two halves; trapezoid rule over the
    samples of X = ∂θE taken every ``stride`` steps).  In equilibrium
    Cov(A) = Cov(B) = Cov(S_{T/2}), so this is the half-vs-whole difference
    of the module docstring with both halves used; the standard error is that
    of the per-chain products.

    Parameters
    ----------
    x0 : ndarray (chains, d), optional
        Initial chains (default: equilibrium draws, then ``burn_in`` of sampling).
    sampler : callable (twin, x, theta, dt, steps, rng) -> x, optional
        The dynamics at fixed θ (default: MALA, or Euler–Maruyama for ``method="euler"``).
    stride : int
        Sampler steps between samples of X.
    statistic : callable (x, theta) -> (chains, n), optional
        X (default: the twin's ∂θE).
    mean : ndarray (n,), optional
        Known ⟨X⟩_m subtracted instead of the chains' mean (a sampler that
        drifts from p_m then inflates the estimate by O(T)).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> r = friction_autocorrelation(harmonic_trap(k=1), 0.0, values={"beta": 1, "mu": 1},
    ...     chains=400, duration=20.0, dt=0.02, burn_in=5.0, rng=np.random.default_rng(1))
    >>> bool(abs(r.friction[0, 0] - 1.0) < 4 * r.stderr[0, 0])
    True
    """
    nm = numeric_twin(model, values)
    th = nm.theta_vector(theta)
    chains = chains if x0 is None else len(x0)
    _check(chains, duration, dt, method, stride)
    accepted = [0, 0]
    if sampler is None:
        def sampler(tw, x, t, h, k, rng):
            x, acc = mala(tw, t, x, h, k, rng, metropolis=method == "mala")
            accepted[:] = accepted[0] + acc, accepted[1] + k * len(x)
            return x
    if x0 is None:
        x = run_sampler(sampler, nm, sample_equilibrium(nm, th, chains, rng), th, dt, int(round(burn_in / dt)), rng)
        accepted[:] = 0, 0
    else:
        x = np.array(x0, float).reshape(chains, nm.d)
    X = statistic or nm.dE_dtheta
    blocks = 2 * max(1, int(round(duration / dt)) // (2 * stride))
    T, half, k = blocks * stride * dt, blocks // 2, np.arange(blocks + 1)
    wA = np.where(k <= half, T / blocks, 0.0)  # trapezoid weights of the two halves
    wB = np.where(k >= half, T / blocks, 0.0)
    wA[[0, half]] = wB[[half, blocks]] = T / blocks / 2
    A = B = 0.0
    for i in k:
        if i:
            x = run_sampler(sampler, nm, x, th, dt, stride, rng)
        dX = X(x, th)
        A, B = A + wA[i] * dX, B + wB[i] * dX
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise NumericalError("autocorrelation friction: non-finite chains or statistics (the dynamics diverged)")
    A, B = np.reshape(A, (chains, -1)), np.reshape(B, (chains, -1))
    if mean is None:
        A, B, ddof = A - A.mean(axis=0), B - B.mean(axis=0), chains / (chains - 1)
    else:
        A, B, ddof = A - np.asarray(mean) * T / 2, B - np.asarray(mean) * T / 2, 1.0
    S = A + B
    u = S[:, :, None] * S[:, None, :] - (A[:, :, None] * A[:, None, :] + B[:, :, None] * B[:, None, :]) / 2
    zeta = nm.beta * u.mean(axis=0) * ddof / T
    se = nm.beta * u.std(axis=0, ddof=1) / np.sqrt(chains) / T
    raw = nm.beta * (S.T @ S) * ddof / chains / (2 * T)
    fisher = nm.beta**2 * np.cov(np.reshape(X(x, th), (chains, -1)), rowvar=False, ddof=1).reshape(raw.shape)
    acceptance = accepted[0] / accepted[1] if accepted[1] else float("nan")
    return AutocorrelationResult((zeta + zeta.T) / 2, se, fisher, raw, chains, T, dt, acceptance)
