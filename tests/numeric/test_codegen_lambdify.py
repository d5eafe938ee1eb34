"""lambdify / model_callable: broadcasting, shapes, backends and bad input.

Reference values are direct sympy evaluations (``subs`` + ``evalf``), the
py-pde "reference beside the fast one" check of STYLE.md.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from thermolearn.numeric.codegen import lambdify, model_callable
from tests.tolerances import MACHINE_RTOL
from thermolearn.theory import ModelError, ParameterError
from thermolearn.theory.models import gaussian_mean_variance, harmonic_trap, quadratic_2d

x, th, k = sp.symbols("x theta k", real=True)


@pytest.mark.parametrize("backend", ["numpy", "scipy"])
def test_broadcasting_over_samples_and_parameters(backend, rng):
    expr = sp.exp(-th * x) * sp.sin(x) + sp.erf(x) * th
    f = lambdify(expr, [x, th], backend=backend)
    xs, ths = rng.normal(size=(5, 1)), rng.normal(size=(3,))
    got = f(xs, ths)
    assert got.shape == (5, 3)
    for i, j in [(0, 0), (4, 2), (2, 1)]:
        ref = float(expr.evalf(30, subs={x: xs[i, 0], th: ths[j]}))
        assert got[i, j] == pytest.approx(ref, rel=MACHINE_RTOL, abs=MACHINE_RTOL)


def test_constant_entries_broadcast_to_full_shape(rng):
    f = lambdify(sp.Matrix([[1, x], [th, 2]]), [x, th])
    got = f(rng.normal(size=4), 0.5)
    assert got.shape == (4, 2, 2)
    assert np.all(got[:, 0, 0] == 1) and np.all(got[:, 1, 0] == 0.5) and np.all(got[:, 1, 1] == 2)


def test_model_callable_vector_and_keywords(rng):
    model = quadratic_2d()
    drift = model_callable(model, "drift")
    pts = rng.normal(size=(6, 4))
    kw = {"beta": 1.3, "mu": 0.7, "k11": 2.0, "k12": 0.3, "k22": 1.5}
    got = drift(*pts.T, **kw)
    assert got.shape == (6, 2)
    K = np.array([[2.0, 0.3], [0.3, 1.5]])
    ref = -0.7 * (pts[:, :2] - pts[:, 2:]) @ K.T  # −μ K (x − θ), independent formula
    np.testing.assert_allclose(got, ref, rtol=MACHINE_RTOL, atol=MACHINE_RTOL)


def test_model_callable_gaussian_dE_dtheta(rng):
    f = model_callable(gaussian_mean_variance(), "dE_dtheta")
    xv, m, s = rng.normal(size=3), 0.2, np.array([0.5, 1.0, 2.0])
    got = f(xv, m, s, beta=1.0, mu=1.0)
    np.testing.assert_allclose(got[:, 0], -(xv - m) / s, rtol=MACHINE_RTOL)
    np.testing.assert_allclose(got[:, 1], -(xv - m) ** 2 / (2 * s**2), rtol=MACHINE_RTOL)


def test_bad_input_is_named():
    with pytest.raises(ParameterError, match="backend must be one of"):
        lambdify(x, [x], backend="jax")
    with pytest.raises(ModelError, match=r"symbol\(s\) \['theta'\]"):
        lambdify(x * th, [x])
    with pytest.raises(ModelError, match="must be sympy Symbols"):
        lambdify(x, ["x"])
    with pytest.raises(ModelError, match="expected a sympy expression"):
        lambdify(object(), [x])
    f = model_callable(harmonic_trap(), "energy")
    with pytest.raises(ParameterError, match="expected 2 positional"):
        f(1.0)
    with pytest.raises(ParameterError, match=r"missing \['k'\]"):
        f(1.0, 2.0, beta=1.0, mu=1.0)
    with pytest.raises(ModelError, match="quantity 'entropy' is not available"):
        model_callable(harmonic_trap(), "entropy")
    with pytest.raises(ModelError, match="must be a theory.EnergyModel"):
        model_callable("x**2", "energy")


@pytest.mark.parametrize("theta", [0.7, np.array(0.7), np.full(4, 0.7)])
def test_result_never_aliases_an_argument(theta):
    # ∂θE of E = θx is x itself: the lambdified function returns its argument, which the wrapper must copy
    # (scalar, 0-d and array θ alike); a result the caller owns may be written to
    from thermolearn.numeric.codegen import model_callable
    from thermolearn.theory import energy_model

    f = model_callable(energy_model("theta*x + x**2", beta=2, mu=0.5), "dE_dtheta")
    x = np.linspace(-1.0, 1.0, 4)
    out = f(x, theta)
    assert out.shape == (4, 1) and not np.may_share_memory(out, x)
    out[:] = 99.0
    assert x.tolist() == np.linspace(-1.0, 1.0, 4).tolist()
