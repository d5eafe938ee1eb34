"""Exact normalisation of 1-D and 2-D energies by grid quadrature.

ln Z(θ) = ln ∫ exp(−βE(x, θ)) dx on a regular grid over a box (trapezoid
weights; for a density that is smooth and negligible on the faces the
trapezoid rule converges faster than any power of the spacing).  With it the
exact negative log-likelihood L(θ) = β⟨E⟩_d + ln Z(θ) (arXiv 2510.03137)
and the free energy F = −β⁻¹ ln Z are available at every training
step, which is what makes the bias identity L − L̃ = βW_ex (Theorem 1 of
arXiv 2510.03137) checkable on non-Gaussian multi-parameter models.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from thermolearn.theory import NumericalError, ParameterError

from ._families import check_batch

__all__ = ["GridPartition", "GaussianPartition", "grid_partition"]


@dataclass(frozen=True)
class GridPartition:
    """ln Z(θ), F(θ), ⟨∂θE⟩_m on a fixed grid (``points`` (N, d), ``log_weights`` (N,))."""

    family: object
    beta: float
    points: np.ndarray
    log_weights: np.ndarray
    box: tuple

    @cached_property
    def _linear(self):
        """(φ, E₀) on the grid for a family linear in θ (``linear_parts``), else None."""
        parts = getattr(self.family, "linear_parts", None)
        return parts(self.points) if parts is not None else None

    def _energy(self, theta):
        """E(grid, θ): one (N, k) product for families linear in θ, else the family's energy."""
        if self._linear is None:
            return self.family.energy(self.points, theta)
        phi, e0 = self._linear
        return phi @ check_batch(self.family, self.points[:0], theta)[1] + e0

    def log_partition(self, theta) -> float:
        """ln Z(θ) (log-sum-exp of −βE + log quadrature weights)."""
        a = -self.beta * self._energy(theta) + self.log_weights
        top = np.max(a)
        if not np.isfinite(top):
            raise NumericalError(f"exp(-beta*E) is not finite on the grid at theta = {np.asarray(theta).tolist()}")
        return float(top + np.log(np.sum(np.exp(a - top))))

    def free_energy(self, theta) -> float:
        """F(θ) = −β⁻¹ ln Z(θ)."""
        return -self.log_partition(theta) / self.beta

    def model_mean(self, theta) -> np.ndarray:
        """⟨∂θE⟩_m = ∂θF, shape (dim_theta,)."""
        a = -self.beta * self._energy(theta) + self.log_weights
        w = np.exp(a - a.max())
        w /= w.sum()
        return w @ self.family.grad_theta(self.points, theta)

    def edge_mass(self, theta) -> float:
        """Probability on the outermost grid layer (should be ≪ 1e-10 for a valid box)."""
        a = -self.beta * self._energy(theta) + self.log_weights
        p = np.exp(a - a.max())
        p /= p.sum()
        lo = np.array([b[0] for b in self.box])
        hi = np.array([b[1] for b in self.box])
        span = (hi - lo) / 200
        on_edge = np.any((self.points <= lo + span) | (self.points >= hi - span), axis=1)
        return float(p[on_edge].sum())

    def log_likelihood(self, data, theta) -> float:
        """Mean log p(x|θ) over ``data`` = −(β⟨E⟩_data + ln Z)."""
        return float(-(self.beta * np.mean(self.family.energy(np.asarray(data, float), theta))
                       + self.log_partition(theta)))


def grid_partition(family, beta: float, box, n: int = 201) -> GridPartition:
    """Grid of ``n`` points per axis over ``box`` = ((lo, hi), ...) for a 1-D or 2-D family.

    >>> from thermolearn.numeric.ebm import GaussianEBM
    >>> g = GaussianEBM(2)
    >>> gp = grid_partition(g, 1.0, ((-8, 8), (-8, 8)), n=161)
    >>> th = g.pack([0.3, -0.2], [[2.0, 0.5], [0.5, 1.0]])
    >>> bool(abs(gp.log_partition(th) - g.log_partition(th, 1.0)) < 1e-10)
    True
    """
    if family.dim_x not in (1, 2):
        raise ParameterError(f"grid quadrature needs dim_x of 1 or 2, the family has {family.dim_x}")
    if not (isinstance(n, (int, np.integer)) and n >= 5):
        raise ParameterError(f"n must be an integer >= 5, got {n!r}")
    if not (np.isfinite(beta) and beta > 0):
        raise ParameterError(f"beta must be positive, got {beta!r}")
    box = tuple((float(lo), float(hi)) for lo, hi in box)
    if len(box) != family.dim_x or any(not (np.isfinite(lo) and np.isfinite(hi) and hi > lo) for lo, hi in box):
        raise ParameterError(f"box must give finite (lo, hi) with lo < hi for each of {family.dim_x} axes, got {box}")
    axes, wts = [], []
    for lo, hi in box:
        ax = np.linspace(lo, hi, n)
        w = np.full(n, ax[1] - ax[0])
        w[[0, -1]] /= 2
        axes.append(ax)
        wts.append(w)
    pts = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    logw = np.log(np.prod(np.stack([g.ravel() for g in np.meshgrid(*wts, indexing="ij")], axis=1), axis=1))
    return GridPartition(family, float(beta), pts, logw, box)


@dataclass(frozen=True)
class GaussianPartition:
    """Closed-form ln Z of a :class:`~numeric.ebm.GaussianEBM`: (d/2)ln(2π/β) − ½ ln det P, any d.

    Same interface as :class:`GridPartition` for the trainer (``free_energy``,
    ``log_likelihood``); infinite ln Z once P leaves the positive-definite cone.

    >>> from thermolearn.numeric.ebm import GaussianEBM
    >>> g = GaussianEBM(3)
    >>> F = GaussianPartition(g, 1.0).free_energy(g.pack([0, 0, 0], np.eye(3)))
    >>> bool(abs(F + 1.5 * np.log(2 * np.pi)) < 1e-12)
    True
    """

    family: object
    beta: float

    def log_partition(self, theta) -> float:
        return self.family.log_partition(theta, self.beta)

    def free_energy(self, theta) -> float:
        return -self.log_partition(theta) / self.beta

    def log_likelihood(self, data, theta) -> float:
        return float(-(self.beta * np.mean(self.family.energy(np.asarray(data, float), theta))
                       + self.log_partition(theta)))

    def edge_mass(self, theta) -> float:
        return 0.0
