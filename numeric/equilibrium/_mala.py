"""Metropolis-adjusted Langevin (MALA) steps of the overdamped dynamics at fixed θ.

Proposal: the Euler–Maruyama step of dx = −μ∇ₓE dt + sqrt(2μ/β) dW
(arXiv 2510.03137); a Metropolis–Hastings accept/reject makes
p_m(·|θ) exactly invariant.  :func:`mala_warmup` starts at the mode with
the Laplace spread N(mode, (β∇ₓ²E)⁻¹) when that is positive definite and
adapts the time step in blocks towards an acceptance of 0.574 (the
optimal MALA rate), so steep or flat potentials neither freeze nor stick.
"""

from __future__ import annotations

import numpy as np

from thermolearn.theory import NumericalError

__all__ = ["mala", "mala_warmup"]

#: Target acceptance rate of the adapted step (asymptotically optimal MALA).
TARGET_ACCEPTANCE = 0.574


def mala(twin, theta, x, dt: float, steps: int, rng, *, on_step=None, metropolis: bool = True):
    """``steps`` MALA (or, ``metropolis=False``, Euler–Maruyama) steps of chains x (N, d).

    Returns the chains and the number of accepted moves.
    """
    beta, mu = twin.beta, twin.mu
    s = np.sqrt(2 * mu * dt / beta)
    x = np.array(x, dtype=float)
    E = twin.energy(x, theta)
    G = twin.grad_x(x, theta)
    acc = 0
    for _ in range(int(steps)):
        y = x - mu * dt * G + s * rng.standard_normal(x.shape)
        Gy = twin.grad_x(y, theta)
        if metropolis:
            Ey = twin.energy(y, theta)
            fwd = np.sum((y - x + mu * dt * G) ** 2, axis=-1)
            bwd = np.sum((x - y + mu * dt * Gy) ** 2, axis=-1)
            with np.errstate(invalid="ignore", over="ignore"):
                log_a = -beta * (Ey - E) - (bwd - fwd) / (2 * s * s)
            ok = np.log(rng.random(x.shape[0])) < np.where(np.isnan(log_a), -np.inf, log_a)
            x = np.where(ok[:, None], y, x)
            E = np.where(ok, Ey, E)
            G = np.where(ok[:, None], Gy, G)
            acc += int(ok.sum())
        else:
            x, G = y, Gy
            acc += x.shape[0]
        if on_step is not None:
            on_step(x)
    return x, acc


def mala_warmup(twin, theta, mode, n: int, rng, *, steps: int = 400, block: int = 25):
    """n chains equilibrated at θ from the mode with an adapted step; returns (x, dt, acceptance)."""
    d = twin.d
    H = np.asarray(twin.hess_x(mode[None, :], theta), dtype=float).reshape(d, d) * twin.beta
    try:
        chol = np.linalg.cholesky(np.linalg.inv((H + H.T) / 2))
        lam = float(np.max(np.linalg.eigvalsh(H))) / twin.beta
        dt = 1.0 / (twin.mu * lam)
    except np.linalg.LinAlgError:
        chol = np.eye(d) * 1e-3 * max(1.0, float(np.max(np.abs(mode))))
        dt = 1e-3
    if not np.all(np.isfinite(chol)):
        chol = np.eye(d) * 1e-3
    x = mode + rng.standard_normal((n, d)) @ chol.T
    rate = 0.0
    for _ in range(max(1, steps // block)):
        x, acc = mala(twin, theta, x, dt, block, rng)
        rate = acc / (n * block)
        dt *= float(np.exp(2.0 * (rate - TARGET_ACCEPTANCE)))
        if not (np.isfinite(dt) and dt > 0):
            break
    if not np.all(np.isfinite(x)) or rate < 0.05:
        raise NumericalError(
            f"MALA warm-up at theta = {np.ravel(theta).tolist()} did not equilibrate "
            f"(acceptance {rate:.3f}, step {dt:.3g}); the density may be multi-modal or not normalisable"
        )
    return x, dt, rate
