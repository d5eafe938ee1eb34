"""The result object shared by the exact analyses of both learners."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from thermolearn.numeric.results import ResultMixin

__all__ = ["InfoflowAnalysis", "L_INFO", "information"]

#: Names of the L-info candidates (M-info and L-info of Entropy 26, 112 (2024); docs/theory.md) and their definitions.
L_INFO = {
    "M": "I(Theta_t; B)  (M-info, default)",
    "L1": "I(X_t; B)",
    "L2": "I(X_t; Y)",
    "L3": "I(X_{0:t}; B)  (output trajectory, final time only)",
    "L4": "E_{x*~p*}[ln p(x*|theta_t) - ln p(x*|theta_0)]",
    "L5": "sum_{n<t} Delta I^X_n  (accumulated flow into X, given B)",
}


@dataclass(frozen=True)
class InfoflowAnalysis(ResultMixin):
    """Exact information/entropy-production results for N steps of a learner.

    Information quantities (nats; M-info/L-info of Entropy 26, 112 (2024)): ``M`` = I(Θ_n;B) (M-info),
    ``I_theta_task`` = I(Θ_n;Y), ``L1`` = I(X_n;B), ``L2`` = I(X_n;Y),
    ``L3`` = I(X_{0:N};B) (with ``M_trajectory`` = I(Θ_{0:N};B)), ``L4`` the
    expected log-likelihood gain on p*, ``L5`` = Σ ΔI^X (cumulative).  The
    ``*_residual`` fields are identities that must vanish (Result 4/5).

    ``M``, ``I_theta_task``, ``L1``, ``L2``, ``L4``, ``L5`` have length N+1;
    per-move arrays (``dI_theta``, ``dI_x``, ``sigma_theta``, ``sigma_x``,
    ``heat``, ``medium_theta``, ``work``) length N.
    """

    N: int
    M: np.ndarray
    I_theta_task: np.ndarray
    L1: np.ndarray
    L2: np.ndarray
    L3: float
    M_trajectory: float
    L4: np.ndarray
    L5: np.ndarray
    dI_theta: np.ndarray
    dI_x: np.ndarray
    sigma_theta: np.ndarray
    sigma_x: np.ndarray
    heat: np.ndarray
    medium_theta: np.ndarray
    work: np.ndarray
    sigma_given_B: float
    sigma_apparent: float
    I_final: float
    sigma_x_given_theta_path: float
    identity_residual: float
    telescoping_residual: float
    decomposition_residual: float
    first_law_residual: float
    joint_entropy_given_B: np.ndarray = None

    def plot(self, ax=None, **kw):
        """Information over time and the entropy-production decomposition (:func:`numeric.plotting.plot_information`)."""
        from thermolearn.numeric.plotting import plot_information

        return plot_information(self, ax=ax, **kw)

    def interval_entropy_production(self, t0: int, t1: int) -> float:
        """Σ_{[t0,t1]} = H(Θ_t1,X_t1|B) − H(Θ_t0,X_t0|B) + Σ_{t0≤n<t1} ⟨Q_n + s^Θ_n⟩ (interval entropy production, Entropy 26, 112 (2024))."""
        from thermolearn.theory._errors import ParameterError

        if not (isinstance(t0, int) and isinstance(t1, int) and 0 <= t0 < t1 <= self.N):
            raise ParameterError(f"interval must be integers 0 <= t0 < t1 <= N={self.N}, got ({t0!r}, {t1!r})")
        H = self.joint_entropy_given_B
        return float(H[t1] - H[t0] + self.heat[t0:t1].sum() + self.medium_theta[t0:t1].sum())




def information(result: InfoflowAnalysis, name: str = "M"):
    """Select an information measure by name: "M" (default) or "L1".."L5".

    Returns the array over time (or a float for "L3").

    >>> information(None, "L9")
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: unknown information measure 'L9'; expected one of ['M', 'L1', 'L2', 'L3', 'L4', 'L5']
    """
    from thermolearn.theory._errors import ParameterError

    if name not in L_INFO:
        raise ParameterError(f"unknown information measure {name!r}; expected one of {list(L_INFO)}")
    return getattr(result, name)
