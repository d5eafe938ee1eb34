"""verify on energies whose own form makes the defaults fail: a restricted θ domain, a residual sympy cannot tame.

* exp(θx) + exp(−x) is normalisable only for θ > 0: the default points (−0.4, 0.6) would put one check point
  where p_m does not exist and fail nine checks of a correct energy; the points must move to (0.8, 1.4).
* A pair of steep softplus walls: sympy's expand/cancel/simplify of the stationarity residual ran for minutes,
  and its 30-digit evaluation at 15-digit Float points left 2e-14 of a true zero (terms cancel over e^24).  The
  exact rewrites run under the symbolic budget; the numeric residual is evaluated at exact rationals.
A wrong density (the Boltzmann weight squared) must still fail the stationarity check there.
"""

from __future__ import annotations

from thermolearn.testing import Providers, evaluation_point, run_theorem_checks
from thermolearn.theory import EnergyModel
from thermolearn.theory._budget import symbolic_budget

CHEAP = ["boltzmann_stationarity", "free_energy_gradient", "fisher_information", "friction_tensor"]


def test_points_move_into_the_domain_where_p_m_exists():
    model = EnergyModel.from_string("exp(theta*x) + exp(-x)", beta=3, mu=0.5)
    assert evaluation_point(model)["theta_points"] == [[0.8], [1.4]]
    checks = run_theorem_checks(model, only=CHEAP)
    assert all(c.passed for c in checks), [(c.name, c.reason) for c in checks if not c.passed]


def test_stationarity_of_steep_softplus_walls_within_the_budget_and_exact_at_30_digits():
    energy = "softplus(6*(x - 2)) + softplus(-6*(x + 2)) - theta*x"
    model = EnergyModel.from_string(energy, beta=3, mu=0.5)
    with symbolic_budget(1.0):
        (check,) = run_theorem_checks(model, only=["boltzmann_stationarity"])
    assert check.passed and check.value <= 1e-25, (check.value, check.reason)

    def wrong_density(m):  # exp(-2 beta E): not stationary under the model's Fokker-Planck operator
        return m.boltzmann_weight**2

    with symbolic_budget(1.0):
        (bad,) = run_theorem_checks(model, only=["boltzmann_stationarity"],
                                    providers=Providers(density=wrong_density))
    assert not bad.passed and len(bad.reason) < 400  # a readable message, not the whole residual
