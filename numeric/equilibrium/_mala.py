"""MALA chains at fixed θ: the registry's kernel (:class:`numeric.langevin.MALA`), warmed up from the mode.

Proposal: the Euler–Maruyama step of dx = −μ∇ₓE dt + sqrt(2μ/β) dW
(arXiv 2510.03137); a Metropolis–Hastings accept/reject makes
p_m(·|θ) exactly invariant.  :func:`mala_warmup` starts at the mode with
the Laplace spread N(mode, (β∇ₓ²E)⁻¹) when that is positive definite and
adapts the time step in blocks towards an acceptance of 0.574 (the
optimal MALA rate), so steep or flat potentials neither freeze nor stick.
"""

from __future__ import annotations

import numpy as np

from thermolearn.theory import NumericalError, ParameterError

__all__ = ["mala", "mala_warmup", "run_sampler"]

#: Target acceptance rate of the adapted step (asymptotically optimal MALA).
TARGET_ACCEPTANCE = 0.574


def mala(twin, theta, x, dt: float, steps: int, rng, *, on_step=None, metropolis: bool = True):
    """``steps`` steps of chains x (N, d) at fixed θ: the registry's MALA kernel, or (``metropolis=False``) Euler–Maruyama.

    Returns the chains (a new array) and the number of accepted moves.
    """
    from ..langevin._steppers import STEPPERS, euler_step  # the one kernel (lazy: langevin imports this package)

    x = np.array(x, dtype=float)
    noise = np.empty_like(x)
    steps = int(steps)
    if metropolis:
        return x, STEPPERS["mala"].advance(x, theta, twin, dt, steps, rng, noise, on_step=on_step)
    for _ in range(steps):
        euler_step(x, twin.drift, theta, mu=twin.mu, beta=twin.beta, dt=dt, rng=rng, noise=noise)
        if on_step is not None:
            on_step(x)
    return x, x.shape[0] * steps


def run_sampler(sampler, twin, x, theta, dt, steps, rng):
    """``sampler(twin, x, theta, dt, steps, rng)`` (a user's dynamics at fixed θ) as float chains of x's shape.

    The one check of a user-supplied sampler (:func:`numeric.metric.friction_autocorrelation`,
    :func:`numeric.fluctuation.langevin_work`): a wrong-shaped return is a :class:`ParameterError`.

    >>> run_sampler(lambda tw, x, t, h, k, rng: x[:1], None, np.zeros((3, 1)), [0.0], 0.1, 1, None)
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: sampler must return chains of shape (3, 1), got (1, 1)
    """
    y = np.asarray(sampler(twin, x, theta, dt, steps, rng), dtype=float)
    if y.shape != np.shape(x):
        raise ParameterError(f"sampler must return chains of shape {np.shape(x)}, got {y.shape}")
    return y


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
