"""Exponential families E(x, θ) = θ·φ(x) + E₀(x) with user features (batched interface of
:mod:`numeric.ebm._families`)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Callable

import numpy as np

from thermolearn.theory import ParameterError

from ._families import check_batch

__all__ = ["ExponentialFamily", "polynomial_family"]


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
    ln Z (Entropy 26, 112 (2024)).

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
