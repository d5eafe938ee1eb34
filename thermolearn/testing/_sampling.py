"""Samplers behind the dynamic checks: exact Boltzmann draws and Langevin steps.

* :func:`exact_equilibrium` — independent draws from p_m(θ) ∝ exp(−βE):
  inverse-CDF sampling on a 2·10⁵-point grid in one coordinate, a grid cell
  drawn by its weight plus a uniform jitter inside it in two (no Markov
  chain, so no warm-up to trust).
* :func:`mala` — Metropolis-adjusted Langevin steps of the overdamped
  dynamics dx = −μ∇ₓE dt + sqrt(2μ/β) dW at fixed θ (arXiv 2510.03137): an
  Euler–Maruyama proposal and a Metropolis–Hastings correction, so p_m(θ)
  is exactly invariant and the dynamics agree with the diffusion to O(dt).
"""

from __future__ import annotations

import math

import numpy as np

from ._oracles import _Num, _grid_2d, _minimum, _support_grid

__all__ = ["exact_equilibrium", "mala"]


def exact_equilibrium(num: _Num, theta, n: int, rng) -> np.ndarray:
    """``n`` independent draws from p_m(θ), shape (n, d)."""
    d = len(num.model.x)
    if d == 1:
        grid = _support_grid(num, theta, 200001)
        with np.errstate(all="ignore"):
            e = num.E(grid, *theta)
        w = np.exp(-num.beta * (e - e.min()))
        cdf = np.concatenate([[0.0], np.cumsum((w[1:] + w[:-1]) / 2)])
        cdf /= cdf[-1]
        return np.interp(rng.random(n), cdf, grid)[:, None]
    e0, xm = _minimum(num, theta)
    grid = _grid_2d(num, theta, xm, e0, n=801)
    X1, X2 = np.meshgrid(*grid, indexing="ij")
    with np.errstate(all="ignore"):
        logw = -num.beta * (num.E(X1, X2, *theta) - e0)
    w = np.exp(np.where(np.isfinite(logw), logw, -np.inf)).ravel()
    idx = rng.choice(w.size, size=n, p=w / w.sum())
    h = np.array([g[1] - g[0] for g in grid])
    centre = np.stack([X1.ravel()[idx], X2.ravel()[idx]], axis=1)
    return centre + (rng.random((n, 2)) - 0.5) * h


def mala(num: _Num, x: np.ndarray, theta, dt: float, steps: int, rng) -> np.ndarray:
    """``steps`` MALA steps of size ``dt`` at fixed θ; returns the new positions."""
    D = num.mu / num.beta

    def U(y):
        return num.beta * num.E(*y.T, *theta)

    def G(y):
        return num.beta * num.grad(*y.T, *theta).reshape(y.shape)

    x = np.array(x, dtype=float)
    with np.errstate(all="ignore"):
        ux, gx = U(x), G(x)
        for _ in range(steps):
            prop = x - D * dt * gx + math.sqrt(2 * D * dt) * rng.standard_normal(x.shape)
            up, gp = U(prop), G(prop)
            fwd = np.sum((prop - x + D * dt * gx) ** 2, axis=1)
            bwd = np.sum((x - prop + D * dt * gp) ** 2, axis=1)
            log_acc = ux - up - (bwd - fwd) / (4 * D * dt)
            acc = np.log(rng.random(len(x))) < log_acc
            x[acc], ux[acc], gx[acc] = prop[acc], up[acc], gp[acc]
    return x
