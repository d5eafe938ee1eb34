"""Time stepping and on-the-fly energetics shared by ``propagate`` and ``train``.

Steps (θ moving linearly inside a step, the generator A(θ) re-assembled at
each stage):

* ``"trbdf2"`` (default): TR-BDF2, γ = 2 − √2, L-stable, second order in
  Δt.  Its trapezoidal half-stage keeps P ≥ 0 only when γΔt/2 · max|A_ii|
  ≤ 1; a step whose negative cells hold more than 1e-12 of probability
  (typically right after a quench or kick) is halved recursively (up to 6
  times, order kept), then redone with backward Euler and reported.
* ``"euler"``: backward Euler, first order, P ≥ 0 for every Δt (M-matrix).
* ``"auto"``: TR-BDF2, except that a step at frozen θ on a 1-D reflecting
  grid is exact in time (:meth:`Generator.evolve`, the spectral propagator
  of the symmetrised generator) where its round-off is small.

Energetics per step n → n+1 (second order):
ΔW = ½(P⁽ⁿ⁾ + P⁽ⁿ⁺¹⁾)·(E(θⁿ⁺¹) − E(θⁿ)); ΔQ and ΔΣ integrate the face-flux
rates Q̇ = −Σ J ΔE and Σ̇ = Σ J ln(w₊P_i / w₋P_j) with the stepper's own
stage weights.  A jump of θ at
frozen P adds ΔW = P·(E(θ⁺) − E(θ⁻)) and no heat.  An exact step at frozen θ
books ΔW = 0, ΔQ = −E·ΔP and ΔΣ = D(P‖Π) − D(P'‖Π), both exact for a
detailed-balance master equation (so the first-law and identity residuals of
such a step vanish by construction).
"""

from __future__ import annotations

import numpy as np

from thermolearn.theory import NumericalError, ParameterError

from ._energetics import energy_on_grid, free_energy, kl_divergence, log_boltzmann
from ._operator import Generator
from ..model import theta_memo

__all__ = ["Engine", "GAMMA"]

GAMMA = 2.0 - np.sqrt(2.0)
#: A TR-BDF2 step whose negative cells hold more than NEGATIVE_TOL of
#: probability in total is redone with backward Euler (positivity), counted
#: in the result's warnings.  Smaller undershoots (far tails, ~1e-18) are
#: left alone: they are below the scheme's own truncation error.
NEGATIVE_TOL = 1e-12
#: Step halvings tried before the backward-Euler fallback.
MAX_HALVINGS = 6
#: Largest probability allowed in the outermost cells of a reflecting grid.
EDGE_MASS_MAX = 1e-6


class Engine:
    """Holds the grid state and the cumulative energetics of one run."""

    def __init__(self, tw, grid, P0, theta0, t0=0.0, method="auto"):
        if method not in ("auto", "trbdf2", "euler"):
            raise ParameterError(f"method must be 'auto', 'trbdf2' or 'euler', got {method!r}")
        self.tw, self.grid, self.method = tw, grid, method
        self.D = tw.mu / tw.beta
        # E and the generator at the last few θ (a TR-BDF2 step reads three, halvings more)
        self.energy = theta_memo(lambda th: energy_on_grid(tw, grid, th), 9)
        self.generator = theta_memo(lambda th: Generator(tw.beta * self.energy(th), grid, self.D), 9)
        # (ln Π, F) at θ: read by every record and exact step at that θ
        self.boltzmann = theta_memo(lambda th: (log_boltzmann(tw, self.energy(th)),
                                                free_energy(tw, grid, th, self.energy(th))), 9)
        self.fallbacks = 0
        self.halvings = 0
        self.P = np.array(P0, dtype=float)
        self.theta = np.atleast_1d(np.asarray(theta0, float)).copy()
        self.t = float(t0)
        self.W = self.Q = self.S = 0.0
        self.rows = []
        self._record()

    # ------------------------------------------------------------ helpers
    def rates(self, P, theta):
        """(Q̇, Σ̇) at (P, θ)."""
        g = self.generator(theta)
        return g.heat_rate(P, self.energy(theta)), g.entropy_production_rate(P)

    # --------------------------------------------------------------- step
    def advance(self, P, theta0, theta1, dt):
        """Density after dt with θ linear from theta0 to theta1, and the stages.

        Returns ``(P1, stages)``, ``stages`` = [(b_s, P_s, θ_s)] such that
        P1 − P = dt Σ_s b_s A(θ_s) P_s exactly (TR-BDF2 as an ESDIRK with
        b = (√2/4, √2/4, 1 − √2/2); backward Euler b = (1,) at the end);
        ``stages`` is None for an exact step at frozen θ (method ``"auto"``).
        """
        if self.method == "auto" and np.array_equal(theta0, theta1):
            P1 = self.generator(theta1).evolve(P, dt)
            if P1 is not None:
                return P1, None
        if self.method == "euler":
            P1 = self.generator(theta1).solve(dt, P)
            return P1, [(1.0, P1, theta1)]
        return self._trbdf2(P, np.asarray(theta0, float), np.asarray(theta1, float), dt, 0)

    def _trbdf2(self, P, theta0, theta1, dt, depth):
        g0, g1 = self.generator(theta0), self.generator(theta1)
        thg = theta0 + GAMMA * (theta1 - theta0)
        gg = g0 if np.array_equal(theta0, theta1) else self.generator(thg)
        Pg = gg.solve(GAMMA * dt / 2, P + (GAMMA * dt / 2) * g0.matvec(P))
        rhs = (Pg - (1 - GAMMA) ** 2 * P) / (GAMMA * (2 - GAMMA))
        P1 = g1.solve((1 - GAMMA) / (2 - GAMMA) * dt, rhs)
        if -P1[P1 < 0].sum() > NEGATIVE_TOL:
            # the explicit half of the trapezoidal stage overshoots (after a quench, a kick or
            # from a far-from-equilibrium start): halve the step, keeping second order; after
            # MAX_HALVINGS fall back to backward Euler, positive for any Δt
            if depth < MAX_HALVINGS:
                self.halvings += 1
                mid = 0.5 * (theta0 + theta1)
                Pm, st1 = self._trbdf2(P, theta0, mid, dt / 2, depth + 1)
                P1, st2 = self._trbdf2(Pm, mid, theta1, dt / 2, depth + 1)
                return P1, [(0.5 * b, Ps, ths) for b, Ps, ths in st1 + st2]
            self.fallbacks += 1
            P1 = g1.solve(dt, P)
            return P1, [(1.0, P1, theta1)]
        w = np.sqrt(2.0) / 4
        return P1, [(w, P, theta0), (w, Pg, thg), (GAMMA / 2, P1, theta1)]

    def commit(self, P1, theta1, dt, stages):
        """Accept the step P → P1, θ → θ1 over dt and book W, Q, Σ.

        W: trapezoid ½(P + P1)·(E(θ1) − E(θ0)); Q and Σ: the stepper's own
        stage quadrature dt Σ_s b_s (Q̇, Σ̇)(P_s, θ_s), so that at frozen θ
        the heat equals −E·ΔP exactly however stiff the step.
        """
        if not np.all(np.isfinite(P1)):
            raise NumericalError(f"density became non-finite at t={self.t + dt:g}; expected finite values")
        theta1 = np.atleast_1d(np.asarray(theta1, float))
        E0, E1 = self.energy(self.theta), self.energy(theta1)
        s1 = None
        if stages is None:  # exact step at frozen θ (module docstring)
            lp = self.boltzmann(theta1)[0]
            self.Q -= float(np.sum(E1 * (P1 - self.P)))
            self.S += kl_divergence(self.P, lp) - kl_divergence(P1, lp)
            stages = ()
        else:
            self.W += float(np.sum(0.5 * (self.P + P1) * (E1 - E0)))
        for b, Ps, ths in stages:
            q, s1 = self.rates(Ps, ths)
            self.Q += dt * b * q
            self.S += dt * b * s1
        self.P, self.theta, self.t = P1, theta1.copy(), self.t + dt
        self._record(sdot=s1)

    def jump(self, theta_new):
        """Instantaneous change of θ at frozen density (a kick or protocol jump)."""
        theta_new = np.atleast_1d(np.asarray(theta_new, float))
        self.W += float(np.sum(self.P * (self.energy(theta_new) - self.energy(self.theta))))
        self.theta = theta_new.copy()
        self._record()

    def _edge_mass(self):
        if self.grid.boundary != "reflecting":
            return 0.0
        P, m = self.P, 0.0
        if P.ndim == 1:
            return float(max(P[0], P[-1]))
        for ax in range(P.ndim):
            m = max(m, float(np.take(P, 0, axis=ax).sum()), float(np.take(P, -1, axis=ax).sum()))
        return m

    def _record(self, sdot=None):
        edge = self._edge_mass()
        if edge > EDGE_MASS_MAX:
            raise NumericalError(
                f"the density reached the domain boundary at t={self.t:g} (mass {edge:.3g} in the edge cells, "
                f"expected < {EDGE_MASS_MAX:g}, theta={self.theta.tolist()}); give a wider grid"
            )
        E = self.energy(self.theta)
        if sdot is None:
            sdot = self.generator(self.theta).entropy_production_rate(self.P)
        x, nd = self.grid.points, self.P.ndim
        if nd == 1:  # plain dot products (tensordot's set-up costs more than the sums at a few hundred cells)
            x = self.grid.centres[0]
            mean = np.array([self.P @ x])
            var = np.array([self.P @ (x - mean[0]) ** 2])
        else:
            mean = np.tensordot(self.P, x, axes=nd)
            var = np.tensordot(self.P, (x - mean) ** 2, axes=nd)
        lp, F = self.boltzmann(self.theta)
        self.rows.append(
            (self.t, self.theta.copy(), mean, self.W, self.Q, float(np.sum(self.P * E)),
             F, self.S, sdot, kl_divergence(self.P, lp), float(self.P.sum()), float(self.P.min()), var)
        )

    def arrays(self):
        cols = list(zip(*self.rows))
        out = {
            "times": np.array(cols[0]), "theta": np.array(cols[1]), "sample_mean": np.array(cols[2]),
            "work": np.array(cols[3]), "heat": np.array(cols[4]), "mean_energy": np.array(cols[5]),
            "free_energy": np.array(cols[6]), "entropy_production": np.array(cols[7]),
            "entropy_production_rate": np.array(cols[8]), "kl": np.array(cols[9]), "mass": np.array(cols[10]),
        }
        out["min_density"] = float(min(cols[11]))
        out["sample_var"] = np.array(cols[12])
        out["excess_work"] = out["work"] - (out["free_energy"] - out["free_energy"][0])
        out["first_law_residual"] = out["mean_energy"] - out["mean_energy"][0] - (out["work"] - out["heat"])
        out["identity_residual"] = self.tw.beta * out["excess_work"] - (
            out["entropy_production"] + out["kl"] - out["kl"][0]
        )
        scale = np.max(np.abs(out["work"])) + np.max(np.abs(out["heat"])) + 1e-300
        worst = float(np.max(np.abs(out["first_law_residual"])))
        out["warnings"] = () if worst <= 1e-2 * scale else (
            f"first-law residual {worst:.3g} exceeds 1% of the energy exchanged ({scale:.3g}): "
            "the time steps do not resolve the relaxation; increase steps for accurate heat and entropy production",
        )
        if self.fallbacks:
            out["warnings"] += (
                f"{self.fallbacks} TR-BDF2 (sub)step(s) still produced negative probabilities after "
                f"{MAX_HALVINGS} halvings and were redone with backward Euler (first order there)",
            )
        return out


def time_nodes(tau, steps, extra=()):
    """linspace(0, τ, steps+1) merged with the jump/kick times in ``extra``.

    An extra time within 1e-9·τ of a uniform node replaces that node (no
    sliver steps), so jump times are always exact nodes.

    >>> time_nodes(1.0, 4, [0.5 + 1e-12, 0.6]).tolist()
    [0.0, 0.25, 0.500000000001, 0.6, 0.75, 1.0]
    """
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise ParameterError(f"steps must be a positive integer, got {steps!r}")
    nodes = list(np.linspace(0.0, tau, int(steps) + 1))
    for e in sorted(float(x) for x in extra):
        k = int(np.argmin([abs(n - e) for n in nodes]))
        if abs(nodes[k] - e) <= 1e-9 * tau:
            nodes[k] = e
        else:
            nodes.append(e)
    return np.array(sorted(set(nodes)))
