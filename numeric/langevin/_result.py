"""The result object of a persistent-chain training run."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from thermolearn.numeric.results import ResultMixin

__all__ = ["TrainingResult"]


def _scalar_or_list(a):
    a = np.asarray(a, dtype=float)
    return float(a[0]) if a.size == 1 else a.tolist()


def _series(a):
    a = np.asarray(a, dtype=float)
    return a[:, 0].tolist() if a.ndim == 2 and a.shape[1] == 1 else a.tolist()


@dataclass(frozen=True)
class TrainingResult(ResultMixin):
    """Trajectory and energetics of one persistent-chain training run.

    The one result type of :func:`numeric.langevin.train` and (as its
    subclass :class:`numeric.fokker_planck.FokkerPlanckResult`) of the
    density trainer and propagator.

    Rows are recorded at t = 0, after every step, and before *and* after
    each kick (a kick repeats its time, so jumps are visible).

    Attributes
    ----------
    times : (K,) array
    theta : (K, n) array, θ(t)
    sample_mean : (K, d) array, chain mean ⟨x⟩_s
    sample_var : (K, d) array, chain variance per coordinate
    work : (K,) cumulative Sekimoto work W(t) = Σ⟨E(x, θ') − E(x, θ)⟩_s
    free_energy : (K,) F(θ(t))
    excess_work : (K,) W − (F(θ(t)) − F(θ₀))
    bias : (K,) L(θ(t)) − L̃(t), true minus approximate MLE objective
    loss, approx_loss : (K,) L(θ(t)) and L̃(t)
    method, schedule : str
    dt : float, Langevin step (after sub-stepping)
    samples : final chains, (particles, d) (None for density runs)
    warnings : tuple of str (e.g. Euler time step close to instability)
    snapshot_times, snapshots : optional chain snapshots ((S,), (S, particles, d))
    diverged : bool
        True when the run was stopped by the divergence detector (non-finite
        or exploding θ, explicit stepper past its stability limit); the
        arrays end at the last recorded row and ``divergence`` says why.
    divergence : str
    slow_driving_ratio : float or None
        τ_R/τ of the schedule (None when unknown); above
        1/``SLOW_DRIVING_MIN_RATIO`` a ``SlowDrivingWarning`` was issued.
    """

    times: np.ndarray
    theta: np.ndarray
    sample_mean: np.ndarray
    sample_var: np.ndarray
    work: np.ndarray
    free_energy: np.ndarray
    excess_work: np.ndarray
    bias: np.ndarray
    loss: np.ndarray
    approx_loss: np.ndarray
    method: str
    schedule: str
    dt: float
    samples: np.ndarray | None = None
    warnings: tuple = ()
    snapshot_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    snapshots: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    diverged: bool = False
    divergence: str = ""
    slow_driving_ratio: float | None = None

    def plot(self, ax=None, **kw):
        """Ridge plot of the chains and cumulative work (:func:`numeric.plotting.plot_training`)."""
        from ..plotting import plot_training

        return plot_training(self, ax=ax, **kw)

    def to_cli_dict(self) -> dict:
        """The ``simulate`` keys of CLI.md (without the closed-form predictions).

        >>> import numpy as np
        >>> z = np.zeros((2, 1)); r = TrainingResult(np.array([0., 1.]), z, z, z + 1, np.zeros(2),
        ...     np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), "exact", "constant", 1.0, z)
        >>> sorted(r.to_cli_dict())[:3]
        ['bias', 'diverged', 'dt']
        """
        return {
            "theta_final": _scalar_or_list(self.theta[-1]),
            "sample_mean_final": _scalar_or_list(self.sample_mean[-1]),
            "sample_variance_final": None if self.sample_var is None else _scalar_or_list(self.sample_var[-1]),
            "work": float(self.work[-1]),
            "free_energy_change": float(self.free_energy[-1] - self.free_energy[0]),
            "excess_work": float(self.excess_work[-1]),
            "bias": None if self.bias is None else float(self.bias[-1]),
            "method": self.method,
            "schedule": self.schedule,
            "dt": float(self.dt),
            "warnings": list(self.warnings),
            "diverged": bool(self.diverged),
            "slow_driving_ratio": self.slow_driving_ratio,
            "trajectory": {
                "times": np.asarray(self.times, dtype=float).tolist(),
                "theta": _series(self.theta),
                "sample_mean": _series(self.sample_mean),
                "work": np.asarray(self.work, dtype=float).tolist(),
            },
        }
