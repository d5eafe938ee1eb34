"""Uniform cell grids for the Fokker–Planck solver, automatic or user-given.

Automatic choice (``auto_grid``): the domain is the smallest box outside of
which the Boltzmann mass exp(−βE)/Z is below ``mass_tol`` for every θ the
run visits, and the cell size resolves the local length scale
ℓ(x) = sqrt(1/(β|∂²E/∂x²|)) with ``cells_per_scale`` cells wherever the
density is non-negligible.  ``check_grid`` applies the same two criteria
to a user grid and says what is wrong and by how much.  The energy is the
model's :class:`numeric.model.NumericTwin`, evaluated at ``Grid.points``
(shape (*cells, d), the twin's (..., d) convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from thermolearn.theory import ParameterError

from ._energetics import boltzmann, finite_on_grid

__all__ = ["Grid", "auto_grid", "check_grid", "boltzmann_outside_mass"]


@dataclass(frozen=True)
class Grid:
    """A uniform tensor grid of cells on the box ``lower``–``upper``.

    Attributes
    ----------
    lower, upper : tuple of float
        Box corners, one entry per dimension.
    cells : tuple of int
        Number of cells per dimension (≥ 3).
    boundary : str
        ``"reflecting"`` (zero flux) or ``"periodic"``.

    Examples
    --------
    >>> g = Grid((-1.0,), (1.0,), (4,))
    >>> g.spacing, g.centres[0].tolist()
    ((0.5,), [-0.75, -0.25, 0.25, 0.75])
    """

    lower: tuple
    upper: tuple
    cells: tuple
    boundary: str = "reflecting"

    def __post_init__(self):
        lo, up, n = tuple(map(float, self.lower)), tuple(map(float, self.upper)), tuple(self.cells)
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", up)
        if not (len(lo) == len(up) == len(n) and len(n) in (1, 2)):
            raise ParameterError(f"grid must be 1-D or 2-D with matching lower/upper/cells, got {lo}, {up}, {n}")
        for a, b, k in zip(lo, up, n):
            if not (np.isfinite(a) and np.isfinite(b) and b > a):
                raise ParameterError(f"grid bounds must be finite with upper > lower, got [{a}, {b}]")
            if isinstance(k, bool) or int(k) != k or k < 3:
                raise ParameterError(f"grid cells must be integers >= 3, got {k!r}")
        object.__setattr__(self, "cells", tuple(int(k) for k in n))
        if self.boundary not in ("reflecting", "periodic"):
            raise ParameterError(f"boundary must be 'reflecting' or 'periodic', got {self.boundary!r}")

    @property
    def dim(self) -> int:
        return len(self.cells)

    @property
    def shape(self) -> tuple:
        return self.cells

    @property
    def spacing(self) -> tuple:
        return tuple((b - a) / k for a, b, k in zip(self.lower, self.upper, self.cells))

    @property
    def cell_volume(self) -> float:
        return float(np.prod(self.spacing))

    @cached_property
    def centres(self) -> tuple:
        """Cell-centre coordinates per axis (1-D arrays)."""
        return tuple(a + (np.arange(k) + 0.5) * h for a, k, h in zip(self.lower, self.cells, self.spacing))

    @cached_property
    def mesh(self) -> tuple:
        """Cell-centre coordinate arrays of shape ``shape`` (ij indexing)."""
        return tuple(np.meshgrid(*self.centres, indexing="ij"))

    @cached_property
    def points(self) -> np.ndarray:
        """Cell centres as one array of shape ``shape + (dim,)`` (the numeric twin's (..., d) layout)."""
        return np.stack(self.mesh, axis=-1)


def _hess_diag(tw, grid, th):
    """Diagonal of ∇ₓ²E on ``grid``, shape ``grid.shape + (d,)``."""
    return finite_on_grid(np.diagonal(tw.hess_x(grid.points, th), axis1=-2, axis2=-1), tw, th, grid)


def _probe(tw, thetas, lower, upper, n):
    """Boltzmann weights normalised per θ on a probe grid (for mass estimates)."""
    g = Grid(lower, upper, (n,) * len(lower))
    return g, [boltzmann(tw, g, th) for th in thetas]


def boltzmann_outside_mass(tw, thetas, lower, upper) -> float:
    """Largest Boltzmann mass outside the box over ``thetas``.

    Estimated on a probe grid three times wider than the box (fine enough
    for the tails: 2000 points in 1-D, 300 per axis in 2-D).
    """
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    c, half = (lower + upper) / 2, (upper - lower) / 2
    n = 2000 if len(lower) == 1 else 300
    g, ws = _probe(tw, thetas, tuple(c - 3 * half), tuple(c + 3 * half), n)
    inside = np.ones(g.shape, bool)
    for ax, m in enumerate(g.mesh):
        inside &= (m >= lower[ax]) & (m <= upper[ax])
    return float(max(w[~inside].sum() for w in ws))


def _local_scale_violation(tw, thetas, grid, mass_tol):
    """Largest h·sqrt(β|E''|) over cells carrying non-negligible mass."""
    worst = (0.0, None, None)
    for th in thetas:
        w = boltzmann(tw, grid, th)
        r = np.asarray(grid.spacing) * np.sqrt(tw.beta * np.abs(_hess_diag(tw, grid, th)))
        r = np.where((w > mass_tol)[..., None], r, 0.0).max(axis=-1)
        k = np.unravel_index(np.argmax(r), r.shape)
        if r[k] > worst[0]:
            worst = (float(r[k]), tuple(grid.points[k].tolist()), th)
    return worst


def check_grid(tw, grid: Grid, thetas, *, mass_tol=1e-8, min_cells_per_scale=1.0):
    """Reject a grid that cuts off Boltzmann mass or is too coarse.

    Raises
    ------
    ParameterError
        If more than ``mass_tol`` of the Boltzmann mass at some θ lies
        outside the domain (reflecting boundaries only; the message gives
        the mass), or a cell is wider than ℓ/min_cells_per_scale with
        ℓ = sqrt(1/(β|E''|)) where the density is non-negligible.
    """
    if grid.boundary == "reflecting":
        out = boltzmann_outside_mass(tw, thetas, grid.lower, grid.upper)
        if out > mass_tol:
            raise ParameterError(
                f"domain {list(zip(grid.lower, grid.upper))} cuts off {out:.3g} of the Boltzmann mass "
                f"(expected < {mass_tol:g}); widen the domain or use the automatic grid"
            )
    ratio, where, th = _local_scale_violation(tw, thetas, grid, mass_tol)
    if ratio * min_cells_per_scale > 1.0:
        raise ParameterError(
            f"grid too coarse: cell size {max(grid.spacing):.3g} exceeds the local length scale "
            f"sqrt(1/(beta|E''|)) = {max(grid.spacing) / ratio:.3g} at x={where}, theta={list(map(float, th))}; "
            f"expected at least {min_cells_per_scale:g} cell(s) per scale"
        )


def _found_box(tw, thetas, mass_tol):
    """(centre, half-widths) of the union over ``thetas`` of the found supports of p_m (one home:
    :mod:`numeric.equilibrium`; the mode searched from θ-dependent starts, each tail walked out
    until βΔE ≥ ln(10³/mass_tol) + 3, so the probe's edge test passes at once): a density
    anywhere in float range, e.g. cosh(x − 1000), where a box grown from the origin would meet
    E = inf before the mass, or resolve a peak of width 1 at x = 1000 with cells of width 1."""
    from ..equilibrium._api import beta_energy_of, mode
    from ..equilibrium._support import support_1d, support_box

    cut = float(np.log(1e3 / mass_tol)) + 3.0
    lo, up = np.full(tw.d, np.inf), np.full(tw.d, -np.inf)
    for th in thetas:
        f = beta_energy_of(tw, th)
        if tw.d == 1:
            s = support_1d(f, th, cut=cut, text=tw.text)
            box = ((s.a, s.b),)
        else:
            box = support_box(f, *mode(tw, th), cut=cut)
        lo = np.minimum(lo, [b[0] for b in box])
        up = np.maximum(up, [b[1] for b in box])
    return (lo + up) / 2, (up - lo) / 2


def auto_grid(tw, thetas, *, mass_tol=1e-10, cells_per_scale=None, min_cells=100, max_cells=None):
    """Choose a reflecting grid for the Boltzmann densities at ``thetas``.

    The box starts from the union of the found supports of p_m over ``thetas``
    (:func:`_found_box`), grows until the probe-grid boundary carries < mass_tol, is then
    cut to the marginal quantiles (mass_tol/2, 1 − mass_tol/2), padded by
    10 %, and the cell count per axis is max(min_cells, extent·max sqrt(β|E''|)
    ·cells_per_scale) with cells_per_scale = 10 in 1-D and 5 in 2-D by
    default (capped at ``max_cells``: 4000 in 1-D, 400 in 2-D).

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.numeric.model import numeric_twin
    >>> g = auto_grid(numeric_twin(harmonic_trap(k=1, beta=1, mu=1)), [np.array([0.0])])
    >>> g.lower[0] < -6 and g.upper[0] > 6
    True
    """
    thetas = [np.atleast_1d(np.asarray(t, float)) for t in thetas]
    d = tw.d
    max_cells = max_cells or (4000 if d == 1 else 400)
    cells_per_scale = cells_per_scale or (10.0 if d == 1 else 5.0)
    centre, half = _found_box(tw, thetas, mass_tol)
    for _ in range(40):
        n = 2000 if d == 1 else 200
        g, ws = _probe(tw, thetas, tuple(centre - half), tuple(centre + half), n)
        edge = 0.0
        for w in ws:
            for ax in range(d):
                marg = w.sum(axis=tuple(a for a in range(d) if a != ax))
                edge = max(edge, marg[: n // 20].sum(), marg[-(n // 20):].sum())
        if edge < mass_tol * 1e-3:
            break
        half *= 2.0
    else:
        raise ParameterError(f"could not find a finite domain holding the Boltzmann mass of {tw.text}")
    lo, up = np.empty(d), np.empty(d)
    for ax in range(d):
        lo[ax], up[ax] = np.inf, -np.inf
        for w in ws:
            marg = w.sum(axis=tuple(a for a in range(d) if a != ax))
            cdf = np.cumsum(marg)
            x = g.centres[ax]
            lo[ax] = min(lo[ax], x[np.searchsorted(cdf, mass_tol / 2)])
            up[ax] = max(up[ax], x[min(np.searchsorted(cdf, 1 - mass_tol / 2), n - 1)])
    pad = 0.1 * (up - lo)
    lo, up = lo - pad, up + pad
    coarse = Grid(tuple(lo), tuple(up), (min_cells,) * d)
    curv = np.zeros(d)  # max β|∂²E/∂x_ax²| where the density is non-negligible
    for th in thetas:
        hess = tw.beta * np.abs(_hess_diag(tw, coarse, th))
        curv = np.maximum(curv, np.where((boltzmann(tw, coarse, th) > mass_tol)[..., None], hess, 0.0)
                          .reshape(-1, d).max(axis=0))
    need = np.ceil((up - lo) * np.sqrt(curv) * cells_per_scale)
    return Grid(tuple(lo), tuple(up), tuple(int(min(max(min_cells, k), max_cells)) for k in need))
