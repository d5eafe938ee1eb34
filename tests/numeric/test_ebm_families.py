"""Energy families: ∇ₓE and ∂θE against central differences of E (hypothesis over θ and x),
the symbolic adapter against the native Gaussian, overflow safety, shape errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tolerances import MACHINE_RTOL
from thermolearn.numeric.ebm import (ExponentialFamily, GaussianEBM, MLPEnergy, RBMEnergy, SymbolicFamily,
                                     polynomial_family)
from thermolearn.theory import ParameterError

#: central differences with h = 1e-5 on O(1) energies: truncation ~h² ≈ 1e-10, rounding ~1e-16/h ≈ 1e-11.
FD_ATOL = 1e-6

FAMILIES = {
    "polynomial": polynomial_family(2, 3),
    "gaussian": GaussianEBM(2),
    "rbm": RBMEnergy(3, 4, sigma=1.3),
    "mlp": MLPEnergy(2, 3, sigma=0.8),
}


def _fd(f, z, h=1e-5):
    out = np.empty(z.size)
    for i in range(z.size):
        e = np.zeros(z.size)
        e[i] = h
        out[i] = (f(z + e) - f(z - e)) / (2 * h)
    return out


@pytest.mark.parametrize("name", sorted(FAMILIES))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_gradients_match_finite_differences(name, seed):
    fam = FAMILIES[name]
    rng = np.random.default_rng(seed)
    th = 0.5 * rng.standard_normal(fam.dim_theta)
    if name == "gaussian":
        th = fam.pack(th[:2], [[2.0, 0.3], [0.3, 1.0]])
    x = rng.standard_normal((3, fam.dim_x))
    gx = fam.grad_x(x, th)
    gt = fam.grad_theta(x, th)
    assert gx.shape == (3, fam.dim_x) and gt.shape == (3, fam.dim_theta)
    for k in range(3):
        fx = _fd(lambda z: fam.energy(z[None, :], th)[0], x[k])
        ft = _fd(lambda z: fam.energy(x[k:k + 1], z)[0], th)
        assert np.allclose(gx[k], fx, atol=FD_ATOL, rtol=0)
        assert np.allclose(gt[k], ft, atol=FD_ATOL, rtol=0)


def test_finite_difference_check_catches_a_wrong_gradient():
    """Mutant: an exponential family whose declared ∇φ is off by a factor fails the check."""
    good = polynomial_family(1, 2)
    bad = ExponentialFamily(good.features, lambda x: 2 * good.feature_grad(x), 1, names=good.names)
    x, th = np.array([[0.7]]), np.array([0.3, -0.4])
    fd = _fd(lambda z: bad.energy(z[None, :], th)[0], x[0])
    assert not np.allclose(bad.grad_x(x, th)[0], fd, atol=FD_ATOL)


def test_symbolic_twin_equals_native_gaussian():
    g = GaussianEBM(2)
    sym = SymbolicFamily.from_model(g.symbolic(beta=1, mu=1))
    assert sym.names == g.names
    rng = np.random.default_rng(4)
    x = rng.standard_normal((7, 2))
    th = g.pack([0.2, -0.5], [[1.5, 0.2], [0.2, 0.8]])
    for q in ("energy", "grad_x", "grad_theta"):
        assert np.allclose(getattr(sym, q)(x, th), getattr(g, q)(x, th), rtol=1e-12, atol=1e-14)


def test_rbm_free_energy_is_overflow_safe():
    r = RBMEnergy(2, 2)
    th = np.concatenate([np.zeros(2), 1e3 * np.ones(4), np.zeros(2)])
    x = np.array([[1e3, 1e3], [-1e3, -1e3]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is harmless
        assert np.all(np.isfinite(r.energy(x, th)))
        assert np.all(np.isfinite(r.grad_x(x, th))) and np.all(np.isfinite(r.grad_theta(x, th)))


def test_gaussian_log_partition_closed_form():
    g = GaussianEBM(1)
    assert np.isclose(g.log_partition(g.pack([0.4], [[2.0]]), 1.5), 0.5 * np.log(2 * np.pi / 1.5) - 0.5 * np.log(2.0))
    assert g.log_partition(g.pack([0.0], [[-1.0]]), 1.0) == np.inf


def test_shape_and_value_errors():
    fam = polynomial_family(2, 2)
    with pytest.raises(ParameterError, match="x must have shape"):
        fam.energy(np.zeros((3, 3)), np.zeros(5))
    with pytest.raises(ParameterError, match="theta"):
        fam.energy(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ParameterError, match="degree"):
        polynomial_family(2, 4)
    with pytest.raises(ParameterError, match="n_hidden"):
        RBMEnergy(2, 0)
    with pytest.raises(ParameterError, match="sigma"):
        MLPEnergy(2, 2, sigma=0.0)


@pytest.mark.parametrize("name", ["gaussian", "rbm", "mlp"])
def test_fast_mean_gradient_equals_mean_of_rows(name):
    fam = FAMILIES[name]
    rng = np.random.default_rng(3)
    th = rng.standard_normal(fam.dim_theta)
    x = rng.standard_normal((9, fam.dim_x))
    assert np.allclose(fam.mean_grad_theta(x, th), fam.grad_theta(x, th).mean(axis=0), rtol=1e-12, atol=1e-14)
    assert not np.allclose(fam.mean_grad_theta(x, th), fam.grad_theta(x[:8], th).mean(axis=0))  # mutant: a row lost

FUSED = {"polynomial-2d3": polynomial_family(2, 3), "polynomial-1d3": polynomial_family(1, 3),
         "polynomial-3d2": polynomial_family(3, 2, confinement=2.0), "rbm": RBMEnergy(3, 4, sigma=1.3),
         "rbm-wide": RBMEnergy(5, 7, sigma=0.6)}


@pytest.mark.parametrize("name", sorted(FUSED))
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), scale=st.sampled_from([0.1, 1.0, 5.0]))
def test_energy_change_is_the_energy_difference(name, seed, scale):
    """The fused E(x, θ′) − E(x, θ) of the work ledger against two energy evaluations (shifted, scaled θ, x)."""
    fam = FUSED[name]
    rng = np.random.default_rng(seed)
    th = scale * rng.standard_normal(fam.dim_theta)
    new = th + 0.1 * scale * rng.standard_normal(fam.dim_theta)
    x = scale * rng.standard_normal((6, fam.dim_x)) + rng.standard_normal(fam.dim_x)
    ref = fam.energy(x, new) - fam.energy(x, th)
    size = np.abs(fam.energy(x, new)) + np.abs(fam.energy(x, th)) + 1.0
    assert np.all(np.abs(fam.energy_change(x, th, new) - ref) <= MACHINE_RTOL * size)


@pytest.mark.parametrize("dim,degree", [(1, 1), (1, 3), (2, 2), (2, 3), (3, 3)])
def test_monomial_features_and_gradient_are_the_powers(dim, degree):
    """φ, ∇ₓφ and the contraction Σθₖ∇ₓφₖ of the product-chain monomials against x**p directly."""
    fam = polynomial_family(dim, degree)
    rng = np.random.default_rng(dim * 10 + degree)
    x, th = 1.5 * rng.standard_normal((9, dim)), rng.standard_normal(fam.dim_theta)
    P = fam.features.powers
    assert np.allclose(fam.features(x), np.prod(x[:, None, :] ** P, axis=-1), rtol=MACHINE_RTOL, atol=0)
    ref = np.stack([P[:, j] * np.prod(x[:, None, :] ** np.maximum(P - np.eye(dim, dtype=int)[j], 0), axis=-1)
                    for j in range(dim)], axis=-1)
    assert np.allclose(fam.feature_grad(x), ref, rtol=MACHINE_RTOL, atol=1e-14)
    assert np.allclose(fam.feature_grad.contract(x, th), np.einsum("nkd,k->nd", ref, th), rtol=1e-11, atol=1e-12)


def test_monomial_memo_follows_chains_moved_in_place():
    """The trainer moves its chains in place (x -= ...): the kept features must follow the values, not the
    array object; the kept array is read-only, so a caller centring it in place cannot corrupt it."""
    fam = polynomial_family(2, 3)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 2))
    first = fam.features(x).copy()
    x += 0.25
    assert np.allclose(fam.features(x), np.prod(x[:, None, :] ** fam.features.powers, axis=-1), rtol=MACHINE_RTOL)
    assert not np.allclose(fam.features(x), first)
    with pytest.raises(ValueError):
        fam.grad_theta(x, np.zeros(fam.dim_theta))[0, 0] = 1.0


@pytest.mark.parametrize("jump", [800.0, -800.0, 30.0])
def test_rbm_energy_change_beyond_expm1_overflow(jump):
    """A parameter jump that moves a pre-activation by more than e^δ can hold (δ > 709) is still the finite
    energy difference (the fused ln(1 + σ(u)(e^δ − 1)) would overflow there; its fallback takes over)."""
    fam = RBMEnergy(3, 2, sigma=0.8)
    rng = np.random.default_rng(5)
    th = rng.standard_normal(fam.dim_theta)
    new = th.copy()
    new[-2] += jump  # b_0: every chain's first pre-activation moves by the jump
    x = rng.standard_normal((4, 3))
    ref = fam.energy(x, new) - fam.energy(x, th)
    got = fam.energy_change(x, th, new)
    size = np.abs(fam.energy(x, new)) + np.abs(fam.energy(x, th)) + 1.0
    assert np.all(np.isfinite(got)) and np.all(np.abs(got - ref) <= MACHINE_RTOL * size)
