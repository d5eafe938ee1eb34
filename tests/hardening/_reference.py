"""An independent reference for the equilibrium moments of 1-D energies.

Shares nothing with ``numeric.equilibrium`` but the sympy model: βE and ∂θE
are evaluated by the mpmath backend of the codegen (no float64 rewrites, no
stabilised forms) at 40 digits; the mode is located on a grid that the
caller's location/scale hints and a logarithmic ladder span, refined by
golden-section search; the support is walked outward until βΔE ≥ 60
(e^-60 ≈ 1e-26 of the peak weight); the integrals are mpmath's
tanh-sinh quadrature on that support split at ~40 breakpoints (each a
separate adaptive integral), and the friction formula
ζ = (β²/μ)∫Φ²/p dx (arXiv 2510.03137, via the backward generator) uses Φ
integrated cumulatively from the nearer tail on a Gauss–Legendre
composite rule of 64 panels × 40 nodes at 40 digits.

Accuracy: quadrature errors below 1e-15 relative on these smooth
integrands (checked by mpmath's own error estimate), truncation e^-60;
the comparison tolerance in the tests (1e-7 relative) is set by the
project's own rule (adaptive Gauss–Legendre converged to ~1e-10) plus
margin, far below the size of a wrong support (a missed tail or an
underflowed node errs by 1e-4 or more, a mode outside the search window
by O(1)).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath

from thermolearn.numeric.codegen import lambdify

DPS = 25
CUT = 60


@dataclass(frozen=True)
class Reference:
    free_energy: float
    mean_dE: float
    fisher: float
    friction: float
    mode: float


@lru_cache(maxsize=64)
def _callables(model):
    x, th = model.x[0], model.theta[0]
    E = lambdify(model.energy, [x, th], backend="mpmath")
    X = lambdify(model.dE_dtheta[0], [x, th], backend="mpmath")
    return E, X


def _golden(f, a, b, iters=200):
    g = (mpmath.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
        if abs(b - a) < mpmath.mpf(10) ** (-DPS + 5) * max(1, abs(a)):
            break
    return (a + b) / 2


def _walk(f, e0, mode, sgn, level):
    step = mpmath.mpf("1e-6") * max(1, abs(mode))
    while f(mode + sgn * step) - e0 < level:
        step *= 2
        if step > 1e30:
            raise ArithmeticError("the density does not decay")
    lo, hi = step / 2, step
    for _ in range(80):
        mid = (lo + hi) / 2
        if f(mode + sgn * mid) - e0 < level:
            lo = mid
        else:
            hi = mid
    return mode + sgn * hi


def reference_moments(model, theta: float, hints=(), *, friction: bool = True) -> Reference:
    """F, ⟨∂θE⟩, I = β²Var(∂θE) and ζ of a one-coordinate, one-parameter model with numbers for β, μ.

    ``hints``: points near which the mass may lie (the family's location), added to the mode scan.
    """
    E, X = _callables(model)
    beta, mu = mpmath.mpf(float(model.beta)), mpmath.mpf(float(model.mu))
    with mpmath.workdps(DPS):
        th = mpmath.mpf(theta)

        def be(x):
            try:
                v = beta * E(x, th)
            except (OverflowError, ValueError, ZeroDivisionError):
                return mpmath.inf
            return mpmath.re(v) if mpmath.isfinite(v) else mpmath.inf

        grid = [mpmath.mpf(0), th] + [mpmath.mpf(h) for h in hints]
        grid += [s * mpmath.mpf(10) ** (k / 20) for k in range(-80, 81) for s in (-1, 1)]
        grid = sorted(set(grid))
        vals = [be(g) for g in grid]
        i = min(range(len(grid)), key=lambda k: vals[k])
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        mode = _golden(be, lo, hi)
        e0 = be(mode)
        a, b = _walk(be, e0, mode, -1, CUT), _walk(be, e0, mode, 1, CUT)
        pts = mpmath.linspace(a, b, 41)
        p = lambda x: mpmath.exp(-(be(x) - e0))  # noqa: E731
        z = mpmath.quad(p, pts)
        m1 = mpmath.quad(lambda x: X(x, th) * p(x), pts) / z
        m2 = mpmath.quad(lambda x: (X(x, th) - m1) ** 2 * p(x), pts) / z
        F = -(mpmath.log(z) - e0) / beta
        zeta = mpmath.nan
        if friction:
            zeta = _friction(X, th, p, z, m1, a, b, mode) * beta**2 / mu
        return Reference(float(F), float(m1), float(beta**2 * m2), float(zeta), float(mode))


def _friction(X, th, p, z, m1, a, b, mode, panels=16, q=20):
    """∫Φ²/p dx / Z, Φ(x) = ∫ δX p dy from the nearer tail (Φ from a on the left of the mode,
    −∫ from x to b on its right), on panels ending at the mode; Φ at a node is the sum of the
    earlier panels' integrals plus a q-node Gauss–Legendre integral over the partial panel."""
    t, w = _legendre(q)
    dx = lambda y: (X(y, th) - m1) * p(y)  # noqa: E731
    total = mpmath.mpf(0)
    for lo, hi, sgn in ((a, mode, 1), (b, mode, -1)):  # walk from the tail (lo) to the mode (hi)
        edges = mpmath.linspace(lo, hi, panels + 1)
        phi = mpmath.mpf(0)  # sgn·∫ from the tail to the panel start
        for u, v in zip(edges[:-1], edges[1:]):
            h, c = (v - u) / 2, (u + v) / 2
            for tj, wj in zip(t, w):
                xj = c + h * tj
                hj, cj = (xj - u) / 2, (xj + u) / 2
                part = hj * mpmath.fsum(wk * dx(cj + hj * tk) for tk, wk in zip(t, w))
                ph = phi + part  # signed integral from the tail: the sign cancels in Φ²
                total += abs(h) * wj * ph**2 / p(xj)
            phi += h * mpmath.fsum(wk * dx(c + h * tk) for tk, wk in zip(t, w))
    return total / z


@lru_cache(maxsize=8)
def _legendre(q):
    """Gauss–Legendre nodes and weights on [−1, 1] at the working precision."""
    nodes = mpmath.polyroots(mpmath.taylor(lambda x: mpmath.legendre(q, x), 0, q)[::-1], maxsteps=200, extraprec=200)
    nodes = sorted(mpmath.re(r) for r in nodes)
    weights = [2 / ((1 - r**2) * mpmath.diff(lambda x: mpmath.legendre(q, x), r) ** 2) for r in nodes]
    return nodes, weights
