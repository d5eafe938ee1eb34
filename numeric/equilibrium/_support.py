"""Where p_m(x|θ) ∝ exp(−βE(x, θ)) lives: the mode and the tails, found, not assumed.

1-D: βE is evaluated on a candidate set that depends on θ — 0, the
components of θ and a logarithmic ladder ±10^k (k from −3 to 300 in
quarter decades) — so a mode anywhere representable in float64 is
bracketed; Brent's method refines it inside its bracket.  From the mode
each tail is walked outward (doubling) until βE − βE_min ≥ ``cut`` and
the crossing is located by ``brentq``.  Candidates outside that interval
with βE − βE_min < ``cut`` (a second well behind a high barrier) widen
the interval to contain them.  N-D: BFGS from the best of the θ-dependent
starts, the box found along each coordinate axis through the mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from thermolearn.theory import NumericalError

__all__ = ["Support1D", "support_1d", "reuse_support", "find_mode", "support_box"]

#: βΔE at the ends of the integration interval: e^-50 ≈ 2e-22 of the peak weight.
CUT = 50.0

_LADDER = 10.0 ** np.arange(-3.0, 300.01, 0.25)


@dataclass(frozen=True)
class Support1D:
    """[a, b] around the mode with βE(a) = βE(b) = βE(mode) + cut; ``e0`` = βE(mode).

    ``unit`` holds the distances from the mode, left and right, where βE
    has risen by 1: the width of the peak, which sets the finest panels.
    """

    a: float
    mode: float
    b: float
    e0: float
    unit: tuple = (np.inf, np.inf)


def _scalar(f, u) -> float:
    with np.errstate(all="ignore"):
        v = float(np.asarray(f(np.array([u]))).reshape(-1)[0])
    return v if not np.isnan(v) else np.inf


def _candidates_1d(theta) -> np.ndarray:
    th = np.asarray(theta, dtype=float).ravel()
    return np.unique(np.concatenate([[0.0], th, -_LADDER, _LADDER]))


def _values(f, xs, shape=None) -> np.ndarray:
    with np.errstate(all="ignore"):
        v = np.asarray(f(xs), dtype=float).reshape(xs.shape if shape is None else shape)
    return np.where(np.isnan(v), np.inf, v)


_ZOOM = 65  # points per vectorised zoom step (the bracket shrinks 32-fold per step)


def _zoom_min(f, lo, hi, best_x, best_v):
    """Minimum of f on [lo, hi] by vectorised grid zooms (robust where Brent needs unimodality)."""
    for _ in range(12):
        if hi - lo <= 1e-10 * max(1.0, abs(best_x)):
            break
        xs = np.linspace(lo, hi, _ZOOM)
        v = _values(f, xs)
        j = int(np.argmin(v))
        if v[j] <= best_v:
            best_x, best_v = float(xs[j]), float(v[j])
        lo, hi = xs[max(j - 1, 0)], xs[min(j + 1, _ZOOM - 1)]
    return best_x, best_v


def _crossing(f, mode, sgn, level, text) -> float:
    """First x = mode ± u (u > 0) with f(x) ≥ level: geometric walk, then zooms (all vectorised)."""
    u0 = 1e-8 * max(1.0, abs(mode))
    us = u0 * 2.0 ** np.arange(int(np.ceil(np.log2(1e300 / u0))))
    us = us[np.isfinite(mode + sgn * us)]
    above = np.nonzero(_values(f, mode + sgn * us) >= level)[0]
    if not above.size:
        raise NumericalError(
            f"exp(-beta*E) of {text} does not decay within the float range "
            f"(beta*E stays within {level - _values(f, np.array([mode]))[0]:g} of its minimum "
            f"towards {'-' if sgn < 0 else '+'}infinity)"
        )
    k = int(above[0])
    lo, hi = (us[k - 1] if k else 0.0), us[k]
    for _ in range(4):  # the end to ~1e-7 of its distance from the mode
        grid = np.linspace(lo, hi, _ZOOM)
        j = int(np.nonzero(_values(f, mode + sgn * grid) >= level)[0][0])
        lo, hi = grid[max(j - 1, 0)], grid[j]
    return float(mode + sgn * hi)


def support_1d(f, theta=(), *, cut: float = CUT, text: str = "the energy") -> Support1D:
    """Found support of exp(−f), f = βE(·, θ) a vectorised function of x (shape (m,) → (m,)).

    Raises
    ------
    NumericalError
        When f is not finite anywhere, or exp(−f) does not decay within the
        float64 range (not normalisable there).

    Examples
    --------
    >>> s = support_1d(lambda x: (x - 1e3) ** 2 / 2, [1e3])
    >>> round(s.mode, 5), round(s.b - s.mode, 5)
    (1000.0, 10.0)
    """
    xs = _candidates_1d(theta)
    vals = _values(f, xs)
    if not np.any(np.isfinite(vals)):
        raise NumericalError(f"{text} is not finite at any x between -1e300 and 1e300")
    i = int(np.argmin(vals))
    mode, e0 = _zoom_min(f, xs[max(i - 1, 0)], xs[min(i + 1, len(xs) - 1)], float(xs[i]), float(vals[i]))
    if not np.isfinite(e0):
        raise NumericalError(f"{text} has no finite minimum")
    a, b = (_crossing(f, mode, sgn, e0 + cut, text) for sgn in (-1.0, 1.0))
    unit = tuple(abs(_crossing(f, mode, sgn, e0 + 1.0, text) - mode) for sgn in (-1.0, 1.0))
    far = xs[(vals - e0 < cut) & ((xs < a) | (xs > b))]
    if far.size:  # mass behind a barrier: take it in, walking out from there
        a, b = min(a, float(far.min()) - 1.0), max(b, float(far.max()) + 1.0)
        while _scalar(f, a) - e0 < cut:
            a -= b - a
        while _scalar(f, b) - e0 < cut:
            b += b - a
    return Support1D(float(a), mode, float(b), e0, unit)


def reuse_support(f, s: Support1D, theta=(), *, cut: float = CUT, slack: float = 10.0,
                  points: int = 257) -> Support1D | None:
    """``s``'s interval for a new f (the energy at a nearby θ) where it still holds, else None.

    It holds when the minimum of f on a ``points`` grid of [a, b] is
    interior, both ends lie ``cut`` − ``slack`` above it (the ends of a
    found support sit exactly ``cut`` above, so any move lowers one; the
    caller's tail-mass test still decides, e^-40 ≈ 4e-18 of the peak), and
    f at every candidate of :func:`support_1d` outside [a, b] lies ``cut``
    above it (no well appeared beyond the ends): then [a, b] is a found support of the new f, with the
    mode from the parabola through the lowest grid points (it only splits
    the panels; the rule's adaptive refinement absorbs its error) and
    ``e0`` the grid minimum.  Two evaluations of f instead of a search.

    >>> s = support_1d(lambda x: (x - 1.0) ** 2 / 2, [1.0])
    >>> round(reuse_support(lambda x: (x - 1.5) ** 2 / 2, s, [1.5]).mode, 5)
    1.5
    >>> reuse_support(lambda x: (x - 9.0) ** 2 / 2, s, [9.0]) is None
    True
    """
    xs = np.linspace(s.a, s.b, points)
    v = _values(f, xs)
    j = int(np.argmin(v))
    if not (0 < j < points - 1 and np.isfinite(v[j]) and min(v[0], v[-1]) - v[j] >= cut - slack):
        return None
    out = _candidates_1d(theta)
    out = out[(out < s.a) | (out > s.b)]
    if out.size and np.min(_values(f, out)) - v[j] < cut:
        return None
    h, (vl, v0, vr) = xs[1] - xs[0], v[j - 1:j + 2]
    curv = vl - 2 * v0 + vr  # the parabola through the three lowest grid points: the mode to O(h³)
    mode = float(xs[j] + 0.5 * h * (vl - vr) / curv) if curv > 0 else float(xs[j])
    return Support1D(s.a, mode, s.b, float(v0), s.unit)


def find_mode(f, grad, starts) -> tuple[np.ndarray, float]:
    """Minimum of f (vectorised over (..., d)) by BFGS from the best of ``starts`` (k, d)."""
    starts = np.asarray(starts, dtype=float)
    vals = _values(f, starts, starts.shape[:1])
    if not np.any(np.isfinite(vals)):
        raise NumericalError("the energy is not finite at any start point of the mode search")
    order = np.argsort(vals)[:3]
    best = None
    for k in order:
        if not np.isfinite(vals[k]):
            continue
        with np.errstate(all="ignore"):
            r = optimize.minimize(lambda v: _scalar(f, v[None, :]), starts[k],
                                  jac=lambda v: np.asarray(grad(v[None, :]), float).reshape(-1),
                                  method="BFGS", options={"gtol": 1e-10, "maxiter": 2000})
        if best is None or r.fun < best.fun:
            best = r
    if best is None or not np.isfinite(best.fun):
        raise NumericalError("the mode search did not find a finite minimum of the energy")
    return np.asarray(best.x, dtype=float), float(best.fun)


def support_box(f, mode, e0, *, cut: float = CUT) -> tuple[tuple[float, float], ...]:
    """Box around ``mode`` with f − e0 ≥ ``cut`` on its faces, along each coordinate axis."""
    mode = np.asarray(mode, dtype=float)
    box = []
    for k in range(mode.size):
        e = np.zeros(mode.size)
        e[k] = 1.0
        ext = []
        for sgn in (-1.0, 1.0):
            step = 1e-6 * max(1.0, abs(mode[k]))
            while _scalar(f, (mode + sgn * step * e)[None, :]) - e0 < cut:
                step *= 1.5
                if step > 1e300:
                    raise NumericalError("exp(-beta*E) does not decay within the float range along an axis")
            ext.append(float(mode[k] + sgn * step))
        box.append(tuple(ext))
    return tuple(box)
