"""A validated Chebyshev interpolant of a vector function of one variable on [lo, hi].

The function is evaluated at the N = 2n − 1 Chebyshev extrema of [lo, hi]
(n = ``start``, 2·start − 1, ...; each grid contains the previous one as its
even points, the same floats, so a refinement evaluates only the new ones).  The
interpolant through the n even extrema must reproduce the n − 1 odd ones to
the caller's tolerance (per component); the fit then interpolates through all
N points (barycentric formula of the second kind, Berrut & Trefethen, SIAM
Review 46, 501 (2004)), which for a function analytic on [lo, hi] is more
accurate than the one validated.  This is how the metric field serves ζ, I,
⟨∂θE⟩ along a one-parameter path and how the trainer serves F(θ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["ChebyshevFit", "chebyshev_fit", "chebyshev_points", "served"]


def chebyshev_points(lo: float, hi: float, N: int) -> np.ndarray:
    """The N Chebyshev extrema of [lo, hi], increasing (both ends included).

    >>> chebyshev_points(-1.0, 1.0, 5).round(12).tolist()
    [-1.0, -0.707106781187, -0.0, 0.707106781187, 1.0]
    """
    return (lo + hi) / 2 - (hi - lo) / 2 * np.cos(np.pi * np.arange(N) / (N - 1))


def _weights(N):
    """Barycentric weights of the N Chebyshev extrema: (−1)^k, halved at both ends."""
    w = (-1.0) ** np.arange(N)
    w[0] *= 0.5
    w[-1] *= 0.5
    return w


def barycentric(xs, w, vals, x) -> np.ndarray:
    """The interpolant through (xs, vals[:, j]) at x, every column j; a node's own values where w/(x − xₖ) overflows."""
    with np.errstate(divide="ignore", over="ignore"):
        c = w / (x - xs)
    hit = np.flatnonzero(np.isinf(c))
    if hit.size:
        return vals[hit[0]].copy()
    return (c @ vals) / c.sum()


@dataclass(frozen=True)
class ChebyshevFit:
    """The validated interpolant: ``fit(x)`` → the k components at x in [lo, hi].

    ``error`` (k,) is the largest deviation of the n-point interpolant at the
    odd extrema (a bound, in practice a large over-estimate, on the error of
    the N-point interpolant served); ``nodes`` the N points, ``values`` (N, k).
    """

    lo: float
    hi: float
    nodes: np.ndarray
    weights: np.ndarray
    values: np.ndarray
    error: np.ndarray

    def __contains__(self, x) -> bool:
        return self.lo <= x <= self.hi

    def __call__(self, x) -> np.ndarray:
        return barycentric(self.nodes, self.weights, self.values, float(x))


def served(fit: ChebyshevFit | None, exact: Callable, index) -> Callable:
    """θ ↦ ``fit(θ)[index]`` for θ (one parameter) inside the fit's interval, else ``exact(θ)``; ``exact`` if no fit.

    ``index`` an int (a scalar component) or a slice (an array of components).

    >>> fit = chebyshev_fit(lambda x: np.array([x, 2 * x]), 0.0, 1.0, lambda v: 1e-12)
    >>> f = served(fit, lambda th: "exact", slice(1, None))
    >>> f(np.array([0.5])).round(12).tolist(), f(np.array([2.0]))
    ([1.0], 'exact')
    """
    if fit is None:
        return exact

    def value(theta):
        x = float(np.ravel(theta)[0])
        return fit(x)[index] if x in fit else exact(theta)

    return value


def chebyshev_fit(f: Callable[[float], np.ndarray], lo: float, hi: float,
                  tol: Callable[[np.ndarray], np.ndarray], *, start: int = 17,
                  max_points: int = 129, stall: float | None = None) -> ChebyshevFit | None:
    """Fit ``f`` on [lo, hi] until the check of the module docstring passes; None within ``max_points``.

    ``stall``: give up (None) as soon as a refinement fails to shrink the
    largest deviation-to-tolerance ratio by this factor.  Chebyshev
    interpolants of functions analytic on [lo, hi] converge geometrically
    (each doubling squares the error ratio), so a ratio that stalls means
    values noisier than the tolerance (a solver's discretisation noise, an
    unresolved density): more points only cost evaluations.

    ``f(x)`` returns the k components at x (a 1-D array); ``tol(values)``
    the allowed deviation per component given the (N, k) values at the N
    points (e.g. a fraction of the largest |value|), or an (N, k) array: the
    allowed deviation at each point (only the odd points' rows are used).

    >>> fit = chebyshev_fit(lambda x: np.array([np.exp(x)]), 0.0, 1.0, lambda v: 1e-12 * np.abs(v).max(axis=0))
    >>> len(fit.nodes), bool(abs(fit(0.3)[0] - np.exp(0.3)) < 1e-14)
    (33, True)
    >>> chebyshev_fit(lambda x: np.array([abs(x)]), -1.0, 1.0, lambda v: 1e-9, max_points=65) is None
    True
    >>> calls = []
    >>> noisy = lambda x: calls.append(x) or np.array([np.sin(x) + 1e-6 * np.sin(1e4 * x)])
    >>> chebyshev_fit(noisy, 0.0, 1.0, lambda v: 1e-9, start=9, max_points=65, stall=2.0), len(calls)  # stalled
    (None, 33)
    >>> chebyshev_fit(noisy, 0.0, 1.0, lambda v: 1e-9, start=9, max_points=65), len(calls)  # 65 points more
    (None, 98)
    """
    n, prev, vals = start, None, None
    while 2 * n - 1 <= max_points:
        N = 2 * n - 1
        xs = chebyshev_points(lo, hi, N)
        new = [np.asarray(f(x), dtype=float).reshape(-1) for x in (xs if vals is None else xs[1::2])]
        if vals is None:
            vals = np.array(new)
        else:  # the previous grid is this one's even points (the same floats): only the odd ones are new
            grown = np.empty((N, vals.shape[1]))
            grown[::2], grown[1::2] = vals, new
            vals = grown
        w = _weights(n)
        devs = np.array([np.abs(barycentric(xs[::2], w, vals[::2], x) - v) for x, v in zip(xs[1::2], vals[1::2])])
        allowed = np.asarray(tol(vals), dtype=float)
        allowed = allowed[1::2] if allowed.ndim == 2 else allowed
        if np.all(devs <= allowed):
            return ChebyshevFit(float(lo), float(hi), xs, _weights(N), vals, devs.max(axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = float(np.nanmax(np.where(devs > allowed, devs / allowed, 0.0)))
        if stall is not None and prev is not None and ratio * stall > prev:
            return None
        n, prev = N, ratio
    return None
