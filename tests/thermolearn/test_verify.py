"""``thermolearn verify`` / ``assert_theorems``: passes on the catalogue, fails by name, never crashes.

The reference routes inside the verifier are themselves tested against
closed forms (harmonic trap ζ = 1/μ, I = βk, arXiv 2510.03137) and textbook
Ornstein–Uhlenbeck results derived in the comments.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

import thermolearn.testing._ingredients as ti
import thermolearn.testing._oracles as tt
from tests.tolerances import N_SIGMA, QUADRATURE_RTOL
from thermolearn.cli import main
from thermolearn.numeric.equilibrium import sample_equilibrium
from thermolearn.numeric.metric import auto_box, friction_generator
from thermolearn.testing import CHECK_NAMES, Providers, assert_metric, assert_theorems, run_theorem_checks
from thermolearn.theory import ParameterError, energy_model
from thermolearn.theory.models import CATALOGUE, harmonic_trap, learnable_stiffness, quadratic_2d

NAMES = ["boltzmann_stationarity", "free_energy_gradient", "fisher_information", "friction_tensor",
         "natural_gradient_identity", "sampler_stationarity", "friction_autocorrelation",
         "slow_driving_excess_work", "jarzynski", "bias_equals_excess_work"]


def test_check_names():
    assert list(CHECK_NAMES) == NAMES


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CATALOGUE))
def test_every_catalogue_model_passes(name):
    checks = assert_theorems(CATALOGUE[name](), seed=1)
    assert [c.name for c in checks] == NAMES


def _by_name(checks):
    return {c.name: c for c in checks}


def test_beta_mu_default_differ_from_one():
    values = tt.evaluation_point(harmonic_trap())["values"]
    assert values["beta"] != 1 and values["mu"] != 1 and values["k"] != 1


# --------------------------------------------------------- failures are results
def test_zero_fisher_information_fails_by_name_not_traceback():
    checks = _by_name(run_theorem_checks("x**2/2 + theta"))
    assert checks["boltzmann_stationarity"].passed  # the density is still stationary
    assert not checks["fisher_information"].passed
    assert "singular" in checks["fisher_information"].reason
    assert not checks["natural_gradient_identity"].passed and checks["natural_gradient_identity"].reason


def test_cli_zero_fisher_exits_1_with_reasons(capsys):
    assert main(["verify", "x**2/2 + theta"]) == 1
    out = capsys.readouterr().out
    assert "FAIL fisher_information" in out and "singular" in out and "Traceback" not in out


def test_a_raising_ingredient_fails_its_check_only():
    def boom(num, th):
        raise RuntimeError("friction solver exploded")

    checks = _by_name(run_theorem_checks("x**4/4 - theta*x", providers=replace(Providers(), friction=boom),
                                         only=["fisher_information", "friction_tensor"]))
    assert checks["fisher_information"].passed
    assert not checks["friction_tensor"].passed and "exploded" in checks["friction_tensor"].reason


def test_same_seed_same_numbers():
    a = run_theorem_checks("(x - theta)**2/2", seed=7, only=["jarzynski", "sampler_stationarity"])
    b = run_theorem_checks("(x - theta)**2/2", seed=7, only=["jarzynski", "sampler_stationarity"])
    assert [c.value for c in a] == [c.value for c in b]


def test_unknown_check_name_is_bad_input():
    with pytest.raises(ParameterError, match="unknown check"):
        run_theorem_checks("(x - theta)**2/2", only=["no_such_check"])


# --------------------------------------------------------------- the references
@pytest.mark.parametrize("k, beta, mu", [(1, sp.Rational(7, 10), 1), (2, sp.Rational(1, 2), 3)])
def test_reference_metric_harmonic_trap(k, beta, mu):
    num = tt.twin(harmonic_trap(k=k, beta=beta, mu=mu))
    th = np.array([0.3])
    # arXiv 2510.03137: ζ = 1/μ, I = βk for the harmonic trap
    assert tt.friction_reference(num, th)[0, 0] == pytest.approx(1 / float(mu), rel=QUADRATURE_RTOL)
    assert tt.fisher_quadrature(num, th)[0, 0] == pytest.approx(float(beta * k), rel=QUADRATURE_RTOL)
    # Richardson second difference of quadrature F: error ~ rtol 1e-11 / h² = 1e-7
    assert tt.fisher_hessian(num, th)[0, 0] == pytest.approx(float(beta * k), rel=1e-6)


@pytest.mark.parametrize("theta, beta, mu", [(0.8, 1, sp.Rational(19, 10)), (1.7, 2, sp.Rational(1, 2))])
def test_reference_metric_learnable_stiffness(theta, beta, mu):
    # E = θx²/2, X = x²/2: OU with σ² = 1/(βθ), ⟨δX(t)δX(0)⟩ = σ⁴e^{−2μθt}/2,
    # so ζ = β σ⁴/(4μθ) = 1/(4μβθ³) and I = β² Var(x²/2) = 1/(2θ²).
    num = tt.twin(learnable_stiffness(beta=beta, mu=mu))
    b, m = float(beta), float(mu)
    # generator solve, Richardson O(h^4) on 2001/4001 points: measured ~1e-11, 1e-8 leaves headroom
    assert tt.friction_reference(num, np.array([theta]))[0, 0] == pytest.approx(1 / (4 * m * b * theta**3), rel=1e-8)
    assert tt.fisher_quadrature(num, np.array([theta]))[0, 0] == pytest.approx(1 / (2 * theta**2), rel=QUADRATURE_RTOL)
    # ⟨∂²θE⟩ = 0 here: the Hessian route alone gives I (difference error ~1e-7)
    assert tt.fisher_hessian(num, np.array([theta]))[0, 0] == pytest.approx(1 / (2 * theta**2), rel=1e-6)


def test_reference_metric_quadratic_2d():
    K = np.array([[2.0, 0.5], [0.5, 1.0]])
    num = tt.twin(quadratic_2d(K=[[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]], beta=2, mu=3))
    th = np.array([0.1, -0.2])
    # X = −K(x − θ): I = β² K Σ K with Σ = K⁻¹/β → βK; ζ = K A⁻² K/μ with A = K → Id/μ
    np.testing.assert_allclose(tt.fisher_quadrature(num, th), 2 * K, rtol=1e-9)
    np.testing.assert_allclose(tt.fisher_hessian(num, th), 2 * K, rtol=1e-5)  # 2-D grid F, Richardson
    # generator solve 101²/201², Richardson: O(h⁴) ~ 1e-5 relative (a wrong scheme is off by O(1))
    np.testing.assert_allclose(tt.friction_reference(num, th), np.eye(2) / 3, rtol=1e-4, atol=1e-6)


def test_generator_2d_matches_ornstein_uhlenbeck_closed_form():
    # E = (x1 − θ)²/2 + x2² + x1x2/2 is OU: ζ = C A⁻² Cᵀ/μ, C = (−1, 0), A = [[1, 1/2], [1/2, 2]]
    num = tt.twin(energy_model("(x1 - theta)**2/2 + x2**2 + x1*x2/2", x="x1,x2", beta=0.7, mu=1.9))
    A = np.array([[1.0, 0.5], [0.5, 2.0]])
    Ainv = np.linalg.inv(A)
    exact = (Ainv @ Ainv)[0, 0] / 1.9
    th = np.array([0.3])
    # Richardson of an O(h²) scheme: 1e-4 relative leaves headroom, a wrong scheme is off by O(1)
    assert tt.friction_reference(num, th)[0, 0] == pytest.approx(exact, rel=1e-4)
    coarse = friction_generator(num.model, th, n=101, box=auto_box(num, th), relaxation=False).friction
    assert coarse[0, 0] != pytest.approx(exact, rel=1e-4)  # rules out luck: the extrapolation is needed


def test_default_equilibrium_and_sampler_sample_p_m(rng):
    num = tt.twin(energy_model("x**4/4 - x**2 - theta*x", beta=0.7, mu=1.9))
    th = np.array([0.3])
    e1, e2 = tt.expect(num, th, lambda x: np.stack([num.energy(x, th), num.energy(x, th) ** 2], axis=1))
    x = sample_equilibrium(num, th, 20000, rng)
    for y in (x, ti.mala_sampler(num, x, th, 0.01, 200, rng)):
        E = num.energy(y, th)
        assert abs(E.mean() - e1) <= N_SIGMA * np.sqrt(e2 - e1**2) / np.sqrt(len(E))


# ---------------------------------------------------------------------- assert_metric
def test_assert_metric_passes_and_fails_readably():
    assert_metric("(x - theta)**2/2", at=0.3, beta=2, mu=4, reference={"fisher": [[2.0]], "friction": [[0.25]]})
    with pytest.raises(AssertionError) as info:
        assert_metric("(x - theta)**2/2", at=0.3, beta=2, mu=4, friction=[[0.5]])
    msg = str(info.value)
    measured = float(re.search(r"measured  \[\[([0-9.e-]+)\]\]", msg).group(1))
    assert "expected  [[0.5]]" in msg and measured == pytest.approx(0.25, rel=1e-9) and "tolerance" in msg


def test_assert_theorems_message_names_check_and_diff():
    bad = replace(Providers(), fisher=lambda num, th: 2 * ti.fisher_auto(num, th))
    with pytest.raises(AssertionError) as info:
        assert_theorems("x**4/4 - theta*x", providers=bad, only=["fisher_information"])
    msg = str(info.value)
    assert "fisher_information: FAILED" in msg and "expected" in msg and "measured" in msg and "tolerance" in msg


# ---------------------------------------------------------------------- CLI
def test_cli_json_contract(capsys):
    assert main(["verify", "(x - theta)**2/2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in data["checks"]] == NAMES
    for c in data["checks"]:
        assert {"name", "passed", "value", "tolerance", "method", "reason"} <= set(c)
    assert data["evaluated_at"]["values"] == {"beta": 0.7, "mu": 1.9}


def test_cli_exit_1_and_names_failing_check(monkeypatch, capsys):
    bad = replace(Providers(), friction=lambda num, th: -ti.friction_auto(num, th))
    monkeypatch.setattr("thermolearn.testing._runner.Providers", lambda: bad)
    monkeypatch.setattr("thermolearn.testing._runner.CHECKS_DYNAMIC", ())
    assert main(["verify", "x**4/4 - theta*x"]) == 1
    out = capsys.readouterr().out
    fails = [line.split()[1] for line in out.splitlines() if line.lstrip().startswith("FAIL")]
    assert fails == ["friction_tensor", "natural_gradient_identity"]
    assert "indefinite" in out and "expected positive definite" in out


@pytest.mark.parametrize("argv, message", [
    (["verify", "x**3 - theta*x"], "not normalisable"),
    (["verify", "x1**2 + x2**2 + x3**2 - theta*x1", "--x", "x1,x2,x3"], "1 or 2 coordinates"),
    (["verify", "import os"], "error"),
    (["verify", "(x - theta)**2", "--set", "mu=0"], "mu must be positive"),
])
def test_cli_bad_input_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_library_bad_input():
    with pytest.raises(ParameterError, match="1 or 2 coordinates"):
        run_theorem_checks(energy_model("x1**2 + x2**2 + x3**2 - theta*x1", x="x1,x2,x3"))


def test_references_never_take_a_closed_form(monkeypatch):
    # The checks compare theory's closed forms (the default ingredients of quadratic energies) with the
    # references: those must not reach the Gaussian closed form of numeric.equilibrium themselves.
    import thermolearn.numeric.equilibrium._api as api

    def refuse(twin):
        raise AssertionError("a reference used the closed form")

    monkeypatch.setattr(api, "_gaussian", refuse)
    num = tt.twin(harmonic_trap(k=2, beta=sp.Rational(7, 10), mu=sp.Rational(19, 10)))
    th = np.array([0.3])
    assert tt.fisher_hessian(num, th)[0, 0] == pytest.approx(1.4, rel=1e-6)
    assert tt.friction_reference(num, th)[0, 0] == pytest.approx(1 / 1.9, rel=1e-8)
    assert tt.reference_free_energy(num, th) == pytest.approx(-np.log(np.sqrt(2 * np.pi / 1.4)) / 0.7, rel=1e-10)
    assert float(tt.expect(num, th, lambda x: x[:, 0])) == pytest.approx(0.3, rel=1e-10)


def test_checks_run_with_one_blas_thread_and_restore_the_callers():
    # the checks' small linear algebra with spinning BLAS threads cost 2.3x the CPU (thermolearn/testing/_runner.py)
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []

    def friction(num, th):
        seen.append([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"])
        return ti.friction_auto(num, th)

    with threadpool_limits(limits=2, user_api="blas"):
        checks = run_theorem_checks("x**4/4 - theta*x", providers=replace(Providers(), friction=friction),
                                    only=["friction_tensor"])
        after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert checks[0].passed and seen and all(n == [1] * len(n) and len(n) >= 2 for n in seen), seen
    assert after == [2] * len(after), after
