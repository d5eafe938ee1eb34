"""The metric as a field θ ↦ (ζ, I, ⟨∂θE⟩, F): closed form first, numeric otherwise."""

from __future__ import annotations

import bisect
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thermolearn.theory import AccuracyWarning, ModelError, SingularMetricError
from thermolearn.theory.metric import fisher_information, friction_tensor, mean_dE_dtheta

from ..codegen import lambdify
from ..model import numeric_twin
from ._chebyshev import chebyshev_fit
from ._generator import auto_box, friction_generator
from ._quadrature import _moments
from thermolearn.numeric.results import ResultMixin

__all__ = ["MetricPoint", "MetricField", "metric_field", "check_positive_definite", "INTERP_RTOL", "INTERP_MAX_POINTS"]

#: :meth:`MetricField.interpolate`: the interpolant on n Chebyshev points must match the quadrature at the n − 1
#: points between them (the odd points of the 2n − 1 grid) to this fraction of the largest |value| on the interval.
INTERP_RTOL = 1e-9
#: ... with at most this many quadratures (2n − 1, n doubling from 17: 33, 65, 129).
INTERP_MAX_POINTS = 129
#: ... and gives up once a refinement shrinks the deviation-to-tolerance ratio by less than this factor
#: (:func:`._chebyshev.chebyshev_fit`, ``stall``): the solves' values are then noisier than the tolerance.
GENERATOR_STALL = 2.0
#: :meth:`MetricField.reused`: the first-order change over the reuse distance may reach this fraction of the
#: reused solve's own Richardson error bound (ζ; I to the same relative error).
REUSE_FRACTION = 0.5
#: The generator branch of :meth:`MetricField.interpolate`: I and ⟨∂θE⟩ (trapezoid sums on the fine grid) must be
#: reproduced to this fraction of their largest |value|; ζ to the Richardson error bound of the solves.
GENERATOR_INTERP_RTOL = 1e-7


@dataclass(frozen=True)
class MetricPoint(ResultMixin):
    """ζ, I and ⟨∂θE⟩_m (= ∂θF) at one θ, with the method that produced them."""

    theta: np.ndarray
    friction: np.ndarray
    fisher: np.ndarray
    mean_dE: np.ndarray
    method: str
    error: float | None = None  # bound on the friction's error where the method states one (generator)


def check_positive_definite(g: np.ndarray, name: str, theta) -> np.ndarray:
    """Raise :class:`SingularMetricError` unless ``g`` is finite, symmetric positive definite."""
    g = np.asarray(g, float)
    if not np.all(np.isfinite(g)):
        raise SingularMetricError(f"{name} at theta = {np.round(theta, 12).tolist()} is not finite: {g.tolist()}")
    ev = np.linalg.eigvalsh((g + g.T) / 2)
    scale = max(np.max(np.abs(ev)), 1e-300)
    if ev[0] <= 1e-12 * scale:
        kind = "singular" if abs(ev[0]) <= 1e-12 * scale else "indefinite"
        raise SingularMetricError(
            f"{name} at theta = {np.round(theta, 12).tolist()} is {kind} (eigenvalues {ev.tolist()}); "
            "expected positive definite"
        )
    return g


@dataclass(frozen=True)
class MetricField:
    """Callable θ ↦ :class:`MetricPoint` for one model at fixed β, μ, constants.

    Quadratic energies use the lambdified closed forms of :mod:`theory.metric`;
    other 1-D energies the spectral quadrature; other energies two generator
    solves on one grid frame (``grid`` and (``grid`` + 1)/2 points per axis,
    Richardson-extrapolated: :func:`_generator_point`).  Numeric results are cached per θ; a
    quadrature at a new θ starts from the support found at the nearest
    cached θ (reused where it still holds, else searched afresh: the same
    numbers to the rule's tolerance, without the search along a path).
    """

    model: object
    beta: float
    mu: float
    closed_form: bool
    _closed: Callable | None = None
    grid: int = 161
    _cache: dict = field(default_factory=dict, compare=False, repr=False)
    _supports: dict = field(default_factory=dict, compare=False, repr=False)
    _support_keys: list = field(default_factory=list, compare=False, repr=False)  # sorted, one-parameter θ
    _splines: dict = field(default_factory=dict, compare=False, repr=False)  # 1-D geodesics: sqrt(ζ) on intervals
    _interp: list = field(default_factory=list, compare=False, repr=False)  # (ChebyshevFit, label, error): interpolate
    _solved: list = field(default_factory=list, compare=False, repr=False)  # generator points solved: reused

    def __call__(self, theta) -> MetricPoint:
        th = np.atleast_1d(np.asarray(theta, float))
        if self._closed is not None:  # a few lambdified calls: cheaper than the cache's key (and no growth)
            z, i, m = self._closed(*th)
            return MetricPoint(th, np.array(z, float), np.array(i, float), np.array(m, float).ravel(), "closed form")
        key = tuple(np.round(th, 13))
        if key in self._cache:
            return self._cache[key]
        cheb = next((c for c in self._interp if th[0] in c[0]), None) if len(th) == 1 else None
        if cheb is not None:
            pt = _served(cheb, th)
        elif len(self.model.x) == 1:
            q, support = _moments(self.model, th, near=self._nearest_support(key))
            pt = MetricPoint(th, q.friction, q.fisher, q.mean_dE, "quadrature")
            if len(self._supports) < 100000:
                self._supports[key] = support
                if len(key) == 1:
                    bisect.insort(self._support_keys, key)
        else:
            pt = _generator_point(self.model, th, self.grid)
            if len(self._solved) < 100000:
                self._solved.append(pt)
        if len(self._cache) < 100000:
            self._cache[key] = pt
        return pt

    def reused(self, theta) -> MetricPoint:
        """ζ and I at θ, from the nearest generator solve when θ lies within its trust radius, else ``self(θ)``.

        For several parameters and two coordinates without closed form (one
        parameter: :meth:`interpolate`; other branches: ``self(θ)``), where a
        path of θ is not known ahead (the slow-driving schedule).  Trust
        radius: with c and c′ the two solved points nearest to θ, h = |θ_c −
        θ_c′| and the slopes g_ζ = max|ζ_c − ζ_c′|/h, g_I = max|I_c − I_c′|/h
        (first-order estimates; solve noise only makes them larger), c serves
        θ at distance d when d ≤ h (no extrapolation beyond the sampled
        scale) and d·g_ζ ≤ :data:`REUSE_FRACTION` × the Richardson bound of
        c's ζ, d·g_I ≤ :data:`REUSE_FRACTION` × the same relative error of
        I.  The reused point's ``error`` is c's bound plus d·g_ζ: at most
        1.5 times a fresh solve's.  ⟨∂θE⟩ is not first-order accurate there
        and is NaN (schedules that need it call the field itself).  The
        spacing of the solves along a path doubles while the slopes allow.
        """
        th = np.atleast_1d(np.asarray(theta, float))
        if self._closed is not None or len(self.model.x) == 1 or len(th) == 1 or len(self._solved) < 2:
            return self(th)
        T = np.array([p.theta for p in self._solved])
        dist = np.linalg.norm(T - th, axis=1)
        i, j = np.argsort(dist)[:2]
        c, c2, d = self._solved[i], self._solved[j], float(dist[i])
        h = float(np.linalg.norm(c.theta - c2.theta))
        if d == 0.0 or not 0.0 < d <= h or c.error is None:
            return self(th)
        gz = float(np.max(np.abs(c.friction - c2.friction))) / h
        gi = float(np.max(np.abs(c.fisher - c2.fisher))) / h
        rel = c.error / max(float(np.max(np.abs(c.friction))), 1e-300)
        if d * gz > REUSE_FRACTION * c.error or d * gi > REUSE_FRACTION * rel * float(np.max(np.abs(c.fisher))):
            return self(th)
        return MetricPoint(th, c.friction, c.fisher, np.full_like(c.mean_dE, np.nan),
                           f"generator solve at theta = {np.round(c.theta, 6).tolist()} reused at distance "
                           f"{d:.2g} (trust radius; error < {c.error + d * gz:.1e})", c.error + d * gz)

    def interpolate(self, lo: float, hi: float, *, rtol: float = INTERP_RTOL,
                    max_points: int = INTERP_MAX_POINTS) -> float | None:
        """Serve ζ, I and ⟨∂θE⟩ on [lo, hi] from a validated Chebyshev interpolant; its error or None.

        For one parameter and an energy without closed form.  The numeric
        path (1-D quadrature, or the two-coordinate generator pair) runs at
        the 2n − 1 Chebyshev extrema of [lo, hi] (:func:`._chebyshev.chebyshev_fit`;
        n = 17, 33, ... for the quadrature, from n = 9 for the generator);
        the interpolant through the n even ones must reproduce the n − 1 odd
        ones to a tolerance relative to the largest |value| of each quantity
        on the interval (for ⟨∂θE⟩ at least its spread sqrt(I)/β, the scale
        of ∂θF): ``rtol`` for the quadrature; for the generator
        :data:`GENERATOR_INTERP_RTOL` for I and ⟨∂θE⟩ (trapezoid sums,
        spectrally accurate) and, for ζ, the Richardson error bound of the
        solve at each check point (never more than the solves' own error:
        interpolating costs at most a factor 2 in the stated bound,
        ``MetricPoint.error`` = the larger bound of the two nodes around θ
        plus the validated interpolation error).  Once
        validated, every θ in [lo, hi] is served by the interpolant through
        all 2n − 1 points (``MetricPoint.method`` says so and states both
        errors); θ outside it, and an interval not validated within
        ``max_points`` evaluations (None returned, nothing installed), keep
        the numeric path.  Returns the validated deviation relative to the
        largest |value| (the largest over the three quantities).

        >>> from thermolearn.theory.models import double_well
        >>> f = metric_field(double_well(beta=1, mu=1))
        >>> err = f.interpolate(-2.0, 2.0)
        >>> bool(err < 1e-9), f(0.3).method.startswith("Chebyshev")
        (True, True)
        >>> q = metric_field(double_well(beta=1, mu=1))(0.3)   # a fresh field: the quadrature
        >>> bool(abs(f(0.3).friction[0, 0] / q.friction[0, 0] - 1) < 1e-9)
        True
        """
        if self._closed is not None or len(self.model.theta) != 1 or not lo < hi:
            return None
        generator = len(self.model.x) != 1

        def values(x):  # the numeric path's ζ, I, ⟨∂θE⟩ and its error bound on ζ (a column not interpolated)
            p = self(np.array([x]))
            return np.array([p.friction[0, 0], p.fisher[0, 0], p.mean_dE[0], p.error or 0.0])

        def scales(vals):  # the largest |value| per quantity; ⟨∂θE⟩ at least its spread sqrt(I)/β, the scale
            sc = np.abs(vals).max(axis=0)  # of ∂θF (it vanishes identically for translation families)
            sc[2] = max(sc[2], float(np.sqrt(sc[1])) / self.beta)
            return sc

        def tol(vals):  # per point: ζ to the solve's own error bound there (generator), the rest to rtol × scale
            sc = scales(vals[:, :3])
            out = np.tile(np.r_[rtol * sc, np.inf], (len(vals), 1))
            if generator:
                out[:, 0] = np.maximum(rtol * sc[0], vals[:, 3])
                out[:, 1:3] = max(rtol, GENERATOR_INTERP_RTOL) * sc[1:]
            return out

        fit = chebyshev_fit(values, lo, hi, tol, start=9 if generator else 17, max_points=max_points,
                            stall=GENERATOR_STALL if generator else None)
        if fit is None:
            return None
        err = float(np.max(fit.error[:3] / np.maximum(scales(fit.values[:, :3]), 1e-300)))
        if generator:
            label = (f"Chebyshev interpolant of the generator on [{lo:.6g}, {hi:.6g}] ({len(fit.nodes)} points; "
                     f"interpolation error {fit.error[0]:.1e}, solve error < {fit.values[:, 3].max():.1e})")
        else:
            label = f"Chebyshev interpolant of the quadrature ({len(fit.nodes)} points, validated error {err:.1e})"
        self._interp.append((fit, label, generator))
        self._cache.clear()  # points cached before are served alike (the nodes are the numeric path's own)
        return err

    def _nearest_support(self, key):
        """The support found at the cached θ nearest to ``key`` (one parameter), else at the last new θ; or None.

        One parameter: a bisection in the sorted keys (a long path costs O(log n) per point, not O(n)).
        Several: the last θ quadrated, the neighbour along a path.
        """
        if not self._supports:
            return None
        if len(key) != 1:
            return self._supports[next(reversed(self._supports))]
        ks = self._support_keys
        i = bisect.bisect_left(ks, key)
        return self._supports[min(ks[max(i - 1, 0):i + 1], key=lambda k: abs(k[0] - key[0]))]


def _served(cheb, th) -> MetricPoint:
    """The point θ (one parameter, inside the fit) from an installed interpolant ``(fit, label, generator)``.

    The generator's error bound there: the larger solve error of the two nodes around θ plus the fit's
    validated interpolation error.
    """
    fit, label, generator = cheb
    z, i, m, _ = fit(th[0])
    err = None
    if generator:
        k = int(np.clip(np.searchsorted(fit.nodes, th[0]), 1, len(fit.nodes) - 1))
        err = float(fit.values[k - 1:k + 1, 3].max() + fit.error[0])
    return MetricPoint(th, np.array([[z]]), np.array([[i]]), np.array([m]), label, err)


@dataclass(frozen=True)
class _Closed:
    """θ ↦ (ζ, I, ⟨∂θE⟩) from the lambdified closed forms of :mod:`theory.metric`."""

    fns: tuple

    def __call__(self, *th):
        return tuple(f(*th) for f in self.fns)


#: :func:`_generator_point` warns (AccuracyWarning) when the two grids' friction differ by more than this fraction
GENERATOR_WARN_RTOL = 0.05


def _generator_point(model, th, n: int) -> MetricPoint:
    """ζ, I, ⟨∂θE⟩ from :func:`friction_generator` on n and n_c = (n + 1)/2 points per axis of one frame.

    The generator's ζ has error c·h² + O(h⁴); with r = (n − 1)/(n_c − 1)
    the extrapolation (r²ζ_n − ζ_c)/(r² − 1) cancels the h² term, and
    |ζ_n − ζ_c|/(r² − 1) estimates the error of ζ_n, a bound on that of the
    extrapolation (stated in ``method``).  On tilted, curved and steep 2-D
    energies at n = 161: errors 2e-5..5e-4 against 2e-3..1e-2 for ζ_n
    alone.  I and ⟨∂θE⟩ are trapezoid sums on the fine grid (spectrally
    accurate).  When the two grids disagree by more than
    ``GENERATOR_WARN_RTOL`` the density is not resolved: AccuracyWarning.
    """
    nm = numeric_twin(model)
    frame = auto_box(nm, th)
    nc = (n + 1) // 2
    fine = friction_generator(model, th, n=n, box=frame, relaxation=False)
    coarse = friction_generator(model, th, n=nc, box=frame, relaxation=False)
    r2 = ((n - 1) / (nc - 1)) ** 2
    zeta = (r2 * fine.friction - coarse.friction) / (r2 - 1)
    err = float(np.max(np.abs(fine.friction - coarse.friction))) / (r2 - 1)
    scale = float(np.max(np.abs(zeta)))
    if err > GENERATOR_WARN_RTOL * scale:
        warnings.warn(f"friction at theta = {th.tolist()}: the generator grids ({n} and {nc} per axis) differ by "
                      f"{err * (r2 - 1) / scale:.1%}; the density is not resolved, the value may be inaccurate",
                      AccuracyWarning, stacklevel=3)
    return MetricPoint(th, zeta, fine.fisher, fine.mean_dE,
                       f"generator ({n} and {nc} per axis, Richardson; error < {err:.1g})", err)


def metric_field(model, values=None, *, grid: int = 161) -> MetricField:
    """Build the :class:`MetricField` of ``model`` with numbers ``values``.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> f = metric_field(harmonic_trap(k=2), {"beta": 1, "mu": 4})
    >>> f(0.3).friction.tolist(), f(0.3).method
    ([[0.25]], 'closed form')
    """
    tw = numeric_twin(model, values)
    m = tw.model
    closed = None
    Z, I = friction_tensor(m), fisher_information(m)
    if Z is not None and I is not None:
        closed = _Closed(tuple(lambdify(M, m.theta) for M in (Z, I, mean_dE_dtheta(m))))
    if closed is None and len(m.x) > 2:
        raise ModelError(f"no closed form and {len(m.x)} coordinates: generator grids beyond 2-D are too large")
    return MetricField(m, tw.beta, tw.mu, closed is not None, closed, grid)
