"""In-place Langevin kernels at frozen θ: the exact OU step and Euler–Maruyama.

The overdamped Langevin equation of the sampler (arXiv 2510.03137)
is dx = −μ∇ₓE(x, θ) dt + sqrt(2μ/β) dW.  For an energy quadratic in
x, E = ½(x − m)ᵀA(x − m) + c(θ), its transition over a step dt at frozen θ is
Gaussian and known exactly (Ornstein–Uhlenbeck):

    x(t + dt) = m + e^{−μA dt}(x − m) + Σ_dt^{1/2} ξ,
    Σ_dt = (1 − e^{−2μA dt}) A⁻¹ / β,

so the step has no time-step error at all; Euler–Maruyama,
x ← x − μ∇ₓE dt + sqrt(2μ dt/β) ξ, is weak order 1 and unstable for
μ·λmax(A)·dt ≥ 2.

Both kernels update the chains in place with one Gaussian draw into a
reusable buffer and scalar-fused array passes (the 1-D exact step costs the
same passes as the Euler step), so the cost per particle-step sits at the
floor set by numpy's Generator; see ``benchmarks/bench_langevin.py``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ou_step", "euler_step_quadratic", "euler_step"]


def ou_step(X, mean, precision, *, mu, beta, dt, rng, noise):
    """Exact OU transition of the chains ``X`` (shape (N, d)) in place.

    Parameters
    ----------
    X : ndarray (N, d)
        Chains, overwritten.
    mean, precision : ndarray (d,), (d, d)
        Minimum m(θ) and Hessian A(θ) (symmetric positive definite).
    mu, beta, dt : float
    rng : numpy.random.Generator
    noise : ndarray like X
        Work buffer for the Gaussian draw.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((200_000, 1)); buf = np.empty_like(X)
    >>> ou_step(X, np.array([1.0]), np.array([[2.0]]), mu=1.0, beta=1.0, dt=10.0,
    ...         rng=np.random.default_rng(0), noise=buf)
    >>> bool(abs(X.mean() - 1) < 0.01), bool(abs(X.var() - 0.5) < 0.01)   # relaxed: N(m, 1/(βA))
    (True, True)
    """
    rng.standard_normal(out=noise)
    if X.shape[1] == 1:
        a = float(precision[0, 0])
        m = float(mean[0])
        decay = math.exp(-mu * a * dt)
        sd = math.sqrt(-math.expm1(-2.0 * mu * a * dt) / (beta * a))
        X *= decay
        X += (1.0 - decay) * m
        noise *= sd
        X += noise
        return
    lam, V = np.linalg.eigh(precision)
    decay = np.exp(-mu * lam * dt)
    sd = np.sqrt(-np.expm1(-2.0 * mu * lam * dt) / (beta * lam))
    Y = (X - mean) @ V
    Y *= decay
    noise *= sd
    Y += noise
    np.matmul(Y, V.T, out=X)
    X += mean


def euler_step_quadratic(X, mean, precision, *, mu, beta, dt, rng, noise):
    """Euler–Maruyama step for a quadratic energy, in place (same passes as :func:`ou_step`)."""
    rng.standard_normal(out=noise)
    s = math.sqrt(2.0 * mu * dt / beta)
    if X.shape[1] == 1:
        c = mu * float(precision[0, 0]) * dt
        X *= 1.0 - c
        X += c * float(mean[0])
    else:
        step = (X - mean) @ precision
        step *= -mu * dt
        X += step
    noise *= s
    X += noise


def euler_step(X, drift, theta, *, mu, beta, dt, rng, noise):
    """Euler–Maruyama step with a general drift callable ``drift(X, theta) -> (N, d)`` (= −μ∇ₓE)."""
    rng.standard_normal(out=noise)
    step = drift(X, theta)
    step *= dt
    X += step
    noise *= math.sqrt(2.0 * mu * dt / beta)
    X += noise
