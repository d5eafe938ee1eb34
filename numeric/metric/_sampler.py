"""Stationary Langevin sampling at fixed θ and the autocorrelation friction.

The sampler is a vectorised Metropolis-adjusted Langevin (MALA) step of the
overdamped dynamics dx = −μ∇ₓE dt + sqrt(2μ/β) dW: an Euler–Maruyama
proposal followed by a Metropolis–Hastings accept/reject, so p_m(θ) is
preserved exactly and the dynamics agree with the diffusion to O(dt) (the
rejection rate is reported).  ``method="euler"`` skips the correction.

Friction from the integrated autocorrelation (the definition of arXiv 2510.03137):
for chains in equilibrium, S = ∫₀^T X dt has

    Cov(S) = 2T ∫₀^∞ C(s) ds − 2∫₀^∞ s C(s) ds + o(1),

so β Cov(S_T)/(2T) is biased low by O(τ_R/T).  The difference of the first
half and the whole, Cov(S_T) − Cov(S_{T/2}) = T ∫₀^∞ C ds + (exponentially
small), removes that bias: ζ = β[Cov(S_T) − Cov(S_{T/2})]/T (reported as
``friction``; the plain estimate is ``friction_uncorrected``).  Independent
chains give the covariances and a per-chain standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ParameterError

from ..equilibrium import mala, sample_equilibrium
from ..model import numeric_twin
from thermolearn.numeric.results import ResultMixin

__all__ = ["AutocorrelationResult", "langevin_stationary", "friction_autocorrelation"]


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


def langevin_stationary(model, theta, *, values=None, chains: int, duration: float, dt: float, rng,
                        x0=None, method: str = "mala") -> np.ndarray:
    """Run ``chains`` independent chains at fixed θ for ``duration``; return x (chains, d)."""
    nm = numeric_twin(model, values)
    th = nm.theta_vector(theta)
    _check(chains, duration, dt, method)
    if x0 is None:
        x = sample_equilibrium(nm, th, chains, rng)
    else:
        x = np.array(x0, float).reshape(chains, nm.d)
    x, _ = mala(nm, th, x, dt, int(round(duration / dt)), rng, metropolis=method == "mala")
    return x


def _check(chains, duration, dt, method):
    if not (isinstance(chains, (int, np.integer)) and chains >= 2):
        raise ParameterError(f"chains must be an integer >= 2, got {chains!r}")
    for name, v in (("duration", duration), ("dt", dt)):
        if not (np.isfinite(v) and v > 0):
            raise ParameterError(f"{name} must be positive, got {v!r}")
    if method not in ("mala", "euler"):
        raise ParameterError(f"method must be 'mala' or 'euler', got {method!r}")


def friction_autocorrelation(model, theta, *, values=None, chains: int = 2000, duration: float = 50.0,
                             dt: float = 0.01, burn_in: float = 10.0, rng, method: str = "mala") -> AutocorrelationResult:
    """ζ = β[Cov(S_T) − Cov(S_{T/2})]/T over independent equilibrated chains.

    S_T = ∫₀^T ∂θE dt along each chain (trapezoid rule); the standard error
    is that of the per-chain products entering the covariance difference.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> r = friction_autocorrelation(harmonic_trap(k=1), 0.0, values={"beta": 1, "mu": 1},
    ...     chains=400, duration=20.0, dt=0.02, burn_in=5.0, rng=np.random.default_rng(1))
    >>> bool(abs(r.friction[0, 0] - 1.0) < 4 * r.stderr[0, 0])
    True
    """
    nm = numeric_twin(model, values)
    th = nm.theta_vector(theta)
    _check(chains, duration, dt, method)
    x = sample_equilibrium(nm, th, chains, rng)
    x, _ = mala(nm, th, x, dt, int(round(burn_in / dt)), rng, metropolis=method == "mala")
    steps = int(round(duration / dt))
    S = np.zeros((chains, nm.n))
    Xs = [nm.dE_dtheta(x, th)]

    half = steps // 2
    Sh = np.zeros((chains, nm.n))
    count = [0]

    def on_step(xx):
        X = nm.dE_dtheta(xx, th)
        S[:] += Xs[0] * (dt / 2) + X * (dt / 2)  # trapezoid in time
        Xs[0] = X
        count[0] += 1
        if count[0] == half:
            Sh[:] = S

    x, acc = mala(nm, th, x, dt, steps, rng, on_step=on_step, metropolis=method == "mala")
    T = steps * dt
    Th = half * dt
    C = np.cov(S, rowvar=False, ddof=1).reshape(nm.n, nm.n)
    raw = nm.beta * C / (2 * T)
    dS, dH = S - S.mean(axis=0), Sh - Sh.mean(axis=0)
    u = dS[:, :, None] * dS[:, None, :] - dH[:, :, None] * dH[:, None, :]  # per-chain (n, n)
    zeta = nm.beta * u.mean(axis=0) * chains / (chains - 1) / (2 * (T - Th))
    se = nm.beta * u.std(axis=0, ddof=1) / np.sqrt(chains) / (2 * (T - Th))
    Xf = nm.dE_dtheta(x, th)
    fisher = nm.beta**2 * np.cov(Xf, rowvar=False, ddof=1).reshape(nm.n, nm.n)
    return AutocorrelationResult((zeta + zeta.T) / 2, se, fisher, raw, chains, T, dt, acc / (chains * steps))
