"""numeric.model: the numeric twin agrees with sympy at random points, keeps the (..., d) convention."""

import numpy as np
import pytest
import sympy as sp

from thermolearn.numeric.model import numeric_twin
from thermolearn.theory import ParameterError, energy_model

ENERGIES = [
    ("(x - theta)**2/2", "x", "theta"),
    ("cosh(x - theta) + x**2/8", "x", "theta"),
    ("x**6/6 - theta*x", "x", "theta"),
    ("exp(theta*x) - 2*x + x**2", "x", "theta"),
    ("x1**4/4 + x2**2*theta2 + theta1*x1*x2", "x1,x2", "theta1,theta2"),
]


@pytest.mark.parametrize("text,x,theta", ENERGIES)
def test_twin_matches_sympy_at_random_points(text, x, theta, rng):
    model = energy_model(text, x=x, theta=theta, beta=sp.Rational(3, 2), mu=sp.Rational(2, 5))
    tw = numeric_twin(model)
    X = rng.normal(size=(3, 4, tw.d))
    th = rng.uniform(0.2, 1.0, size=tw.n)
    E = tw.energy(X, th)
    G = tw.grad_x(X, th)
    D = tw.dE_dtheta(X, th)
    H = tw.hess_x(X, th)
    C = tw.dtheta_grad_x(X, th)
    T = tw.hess_theta(X, th)
    assert E.shape == (3, 4) and G.shape == (3, 4, tw.d) and D.shape == (3, 4, tw.n)
    assert H.shape == (3, 4, tw.d, tw.d) and C.shape == (3, 4, tw.n, tw.d)
    np.testing.assert_allclose(tw.drift(X, th), -0.4 * G, rtol=1e-15)
    for idx in [(0, 0), (2, 3)]:
        at = {**dict(zip(model.x, X[idx])), **dict(zip(model.theta, th))}
        ev = lambda e: float(sp.N(e.subs(at), 20))  # noqa: E731
        assert E[idx] == pytest.approx(ev(model.energy), rel=1e-13)
        for i, xi in enumerate(model.x):
            assert G[idx][i] == pytest.approx(ev(sp.diff(model.energy, xi)), rel=1e-13, abs=1e-14)
            for j, xj in enumerate(model.x):
                assert H[idx][i, j] == pytest.approx(ev(sp.diff(model.energy, xi, xj)), rel=1e-13, abs=1e-14)
            for k, tk in enumerate(model.theta):
                assert C[idx][k, i] == pytest.approx(ev(sp.diff(model.energy, tk, xi)), rel=1e-13, abs=1e-14)
        for k, tk in enumerate(model.theta):
            assert D[idx][k] == pytest.approx(ev(sp.diff(model.energy, tk)), rel=1e-13, abs=1e-14)
            for l, tl in enumerate(model.theta):
                assert T[idx][k, l] == pytest.approx(ev(sp.diff(model.energy, tk, tl)), rel=1e-13, abs=1e-14)


def test_twin_broadcasts_theta_batches():
    tw = numeric_twin(energy_model("(x - theta)**2/2", beta=1, mu=1))
    X = np.zeros((5, 1))
    th = np.linspace(0, 1, 5)[:, None]
    np.testing.assert_allclose(tw.energy(X, th), th[:, 0] ** 2 / 2)


def test_twin_values_and_errors():
    m = energy_model("k*(x - theta)**2/2")
    tw = numeric_twin(m, {"k": 2, "beta": 1, "mu": 3, "theta": 99})  # θ in values is ignored
    assert tw.energy(np.array([[1.0]]), [0.0]).tolist() == [1.0]
    assert numeric_twin(m, {"k": 2, "beta": 1, "mu": 3}) is tw  # cached
    with pytest.raises(ParameterError, match="needs numbers"):
        numeric_twin(m)
    with pytest.raises(ParameterError, match=r"shape \(\.\.\., 1\)"):
        tw.energy(np.zeros((3, 2)), [0.0])
    with pytest.raises(ParameterError, match="theta must"):
        tw.theta_vector([0.0, 1.0])
    with pytest.raises(ParameterError, match="theta must"):
        tw.theta_vector([np.nan])


def test_second_derivatives_compile_on_first_use_and_fail_clearly():
    """|x − θ| has no numeric second derivative (DiracDelta): the twin still serves E, ∇ₓE, ∂θE; hess_x is a ModelError."""
    from thermolearn.theory import ModelError

    tw = numeric_twin(energy_model("abs(x - theta) + x**2/2", beta=1, mu=1))
    x = np.array([[0.3], [2.0]])
    np.testing.assert_allclose(tw.energy(x, [0.5]), [0.2 + 0.045, 1.5 + 2.0])
    np.testing.assert_allclose(tw.grad_x(x, [0.5])[:, 0], [-1.0 + 0.3, 1.0 + 2.0])
    for name in ("hess_x", "dtheta_grad_x", "hess_theta"):
        with pytest.raises(ModelError, match=f"{name} of .* cannot be evaluated numerically"):
            getattr(tw, name)(x, [0.5])
