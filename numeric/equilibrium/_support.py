"""Where p_m(x|θ) ∝ exp(−βE(x, θ)) lives: the mode and the tails, found, not assumed.

1-D: βE is evaluated on a candidate set that depends on θ — 0, the
components of θ and a logarithmic ladder ±10^k (k from −3 to 300 in
quarter decades) — so a mode anywhere representable in float64 is
bracketed; Brent's method refines it inside its bracket.  From the mode
each tail is walked outward (doubling) until βE − βE_min ≥ ``cut`` and
the crossing is located by ``brentq``.  Candidates outside that interval
with βE − βE_min < ``cut`` (a second well behind a high barrier) widen
the interval to contain them.  N-D: BFGS from the best of the θ-dependent
starts; the grid axes are the principal axes of βE at the mode
(:func:`principal_frame`: a rotation, so a tilted density is not sampled by
a grid mostly outside it), the box found along those axes through the mode,
then widened until βE − βE_min ≥ ``cut`` on the whole of every face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from thermolearn.theory import NumericalError

__all__ = ["Support1D", "support_1d", "reuse_support", "find_mode", "support_box", "principal_frame", "GridFrame",
           "grid_frame"]

#: βΔE at the ends of the integration interval: e^-50 ≈ 2e-22 of the peak weight.
CUT = 50.0

_LADDER = 10.0 ** np.arange(-3.0, 300.01, 0.25)

#: A mode found beyond |x| = 1e100 (where x² is 1e200 and x³ overflows) is where βE has run off to
#: the end of the float range, not a peak of a density: reported as not normalisable.
MODE_LIMIT = 1e100


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
        raise NumericalError(f"exp(-beta*E) of {text} is not normalisable: beta*E has no finite minimum "
                             "(it reaches -infinity)")
    if abs(mode) > MODE_LIMIT:  # βE lowest where x² already overflows: it falls without bound (or E overflows first)
        raise NumericalError(
            f"exp(-beta*E) of {text} is not normalisable: beta*E falls to {e0:.3g} at x = {mode:.3g} "
            f"(it decreases towards {'-' if mode < 0 else '+'}infinity until the float range ends)"
        )
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
    caller's tail-mass test still decides, e^-40 ≈ 4e-18 of the peak) and
    neither lies more than ``2·cut`` above it (a wall that steepened with θ
    would otherwise leave quadrature nodes where exp(−f) underflows to 0,
    and 1/p, which the friction integrand carries, overflows), and
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
    >>> reuse_support(lambda x: 3 * (x - 1.0) ** 2, s, [1.0]) is None   # walls steepened: the ends lie 300 above the mode
    True
    """
    xs = np.linspace(s.a, s.b, points)
    v = _values(f, xs)
    j = int(np.argmin(v))
    if not (0 < j < points - 1 and np.isfinite(v[j]) and min(v[0], v[-1]) - v[j] >= cut - slack
            and max(v[0], v[-1]) - v[j] <= 2 * cut):
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


def support_box(f, mode, e0, *, cut: float = CUT, n_face: int = 101,
                max_widen: int = 20) -> tuple[tuple[float, float], ...]:
    """Box around ``mode`` with f − e0 ≥ ``cut`` on all of its faces.

    The faces are first found along each coordinate axis through the mode;
    then each face is checked on an ``n_face``^(d−1) grid, and a face where
    f − e0 < ``cut`` somewhere (a tilted or skewed density whose mass
    reaches the face away from the axes) is moved out by half the box's
    width on that axis, until every face is clear.  After ``max_widen``
    rounds the density is reported as not contained (it decays too slowly
    or not at all in some direction: not normalisable).

    >>> f = lambda x: 0.5 * (x[..., 0] - 3 * x[..., 1]) ** 2 + 0.5 * x[..., 1] ** 2  # tilted: thin along the axes
    >>> box = support_box(f, np.zeros(2), 0.0)
    >>> edge = np.linspace(*box[1], 2001)
    >>> bool(np.min(f(np.column_stack([np.full_like(edge, box[0][1]), edge]))) >= CUT)  # a whole face is clear
    True
    """
    mode = np.asarray(mode, dtype=float)
    box = [[_axis_face(f, mode, k, sgn, e0, cut) for sgn in (-1.0, 1.0)] for k in range(mode.size)]
    return _clear_faces(f, box, e0, cut, n_face, max_widen)


_WALK = 48  # steps of the axis walk per energy call (1.5⁴⁸ ≈ 3e8: one call for most boxes)


def _axis_face(f, mode, k, sgn, e0, cut) -> float:
    """mode[k] + sgn·s, s the first of s₀·1.5ʲ (s₀ = 1e-6·max(1, |mode[k]|), a sequential product) with f − e0 ≥ cut."""
    e = np.zeros(mode.size)
    e[k] = 1.0
    step = 1e-6 * max(1.0, abs(mode[k]))
    while True:
        steps = np.multiply.accumulate(np.r_[step, np.full(_WALK - 1, 1.5)])
        inside = steps[steps <= 1e300]
        v = _values(f, mode + (sgn * inside)[:, None] * e, inside.shape)
        hit = np.flatnonzero(~(v - e0 < cut))
        if hit.size:
            return float(mode[k] + sgn * inside[hit[0]])
        if inside.size < steps.size:
            raise NumericalError("exp(-beta*E) does not decay within the float range along an axis")
        step = steps[-1] * 1.5


def _clear_faces(f, box, e0, cut, n, max_widen):
    """Move out the faces of ``box`` on which f − e0 < ``cut`` somewhere (an n^(d−1) grid per face)."""
    d = len(box)
    for _ in range(max_widen + 1):
        low = []
        for k in range(d):
            for side in (0, 1):
                axes = [np.linspace(lo, hi, n) for lo, hi in box]
                axes[k] = np.array([box[k][side]])
                face = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
                if float(np.min(_values(f, face, face.shape[:1]))) - e0 < cut:
                    low.append((k, side))
        if not low:
            return tuple((float(lo), float(hi)) for lo, hi in box)
        for k, side in low:
            half = (box[k][1] - box[k][0]) / 2
            box[k][side] += half if side else -half
    raise NumericalError(f"exp(-beta*E) still reaches the faces of the box {box} with beta*dE < {cut:g} after "
                         f"{max_widen} widenings: it decays too slowly in some direction (not normalisable?)")


def principal_frame(grad, mode, *, rel_step: float = 1e-5, tol: float = 1e-9) -> np.ndarray:
    """Rotation R (d × d, orthogonal) to the principal axes of f at its ``mode``: grid coordinates u, x = mode + R u.

    The columns are the eigenvectors of the Hessian of f at the mode (central
    differences of ``grad``, vectorised over (..., d)), each signed and ordered
    to lie closest to a coordinate axis; the identity where the Hessian is
    diagonal to ``tol`` (separable energies keep their axis-aligned grids) or
    not finite.  A rotation keeps the diffusion isotropic, so a finite-volume
    generator on the rotated grid is the same discretisation as on an
    axis-aligned one.

    >>> R = principal_frame(lambda x: np.stack([x[..., 0] - 3 * x[..., 1], 10 * x[..., 1] - 3 * x[..., 0]], -1),
    ...                     np.zeros(2))
    >>> bool(np.allclose(R.T @ R, np.eye(2))), bool(abs(R[1, 0]) > 0.1)  # rotated off the axes
    (True, True)
    """
    mode = np.asarray(mode, dtype=float)
    d = mode.size
    steps = rel_step * np.maximum(1.0, np.abs(mode))
    pts = np.concatenate([mode + np.diag(steps), mode - np.diag(steps)])
    with np.errstate(all="ignore"):
        g = np.asarray(grad(pts), dtype=float).reshape(2 * d, d)
    H = (g[:d] - g[d:]) / (2 * steps[:, None])
    H = (H + H.T) / 2
    off = H - np.diag(np.diag(H))
    if d == 1 or not np.all(np.isfinite(H)) or np.max(np.abs(off)) <= tol * np.max(np.abs(np.diag(H))):
        return np.eye(d)
    R = np.linalg.eigh(H)[1]
    R = R[:, np.argsort(np.argmax(np.abs(R), axis=0), kind="stable")]  # column k closest to axis k
    return R * np.sign(R[np.argmax(np.abs(R), axis=0), np.arange(d)])


@dataclass(frozen=True)
class GridFrame:
    """A grid's frame: x = ``origin`` + ``rotation`` u for u in ``box`` (one (lo, hi) per axis).

    An axis-aligned frame (``rotation`` the identity) has ``origin`` 0 and its
    box in x itself, so :meth:`to_x` costs nothing there.
    """

    origin: np.ndarray
    rotation: np.ndarray
    box: tuple

    @property
    def axis_aligned(self) -> bool:
        return bool(np.array_equal(self.rotation, np.eye(len(self.box))))

    def to_x(self, u) -> np.ndarray:
        """Grid coordinates u (..., d) to x (..., d)."""
        u = np.asarray(u)
        return u if self.axis_aligned else self.origin + u @ self.rotation.T


def grid_frame(f, grad, mode, e0, *, cut: float = CUT) -> GridFrame:
    """The grid frame of exp(−f) around its ``mode`` (f = ``e0`` there): principal axes, faces with f − e0 ≥ ``cut``.

    The axes are :func:`principal_frame` (a rotation; the identity for
    separable energies, whose box then stays in x), the box
    :func:`support_box` in those axes.
    """
    mode = np.asarray(mode, dtype=float)
    R = principal_frame(grad, mode)
    if np.array_equal(R, np.eye(mode.size)):
        return GridFrame(np.zeros(mode.size), R, support_box(f, mode, e0, cut=cut))
    return GridFrame(mode, R, support_box(lambda u: f(mode + np.asarray(u) @ R.T), np.zeros(mode.size), e0, cut=cut))
