"""Closed forms of the harmonic-trap EBM (arXiv 2510.03137, harmonic trap, Figs. 1–6).

Symbols: ``t, tau, beta, mu, k, eta, theta0, target (θ*), u0, s0, Delta``.

* constant learning rate: :func:`constant_rate_solution`,
  :func:`constant_rate_excess_work_infinity` (βηkΔ²/(2μ));
* Schmiedl–Seifert optimum: :func:`minimal_excess_work` (kΔ²/(μkτ+2)),
  :func:`optimal_jump`, :func:`optimal_protocol`, :func:`optimal_work_split`,
  :func:`optimal_schedule` and :func:`optimal_schedule_proof`;
* continuous, slow-driving and lagged-ramp schedules;
* the d-dimensional quadratic energy (matrix schedule, W_min = ΔᵀK(μτK+2)⁻¹Δ);
* chains that do not start at the model (u₀ ≠ θ₀, any covariance), 1-D and
  d-D: :func:`nonequilibrium_minimal_excess_work`, :func:`nonequilibrium_protocol`,
  :func:`nonequilibrium_kick_start` and their ``matrix_`` forms.
"""

from ._constant import (
    constant_rate_eigenvalues,
    constant_rate_excess_work_infinity,
    constant_rate_odes,
    constant_rate_solution,
    is_underdamped,
    quasi_static_work,
)
from ._matrix import matrix_jump, matrix_minimal_excess_work, matrix_optimal_schedule, matrix_protocol
from ._nonequilibrium import (
    matrix_nonequilibrium_kick_start,
    matrix_nonequilibrium_minimal_excess_work,
    matrix_nonequilibrium_protocol,
    nonequilibrium_kick_start,
    nonequilibrium_minimal_excess_work,
    nonequilibrium_proof,
    nonequilibrium_protocol,
)
from ._optimal import (
    OptimalSchedule,
    continuous_initial_lag,
    continuous_protocol,
    continuous_schedule,
    continuous_work,
    lagged_ramp_optimum,
    lagged_ramp_work,
    minimal_excess_work,
    optimal_jump,
    optimal_protocol,
    optimal_schedule,
    optimal_schedule_proof,
    optimal_work_split,
    script_discontinuous_schedule,
    slow_driving_bound,
    slow_driving_schedule,
)
from ._symbols import Delta, beta, eta, k, mu, s0, t, target, tau, theta0, u0

__all__ = [
    "t", "tau", "beta", "mu", "k", "eta", "theta0", "target", "u0", "s0", "Delta",
    "constant_rate_odes", "constant_rate_eigenvalues", "is_underdamped",
    "constant_rate_solution", "constant_rate_excess_work_infinity", "quasi_static_work",
    "minimal_excess_work", "optimal_jump", "optimal_protocol", "optimal_work_split",
    "OptimalSchedule", "optimal_schedule", "optimal_schedule_proof",
    "script_discontinuous_schedule", "continuous_schedule", "continuous_initial_lag",
    "continuous_protocol", "continuous_work", "slow_driving_schedule", "slow_driving_bound",
    "lagged_ramp_work", "lagged_ramp_optimum",
    "matrix_jump", "matrix_minimal_excess_work", "matrix_protocol", "matrix_optimal_schedule",
    "nonequilibrium_minimal_excess_work", "nonequilibrium_protocol", "nonequilibrium_kick_start",
    "nonequilibrium_proof", "matrix_nonequilibrium_minimal_excess_work", "matrix_nonequilibrium_protocol",
    "matrix_nonequilibrium_kick_start",
]
