"""The metric as a field θ ↦ (ζ, I, ⟨∂θE⟩, F): closed form first, numeric otherwise."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thermolearn.theory import ModelError, SingularMetricError
from thermolearn.theory.metric import fisher_information, friction_tensor, mean_dE_dtheta

from ..codegen import lambdify
from ..model import numeric_twin
from ._generator import friction_generator
from ._quadrature import _moments
from thermolearn.numeric.results import ResultMixin

__all__ = ["MetricPoint", "MetricField", "metric_field", "check_positive_definite"]


@dataclass(frozen=True)
class MetricPoint(ResultMixin):
    """ζ, I and ⟨∂θE⟩_m (= ∂θF) at one θ, with the method that produced them."""

    theta: np.ndarray
    friction: np.ndarray
    fisher: np.ndarray
    mean_dE: np.ndarray
    method: str


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
    other 1-D energies the spectral quadrature; other energies a generator
    solve (``grid`` points per axis).  Results are cached per θ; a
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

    def __call__(self, theta) -> MetricPoint:
        th = np.atleast_1d(np.asarray(theta, float))
        key = tuple(np.round(th, 13))
        if key in self._cache:
            return self._cache[key]
        if self._closed is not None:
            z, i, m = self._closed(*th)
            pt = MetricPoint(th, np.array(z, float), np.array(i, float), np.array(m, float).ravel(), "closed form")
        elif len(self.model.x) == 1:
            q, support = _moments(self.model, th, near=self._nearest_support(key))
            pt = MetricPoint(th, q.friction, q.fisher, q.mean_dE, "quadrature")
            if len(self._supports) < 100000:
                self._supports[key] = support
                if len(key) == 1:
                    bisect.insort(self._support_keys, key)
        else:
            g = friction_generator(self.model, th, n=self.grid, relaxation=False)
            pt = MetricPoint(th, g.friction, g.fisher, g.mean_dE, f"generator ({self.grid} per axis)")
        if len(self._cache) < 100000:
            self._cache[key] = pt
        return pt

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


@dataclass(frozen=True)
class _Closed:
    """θ ↦ (ζ, I, ⟨∂θE⟩) from the lambdified closed forms of :mod:`theory.metric`."""

    fns: tuple

    def __call__(self, *th):
        return tuple(f(*th) for f in self.fns)


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
