"""Geodesics of the friction metric and constant-speed protocols θ(t).

For a protocol θ(t), t ∈ [0, τ], the slow-driving excess work is
W_ex ≈ ∫θ̇ᵀζθ̇ dt ≥ 𝓛²/τ, with equality for the constant-speed geodesic
(arXiv 2510.03137, general potentials).  One parameter: the geodesic is the
monotone path with constant metric speed, θ(t) = ℓ⁻¹(𝓛t/τ) where
ℓ(θ) = ∫_{θ0}^θ sqrt(ζ) dθ′.  Several parameters: the boundary-value problem
θ̈^k + Γ^k_ij θ̇^iθ̇^j = 0, θ(0) = θ0, θ(1) = θ1 is solved with
scipy.integrate.solve_bvp (Christoffel symbols by central differences of
ζ), and θ(t) = γ(t/τ) is constant speed because the parameter is affine.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import integrate, interpolate

from thermolearn.theory import AccuracyWarning, NumericalError, ParameterError, SingularMetricError

from ..langevin._ledger import check_int
from ._field import MetricField, check_positive_definite, metric_field

__all__ = ["GeodesicProtocol", "geodesic_protocol", "linear_protocol", "protocol_length", "relaxation_time",
           "ENDGAME_STEP_FRACTION"]

#: Largest time step Δt = τ/steps, as a fraction of the relaxation time τ_R(θ1) at the end
#: point, that resolves the end-game of a geodesic (its fastest stretch where ζ is small):
#: near θ1 the explicit θ step must follow the chains' relaxation.  Measured on θx²/2,
#: 0.3 → 4.5 (τ_R(θ*) = 0.11): Δt ≥ 0.9 τ_R(θ*) ends θ(τ) up to 3.5 s.e. from θ*,
#: Δt = 0.38 τ_R(θ*) within 1 s.e.
ENDGAME_STEP_FRACTION = 0.5


@dataclass(frozen=True)
class GeodesicProtocol:
    """A protocol θ(t) on [0, τ] with its thermodynamic length."""

    tau: float
    length: float
    theta: Callable[[np.ndarray], np.ndarray]
    velocity: Callable[[np.ndarray], np.ndarray]
    kind: str
    notes: tuple[str, ...] = ()


def relaxation_time(field, points) -> float:
    """τ_R = max over ``points`` of λmax(βI⁻¹ζ), the slowest integral relaxation time of the sampler."""
    out = 0.0
    for p in points:
        pt = field(p)
        lam = np.linalg.eigvals(np.linalg.solve(np.atleast_2d(pt.fisher), field.beta * np.atleast_2d(pt.friction)))
        out = max(out, float(np.max(lam.real)))
    return out


def _endgame_note(field, end, tau, steps) -> tuple[str, ...]:
    """The note (and one ``AccuracyWarning``) when Δt = τ/steps > ENDGAME_STEP_FRACTION·τ_R(θ1)."""
    if steps is None:
        return ()
    dt, tau_end = tau / check_int("steps", steps, 1), relaxation_time(field, [end])
    if dt <= ENDGAME_STEP_FRACTION * tau_end:
        return ()
    msg = (f"geodesic end-game under-resolved: dt = tau/steps = {dt:.3g} exceeds {ENDGAME_STEP_FRACTION:g}*tau_R("
           f"theta*) = {ENDGAME_STEP_FRACTION * tau_end:.3g}; theta(tau) may miss theta* beyond its statistical "
           f"error (use steps >= {math.ceil(tau / (ENDGAME_STEP_FRACTION * tau_end))})")
    warnings.warn(msg, AccuracyWarning, stacklevel=4)
    return (msg,)


def _endpoints(field, theta0, theta1, tau):
    if not (np.isfinite(tau) and tau > 0):
        raise ParameterError(f"tau must be positive and finite, got {tau!r}")
    n = len(field.model.theta)
    a = np.atleast_1d(np.asarray(theta0, float))
    b = np.atleast_1d(np.asarray(theta1, float))
    for name, v in (("theta0", a), ("theta1", b)):
        if v.shape != (n,) or not np.all(np.isfinite(v)):
            raise ParameterError(f"{name} must be {n} finite number(s), got {v.tolist()}")
        try:
            check_positive_definite(field(v).friction, "friction tensor", v)
        except SingularMetricError as err:
            raise SingularMetricError(
                f"{name} = {v.tolist()} lies outside the region where the metric is positive definite "
                f"({err}); a geodesic needs both endpoints in the same connected region"
            ) from None
    return a, b


def _as_field(model, values):
    return model if isinstance(model, MetricField) else metric_field(model, values)


def _check_path(field, pts):
    for p in pts:
        try:
            check_positive_definite(field(p).friction, "friction tensor", p)
        except (SingularMetricError, ValueError, ArithmeticError):
            raise SingularMetricError(
                f"the path leaves the region where the metric is positive definite near theta = {np.round(p, 6).tolist()}; "
                "the endpoints are in different connected regions"
            ) from None


def linear_protocol(model, theta0, theta1, tau, *, values=None) -> GeodesicProtocol:
    """θ(t) = θ0 + (θ1 − θ0)t/τ with its thermodynamic length (Gauss–Legendre, 32 nodes)."""
    field = _as_field(model, values)
    a, b = _endpoints(field, theta0, theta1, tau)
    length = protocol_length(field, lambda s: a + np.outer(s, b - a), lambda s: np.tile(b - a, (len(s), 1)))
    return GeodesicProtocol(
        float(tau), length, lambda t: a + np.outer(np.atleast_1d(t) / tau, b - a),
        lambda t: np.tile((b - a) / tau, (len(np.atleast_1d(t)), 1)), "linear",
    )


def protocol_length(field, path, vel, nodes: int = 32) -> float:
    """𝓛 = ∫₀¹ sqrt(γ′ᵀζγ′) ds by Gauss–Legendre quadrature over s ∈ [0, 1]."""
    s, w = np.polynomial.legendre.leggauss(nodes)
    s, w = (s + 1) / 2, w / 2
    P, V = path(s), vel(s)
    _check_path(field, P)
    return float(sum(wk * np.sqrt(v @ field(p).friction @ v) for wk, p, v in zip(w, P, V)))


def geodesic_protocol(model, theta0, theta1, tau, *, values=None, nodes: int = 65, steps=None) -> GeodesicProtocol:
    """Constant-speed geodesic protocol of the friction metric from θ0 to θ1 in time τ.

    Raises :class:`theory.SingularMetricError` if an endpoint (or the path)
    is where ζ is singular or indefinite — e.g. s ≤ 0 for the learnable
    variance — and :class:`theory.ParameterError` for τ ≤ 0.  ``steps``
    (the time steps a run will take over τ) checks the end-game: a step
    Δt = τ/steps above :data:`ENDGAME_STEP_FRACTION`·τ_R(θ1) gives one
    ``AccuracyWarning`` and a note in ``notes``.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> g = geodesic_protocol(harmonic_trap(k=1), -1.0, 1.0, 2.0, values={"beta": 1, "mu": 4})
    >>> round(g.length, 12), float(g.theta(1.0)[0, 0])
    (1.0, 0.0)
    """
    field = _as_field(model, values)
    a, b = _endpoints(field, theta0, theta1, tau)
    tau = float(tau)
    proto = _geodesic_1d(field, a[0], b[0], tau, nodes) if len(a) == 1 else _geodesic_bvp(field, a, b, tau, nodes)
    notes = _endgame_note(field, b, tau, steps)
    return dataclasses.replace(proto, notes=notes) if notes else proto


#: A 1-D geodesic reuses the sqrt(ζ) spline of an enclosing interval at most this many times as long (node
#: spacing at most this factor coarser than its own ``nodes`` Chebyshev points).  Measured at 65 nodes against
#: 257 (quartic 0 → 8, double well −1.5 → 1.5, sub-intervals to 4.1 … 7.9 and 0.2 … 1.4): length and θ(t) within
#: 2e-7 relative when reused, 1e-7 fresh.
SPLINE_REUSE_RATIO = 2.0


def _sqrt_friction_spline(field, a, b, nodes):
    """Cubic spline of sqrt(ζ) through ``nodes`` Chebyshev points of [a, b] (the path checked on them).

    Cached on ``field`` (a :class:`MetricField`) by interval: a geodesic on a
    sub-interval at least 1/:data:`SPLINE_REUSE_RATIO` as long (e.g. to the
    point a training run reached) reuses the enclosing spline instead of
    ``nodes`` new metric evaluations.
    """
    lo, hi = min(a, b), max(a, b)
    cache = getattr(field, "_splines", None)
    if cache is not None:
        for (l, h, n), spl in cache.items():
            if n == nodes and l <= lo and hi <= h and SPLINE_REUSE_RATIO * (hi - lo) >= h - l:
                return spl
    k = np.arange(nodes)
    th = (lo + hi) / 2 + (lo - hi) / 2 * np.cos(np.pi * k / (nodes - 1))  # increasing
    _check_path(field, th[:, None])
    sq = np.sqrt([field(np.array([v])).friction[0, 0] for v in th])
    spl = interpolate.CubicSpline(th, sq)
    if cache is not None and len(cache) < 1000:
        cache[(lo, hi, nodes)] = spl
    return spl


def _geodesic_1d(field, a, b, tau, nodes):
    if a == b:
        raise ParameterError(f"theta0 and theta1 coincide ({a}); there is no protocol to find")
    spl = _sqrt_friction_spline(field, a, b, nodes)
    ell = spl.antiderivative()
    L = abs(float(ell(b) - ell(a)))
    grid = np.linspace(a, b, 2001)
    lg = np.abs(ell(grid) - ell(a))
    inv = interpolate.PchipInterpolator(lg / L, grid)
    at = _ppoly_at(inv)
    sign = np.sign(b - a)

    def theta(t):
        tt = np.atleast_1d(t)
        if tt.shape == (1,):  # one time (a solver's step): scipy's evaluation without its per-call overhead
            return np.array([[at(min(max(float(tt[0]) / tau, 0.0), 1.0))]])
        return inv(np.clip(tt / tau, 0, 1))[:, None]

    spl_at = _ppoly_at(spl)

    def velocity(t):
        x = theta(t)[:, 0]
        if x.shape == (1,):  # one time: as theta
            return np.array([[sign * L / tau / spl_at(float(x[0]))]])
        return (sign * L / tau / spl(x))[:, None]

    return GeodesicProtocol(tau, L, theta, velocity, "geodesic")


def _ppoly_at(pp):
    """``s -> pp(s)`` for one float s in [pp.x[0], pp.x[-1]] (a scipy PPoly of one output).

    The interval and the sum are scipy's own (``x[i] <= s < x[i + 1]``, the last interval at the right
    end; Σ_k c[3 − k]·(s − x[i])^k summed from the constant term, the powers by repeated products), so
    the value is the one ``pp(s)`` returns (``tests/numeric/test_metric_geodesic.py``) at ~1/10 of its
    per-call cost.
    """
    xs = pp.x.tolist()
    # per interval: c[3], c[2], c[1], c[0]; ``pp.c`` read once (scipy's property converts it at every access:
    # once per interval cost ~50 µs × 2000 intervals per protocol)
    cols = np.asarray(pp.c)[::-1].T.tolist()
    last = len(xs) - 2

    def at(s):
        i = min(max(bisect.bisect_right(xs, s) - 1, 0), last)
        ds, res, z = s - xs[i], 0.0, 1.0
        for ck in cols[i]:
            res = res + ck * z
            z *= ds
        return res

    return at


def _christoffel(field, th, h=1e-5):
    n = len(th)
    g = field(th).friction
    dg = np.empty((n, n, n))  # dg[l, i, j] = ∂_l g_ij
    for l in range(n):
        e = np.zeros(n)
        e[l] = h * max(1.0, abs(th[l]))
        dg[l] = (field(th + e).friction - field(th - e).friction) / (2 * e[l])
    ginv = np.linalg.inv(g)
    term = dg.transpose(1, 0, 2) + dg.transpose(1, 2, 0) - dg  # [l,i,j]: ∂_i g_lj + ∂_j g_li − ∂_l g_ij
    return 0.5 * np.einsum("kl,lij->kij", ginv, term)


def _geodesic_bvp(field, a, b, tau, nodes):
    n = len(a)
    s = np.linspace(0, 1, nodes)

    def rhs(_, y):
        out = np.empty_like(y)
        out[:n] = y[n:]
        for m in range(y.shape[1]):
            th, v = y[:n, m], y[n:, m]
            if not np.all(np.isfinite(th)):
                raise NumericalError("geodesic solve diverged")
            G = _christoffel(field, th)
            out[n:, m] = -np.einsum("kij,i,j->k", G, v, v)
        return out

    def bc(ya, yb):
        return np.concatenate([ya[:n] - a, yb[:n] - b])

    y0 = np.vstack([a[:, None] + np.outer(b - a, s), np.tile((b - a)[:, None], (1, nodes))])
    try:
        sol = integrate.solve_bvp(rhs, bc, s, y0, tol=1e-8, max_nodes=5000)
    except (SingularMetricError, np.linalg.LinAlgError, NumericalError, ValueError):
        sol = None
    if sol is None or not sol.success:
        raise SingularMetricError(
            f"no geodesic found from {a.tolist()} to {b.tolist()}: the solve left the region where the metric "
            "is positive definite (endpoints in different connected regions?)"
        )
    path = lambda u: sol.sol(np.atleast_1d(u))[:n].T  # noqa: E731
    vel = lambda u: sol.sol(np.atleast_1d(u))[n:].T  # noqa: E731
    L = protocol_length(field, path, vel)
    return GeodesicProtocol(tau, L, lambda t: path(np.atleast_1d(t) / tau), lambda t: vel(np.atleast_1d(t) / tau) / tau, "geodesic")
