"""Thermodynamic observables of a density on the grid.

For cell probabilities P at parameters θ (arXiv 2510.03137,
set-up and Theorem 1):

* discrete Boltzmann density Π_i(θ) = e^{−βE_i(θ)} / Σ_j e^{−βE_j(θ)};
* free energy F(θ) = −β⁻¹ ln Σ_i h^d e^{−βE_i(θ)} (midpoint quadrature of Z);
* KL divergence D(P‖Π(θ)) = Σ_i P_i ln(P_i/Π_i(θ));
* mean energy ⟨E⟩ = Σ_i P_i E_i and ⟨∂θE⟩ = Σ_i P_i ∂θE_i.
"""

from __future__ import annotations

import numpy as np

from thermolearn.theory import NumericalError

__all__ = ["finite_on_grid", "energy_on_grid", "boltzmann", "free_energy", "kl_divergence", "log_boltzmann"]


def finite_on_grid(values, tw, theta, grid):
    """``values`` of the twin ``tw`` on ``grid``; :class:`NumericalError` naming the first non-finite cell."""
    if not np.all(np.isfinite(values)):
        bad = tuple(np.argwhere(~np.isfinite(values))[0])
        raise NumericalError(
            f"energy {tw.text} is not finite (value {values[bad]}) at x={tuple(grid.points[bad[:grid.dim]].tolist())}, "
            f"theta={np.ravel(theta).tolist()}; expected a finite energy on the whole domain"
        )
    return values


def energy_on_grid(tw, grid, theta) -> np.ndarray:
    """E(x_i, θ) at the cell centres (numeric twin ``tw``); NumericalError if not finite."""
    return finite_on_grid(tw.energy(grid.points, theta), tw, theta, grid)


def boltzmann(tw, grid, theta, energy=None) -> np.ndarray:
    """Cell probabilities Π_i(θ) of the discrete Boltzmann density (sum 1)."""
    e = energy_on_grid(tw, grid, theta) if energy is None else energy
    w = np.exp(-tw.beta * (e - e.min()))
    return w / w.sum()


def free_energy(tw, grid, theta, energy=None) -> float:
    """F(θ) = −β⁻¹ ln Σ_i h^d e^{−βE_i(θ)} (log-sum-exp, no overflow)."""
    e = energy_on_grid(tw, grid, theta) if energy is None else energy
    m = e.min()
    return float(m - np.log(grid.cell_volume * np.exp(-tw.beta * (e - m)).sum()) / tw.beta)


def log_boltzmann(tw, energy) -> np.ndarray:
    """ln Π_i(θ) computed in log space (no underflow far in the tails)."""
    a = -tw.beta * energy
    m = a.max()
    return a - (m + np.log(np.exp(a - m).sum()))


def kl_divergence(P, log_pi) -> float:
    """D(P‖Π) = Σ P (ln P − ln Π), with 0 ln 0 = 0; ``log_pi`` = ln Π."""
    pos = P > 0
    return float(np.sum(P[pos] * (np.log(P[pos]) - log_pi[pos])))
