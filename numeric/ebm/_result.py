"""The result of one PCD run: trajectory, dissipation ledger, metric history; save and plot."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from thermolearn.numeric.results import ResultMixin

__all__ = ["TrainingResult"]


@dataclass(frozen=True)
class TrainingResult(ResultMixin):  # short repr, to_dict; save() stays this class's own
    """Everything one persistent-chain training run measured.

    Recorded series (every ``record_every`` steps, starting at t = 0):
    ``times``, ``theta``, cumulative ``work``, the learner's objective
    ``approx_objective`` (L̃), the exact ``objective`` L(θ) and the
    ``heldout_log_likelihood`` (None without Z(θ)), the slow-driving
    ``action`` ∫θ̇ᵀζθ̇dt and the thermodynamic ``length``.

    Totals: ``final_work`` ± ``work_se`` (spread of the per-chain work over
    chains / √n: the sampling error *along the realised path*; the path
    itself fluctuates from run to run through the chains' noise in θ̇, which
    this error does not see — for the expected work, repeat over seeds with
    :func:`run_seeds` and :func:`mean_se`), ``free_energy_change`` (None
    without Z(θ)),
    ``excess_work`` ± ``excess_work_se`` (how it was obtained in
    ``excess_work_method``), ``bias`` = L − L̃ ± ``bias_se`` (Theorem 1 of
    arXiv 2510.03137: equal to β·W_ex), ``thermodynamic_length`` ±
    ``length_se`` and ``length_bound`` = 𝓛²/τ (W_ex ≥ 𝓛²/τ to leading order
    in 1/τ).  ``metric_*``: per-block diagonals of ζ̂ and Î.
    """

    schedule: str
    steps: int
    dt: float
    tau: float
    chains: int
    beta: float
    mu: float
    theta_dim: int
    theta_final: np.ndarray
    times: np.ndarray
    theta: np.ndarray
    work: np.ndarray
    approx_objective: np.ndarray
    objective: np.ndarray | None
    heldout_log_likelihood: np.ndarray | None
    action: np.ndarray
    length: np.ndarray
    final_work: float
    work_se: float
    free_energy_change: float | None
    excess_work: float | None
    excess_work_se: float | None
    excess_work_method: str
    bias: float | None
    bias_se: float | None
    thermodynamic_length: float | None
    length_se: float | None
    length_bound: float | None
    metric_times: np.ndarray
    metric_friction: np.ndarray
    metric_fisher: np.ndarray
    wall_time: float
    diverged: bool
    message: str

    def summary(self) -> dict:
        """The JSON summary (the keys of ``thermolearn train --format json``)."""
        def num(v):
            return None if v is None or not np.isfinite(v) else float(v)

        held = self.heldout_log_likelihood
        return {
            "schedule": self.schedule, "steps": int(self.steps), "theta_dim": int(self.theta_dim),
            "dt": self.dt, "tau": self.tau, "chains": int(self.chains), "beta": self.beta, "mu": self.mu,
            "work": num(self.final_work), "work_se": num(self.work_se),
            "free_energy_change": num(self.free_energy_change),
            "excess_work": num(self.excess_work), "excess_work_se": num(self.excess_work_se),
            "excess_work_method": self.excess_work_method,
            "bias": num(self.bias), "bias_se": num(self.bias_se),
            "thermodynamic_length": num(self.thermodynamic_length), "thermodynamic_length_se": num(self.length_se),
            "length_bound": num(self.length_bound),
            "heldout_log_likelihood": None if held is None else num(held[-1]),
            "train_objective": None if self.objective is None else num(self.objective[-1]),
            "wall_time": self.wall_time, "diverged": self.diverged, "message": self.message,
        }

    def save(self, path) -> Path:
        """Write ``<path>.npz`` (every array) and ``<path>.json`` (the summary); return the npz path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f.name: getattr(self, f.name) for f in fields(self)
                  if isinstance(getattr(self, f.name), np.ndarray)}
        npz = path.with_suffix(".npz")
        np.savez_compressed(npz, **arrays)
        path.with_suffix(".json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        return npz

    def plot(self, path=None, *, axes=None):
        """Work, objectives and length vs time (three panels); saved as PNG when ``path`` is given."""
        import matplotlib

        if axes is None:
            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
        else:
            fig = axes[0].figure
        t = self.times
        a = axes[0]
        a.plot(t, self.work, label="work W")
        if self.free_energy_change is not None and self.objective is not None:
            a.plot(t, (self.objective - self.approx_objective) / self.beta, "--", label="(L - L~)/beta")
        a.plot(t, self.action, ":", label="slow-driving action")
        a.set_xlabel("training time t")
        a.legend(fontsize=7)
        b = axes[1]
        if self.objective is not None:
            b.plot(t, self.objective, label="L (exact)")
        b.plot(t, self.approx_objective, "--", label="L~ (learner)")
        if self.heldout_log_likelihood is not None:
            b.plot(t, -self.heldout_log_likelihood, ":", label="held-out NLL")
        b.set_xlabel("training time t")
        b.legend(fontsize=7)
        c = axes[2]
        c.plot(t, self.length, label="thermodynamic length")
        c.set_xlabel("training time t")
        c.legend(fontsize=7)
        fig.suptitle(f"PCD, schedule {self.schedule}, d_theta = {self.theta_dim}")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=110)
            import matplotlib.pyplot as plt

            plt.close(fig)
        return fig
