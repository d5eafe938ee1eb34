"""``derive --at`` evaluates integrals over x by the numeric equilibrium path.

References are independent of that path: for V(x − θ) = log cosh(x − θ) at
β = 1, Z = ∫ sech u du = π for every θ, ⟨∂θE⟩ = 0 by symmetry, the Fisher
information β²⟨tanh²⟩ = 1 − ⟨sech²⟩ = 1 − (1/π)∫sech³ = 1/2 and the friction of any
translation family ζ = 1/μ; for x⁶/6 − θx the free energy comes from mpmath
quadrature at 30 digits.  Tolerances: QUADRATURE_RTOL for Z and F, 1e-8 for
ζ (the friction quadrature divides by p in the tails).
"""

import json
import math

import mpmath
import pytest

from thermolearn.cli import main
from tests.tolerances import QUADRATURE_RTOL


def _numeric(capsys, energy, *at):
    argv = ["derive", energy, "--format", "json"]
    for a in at:
        argv += ["--at", a]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)["numeric"]


@pytest.mark.parametrize("theta", [0.3, 1e3])
def test_log_cosh_translation_family_at_any_theta(capsys, monkeypatch, theta):
    # the symbolic integrate attempts find nothing for symbolic β (only their reason changes with the
    # budget); half a second each leaves the numeric path, the subject here, exactly as at 3 s
    monkeypatch.setenv("THERMOLEARN_SYMBOLIC_BUDGET", "0.5")
    n = _numeric(capsys, "log(cosh(x - theta))", f"theta={theta}", "beta=1", "mu=2")
    assert n["partition_function"] == pytest.approx(math.pi, rel=QUADRATURE_RTOL)
    assert n["free_energy"] == pytest.approx(-math.log(math.pi), rel=QUADRATURE_RTOL)
    assert abs(n["model_moments"]["avg_m_dE_dtheta"]) < 1e-12
    assert n["fisher_information"][0][0] == pytest.approx(0.5, rel=1e-9)
    assert n["friction_tensor"][0][0] == pytest.approx(0.5, rel=1e-8)


def test_partition_function_beyond_float_range_stays_exact_in_its_exponent(capsys):
    theta, beta = 1e3, 2.0
    n = _numeric(capsys, "x**6/6 - theta*x", f"theta={theta:g}", f"beta={beta:g}", "mu=1")
    with mpmath.workdps(30):
        xm = mpmath.mpf(theta) ** 0.2
        E = lambda u: u**6 / 6 - theta * u  # noqa: E731
        z = mpmath.quad(lambda u: mpmath.exp(-beta * (E(u) - E(xm))), [xm - 3, xm, xm + 3])
        log_z = mpmath.log(z) - beta * E(xm)
    assert n["free_energy"] == pytest.approx(float(-log_z / beta), rel=QUADRATURE_RTOL)
    mant, exp10 = n["partition_function"].split("e+")  # ~1e2880: a string, never inf
    assert int(exp10) == int(mpmath.floor(log_z / mpmath.log(10)))
