"""Multi-parameter energy families with a batched interface.

Every family is a small frozen object with

* ``dim_x``, ``dim_theta`` and ``names`` (one label per parameter);
* ``energy(x, theta)`` → shape (n,), for ``x`` of shape (n, dim_x) and
  ``theta`` of shape (dim_theta,);
* ``grad_x(x, theta)`` → (n, dim_x), the force term of the Langevin sampler;
* ``grad_theta(x, theta)`` → (n, dim_theta), the ∂θE whose data and chain
  averages make the maximum-likelihood gradient
  ∇L = β(⟨∂θE⟩_d − ⟨∂θE⟩_m) (arXiv 2510.03137, Sec. II; Entropy 26, 112
  (2024), Eq. 4).

The model density is p(x|θ) ∝ exp(−βE(x, θ)).  Overflow-safe forms are used
throughout (softplus u ↦ log(1 + eᵘ) as ``np.logaddexp(0, u)``, the logistic
function as ``scipy.special.expit``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations_with_replacement
from typing import Callable

import numpy as np
from scipy.special import expit

from thermolearn.theory import ModelError, ParameterError

__all__ = ["ExponentialFamily", "polynomial_family", "GaussianEBM", "RBMEnergy", "MLPEnergy",
           "SymbolicFamily", "check_batch"]


def check_batch(family, x, theta) -> tuple[np.ndarray, np.ndarray]:
    """Validate shapes: ``x`` (n, dim_x) finite, ``theta`` (dim_theta,) finite."""
    x = np.asarray(x, dtype=float)
    th = np.asarray(theta, dtype=float)
    if x.ndim != 2 or x.shape[1] != family.dim_x:
        raise ParameterError(f"x must have shape (n, {family.dim_x}), got {x.shape}")
    if th.shape != (family.dim_theta,) or not np.all(np.isfinite(th)):
        raise ParameterError(f"theta must be {family.dim_theta} finite numbers, got shape {th.shape}")
    return x, th


@dataclass(frozen=True)
class ExponentialFamily:
    """E(x, θ) = θ·φ(x) + E₀(x) with user features φ.

    Parameters
    ----------
    features : callable
        φ(x): (n, dim_x) → (n, k).
    feature_grad : callable
        ∇ₓφ(x): (n, dim_x) → (n, k, dim_x).
    dim_x : int
    base : callable, optional
        E₀(x): (n, dim_x) → (n,) (a θ-independent confinement).
    base_grad : callable, optional
        ∇ₓE₀(x): (n, dim_x) → (n, dim_x).
    names : tuple of str
        Parameter labels (length k).

    Here ∂θE = φ(x), so the Fisher information β²Cov(φ) is the Hessian of
    ln Z (Entropy 26, 112 (2024), Sec. 3).

    Examples
    --------
    >>> fam = ExponentialFamily(lambda x: x**2 / 2, lambda x: x[:, :, None], 1, names=("k",))
    >>> fam.energy(np.array([[2.0]]), np.array([3.0])).tolist()
    [6.0]
    """

    features: Callable
    feature_grad: Callable
    dim_x: int
    base: Callable | None = None
    base_grad: Callable | None = None
    names: tuple = ()

    def __post_init__(self):
        if not (isinstance(self.dim_x, (int, np.integer)) and self.dim_x >= 1):
            raise ParameterError(f"dim_x must be a positive integer, got {self.dim_x!r}")
        if (self.base is None) != (self.base_grad is None):
            raise ParameterError("base and base_grad must be given together")
        if not self.names:
            raise ParameterError("names must label every feature (one per parameter)")

    @property
    def dim_theta(self) -> int:
        return len(self.names)

    def energy(self, x, theta):
        x, th = check_batch(self, x, theta)
        e = self.features(x) @ th
        return e + self.base(x) if self.base is not None else e

    def grad_x(self, x, theta):
        x, th = check_batch(self, x, theta)
        g = np.einsum("nkd,k->nd", self.feature_grad(x), th)
        return g + self.base_grad(x) if self.base_grad is not None else g

    def grad_theta(self, x, theta):
        x, _ = check_batch(self, x, theta)
        return np.asarray(self.features(x), dtype=float)


def polynomial_family(dim_x: int = 2, degree: int = 3, confinement: float = 0.1) -> ExponentialFamily:
    """Monomial features of degree 1..``degree`` plus E₀ = c·Σᵢxᵢ⁴.

    With ``degree`` ≤ 3 the quartic confinement dominates every feature, so
    exp(−βE) is normalisable for every θ (training can never leave the
    family).  Parameter ``names`` read like ``x1^2*x2``.

    >>> fam = polynomial_family(2, 2)
    >>> fam.names
    ('x1', 'x2', 'x1^2', 'x1*x2', 'x2^2')
    >>> fam.grad_theta(np.array([[1.0, 2.0]]), np.zeros(5)).tolist()
    [[1.0, 2.0, 1.0, 2.0, 4.0]]
    """
    if not (isinstance(degree, (int, np.integer)) and 1 <= degree <= 3):
        raise ParameterError(f"degree must be 1, 2 or 3 (the quartic confinement must dominate), got {degree!r}")
    if not (np.isfinite(confinement) and confinement > 0):
        raise ParameterError(f"confinement must be positive, got {confinement!r}")
    monos = [m for k in range(1, degree + 1) for m in combinations_with_replacement(range(dim_x), k)]
    powers = np.zeros((len(monos), dim_x), dtype=int)
    for i, m in enumerate(monos):
        for j in m:
            powers[i, j] += 1
    names = tuple("*".join(f"x{j + 1}" + (f"^{p}" if p > 1 else "") for j, p in enumerate(row) if p)
                  for row in powers)

    mono = _Monomials(powers, int(degree))
    quart = _Quartic(float(confinement))
    return ExponentialFamily(mono, mono.grad, int(dim_x), quart, quart.grad, names)


@dataclass(frozen=True)
class _Monomials:
    """x ↦ (Πⱼ xⱼ^{p_ij})_i and its x-gradient (picklable, for process pools)."""

    powers: np.ndarray
    degree: int

    def _table(self, x):  # x_j^p for p = 0..degree, shape (n, dim_x, degree + 1)
        t = np.ones((x.shape[0], x.shape[1], self.degree + 1))
        for p in range(1, self.degree + 1):
            t[:, :, p] = t[:, :, p - 1] * x
        return t

    def __call__(self, x):
        return np.prod(self._table(x)[:, np.arange(x.shape[1]), self.powers], axis=-1)

    def grad(self, x):
        t, cols, P = self._table(x), np.arange(x.shape[1]), self.powers
        out = np.empty((x.shape[0], P.shape[0], x.shape[1]))
        for j in range(x.shape[1]):
            pw = P.copy()
            pw[:, j] = np.maximum(pw[:, j] - 1, 0)
            out[:, :, j] = P[:, j] * np.prod(t[:, cols, pw], axis=-1)
        return out


@dataclass(frozen=True)
class _Quartic:
    """E₀ = c·Σᵢxᵢ⁴ and its gradient."""

    c: float

    def __call__(self, x):
        return self.c * np.sum(x * x * x * x, axis=1)

    def grad(self, x):
        return 4 * self.c * x * x * x


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
        return np.triu_indices(self.dim_x)

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
        P = np.zeros((d, d))
        P[self._iu] = th[d:]
        P = P + np.triu(P, 1).T
        return th[:d], P

    def pack(self, m, P) -> np.ndarray:
        return np.concatenate([np.asarray(m, float), np.asarray(P, float)[self._iu]])

    def energy(self, x, theta):
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        y = x - m
        return 0.5 * np.einsum("ni,ij,nj->n", y, P, y)

    def grad_x(self, x, theta):
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        return (x - m) @ P

    def grad_theta(self, x, theta):
        x, th = check_batch(self, x, theta)
        m, P = self.unpack(th)
        y = x - m
        i, j = self._iu
        quad = y[:, i] * y[:, j] * np.where(i == j, 0.5, 1.0)
        return np.concatenate([-(y @ P), quad], axis=1)

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

    def init(self, rng, data=None) -> np.ndarray:
        """c at the data mean (or 0), W ~ N(0, 0.01²), b = 0."""
        d, h = self.dim_x, self.n_hidden
        c = np.zeros(d) if data is None else np.asarray(data, float).mean(axis=0)
        return np.concatenate([c, 0.01 * rng.standard_normal(h * d), np.zeros(h)])

    def energy(self, x, theta):
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        return np.sum((x - c) ** 2, axis=1) / (2 * self.sigma**2) - np.logaddexp(0.0, x @ W.T + b).sum(axis=1)

    def grad_x(self, x, theta):
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        return (x - c) / self.sigma**2 - expit(x @ W.T + b) @ W

    def grad_theta(self, x, theta):
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        s = expit(x @ W.T + b)
        n, d, h = x.shape[0], self.dim_x, self.n_hidden
        out = np.empty((n, self.dim_theta))
        np.multiply(x - c, -1.0 / self.sigma**2, out=out[:, :d])
        np.multiply(s[:, :, None], x[:, None, :], out=out[:, d:d + h * d].reshape(n, h, d))
        out[:, d:d + h * d] *= -1.0
        np.negative(s, out=out[:, d + h * d:])
        return out

    def mean_grad_theta(self, x, theta):
        """grad_theta(x, θ).mean(axis=0) in O(n·h·d) without the (n, d_θ) array."""
        x, th = check_batch(self, x, theta)
        c, W, b = self.unpack(th)
        s = expit(x @ W.T + b)
        n = x.shape[0]
        return np.concatenate([-(x.mean(axis=0) - c) / self.sigma**2, -(s.T @ x).ravel() / n, -s.mean(axis=0)])


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


@dataclass(frozen=True)
class SymbolicFamily:
    """A ``theory.EnergyModel`` as a batched family (through ``numeric.codegen.lambdify``).

    β, μ and named constants must have numbers (``values``); E, ∇ₓE and ∂θE
    are lambdified once with common-subexpression elimination.

    >>> from thermolearn.theory.models import quadratic_2d
    >>> fam = SymbolicFamily.from_model(quadratic_2d([[2, 0], [0, 1]]), {"beta": 1, "mu": 1})
    >>> fam.grad_theta(np.array([[1.0, 1.0]]), np.zeros(2)).tolist()
    [[-2.0, -1.0]]
    """

    model: object
    dim_x: int
    dim_theta: int
    names: tuple
    _E: Callable = field(repr=False)
    _gx: Callable = field(repr=False)
    _gt: Callable = field(repr=False)

    @classmethod
    def from_model(cls, model, values=None) -> "SymbolicFamily":
        from thermolearn.numeric.codegen import lambdify

        vals = dict(values or {})
        if vals:
            model = model.substitute(vals)
        free = sorted(c.name for c in model.constants)
        if free:
            raise ModelError(f"symbolic family needs numbers for the constant(s) {free}; pass values=")
        args = (*model.x, *model.theta)
        try:
            E = lambdify(model.energy, args)
            gx = lambdify(tuple(model.grad_x), args)
            gt = lambdify(tuple(model.dE_dtheta), args)
        except ModelError as exc:
            raise ModelError(f"symbolic family: {exc} (give beta/mu numbers if the energy uses them)") from None
        return cls(model, len(model.x), len(model.theta), tuple(s.name for s in model.theta), E, gx, gt)

    def __reduce__(self):  # lambdified code does not pickle: rebuild from the model
        return (SymbolicFamily.from_model, (self.model,))

    def _call(self, f, x, theta):
        x, th = check_batch(self, x, theta)
        return np.asarray(f(*x.T, *th), dtype=float)

    def energy(self, x, theta):
        return np.broadcast_to(self._call(self._E, x, theta), (np.shape(x)[0],)).copy()

    def grad_x(self, x, theta):
        return np.broadcast_to(self._call(self._gx, x, theta), (np.shape(x)[0], self.dim_x)).copy()

    def grad_theta(self, x, theta):
        return np.broadcast_to(self._call(self._gt, x, theta), (np.shape(x)[0], self.dim_theta)).copy()
