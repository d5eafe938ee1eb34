"""A run whose schedule cannot be evaluated at θ0 raises the package's error; it is not reported as a divergence.

Where θ has no effect on p_m (x²/2 + θ³x at θ = 0: ∂θE = 3θ²x = 0, so I = ζ = 0) the slow-driving matrix
[βζ + (τ − t)I]⁻¹ does not exist; where p_m is unresolved at θ0 the metric raises ``NumericalError``.  Both
must reach the user as what they are (the CLI prints them as one line), not as numpy's ``LinAlgError`` nor
as "the run diverged".
"""

from __future__ import annotations

import numpy as np
import pytest

from thermolearn.numeric.langevin import train
from thermolearn.numeric.metric import slow_driving_schedule
from thermolearn.theory import EnergyModel, NumericalError, SingularMetricError


@pytest.mark.parametrize("beta, mu", [(1.0, 1.0), (2.5, 0.4)])
def test_slow_driving_where_theta_has_no_effect_names_the_singular_matrix(beta, mu):
    model = EnergyModel.from_string("x**2/2 + theta**3*x", beta=beta, mu=mu)
    sched = slow_driving_schedule(model, tau=1.0)
    with pytest.raises(SingularMetricError, match=r"beta\*zeta \+ \(tau - t\)\*I at theta = \[0\.0\] is singular"):
        sched.rate(0.0, np.array([0.0]))
    with pytest.raises(SingularMetricError):
        train(model, sched, theta0=0.0, target=1.0, particles=50, steps=5, method="euler",
              rng=np.random.default_rng(0))
    assert np.all(np.isfinite(sched.rate(0.0, np.array([0.5]))))  # a theta where it exists


def test_an_unresolved_metric_at_theta0_raises_instead_of_a_diverged_result():
    model = EnergyModel.from_string("log(1 + exp(x - theta)) + x**2/8", beta=1.0, mu=1.0)
    sched = slow_driving_schedule(model, tau=1.0)
    with pytest.raises(NumericalError, match="does not depend on this parameter"):
        train(model, sched, theta0=500.0, target=700.0, particles=50, steps=5, method="euler",
              rng=np.random.default_rng(0))
