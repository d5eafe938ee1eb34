"""Multi-parameter energy families with a batched interface.

Every family is a small frozen object with

* ``dim_x``, ``dim_theta`` and ``names`` (one label per parameter);
* ``energy(x, theta)`` → shape (n,), for ``x`` of shape (n, dim_x) and
  ``theta`` of shape (dim_theta,);
* ``grad_x(x, theta)`` → (n, dim_x), the force term of the Langevin sampler;
* ``grad_theta(x, theta)`` → (n, dim_theta), the ∂θE whose data and chain
  averages make the maximum-likelihood gradient
  ∇L = β(⟨∂θE⟩_d − ⟨∂θE⟩_m) (arXiv 2510.03137; Entropy 26, 112 (2024)).

The model density is p(x|θ) ∝ exp(−βE(x, θ)).  Overflow-safe forms are used
throughout (softplus u ↦ log(1 + eᵘ) as ``np.logaddexp(0, u)``, the logistic
function as 1/(1 + e⁻ᵘ) with e⁻ᵘ capped below overflow, :func:`logistic`: numpy only, no scipy import).  This module holds the Gaussian, RBM and
MLP families; the exponential family is in :mod:`numeric.ebm._exponential`,
the symbolic adapter in :mod:`numeric.ebm._symbolic`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from thermolearn.theory import ParameterError

__all__ = ["GaussianEBM", "RBMEnergy", "MLPEnergy", "check_batch"]


def logistic(u) -> np.ndarray:
    """1/(1 + e⁻ᵘ), relative error ~1e-16; e⁻ᵘ capped at e⁷⁰⁹ (no overflow): 1e-308 for u < −709.

    >>> logistic(np.array([0.0, 800.0])).tolist(), bool(logistic(np.array([-800.0]))[0] < 1e-300)
    ([0.5, 1.0], True)
    """
    s = np.negative(u)
    np.minimum(s, 709.0, out=s)
    np.exp(s, out=s)
    s += 1.0
    return np.reciprocal(s, out=s)


def check_batch(family, x, theta) -> tuple[np.ndarray, np.ndarray]:
    """Validate shapes: ``x`` (n, dim_x), ``theta`` (dim_theta,) and finite."""
    x = np.asarray(x, dtype=float)
    th = np.asarray(theta, dtype=float)
    if x.ndim != 2 or x.shape[1] != family.dim_x:
        raise ParameterError(f"x must have shape (n, {family.dim_x}), got {x.shape}")
    if th.shape != (family.dim_theta,) or not np.isfinite(th).all():
        raise ParameterError(f"theta must be {family.dim_theta} finite numbers, got shape {th.shape}")
    return x, th


@lru_cache(maxsize=None)
def _upper_triangle(d):
    """(i, j, w): the upper-triangle indices of a d × d matrix row by row and w = ½ on the diagonal, 1 off it
    (read-only, computed once per d)."""
    i, j = np.triu_indices(d)
    w = np.where(i == j, 0.5, 1.0)
    for a in (i, j, w):
        a.flags.writeable = False
    return i, j, w


@dataclass(frozen=True)
class GaussianEBM:
    """E = ½(x − m)ᵀP(x − m), θ = (m, upper triangle of P row by row).

    Learnable mean and precision; ∂E/∂m = −P(x − m), ∂E/∂P_ii = ½(x_i − m_i)²,
    ∂E/∂P_ij = (x_i − m_i)(x_j − m_j) for i < j.  Closed forms for
    validation: ln Z = (d/2)ln(2π/β) − ½ ln det P and the symbolic twin
    :meth:`symbolic` (a ``theory.EnergyModel`` with the same parameter order,
    whose Fisher information and friction ``theory.metric`` gives exactly).

    >>> g = GaussianEBM(2)
    >>> g.dim_theta, g.names
    (5, ('m1', 'm2', 'p11', 'p12', 'p22'))
    """

    dim_x: int

    @property
    def _iu(self):
        return _upper_triangle(self.dim_x)[:2]

    @property
    def dim_theta(self) -> int:
        d = self.dim_x
        return d + d * (d + 1) // 2

    @property
    def names(self) -> tuple:
        d = self.dim_x
        return tuple(f"m{i + 1}" for i in range(d)) + tuple(f"p{i + 1}{j + 1}" for i, j in zip(*self._iu))

    def unpack(self, theta):
        """(m, P) from θ."""
        th = np.asarray(theta, dtype=float)
        d = self.dim_x
        i, j, _ = _upper_triangle(d)
        P = np.empty((d, d))
        P[i, j] = th[d:]
        P[j, i] = th[d:]
        return th[:d], P

    def pack(self, m, P) -> np.ndarray:
        return np.concatenate([np.asarray(m, float), np.asarray(P, float)[self._iu]])

    def energy(self, x, theta):
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        y = x - m
        return 0.5 * np.sum((y @ P) * y, axis=1)

    def grad_x(self, x, theta):
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        return (x - m) @ P

    def grad_theta(self, x, theta):
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        y = x - m
        i, j, half = _upper_triangle(self.dim_x)
        quad = y[:, i] * y[:, j] * half
        return np.concatenate([-(y @ P), quad], axis=1)

    def mean_grad_theta(self, x, theta):
        """grad_theta(x, θ).mean(axis=0) through one (d, d) product."""
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        y = x - m
        i, j, half = _upper_triangle(self.dim_x)
        M2 = (y.T @ y) / x.shape[0]
        return np.concatenate([-(P @ y.mean(axis=0)), M2[i, j] * half])

    def log_partition(self, theta, beta: float) -> float:
        """ln ∫exp(−βE)dx = (d/2)ln(2π/β) − ½ ln det P (P must be positive definite)."""
        _, P = self.unpack(theta)
        sign, logdet = np.linalg.slogdet(P)
        if sign <= 0 or not np.all(np.linalg.eigvalsh(P) > 0):
            return float("inf")
        return 0.5 * self.dim_x * np.log(2 * np.pi / beta) - 0.5 * logdet

    def symbolic(self, *, beta=None, mu=None):
        """The same energy as a ``theory.EnergyModel`` (parameters in the same order)."""
        import sympy as sp

        from thermolearn.theory import energy_model

        d = self.dim_x
        xs = sp.symbols(f"x1:{d + 1}", real=True)
        ms = sp.symbols(f"m1:{d + 1}", real=True)
        P = sp.zeros(d, d)
        ps = []
        for i, j in zip(*self._iu):
            s = sp.Symbol(f"p{i + 1}{j + 1}", real=True)
            P[i, j] = P[j, i] = s
            ps.append(s)
        y = sp.Matrix(xs) - sp.Matrix(ms)
        expr = sp.expand((y.T * P * y)[0, 0] / 2)
        return energy_model(expr, x=[s.name for s in xs], theta=[s.name for s in (*ms, *ps)], beta=beta, mu=mu)


@dataclass(frozen=True)
class RBMEnergy:
    """Gaussian–Bernoulli RBM free energy E = ‖x − c‖²/(2σ²) − Σⱼ softplus(wⱼ·x + bⱼ).

    θ = (c (dim_x), W (n_hidden × dim_x, row-major), b (n_hidden)); σ fixed.
    ∂E/∂c = −(x − c)/σ², ∂E/∂W_jk = −s_j x_k, ∂E/∂b_j = −s_j with
    s = logistic(Wx + b); ∇ₓE = (x − c)/σ² − Wᵀs.  Normalisable for every θ
    (softplus grows at most linearly).

    >>> r = RBMEnergy(64, 15)
    >>> r.dim_theta
    1039
    """

    dim_x: int
    n_hidden: int
    sigma: float = 1.0

    def __post_init__(self):
        for name in ("dim_x", "n_hidden"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise ParameterError(f"{name} must be a positive integer, got {v!r}")
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise ParameterError(f"sigma must be positive, got {self.sigma!r}")

    @property
    def dim_theta(self) -> int:
        return self.dim_x * (self.n_hidden + 1) + self.n_hidden

    @property
    def names(self) -> tuple:
        d, h = self.dim_x, self.n_hidden
        return (tuple(f"c{i}" for i in range(d)) + tuple(f"W{j}_{k}" for j in range(h) for k in range(d))
                + tuple(f"b{j}" for j in range(h)))

    def unpack(self, theta):
        th = np.asarray(theta, dtype=float)
        d, h = self.dim_x, self.n_hidden
        return th[:d], th[d:d + h * d].reshape(h, d), th[d + h * d:]

    def parameter_groups(self) -> tuple:
        """Index groups for a block metric: (W_j·, b_j) per hidden unit j, and c."""
        d, h = self.dim_x, self.n_hidden
        units = tuple(np.r_[d + j * d + np.arange(d), d + h * d + j] for j in range(h))
        return units + (np.arange(d),)

    def init(self, rng, data=None) -> np.ndarray:
        """c at the data mean (or 0), W ~ N(0, 0.01²), b = 0."""
        d, h = self.dim_x, self.n_hidden
        c = np.zeros(d) if data is None else np.asarray(data, float).mean(axis=0)
        return np.concatenate([c, 0.01 * rng.standard_normal(h * d), np.zeros(h)])

    def energy(self, x, theta):
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        return np.sum((x - c) ** 2, axis=1) / (2 * self.sigma**2) - np.logaddexp(0.0, x @ W.T + b).sum(axis=1)

    def energy_change(self, x, theta, new):
        """E(x, new) − E(x, θ), shape (n,): the quadratic term as (c − c′)·(2x − c − c′)/(2σ²), each hidden
        unit's softplus(u + δ) − softplus(u) = ln(1 + σ(u)(e^δ − 1)) (``log1p`` of σ(u)·``expm1``(δ)) with
        u = Wx + b at θ and δ = (W′ − W)x + (b′ − b): one logistic, one expm1 and one log1p per unit instead of
        two softplus (exp and log1p each), and no cancellation of the two softplus when δ is small (a training
        step).  Where some δ exceeds 700 (e^δ near overflow) the two softplus are subtracted instead."""
        x, th = check_batch(self, x, theta)
        new = check_batch(self, x[:0], new)[1]
        c0, W0, b0 = self.unpack(th)
        c1, W1, b1 = self.unpack(new)
        quad = (2 * x - c0 - c1) @ (c0 - c1) / (2 * self.sigma**2)
        u = x @ W0.T
        u += b0
        delta = x @ (W1 - W0).T
        delta += b1 - b0
        if not delta.max(initial=0.0) <= 700.0:  # (also NaN) the direct difference, as energy() computes it
            return quad - np.logaddexp(0.0, u + delta).sum(axis=1) + np.logaddexp(0.0, u).sum(axis=1)
        change = logistic(u)
        change *= np.expm1(delta, out=delta)
        return quad - np.log1p(change, out=change).sum(axis=1)

    def grad_x(self, x, theta):
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        return (x - c) / self.sigma**2 - logistic(x @ W.T + b) @ W

    def grad_theta(self, x, theta):
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        s = logistic(x @ W.T + b)
        n, d, h = x.shape[0], self.dim_x, self.n_hidden
        out = np.empty((n, self.dim_theta))
        np.multiply(x - c, -1.0 / self.sigma**2, out=out[:, :d])
        neg_s = np.negative(s, out=out[:, d + h * d:])
        # the outer products -s_j x_k into the W columns (a strided view): einsum writes them ~2x faster than the
        # broadcast multiply, whose inner loop runs over one row of 64 per (chain, unit) pair
        np.einsum("cj,ck->cjk", neg_s, x, out=out[:, d:d + h * d].reshape(n, h, d))
        return out

    def mean_grad_theta(self, x, theta):
        """grad_theta(x, θ).mean(axis=0) in O(n·h·d) without the (n, d_θ) array: the three blocks written in place
        by BLAS products (the column means as (−1/n)·1ᵀx and (−1/n)·1ᵀs: ~30 % fewer CPU-s per call than
        numpy's mean and a concatenation, at these sizes)."""
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        u = x @ W.T
        u += b
        s = logistic(u)
        n, d, h = x.shape[0], self.dim_x, self.n_hidden
        out = np.empty(self.dim_theta)
        w = np.full(n, -1.0 / n)
        np.dot(w, x, out=out[:d])
        out[:d] += c  # −(⟨x⟩ − c)
        out[:d] /= self.sigma**2
        np.dot(s.T, x, out=out[d:d + h * d].reshape(h, d))
        out[d:d + h * d] *= -1.0 / n
        np.dot(w, s, out=out[d + h * d:])
        return out


@dataclass(frozen=True)
class MLPEnergy:
    """One-hidden-layer energy E = w·tanh(Ux + a) + ‖x‖²/(2σ²) (numpy).

    θ = (U (n_hidden × dim_x, row-major), a (n_hidden), w (n_hidden)); the
    fixed Gaussian confinement keeps exp(−βE) normalisable for every θ
    (the network part is bounded by Σ|wⱼ|).

    >>> f = MLPEnergy(2, 3)
    >>> f.dim_theta, f.energy(np.zeros((1, 2)), np.zeros(12)).tolist()
    (12, [0.0])
    """

    dim_x: int
    n_hidden: int
    sigma: float = 1.0

    def __post_init__(self):
        RBMEnergy.__post_init__(self)  # same three checks

    @property
    def dim_theta(self) -> int:
        return self.n_hidden * (self.dim_x + 2)

    @property
    def names(self) -> tuple:
        d, h = self.dim_x, self.n_hidden
        return (tuple(f"U{j}_{k}" for j in range(h) for k in range(d)) + tuple(f"a{j}" for j in range(h))
                + tuple(f"w{j}" for j in range(h)))

    def unpack(self, theta):
        th = np.asarray(theta, dtype=float)
        d, h = self.dim_x, self.n_hidden
        return th[:h * d].reshape(h, d), th[h * d:h * d + h], th[h * d + h:]

    def init(self, rng, data=None) -> np.ndarray:
        d, h = self.dim_x, self.n_hidden
        return np.concatenate([rng.standard_normal(h * d) / np.sqrt(d), np.zeros(h), 0.1 * rng.standard_normal(h)])

    def energy(self, x, theta):
        x, th = check_batch(self, x, theta)
        U, a, w = self.unpack(th)
        return np.tanh(x @ U.T + a) @ w + np.sum(x * x, axis=1) / (2 * self.sigma**2)

    def grad_x(self, x, theta):
        x, th = check_batch(self, x, theta)
        U, a, w = self.unpack(th)
        t = np.tanh(x @ U.T + a)
        return ((1 - t * t) * w) @ U + x / self.sigma**2

    def _hidden(self, x, theta):
        """(x, t = tanh(Ux + a), g = ∂E/∂a = (1 − t²)w)."""
        x, th = check_batch(self, x, theta)
        U, a, w = self.unpack(th)
        t = np.tanh(x @ U.T + a)
        return x, t, (1 - t * t) * w

    def grad_theta(self, x, theta):
        x, t, g = self._hidden(x, theta)
        return np.concatenate([(g[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1), g, t], axis=1)

    def mean_grad_theta(self, x, theta):
        """grad_theta(x, θ).mean(axis=0) without the (n, d_θ) array."""
        x, t, g = self._hidden(x, theta)
        return np.concatenate([(g.T @ x).ravel() / x.shape[0], g.mean(axis=0), t.mean(axis=0)])
