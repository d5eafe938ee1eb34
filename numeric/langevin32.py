"""float32 Langevin steps on fast normals: the exact OU step and Euler–Maruyama for 1-D chains.

The same updates as ``numeric.langevin``'s float64 kernels (overdamped
Langevin dynamics dx = −μ∂ₓE dt + √(2μ/β) dW, arXiv 2510.03137, Sec. 2),
with the chains and the noise in float32 and the Gaussian draw from
:func:`thermolearn.numeric.random.standard_normal_f32` (Box–Muller; tails
cut at |ξ| ≤ 5.77, see that module).  Each step draws the noise block by
block into a reused cache-sized buffer (the noise amplitude folded into the
draw) and applies it while it is in cache: the chains are read and written
once per step, at half the memory traffic of float64.

What stays float64: every coefficient (decay e^{−μk dt}, noise amplitude,
drift factors) is computed in float64 and rounded once to float32; the
chains' moments and any bookkeeping sums should be accumulated in float64
(``X.mean(dtype=np.float64)``), as the tests do.  What is float32: the
chains, the noise and the per-step arithmetic; rounding is ~6·10⁻⁸
relative per step, a random walk far below the statistical error of any
ensemble of ≤ 10¹⁰ particle-steps for contracting dynamics.

These are plain step functions; a stepper registry selects them with
``dtype="float32"`` (see :func:`step_function`).
"""

from __future__ import annotations

import math

import numpy as np

from .random import BLOCK, standard_normal_f32

__all__ = ["Float32Buffers", "ou_step_f32", "euler_step_f32", "step_function"]


class Float32Buffers:
    """Noise and work buffers of one ensemble, reused at every step (mutable by design).

    The noise buffer holds one block of ``BLOCK`` values (or ``n`` if fewer):
    the step draws and applies the noise block by block while it is in cache.
    """

    def __init__(self, n: int):
        self.noise = np.empty(min(n, BLOCK), np.float32)
        self.work = np.empty(BLOCK // 2, np.float32)


def _check(X):
    if not (isinstance(X, np.ndarray) and X.dtype == np.float32 and X.flags.c_contiguous):
        raise TypeError("X must be a C-contiguous float32 array of chains")


def ou_step_f32(X, mean: float, stiffness: float, *, mu: float, beta: float, dt: float,
                rng: np.random.Generator, buffers: Float32Buffers) -> None:
    """Exact OU step of 1-D chains in the trap E = k(x − m)²/2, in place.

    x ← m + e^{−μk dt}(x − m) + σ ξ,  σ² = (1 − e^{−2μk dt})/(βk),
    the exact transition at frozen θ (no time-step error).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros(200_000, np.float32); buf = Float32Buffers(X.size)
    >>> ou_step_f32(X, 1.0, 2.0, mu=1.0, beta=1.0, dt=10.0, rng=np.random.default_rng(0), buffers=buf)
    >>> bool(abs(X.mean(dtype=np.float64) - 1) < 0.01), bool(abs(X.var(dtype=np.float64) - 0.5) < 0.01)
    (True, True)
    """
    _check(X)
    decay = math.exp(-mu * stiffness * dt)
    sd = math.sqrt(-math.expm1(-2.0 * mu * stiffness * dt) / (beta * stiffness))
    _affine_plus_noise(X, decay, (1.0 - decay) * mean, sd, rng, buffers)


def euler_step_f32(X, mean: float, stiffness: float, *, mu: float, beta: float, dt: float,
                   rng: np.random.Generator, buffers: Float32Buffers) -> None:
    """Euler–Maruyama step of 1-D chains in the trap E = k(x − m)²/2, in place.

    x ← x − μk(x − m)dt + √(2μ dt/β) ξ (weak order 1; stationary variance
    1/(βk(1 − μk dt/2)) instead of 1/(βk)).
    """
    _check(X)
    c = mu * stiffness * dt
    _affine_plus_noise(X, 1.0 - c, c * mean, math.sqrt(2.0 * mu * dt / beta), rng, buffers)


def _affine_plus_noise(X, a, b, sd, rng, buffers):
    """X ← a·X + b + sd·ξ with the draw scaled inside the generator, one cache-sized block at a time.

    Each block's noise is drawn and added while it is in cache, so the chains
    are read and written once per step (not the noise array through memory too).
    """
    flat = X.reshape(-1)
    a32, b32 = np.float32(a), np.float32(b)
    for lo in range(0, flat.size, BLOCK):
        blk = flat[lo:lo + BLOCK]
        noise = buffers.noise[:blk.size]
        standard_normal_f32(rng, noise, scale=sd, work=buffers.work)
        if b != 0.0:
            noise += b32
        blk *= a32
        blk += noise


def step_function(method: str, dtype="float64"):
    """The 1-D trap step of ``method`` ("exact" or "euler") for ``dtype``; None where there is none.

    float32 is served here; float64 by ``numeric.langevin``'s kernels.

    >>> step_function("exact", "float32") is ou_step_f32
    True
    """
    if np.dtype(dtype) != np.float32:
        return None
    return {"exact": ou_step_f32, "euler": euler_step_f32}.get(method)
