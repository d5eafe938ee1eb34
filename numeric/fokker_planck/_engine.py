"""Time stepping and on-the-fly energetics shared by ``propagate`` and ``train``.

Steps (θ moving linearly inside a step, the generator A(θ) re-assembled at
each stage):

* ``"trbdf2"`` (default): TR-BDF2, γ = 2 − √2, L-stable, second order in
  Δt; the trapezoidal half-stage keeps P ≥ 0 when γΔt/2 · max|A_ii| ≤ 1.
* ``"euler"``: backward Euler, first order, P ≥ 0 for every Δt (M-matrix).

Energetics per step n → n+1 (second order, trapezoidal in time):
ΔW = ½(P⁽ⁿ⁾ + P⁽ⁿ⁺¹⁾)·(E(θⁿ⁺¹) − E(θⁿ)); ΔQ and ΔΣ are trapezoids of the
face-flux rates Q̇ = −Σ J ΔE and Σ̇ = Σ J ln(w₊P_i / w₋P_j).  A jump of θ at
frozen P adds ΔW = P·(E(θ⁺) − E(θ⁻)) and no heat.
"""

from __future__ import annotations

import numpy as np

from theory import NumericalError, ParameterError

from ._energetics import energy_on_grid, free_energy, kl_divergence, log_boltzmann
from ._operator import Generator

__all__ = ["Engine", "GAMMA"]

GAMMA = 2.0 - np.sqrt(2.0)
#: Largest probability allowed in the outermost cells of a reflecting grid.
EDGE_MASS_MAX = 1e-6


class Engine:
    """Holds the grid state and the cumulative energetics of one run."""

    def __init__(self, ne, grid, P0, theta0, t0=0.0, method="trbdf2"):
        if method not in ("trbdf2", "euler"):
            raise ParameterError(f"method must be 'trbdf2' or 'euler', got {method!r}")
        self.ne, self.grid, self.method = ne, grid, method
        self.D = ne.mu / ne.beta
        self._cache = {}
        self._energy = {}
        self._rates_prev = None
        self.P = np.array(P0, dtype=float)
        self.theta = np.atleast_1d(np.asarray(theta0, float)).copy()
        self.t = float(t0)
        self.W = self.Q = self.S = 0.0
        self.rows = []
        self._E0_mean = None
        self._record()

    # ------------------------------------------------------------ helpers
    def energy(self, theta):
        key = np.asarray(theta, float).tobytes()
        e = self._energy.get(key)
        if e is None:
            if len(self._energy) > 8:
                self._energy.clear()
            e = self._energy[key] = energy_on_grid(self.ne, self.grid, theta)
        return e

    def generator(self, theta):
        key = np.asarray(theta, float).tobytes()
        g = self._cache.get(key)
        if g is None:
            if len(self._cache) > 8:
                self._cache.clear()
            g = Generator(self.ne.beta * self.energy(theta), self.grid, self.D)
            self._cache[key] = g
        return g

    def rates(self, P, theta):
        """(Q̇, Σ̇) at (P, θ)."""
        g = self.generator(theta)
        return g.heat_rate(P, self.energy(theta)), g.entropy_production_rate(P)

    def mean_dE_dtheta(self, P, theta):
        d = self.ne.dE_dtheta(self.grid.mesh, theta)
        return np.array([float(np.sum(P * di)) for di in d])

    # --------------------------------------------------------------- step
    def advance(self, P, theta0, theta1, dt):
        """Density after dt with θ linear from theta0 to theta1 (no bookkeeping)."""
        if self.method == "euler":
            return self.generator(theta1).solve(dt, P)
        g0, g1 = self.generator(theta0), self.generator(theta1)
        gg = g0 if np.array_equal(theta0, theta1) else self.generator(theta0 + GAMMA * (theta1 - theta0))
        Pg = gg.solve(GAMMA * dt / 2, P + (GAMMA * dt / 2) * g0.matvec(P))
        rhs = (Pg - (1 - GAMMA) ** 2 * P) / (GAMMA * (2 - GAMMA))
        return g1.solve((1 - GAMMA) / (2 - GAMMA) * dt, rhs)

    def commit(self, P1, theta1, dt):
        """Accept the step P → P1, θ → θ1 over dt and book W, Q, Σ."""
        if not np.all(np.isfinite(P1)):
            raise NumericalError(f"density became non-finite at t={self.t + dt:g}; expected finite values")
        theta1 = np.atleast_1d(np.asarray(theta1, float))
        E0, E1 = self.energy(self.theta), self.energy(theta1)
        q0, s0 = self._rates_prev if self._rates_prev is not None else self.rates(self.P, self.theta)
        q1, s1 = self.rates(P1, theta1)
        self._rates_prev = (q1, s1)
        self.W += float(np.sum(0.5 * (self.P + P1) * (E1 - E0)))
        self.Q += 0.5 * dt * (q0 + q1)
        self.S += 0.5 * dt * (s0 + s1)
        self.P, self.theta, self.t = P1, theta1.copy(), self.t + dt
        self._record(sdot=s1)

    def jump(self, theta_new):
        """Instantaneous change of θ at frozen density (a kick or protocol jump)."""
        theta_new = np.atleast_1d(np.asarray(theta_new, float))
        self.W += float(np.sum(self.P * (self.energy(theta_new) - self.energy(self.theta))))
        self.theta = theta_new.copy()
        self._rates_prev = None
        self._record()

    def _edge_mass(self):
        if self.grid.boundary != "reflecting":
            return 0.0
        P, m = self.P, 0.0
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
        mean = [float(np.sum(self.P * m)) for m in self.grid.mesh]
        self.rows.append(
            (self.t, self.theta.copy(), mean, self.W, self.Q, float(np.sum(self.P * E)),
             free_energy(self.ne, self.grid, self.theta, E), self.S, sdot,
             kl_divergence(self.P, log_boltzmann(self.ne, E)), float(self.P.sum()), float(self.P.min()))
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
        out["excess_work"] = out["work"] - (out["free_energy"] - out["free_energy"][0])
        out["first_law_residual"] = out["mean_energy"] - out["mean_energy"][0] - (out["work"] - out["heat"])
        out["identity_residual"] = self.ne.beta * out["excess_work"] - (
            out["entropy_production"] + out["kl"] - out["kl"][0]
        )
        return out


def time_nodes(tau, steps, extra=()):
    """linspace(0, τ, steps+1) merged with the jump/kick times in ``extra``."""
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise ParameterError(f"steps must be a positive integer, got {steps!r}")
    nodes = np.union1d(np.linspace(0.0, tau, int(steps) + 1), np.asarray(list(extra), float))
    return nodes
