"""`thermolearn derive` carries the metric keys (closed form or, with --at, numbers).

The quartic's numbers are checked against an independent scipy quadrature of
β²Var(∂θE) and of the 1-D friction formula ζ = (β²/μ)∫Φ²/p dx
(arXiv 2510.03137); tolerance 1e-7 relative: the reference uses adaptive quadrature
(~1e-12) for the moments and composite Simpson on 40 001 points (error
~1e-12) for the friction.
"""

import json

import numpy as np
import pytest
from scipy import integrate

from thermolearn.cli import main

METRIC_KEYS = ("fisher_information", "friction_tensor", "relaxation_time", "learning_rate_matrix",
               "natural_gradient_flow", "thermodynamic_length_element")


def _derive(capsys, *argv):
    assert main(["derive", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_harmonic_trap_metric_keys_are_closed_forms(capsys):
    import sympy as sp

    d = _derive(capsys, "(x - theta)**2/2")
    for k in METRIC_KEYS:
        assert k in d and k not in d["not_closed_form"]
    beta, mu, t, tau = sp.symbols("beta mu t tau", positive=True)
    names = {"beta": beta, "mu": mu, "t": t, "tau": tau}
    read = lambda s: sp.sympify(s, locals=names)  # noqa: E731 - CLI.md: JSON expressions parse back with sympy
    # arXiv 2510.03137, harmonic trap: I = βk, ζ = 1/μ, H = 1/(β(1/μ + k(τ − t))) at k = 1
    assert sp.simplify(read(d["fisher_information"][0][0]) - beta) == 0
    assert sp.simplify(read(d["friction_tensor"][0][0]) - 1 / mu) == 0
    assert sp.simplify(read(d["learning_rate_matrix"][0][0]) - 1 / (beta * (1 / mu + (tau - t)))) == 0


@pytest.mark.parametrize("theta,beta,mu", [(0.5, 1.0, 1.0), (-1.2, 2.0, 0.5)])
def test_quartic_metric_numbers_match_independent_quadrature(capsys, theta, beta, mu):
    d = _derive(capsys, "x**4/4 - theta*x", "--at", f"theta={theta}", "--at", f"beta={beta}",
                "--at", f"mu={mu}", "--at", "t=0", "--at", "tau=1")
    for k in ("fisher_information", "friction_tensor"):
        assert k in d["not_closed_form"]
    w = lambda x: np.exp(-beta * (x**4 / 4 - theta * x))  # noqa: E731
    Z = integrate.quad(w, -np.inf, np.inf, epsabs=0, epsrel=1e-12)[0]
    m1 = integrate.quad(lambda x: x * w(x), -np.inf, np.inf, epsabs=0, epsrel=1e-12)[0] / Z
    m2 = integrate.quad(lambda x: x * x * w(x), -np.inf, np.inf, epsabs=0, epsrel=1e-12)[0] / Z
    fisher = beta**2 * (m2 - m1**2)  # ∂θE = −x
    # Φ(x) = ∫_{-∞}^x (∂θE − ⟨∂θE⟩) p dy on a fine grid (cumulative Simpson), then ∫Φ²/p dx;
    # p < 1e-14 beyond |x| = 5 at these parameters, so the truncation is far below the tolerance
    x = np.linspace(-5.0, 5.0, 40_001)
    p = w(x) / Z
    f = (-x + m1) * p
    left = integrate.cumulative_simpson(f, x=x, initial=0.0)  # accurate in the left tail
    right = -integrate.cumulative_simpson(f[::-1], x=-x[::-1], initial=0.0)[::-1]  # Φ = −∫_x^∞, right tail
    phi = np.where(x < m1, left, right)
    zeta = beta**2 / mu * integrate.simpson(phi**2 / p, x=x)
    num = d["numeric"]
    assert num["fisher_information"][0][0] == pytest.approx(fisher, rel=1e-7)
    assert num["friction_tensor"][0][0] == pytest.approx(zeta, rel=1e-7)
    assert num["relaxation_time"] == pytest.approx(beta * zeta / fisher, rel=1e-7)
    assert num["learning_rate_matrix"][0][0] == pytest.approx(1 / (beta * zeta + 1.0 * fisher), rel=1e-7)


def test_singular_point_is_a_clear_error(capsys):
    code = main(["derive", "(x - m)**2/(2*s)", "--theta", "m,s", "--at", "m=0", "--at", "s=-1",
                 "--at", "beta=1", "--at", "mu=1", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "error" in err
