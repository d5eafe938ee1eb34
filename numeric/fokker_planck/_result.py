"""The result of a Fokker–Planck run: the persistent-chain result plus the density's energetics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.numeric.langevin._result import TrainingResult

__all__ = ["FokkerPlanckResult"]


@dataclass(frozen=True, kw_only=True)
class FokkerPlanckResult(TrainingResult):
    """A :class:`numeric.langevin.TrainingResult` of a density run, with the grid energetics.

    A kick or protocol jump appears as two rows with the same time (before,
    after).  The density is evolved noise-free, so these numbers carry no
    sampling error (their error is the grid and time discretisation).

    Attributes (beyond :class:`TrainingResult`)
    -------------------------------------------
    heat : ndarray
        Cumulative Q(t) = −∫Σ_faces J ΔE dt (work W(t) = ∫θ̇·⟨∂θE⟩_p dt + jumps).
    mean_energy : ndarray
        ⟨E(θ(t))⟩_p.
    entropy_production, entropy_production_rate : ndarray
        Cumulative total entropy production Σ(t) (units of k_B) and Σ̇(t).
    kl : ndarray
        D(p(t) ‖ p_m(θ(t))).
    first_law_residual : ndarray
        ⟨E⟩(t) − ⟨E⟩(0) − (W − Q): zero up to the time discretisation.
    identity_residual : ndarray
        βW_ex − (Σ + KL(t) − KL(0)) (arXiv 2510.03137, excess work as entropy production).
    mass, min_density : ndarray, float
    density : ndarray
        Final cell probabilities (shape ``grid.shape``).
    grid : Grid
    beta : float
    """

    heat: np.ndarray
    mean_energy: np.ndarray
    entropy_production: np.ndarray
    entropy_production_rate: np.ndarray
    kl: np.ndarray
    first_law_residual: np.ndarray
    identity_residual: np.ndarray
    mass: np.ndarray
    min_density: float
    density: np.ndarray
    grid: object
    beta: float

    def plot(self, ax=None, **kw):
        """Cumulative work and excess work (:func:`numeric.plotting.plot_training`; no chains to draw ridges of)."""
        from ..plotting import plot_training

        return plot_training(self, ax=ax, **kw)

    def to_cli_dict(self) -> dict:
        """The ``simulate`` JSON keys of docs/cli.md plus the solver's extras (no ``_se`` keys: noise free)."""
        out = super().to_cli_dict()
        out.update({
            "heat": float(self.heat[-1]),
            "entropy_production": float(self.entropy_production[-1]),
            "kl_final": float(self.kl[-1]),
            "first_law_residual": float(np.max(np.abs(self.first_law_residual))),
            "mass_error": float(np.max(np.abs(self.mass - 1.0))),
            "grid": {"lower": list(self.grid.lower), "upper": list(self.grid.upper), "cells": list(self.grid.cells)},
        })
        return out
