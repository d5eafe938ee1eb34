"""The result of a Fokker–Planck run (field names shared with numeric.langevin)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from thermolearn.numeric.results import ResultMixin

__all__ = ["FokkerPlanckResult"]


@dataclass(frozen=True)
class FokkerPlanckResult(ResultMixin):
    """Trajectory and energetics of a density run; arrays have K rows.

    A kick or protocol jump appears as two rows with the same time (before,
    after).  Fields ``times``, ``theta``, ``sample_mean``, ``work``,
    ``free_energy``, ``excess_work``, ``bias``, ``method``, ``schedule`` and
    :meth:`to_cli_dict` match ``numeric.langevin.TrainingResult``.

    Attributes
    ----------
    work, heat : ndarray
        Cumulative W(t) = ∫θ̇·⟨∂θE⟩_p dt (+ jumps) and Q(t) = −∫Σ_faces J ΔE dt.
    mean_energy : ndarray
        ⟨E(θ(t))⟩_p.
    free_energy : ndarray
        F(θ(t)) on the grid; excess_work = W − (F − F(θ₀)).
    entropy_production : ndarray
        Cumulative total entropy production Σ(t) (units of k_B).
    entropy_production_rate : ndarray
        Σ̇(t).
    kl : ndarray
        D(p(t) ‖ p_m(θ(t))).
    first_law_residual : ndarray
        ⟨E⟩(t) − ⟨E⟩(0) − (W − Q): zero up to the time discretisation.
    identity_residual : ndarray
        βW_ex − (Σ + KL(t) − KL(0)) (arXiv 2510.03137, Theorem 1).
    bias : ndarray or None
        L(θ_t) − L̃(t) for training runs (None for prescribed protocols).
    loss, approx_loss : ndarray or None
        L(θ_t) and L̃(t) for training runs.
    sample_var : ndarray
        Variance of each coordinate under p(t).
    density : ndarray
        Final cell probabilities (shape ``grid.shape``).
    """

    times: np.ndarray
    theta: np.ndarray
    sample_mean: np.ndarray
    work: np.ndarray
    heat: np.ndarray
    mean_energy: np.ndarray
    free_energy: np.ndarray
    excess_work: np.ndarray
    entropy_production: np.ndarray
    entropy_production_rate: np.ndarray
    kl: np.ndarray
    first_law_residual: np.ndarray
    identity_residual: np.ndarray
    bias: np.ndarray | None
    mass: np.ndarray
    min_density: float
    density: np.ndarray
    grid: object
    beta: float
    method: str = "fokker-planck"
    schedule: str = ""
    sample_var: np.ndarray | None = None
    loss: np.ndarray | None = None
    approx_loss: np.ndarray | None = None
    dt: float = float("nan")
    warnings: tuple = ()

    def plot(self, ax=None, **kw):
        """Cumulative work and excess work (:func:`numeric.plotting.plot_training`; no chains to draw ridges of)."""
        from ..plotting import plot_training

        return plot_training(self, ax=ax, **kw)

    def to_cli_dict(self) -> dict:
        """The ``simulate`` JSON keys of CLI.md (plus solver extras)."""
        one = lambda a: float(a[0]) if np.size(a) == 1 else np.asarray(a, float).tolist()
        series = lambda a: a[:, 0].tolist() if a.shape[1] == 1 else a.tolist()
        return {
            "theta_final": one(self.theta[-1]),
            "sample_mean_final": one(self.sample_mean[-1]),
            "sample_variance_final": None if self.sample_var is None else one(self.sample_var[-1]),
            "work": float(self.work[-1]),
            "free_energy_change": float(self.free_energy[-1] - self.free_energy[0]),
            "excess_work": float(self.excess_work[-1]),
            "bias": None if self.bias is None else float(self.bias[-1]),
            "predicted_excess_work": None,
            "minimal_excess_work": None,
            "trajectory": {
                "times": self.times.tolist(),
                "theta": series(self.theta),
                "sample_mean": series(self.sample_mean),
                "work": self.work.tolist(),
            },
            "heat": float(self.heat[-1]),
            "entropy_production": float(self.entropy_production[-1]),
            "kl_final": float(self.kl[-1]),
            "first_law_residual": float(np.max(np.abs(self.first_law_residual))),
            "mass_error": float(np.max(np.abs(self.mass - 1.0))),
            "grid": {"lower": list(self.grid.lower), "upper": list(self.grid.upper), "cells": list(self.grid.cells)},
            "method": self.method,
            "schedule": self.schedule,
            "dt": float(self.dt),
            "warnings": list(self.warnings),
        }
