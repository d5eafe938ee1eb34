"""Numbers for ``thermolearn derive --at``: the metric block at one point."""

from __future__ import annotations

import numpy as np

from thermolearn.theory import ParameterError

from ._field import check_positive_definite, metric_field

__all__ = ["metric_at"]


def metric_at(model, values) -> dict:
    """Evaluate the metric keys of CLI.md at ``values`` (θ, β, μ, constants by name).

    ``values`` may also give ``t`` and ``tau`` (for ``learning_rate_matrix``;
    omitted → that key is None).  Raises :class:`theory.SingularMetricError`
    when the Fisher information or friction is singular or indefinite there.

    >>> from thermolearn.theory.models import quartic
    >>> r = metric_at(quartic(), {"theta": 0.0, "beta": 1, "mu": 1, "t": 0, "tau": 1})
    >>> sorted(r)[:3], r["method"]
    (['fisher_information', 'friction_tensor', 'learning_rate_matrix'], 'quadrature')
    """
    vals = dict(values)
    names = [s.name for s in model.theta]
    missing = [n for n in names if n not in vals]
    if missing:
        raise ParameterError(f"--at needs a value for each parameter; missing {missing}")
    th = np.array([float(vals.pop(n)) for n in names])
    t, tau = vals.pop("t", None), vals.pop("tau", None)
    field = metric_field(model, vals)
    pt = field(th)
    check_positive_definite(pt.fisher, "fisher_information", th)
    check_positive_definite(pt.friction, "friction_tensor", th)
    T = field.beta * np.linalg.solve(pt.fisher, pt.friction)
    out = {
        "fisher_information": pt.fisher.tolist(),
        "friction_tensor": pt.friction.tolist(),
        "relaxation_time": float(T[0, 0]) if T.shape == (1, 1) else T.tolist(),
        "learning_rate_matrix": None,
        "thermodynamic_length_element": None,
        "mean_dE_dtheta": pt.mean_dE.tolist(),
        "method": pt.method,
    }
    if t is not None and tau is not None:
        if float(tau) <= 0:
            raise ParameterError(f"tau must be positive, got {tau}")
        s = float(tau) - float(t)
        H = np.linalg.inv(field.beta * pt.friction + s * pt.fisher)
        out["learning_rate_matrix"] = H.tolist()
    return out
