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

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from thermolearn.theory import AccuracyWarning, NumericalError, ParameterError

from ._families import check_batch

__all__ = ["GridPartition", "GaussianPartition", "grid_partition"]


#: Probability on the outermost grid layer above which the box widens: the mass beyond the box, which the
#: quadrature drops, is of the same order.
EDGE_TOL = 1e-10
#: Doublings of the box (about its centre) in the search for the support before a density counts as unresolved.
MAX_WIDENINGS = 6


@dataclass(frozen=True)
class GridPartition:
    """ln Z(θ), F(θ), ⟨∂θE⟩_m on a grid (``points`` (N, d), ``log_weights`` (N,)) that widens as θ needs.

    The box given is where the search starts.  At every θ the grid in use
    must hold less than ``EDGE_TOL`` of the probability on its outermost
    layer; otherwise the box doubles about its centre with the same number of
    nodes until it does (at most ``MAX_WIDENINGS`` times, a coarse search),
    and ``n`` nodes per axis are then laid over the bounding box of the nodes
    where the density exceeds 1e-16 of its peak; that grid stays in use for
    later θ, and is laid again over the density where it has narrowed to less
    than 0.7 of a found box along an axis.  A density still on the edge of
    the widest box is used with an ``AccuracyWarning`` (``edge_mass`` reports
    it).
    """

    family: object
    beta: float
    points: np.ndarray
    log_weights: np.ndarray
    box: tuple
    n: int = 0
    _levels: list = field(default_factory=list, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def _wider(self) -> "GridPartition":
        """The same number of nodes over the box doubled about its centre (a coarse search for the support)."""
        box = tuple((lo - (hi - lo) / 2, hi + (hi - lo) / 2) for lo, hi in self.box)
        return grid_partition(self.family, self.beta, box, n=self.n)

    def _support(self, a):
        """(lo, hi): the bounding box of the nodes with density > 1e-16 of the peak, padded by 3 spacings
        (within the box)."""
        keep = self.points[a - np.max(a) > -37.0]  # e^-37 ≈ 1e-16
        h = np.array([(hi - lo) / (self.n - 1) for lo, hi in self.box])
        lo = np.maximum(keep.min(axis=0) - 3 * h, [b[0] for b in self.box])
        hi = np.minimum(keep.max(axis=0) + 3 * h, [b[1] for b in self.box])
        return lo, hi

    def _cropped(self, a):
        """``n`` nodes per axis over :meth:`_support`."""
        lo, hi = self._support(a)
        return grid_partition(self.family, self.beta, tuple(zip(lo.tolist(), hi.tolist())), n=self.n)

    def _coarse(self, a) -> bool:
        """True when the density spans less than 0.7 of the box along some axis: a grid widened for an
        earlier θ would resolve a narrower density at this θ with few nodes."""
        lo, hi = self._support(a)
        return bool(np.any(hi - lo < 0.7 * np.array([b[1] - b[0] for b in self.box])))

    def _resolved(self, theta):
        """(grid, −βE + log w on it) at θ: the grid in use if its edge mass is ≤ ``EDGE_TOL``; else the box
        doubles (same node count) until it holds the density, and ``n`` nodes per axis are laid over the part
        where the density exceeds 1e-16 of its peak.  The last θ's answer is kept (the trainer asks for ln Z,
        the likelihoods and ⟨∂θE⟩_m at one θ)."""
        key = np.asarray(theta, dtype=float).tobytes()
        if self._memo.get("key") == key:
            return self._memo["grid"], self._memo["a"]
        if not self._levels:
            self._levels.append(self)
        g = self._levels[-1]
        a = -g.beta * g._energy(theta) + g.log_weights
        if g._edge(a) > EDGE_TOL and g.n:
            wide, aw = g, a
            for _ in range(MAX_WIDENINGS):
                wide = wide._wider()
                aw = -wide.beta * wide._energy(theta) + wide.log_weights
                if wide._edge(aw) <= EDGE_TOL:
                    break
            c = wide._cropped(aw)
            ac = -c.beta * c._energy(theta) + c.log_weights
            g, a = (c, ac) if c._edge(ac) <= wide._edge(aw) or c._edge(ac) <= EDGE_TOL else (wide, aw)
            self._levels.append(g)
        elif g is not self and g.n:  # a found box the density may have narrowed within: lay the nodes again
            for _ in range(MAX_WIDENINGS):
                if not g._coarse(a):
                    break
                c = g._cropped(a)
                ac = -c.beta * c._energy(theta) + c.log_weights
                if c._edge(ac) > EDGE_TOL:
                    break
                g, a = c, ac
                self._levels.append(g)
        self._memo.update(key=key, grid=g, a=a)
        return g, a

    def _edge(self, a) -> float:
        top = np.max(a)
        if not np.isfinite(top):
            raise NumericalError(f"exp(-beta*E) is not finite on the grid (max of -beta*E + log w: {top})")
        p = np.exp(a - top)
        return float(p[self._on_edge].sum() / p.sum())

    @cached_property
    def _on_edge(self):
        lo = np.array([b[0] for b in self.box])
        hi = np.array([b[1] for b in self.box])
        span = (hi - lo) / 200
        return np.any((self.points <= lo + span) | (self.points >= hi - span), axis=1)

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
        """ln Z(θ) (log-sum-exp of −βE + log quadrature weights on the resolving grid)."""
        g, a = self._resolved(theta)
        top = np.max(a)
        if not np.isfinite(top):
            raise NumericalError(f"exp(-beta*E) is not finite on the grid at theta = {np.asarray(theta).tolist()}")
        edge = g._edge(a)
        if edge > EDGE_TOL:
            warnings.warn(f"the density is not resolved by grid quadrature: probability > {EDGE_TOL:g} on the "
                          f"edge of the box after {MAX_WIDENINGS} doublings; ln Z and the likelihoods are "
                          "approximate (the model's confinement is weak)", AccuracyWarning, stacklevel=2)
        return float(top + np.log(np.sum(np.exp(a - top))))

    def free_energy(self, theta) -> float:
        """F(θ) = −β⁻¹ ln Z(θ)."""
        return -self.log_partition(theta) / self.beta

    def model_mean(self, theta) -> np.ndarray:
        """⟨∂θE⟩_m = ∂θF, shape (dim_theta,)."""
        g, a = self._resolved(theta)
        w = np.exp(a - a.max())
        w /= w.sum()
        return w @ self.family.grad_theta(g.points, theta)

    def edge_mass(self, theta) -> float:
        """Probability on the outermost layer of the grid used at θ (≤ ``EDGE_TOL`` unless it could not widen)."""
        g, a = self._resolved(theta)
        return g._edge(a)

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
    return GridPartition(family, float(beta), pts, logw, box, int(n))


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
