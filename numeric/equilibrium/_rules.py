"""Quadrature rules for p_m(x|θ) ∝ exp(−βE): nodes, normalised weights and ln Z.

* :func:`legendre_rule_1d` — composite Gauss–Legendre on the found support
  [a, b], split at the mode, P panels of q nodes on each side (uniform, or
  graded geometrically from the peak width when the support is much wider,
  e.g. power-law tails); P is doubled until Z and ⟨x⟩ agree between P and
  2P to ``rtol`` (adaptive), else :class:`NumericalError`.  The rule also integrates *from the nearer tail*
  (spectral antiderivative inside each panel), which the friction formula
  and the inverse-CDF sampler need.
* :func:`grid_rule` — the trapezoid rule on a uniform tensor grid over a
  box whose faces carry βΔE ≥ 50 (spectrally accurate for smooth, rapidly
  decaying integrands), refined until Z agrees between two grid sizes.
* :func:`hermite_rule` — tensor Gauss–Hermite nodes of N(m, Σ): exact
  expectations of polynomials up to degree 2q − 1 under a Gaussian p_m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import hermite_e as He
from numpy.polynomial import legendre as L
from scipy import optimize

from thermolearn.theory import NumericalError

from ._support import CUT, Support1D, reuse_support, support_1d

__all__ = ["Rule", "LegendreRule1D", "legendre_rule_1d", "found_rule_1d", "grid_rule", "hermite_rule"]


@dataclass(frozen=True)
class Rule:
    """Nodes ``x`` (m, d) and weights ``w`` (m,), Σw = 1, of E_p[f] ≈ Σ w f(x); ln Z of exp(−βE)."""

    x: np.ndarray
    w: np.ndarray
    log_z: float
    method: str

    def expect(self, values) -> np.ndarray:
        """Σ_k w_k values[k, ...] for values of shape (m, ...)."""
        values = np.asarray(values, dtype=float)
        if values.ndim <= 2:  # a matrix-vector product (tensordot costs ~40 us of Python a call)
            return self.w @ values
        return np.tensordot(self.w, values, axes=(0, 0))


@dataclass(frozen=True)
class LegendreRule1D(Rule):
    """A 1-D :class:`Rule` with the panel structure kept for tail integrals.

    ``panels`` are the nodes reshaped (2P, q) — P panels left of the mode,
    then P right of it — ``half`` the half-widths (2P, 1), ``qw`` the raw
    quadrature weights (2P, q), ``p`` the density relative to the mode
    (2P, q), ``support`` the :class:`Support1D` used.
    """

    panels: np.ndarray = None
    half: np.ndarray = None
    qw: np.ndarray = None
    p: np.ndarray = None
    support: Support1D = None

    def tail_integral(self, g) -> np.ndarray:
        """∫ from the nearer tail of g·(qw-measure) at every node, shape (2P, q, k).

        Left of the mode ∫_a^x g dy, right of it −∫_x^b g dy; g has shape
        (2P, q, k).  Both vanish at their own tail, so a quantity with zero
        total integral keeps its relative accuracy where p is tiny.
        """
        _, _, fwd, bwd = _RULES
        P = self.panels.shape[0] // 2
        gl, gr = g[:P], g[P:]
        hl, hr = self.half[:P], self.half[P:]
        wl, wr = self.qw[:P], self.qw[P:]
        k = g.shape[-1]
        within_l = hl[:, :, None] * np.einsum("ab,pbi->pai", fwd, gl)
        tot_l = np.einsum("pq,pqi->pi", wl, gl)
        before = np.concatenate([np.zeros((1, k)), np.cumsum(tot_l, axis=0)[:-1]])
        within_r = hr[:, :, None] * np.einsum("ab,pbi->pai", bwd, gr)
        tot_r = np.einsum("pq,pqi->pi", wr, gr)
        after = np.concatenate([np.cumsum(tot_r[::-1], axis=0)[::-1][1:], np.zeros((1, k))])
        return np.concatenate([within_l + before[:, None, :], -(within_r + after[:, None, :])])


_Q = 24  # Gauss–Legendre nodes per panel


def _panel_rules(q=_Q):
    """Nodes, weights and the within-panel cumulative-integration matrices on [-1, 1]."""
    nodes, weights = L.leggauss(q)
    Vinv = np.linalg.inv(L.legvander(nodes, q - 1))
    eye = np.eye(q)
    fwd = np.array([L.legval(nodes, L.legint(eye[k], lbnd=-1)) for k in range(q)]).T @ Vinv
    bwd = -np.array([L.legval(nodes, L.legint(eye[k], lbnd=1)) for k in range(q)]).T @ Vinv
    return nodes, weights, fwd, bwd


_RULES = _panel_rules()


def _offsets(length, P, h0):
    """P + 1 panel edges' distances from the mode: uniform, or graded (first panel h0) on wide supports.

    Graded: d_k = L·expm1(σk/P)/expm1(σ), σ solved so that d_1 = h0 — fine
    panels at the peak, geometrically wider ones out to heavy tails.
    """
    t = np.linspace(0.0, 1.0, P + 1)
    if h0 >= length / P:
        return length * t

    def log_first(sig):  # log(d_1/L) = log(expm1(σ/P)/expm1(σ)), overflow-free
        return np.log(-np.expm1(-sig / P)) - np.log(-np.expm1(-sig)) + sig / P - sig

    sig = optimize.brentq(lambda v: log_first(v) - np.log(h0 / length), 1e-9, 700.0 * P)
    return length * np.exp(sig * (t - 1)) * np.expm1(-sig * t) / np.expm1(-sig)


def _panels(edges):
    nodes, weights, _, _ = _RULES
    half = np.diff(edges)[:, None] / 2
    return edges[:-1, None] + half * (nodes[None, :] + 1), half * weights[None, :], half


def _build_1d(f, s: Support1D, P):
    h0 = [12.0 * u / P for u in s.unit]
    xl, wl, hl = _panels(s.mode - _offsets(s.mode - s.a, P, h0[0])[::-1])
    xr, wr, hr = _panels(s.mode + _offsets(s.b - s.mode, P, h0[1]))
    x = np.concatenate([xl, xr])
    qw = np.concatenate([wl, wr])
    with np.errstate(over="ignore", under="ignore"):
        p = np.exp(-(np.asarray(f(x.reshape(-1)), dtype=float).reshape(x.shape) - s.e0))
    p = np.where(np.isnan(p), np.inf, p)
    z = float(np.sum(qw * p))
    return x, qw, np.concatenate([hl, hr]), p, z


def legendre_rule_1d(f, s: Support1D, *, panels: int = 24, rtol: float = 1e-11, max_panels: int = 1536,
                     text: str = "the energy") -> LegendreRule1D:
    """Adaptive composite Gauss–Legendre rule for exp(−f) on ``s`` (see module docstring).

    >>> from thermolearn.numeric.equilibrium._support import support_1d
    >>> f = lambda x: x ** 2 / 2
    >>> r = legendre_rule_1d(f, support_1d(f))
    >>> round(float(r.log_z - 0.5 * np.log(2 * np.pi)), 12)
    0.0
    """
    P = panels
    x, qw, half, p, z = _build_1d(f, s, P)
    width = s.b - s.a
    while True:
        if not (np.all(np.isfinite(p)) and np.isfinite(z) and z > 0):
            raise NumericalError(f"exp(-beta*E) of {text} is not finite on its support [{s.a:.6g}, {s.b:.6g}]")
        mean = float(np.sum(qw * p * (x - s.mode))) / z
        x2, qw2, half2, p2, z2 = _build_1d(f, s, 2 * P)
        mean2 = float(np.sum(qw2 * p2 * (x2 - s.mode))) / z2 if z2 > 0 else np.nan
        done = abs(z2 - z) <= rtol * z and abs(mean2 - mean) <= rtol * width
        x, qw, half, p, z = x2, qw2, half2, p2, z2
        if done:
            break
        P *= 2
        if P > max_panels:
            raise NumericalError(
                f"quadrature of exp(-beta*E) of {text} on [{s.a:.6g}, {s.b:.6g}] did not converge to "
                f"{rtol:g} with {2 * max_panels} panels of {_Q} nodes (unresolved structure)"
            )
    w = (qw * p / z).reshape(-1)
    return LegendreRule1D(x.reshape(-1, 1), w, float(np.log(z) - s.e0), f"quadrature ({x.size} nodes)",
                          x, half, qw, p, s)


def _tail_mass(f, s: Support1D) -> float:
    """Mass beyond the ends relative to the peak weight, ≈ p(end)/|d ln p/dx| (exponential tail)."""
    h = 1e-3 * np.abs(np.array([s.a, s.b]) - s.mode)
    ends = np.array([s.a, s.b])
    fe, fh = np.asarray(f(np.concatenate([ends, ends + np.array([-1.0, 1.0]) * h])), dtype=float).reshape(2, 2)
    slope = (fh - fe) / h
    return float(np.sum(np.where(slope > 0, np.exp(-(fe - s.e0)) / np.where(slope > 0, slope, 1.0), np.inf)))


def found_rule_1d(f, theta=(), *, text: str = "the energy", rtol: float = 1e-13,
                  near: Support1D | None = None) -> LegendreRule1D:
    """:func:`legendre_rule_1d` on the found support, the cut raised until the tails are negligible.

    The mass beyond the ends (estimated from the slope of βE there) must be
    below ``rtol`` of Z; the cut βΔE is raised (50 → 700) until it is, else
    :class:`NumericalError` (heavy tails: the mass is not resolved).
    ``near``: the support found at a nearby θ, reused where it still holds
    (:func:`._support.reuse_support`; a path of θ then costs no search).
    """
    cut = CUT
    s = None if near is None else reuse_support(f, near, theta)
    while True:
        if s is None:
            s = support_1d(f, theta, cut=cut, text=text)
        rule = legendre_rule_1d(f, s, text=text)
        with np.errstate(all="ignore"):
            tail = _tail_mass(f, s)
        z = float(np.sum(rule.qw * rule.p))
        if tail <= rtol * z:
            return rule
        if cut >= 700.0:
            raise NumericalError(
                f"exp(-beta*E) of {text} has tails too heavy to resolve (mass beyond beta*dE = {cut:g} "
                f"is ~{tail / z:.1e} of the total)"
            )
        s = None
        cut = min(700.0, cut + max(10.0, float(np.log(tail / (rtol * z)))) if np.isfinite(tail) else 2 * cut)


def grid_rule(f, box, *, n: int = 201, rtol: float = 1e-9, max_n: int = 801, text: str = "the energy") -> Rule:
    """Tensor trapezoid rule for exp(−f) on ``box`` (faces with βΔE ≥ 50), refined n → 2n − 1."""
    d = len(box)
    prev = None
    while True:
        axes = [np.linspace(lo, hi, n) for lo, hi in box]
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
        fv = np.asarray(f(mesh), dtype=float)
        fv = np.where(np.isnan(fv), np.inf, fv)
        e0 = float(np.min(fv))
        if not np.isfinite(e0):
            raise NumericalError(f"{text} is not finite anywhere on the box {box}")
        tw = np.ones(n)
        tw[[0, -1]] = 0.5
        cell = np.prod([(hi - lo) / (n - 1) for lo, hi in box])
        wt = cell * np.einsum(",".join("ijkl"[:d]) + "->" + "ijkl"[:d], *[tw] * d).reshape(-1)
        with np.errstate(over="ignore", under="ignore"):
            p = wt * np.exp(-(fv - e0))
        z = float(p.sum())
        log_z = float(np.log(z) - e0)
        if prev is not None and abs(log_z - prev) <= rtol:
            return Rule(mesh, p / z, log_z, f"grid ({n}^{d} trapezoid)")
        if 2 * n - 1 > max_n:
            if prev is None:
                n = 2 * n - 1
                prev = log_z
                continue
            raise NumericalError(f"grid quadrature of exp(-beta*E) of {text} did not converge ({n}^{d} points)")
        prev, n = log_z, 2 * n - 1


def hermite_rule(mean, cov, *, q: int = 16) -> Rule:
    """Tensor Gauss–Hermite rule of N(mean, cov); ``log_z`` is left to the caller (NaN here)."""
    mean = np.asarray(mean, dtype=float).reshape(-1)
    d = mean.size
    t, wt = He.hermegauss(q)
    wt = wt / wt.sum()
    grids = np.meshgrid(*[t] * d, indexing="ij")
    z = np.stack([g.reshape(-1) for g in grids], axis=-1)
    w = np.prod(np.stack([g.reshape(-1) for g in np.meshgrid(*[wt] * d, indexing="ij")], axis=-1), axis=-1)
    chol = np.linalg.cholesky(np.asarray(cov, dtype=float).reshape(d, d))
    return Rule(mean + z @ chol.T, w, float("nan"), f"Gauss-Hermite ({q}^{d} nodes)")
