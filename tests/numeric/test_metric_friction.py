"""thermolearn.numeric.metric: quadrature, generator and autocorrelation friction agree (cross-checks of the friction tensor)."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from thermolearn.numeric.metric import (
    friction_autocorrelation,
    friction_generator,
    metric_at,
    moments_quadrature,
)
from thermolearn.numeric.model import numeric_twin
from thermolearn.theory import ParameterError, SingularMetricError
from thermolearn.theory.metric import fisher_information, friction_tensor, mean_dE_dtheta
from thermolearn.theory.models import double_well, gaussian_mean_variance, harmonic_trap, learnable_stiffness, quadratic_2d, quartic
from tests.tolerances import N_SIGMA, QUADRATURE_RTOL

V = {"beta": 1.3, "mu": 0.8}


def _closed(model, theta):
    m = model.substitute(V)
    sub = dict(zip(m.theta, np.atleast_1d(theta)))
    f = lambda M: np.array(M.subs(sub).evalf(30), dtype=float)  # noqa: E731
    return f(fisher_information(m)), f(friction_tensor(m)), f(mean_dE_dtheta(m)).ravel()


@pytest.mark.parametrize(
    "model,theta",
    [(harmonic_trap(k=2), -0.7), (learnable_stiffness(), 0.3), (learnable_stiffness(), 2.5),
     (gaussian_mean_variance(), (0.4, 0.2)), (gaussian_mean_variance(), (-1.0, 3.0))],
)
def test_quadrature_matches_quadratic_closed_forms(model, theta):
    q = moments_quadrature(model, theta, values=V)
    I, Z, md = _closed(model, theta)
    scale_i, scale_z = np.abs(I).max(), np.abs(Z).max()
    assert np.abs(q.fisher - I).max() <= QUADRATURE_RTOL * scale_i
    assert np.abs(q.friction - Z).max() <= QUADRATURE_RTOL * scale_z
    assert np.abs(q.mean_dE - md).max() <= QUADRATURE_RTOL * max(1.0, np.abs(md).max())


@pytest.mark.parametrize("model", [quartic(), double_well()])
@pytest.mark.parametrize("theta", [-0.8, 0.0, 1.1])
def test_fisher_quadrature_against_mpmath(model, theta):
    # independent: mpmath.quad on the whole line, I = β²Var(∂θE), ∂θE = −x for both energies
    b = V["beta"]
    E = sp.lambdify((model.x[0], model.theta[0]), model.energy, "mpmath")
    w = lambda x: mpmath.exp(-b * E(x, theta))  # noqa: E731
    with mpmath.workdps(30):  # scoped: a bare mp.dps = 30 stayed set for every later test of the worker
        Z = mpmath.quad(w, [-mpmath.inf, 0, mpmath.inf])
        m1 = mpmath.quad(lambda x: x * w(x), [-mpmath.inf, 0, mpmath.inf]) / Z
        m2 = mpmath.quad(lambda x: x**2 * w(x), [-mpmath.inf, 0, mpmath.inf]) / Z
        fisher, mean_dE = float(b**2 * (m2 - m1**2)), float(-m1)
    q = moments_quadrature(model, theta, values=V)
    assert q.fisher[0, 0] == pytest.approx(fisher, rel=QUADRATURE_RTOL)
    assert q.mean_dE[0] == pytest.approx(mean_dE, rel=QUADRATURE_RTOL, abs=1e-14)


@pytest.mark.parametrize("model", [quartic(), double_well()])
@pytest.mark.parametrize("theta", [-0.8, 0.0, 1.1])
def test_generator_friction_converges_to_quadrature(model, theta):
    # the square-root-approximation generator is O(h²): halving h must cut the error ~4x,
    # and at n = 3201 the error must be below 2e-5 relative (measured h² constant ≈ 1e-5·n²/… )
    q = moments_quadrature(model, theta, values=V).friction[0, 0]
    errs = [abs(friction_generator(model, theta, values=V, n=n).friction[0, 0] - q) / q for n in (801, 1601)]
    assert errs[1] < 2e-5
    assert 2.5 < errs[0] / errs[1] < 6.0  # order 2 within slack


@pytest.mark.parametrize("model,theta", [(quartic(), 0.0), (quartic(), 1.1), (double_well(), 0.0), (double_well(), -0.8)])
def test_autocorrelation_friction_agrees(model, theta, rng):
    # Half-vs-whole covariance estimator: no O(τ_R/T) bias; statistical error `stderr`.
    # Time discretisation (MALA step dt) biases ζ at first order: for an OU chain the AR(1) algebra gives
    # a relative bias dt/(2τ); we allow 4x that with τ the generator's spectral relaxation time
    # (measured at quartic θ=0: 0.748, 0.767, 0.782 for dt = 0.04, 0.02, 0.01 vs exact 0.792).
    q = moments_quadrature(model, theta, values=V).friction[0, 0]
    g = friction_generator(model, theta, values=V, n=801)
    dt = 0.01
    r = friction_autocorrelation(model, theta, values=V, chains=1500, duration=20.0, dt=dt, burn_in=4.0, rng=rng)
    disc = 4 * q * dt / (2 * g.spectral_relaxation_time)
    assert abs(r.friction[0, 0] - q) <= N_SIGMA * r.stderr[0, 0] + disc
    assert r.acceptance > 0.99


def test_generator_2d_matches_closed_form():
    m = quadratic_2d([[2, 0.6], [0.6, 1]])
    I, Z, _ = _closed(m, (0.2, -0.3))
    g = friction_generator(m, (0.2, -0.3), values=V, n=121)
    # O(h²) grid error, h ≈ 0.1 σ here: 1% relative is 10x the measured error
    assert np.allclose(g.friction, Z, rtol=1e-2, atol=1e-2 * np.abs(Z).max())
    assert np.allclose(g.fisher, I, rtol=1e-2, atol=1e-2 * np.abs(I).max())


def test_metric_at_closed_and_numeric():
    r = metric_at(gaussian_mean_variance(), {"m": 0.1, "s": 2.0, "beta": 1, "mu": 1, "t": 0.5, "tau": 1.5})
    assert r["method"] == "closed form"
    assert np.allclose(r["fisher_information"], [[0.5, 0], [0, 0.125]])
    # H = [βζ + (τ − t)I]⁻¹ with ζ = diag(1, 1/8), I = diag(1/2, 1/8): diag(1/1.5, 1/0.25)
    assert np.allclose(r["learning_rate_matrix"], [[1 / 1.5, 0], [0, 4.0]])
    q = metric_at(double_well(), {"theta": 0.3, "beta": 1, "mu": 1})
    assert q["method"] == "quadrature" and q["friction_tensor"][0][0] > 0


def test_bad_input_singular_metric_at_point():
    with pytest.raises(SingularMetricError, match="indefinite"):
        metric_at(gaussian_mean_variance(), {"m": 0.0, "s": -1.0, "beta": 1, "mu": 1})
    with pytest.raises(ParameterError, match="missing"):
        metric_at(quartic(), {"beta": 1, "mu": 1})
    with pytest.raises(ParameterError, match="tau must be positive"):
        metric_at(quartic(), {"theta": 0.0, "beta": 1, "mu": 1, "t": 0, "tau": -1})


def test_bad_input_symbolic_constants_and_sizes(rng):
    with pytest.raises(ParameterError, match="needs numbers"):
        numeric_twin(quartic())
    with pytest.raises(ParameterError, match="theta must be"):
        moments_quadrature(quartic(), (0.0, 1.0), values=V)
    with pytest.raises(ParameterError, match="chains"):
        friction_autocorrelation(quartic(), 0.0, values=V, chains=1, rng=rng)
    with pytest.raises(ParameterError, match="duration"):
        friction_autocorrelation(quartic(), 0.0, values=V, duration=-1.0, rng=rng)
    with pytest.raises(ParameterError, match="stride"):
        friction_autocorrelation(quartic(), 0.0, values=V, stride=0, rng=rng)


@pytest.mark.slow
def test_metric_at_two_dimensional_translation_family_far_from_origin():
    # E = V1(x1 − θ1) + V2(x2 − θ2): ζ = Id/μ exactly (translation family in each coordinate), and
    # I = β diag(⟨V1''⟩, ⟨V2''⟩) (by parts), here from the 1-D quadrature of each factor.  The
    # generator grid (161² points) errs at O(h²): 2e-3 relative.
    from thermolearn.theory import energy_model

    text = "cosh(x1 - theta1) + (x2 - theta2)**4/4 + (x2 - theta2)**2/2"
    model = energy_model(text, x="x1,x2", theta="theta1,theta2", beta=1, mu=2)
    r = metric_at(model, {"theta1": 300.0, "theta2": -200.0})
    assert r["method"].startswith("generator")
    np.testing.assert_allclose(r["friction_tensor"], np.eye(2) / 2, rtol=2e-3, atol=2e-3)
    i1 = moments_quadrature(energy_model("cosh(x - theta)", beta=1, mu=2), 0.0).fisher[0, 0]
    i2 = moments_quadrature(energy_model("(x - theta)**4/4 + (x - theta)**2/2", beta=1, mu=2), 0.0).fisher[0, 0]
    np.testing.assert_allclose(r["fisher_information"], np.diag([i1, i2]), rtol=2e-3, atol=2e-3)


def test_autocorrelation_hooks_chains_sampler_stride_and_mean(rng):
    # (x - θ)²/2 at β = 1.3, μ = 0.8: ζ = 1/μ exactly.  Exact initial draws, X sampled every 5 MALA steps
    # (trapezoid over 0.05 = τ_x/25: O(h²) ≈ 0.3 %), the known mean ⟨X⟩ = 0.  A sampler that does not move
    # inflates the estimate by O(T) (checked below).
    m = harmonic_trap(k=1)
    x0 = rng.normal(0.0, 1 / np.sqrt(1.3), (600, 1))
    r = friction_autocorrelation(m, 0.0, values=V, duration=12.0, dt=0.01, stride=5, x0=x0, mean=[0.0], rng=rng)
    disc = 4 * (1 / 0.8) * 0.01 / (2 * 1 / 0.8)  # MALA step bias as in the test above, τ = 1/μ
    assert abs(r.friction[0, 0] - 1 / 0.8) <= N_SIGMA * r.stderr[0, 0] + disc + 0.01
    assert r.chains == 600 and r.acceptance > 0.99
    frozen = friction_autocorrelation(m, 0.0, values=V, duration=12.0, dt=0.01, stride=5, x0=x0, mean=[0.0], rng=rng,
                                      sampler=lambda tw, x, t, h, k, g: x)
    assert frozen.friction[0, 0] > 3 / 0.8
