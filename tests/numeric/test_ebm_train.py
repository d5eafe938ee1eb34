"""PCD trainer: work against exact moment equations, Theorem 1 on 2-D non-Gaussian
multi-parameter runs with online-estimated metrics, the schedule against
``theory.metric``'s H(t), and the result object."""

import warnings

import numpy as np
import pytest
import sympy as sp

from tests.tolerances import MACHINE_RTOL, N_SIGMA
from thermolearn.numeric.ebm import (Adam, Constant, MetricEstimator, MetricState, NaturalGradient, PCDConfig,
                                     PCDTrainer, SlowDriving, SymbolicFamily, grid_partition, polynomial_family,
                                     train)
from thermolearn.theory import AccuracyWarning, ParameterError

pytestmark = pytest.mark.filterwarnings("ignore::thermolearn.theory.AccuracyWarning")

K = np.array([[1.5, 0.4], [0.4, 1.0]])
KS = [[sp.Rational(3, 2), sp.Rational(2, 5)], [sp.Rational(2, 5), 1]]


def _trap(beta, mu):
    from thermolearn.theory.models import quadratic_2d

    return SymbolicFamily.from_model(quadratic_2d(KS, beta=beta, mu=mu))


def _moment_recursion(th0, xbar, beta, mu, eta, dt, steps):
    """Exact means of the Euler scheme for E = ½(x−θ)ᵀK(x−θ) (chain mean u, θ, work)."""
    u, th, W = th0.copy(), th0.copy(), 0.0
    for _ in range(steps):
        u = u - mu * dt * K @ (u - th)
        new = th - eta * beta * K @ (u - xbar) * dt
        W += 0.5 * new @ K @ new - 0.5 * th @ K @ th - (new - th) @ K @ u
        th = new
    return th, W


def test_work_of_constant_rate_matches_moment_equations():
    """Mean work over seeds vs the exact moment recursion (ΔF = 0: W_ex = W).

    The per-run chain spread misses the common fluctuation of the θ path, so
    the criterion uses the spread over 8 independent seeds (N_SIGMA s.e.);
    the O(1/n) covariance terms the mean recursion omits are ~1e-3 here.
    """
    beta, mu, eta, dt, steps, n = 1.5, 0.8, 0.7, 0.01, 300, 400
    fam = _trap(beta, mu)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(300, 2)) + np.array([2.0, -1.0])
    th0 = np.array([-1.0, 0.5])
    th_ref, w_ref = _moment_recursion(th0, data.mean(0), beta, mu, eta, dt, steps)
    chol = np.linalg.cholesky(np.linalg.inv(beta * K))
    works, thetas = [], []
    for seed in range(8):
        r = np.random.default_rng(100 + seed)
        x0 = th0 + r.standard_normal((n, 2)) @ chol.T  # equilibrium at θ0
        res = train(fam, data, th0, Constant(eta), PCDConfig(steps=steps, dt=dt, chains=n, beta=beta, mu=mu,
                    warmup=0, record_every=steps, metric=None), rng=r, x0=x0)
        works.append(res.final_work)
        thetas.append(res.theta_final)
    se = np.std(works, ddof=1) / np.sqrt(len(works))
    assert abs(np.mean(works) - w_ref) < N_SIGMA * se
    assert abs(np.mean(works) - 1.5 * w_ref) > N_SIGMA * se  # mutant: a wrong reference fails
    th_se = np.std(thetas, axis=0, ddof=1) / np.sqrt(len(thetas))
    assert np.all(np.abs(np.mean(thetas, axis=0) - th_ref) < N_SIGMA * th_se + 1e-12)


def _two_cluster_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.integers(0, 2, n)
    return np.stack([np.where(c, 1.0, -1.0) + 0.35 * rng.standard_normal(n),
                     0.5 * rng.standard_normal(n) + 0.3 * c], axis=1)


def _double_well():
    from thermolearn.theory import energy_model

    return SymbolicFamily.from_model(energy_model("a*(x1**2 - b)**2 + c*x1*x2 + x2**2/2", x="x1,x2",
                                                  theta="a,b,c", beta=1, mu=1))


@pytest.mark.parametrize("case", ["exponential-family", "double-well"])
@pytest.mark.parametrize("schedule", [SlowDriving(), Constant(0.5)], ids=lambda s: s.name)
def test_bias_equals_beta_excess_work_2d(case, schedule):
    """Theorem 1 (arXiv 2510.03137): L − L̃ = βW_ex, L exact by grid quadrature.

    Criterion: within N_SIGMA standard errors of βW_ex.  The residual is the
    O(Σ|Δθ|²) difference of the learner's first-order line integral and the
    exact jump work (zero for energies linear in θ); a wrong free-energy
    change (sign flipped) must fail.
    """
    data = _two_cluster_data()
    if case == "exponential-family":
        fam, th0, box = polynomial_family(2, 3), np.zeros(9), ((-5, 5), (-5, 5))
    else:
        fam, th0, box = _double_well(), np.array([0.5, 0.5, 0.0]), ((-5, 5), (-8, 8))
    gp = grid_partition(fam, 1.0, box, n=161)
    cfg = PCDConfig(steps=300, dt=0.01, chains=200, warmup=100, record_every=100, metric=MetricEstimator(block=50))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)  # short blocks: ζ̂ only shapes the schedule here
        res = train(fam, data[:300], th0, schedule, cfg, rng=np.random.default_rng(1), partition=gp,
                    heldout=data[300:])
    assert gp.edge_mass(res.theta_final) < 1e-12
    assert res.bias_se > 0
    assert abs(res.bias - res.beta * res.excess_work) < N_SIGMA * res.bias_se
    if case == "exponential-family":  # linear in θ: the identity is exact up to rounding
        assert abs(res.bias - res.beta * res.excess_work) < 1e3 * MACHINE_RTOL * max(1.0, abs(res.bias))
    mutant = res.beta * (res.final_work + res.free_energy_change)
    assert abs(res.bias - mutant) > N_SIGMA * res.bias_se
    s = res.summary()
    assert s["heldout_log_likelihood"] is not None and s["thermodynamic_length"] > 0


def test_slow_driving_velocity_is_theory_H():
    """θ̇ = −H(t)∇̃L with H = [βζ + (τ − t)I]⁻¹ from ``theory.metric.learning_rate_matrix``."""
    from thermolearn.numeric.codegen import lambdify
    from thermolearn.theory.metric import T_SYMBOL, TAU_SYMBOL, learning_rate_matrix

    Zs = sp.Matrix([[sp.Rational(3, 2), sp.Rational(1, 5)], [sp.Rational(1, 5), 1]])
    Is = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 3]])
    beta = sp.Rational(7, 5)
    H = lambdify(learning_rate_matrix(Zs, Is, beta), [T_SYMBOL, TAU_SYMBOL])
    st = MetricState(MetricEstimator(mode="full"), 2, 4, 0.01, float(beta))
    st.friction, st.fisher = np.array(Zs, float), np.array(Is, float)
    g = np.array([0.3, -1.1])
    for t in (0.0, 0.4, 0.99):
        v = SlowDriving().velocity(t, 1.0, g, st, {}, 0.01)
        assert np.allclose(v, -H(t, 1.0) @ g, rtol=MACHINE_RTOL, atol=0)
        assert not np.allclose(v, -H(t, 2.0) @ g, rtol=1e-3)  # mutant: wrong τ
    tr = float(beta) * np.trace(st.friction) / np.trace(st.fisher)
    v = NaturalGradient().velocity(0.2, 1.0, g, st, {}, 0.01)
    assert np.allclose(v, -np.linalg.solve(st.fisher, g) / (0.8 + tr), rtol=MACHINE_RTOL)


def test_adam_first_step_is_lr_times_sign():
    v = Adam(lr=0.1).velocity(0.0, 1.0, np.array([3.0, -0.2]), None, {}, 0.5)
    assert np.allclose(v * 0.5, [-0.1, 0.1], rtol=1e-6)


def test_trainer_result_save_and_plot(tmp_path):
    fam = polynomial_family(2, 2)
    data = _two_cluster_data(120)
    gp = grid_partition(fam, 1.0, ((-5, 5), (-5, 5)), n=81)
    res = PCDTrainer(fam, PCDConfig(steps=60, chains=30, warmup=20, record_every=20)).fit(
        data, np.zeros(fam.dim_theta), NaturalGradient(), rng=np.random.default_rng(2), partition=gp, heldout=data)
    npz = res.save(tmp_path / "run")
    assert npz.exists() and (tmp_path / "run.json").exists()
    with np.load(npz) as z:
        assert z["times"].shape == (4,) and z["theta"].shape == (4, 5)
    res.plot(tmp_path / "run.png")
    assert (tmp_path / "run.png").stat().st_size > 1000


def test_same_seed_same_numbers():
    fam = polynomial_family(2, 2)
    data = _two_cluster_data(100)
    cfg = PCDConfig(steps=40, chains=20, warmup=20)
    a = train(fam, data, np.zeros(5), SlowDriving(), cfg, rng=np.random.default_rng(7))
    b = train(fam, data, np.zeros(5), SlowDriving(), cfg, rng=np.random.default_rng(7))
    assert np.array_equal(a.theta, b.theta) and a.final_work == b.final_work


@pytest.mark.parametrize("bad, match", [
    (dict(steps=0), "steps"), (dict(chains=1), "chains"), (dict(dt=-1.0), "dt"), (dict(batch_size=0), "batch_size"),
    (dict(warmup=-1), "warmup"),
])
def test_config_errors(bad, match):
    with pytest.raises(ParameterError, match=match):
        PCDConfig(**bad)


def test_train_input_errors():
    fam = polynomial_family(2, 2)
    data = _two_cluster_data(50)
    cfg = PCDConfig(steps=5, chains=4, warmup=2)
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match="data"):
        train(fam, data[:, :1], np.zeros(5), Constant(1.0), cfg, rng=rng)
    with pytest.raises(ParameterError, match="data"):
        train(fam, np.where(data > 0, np.nan, data), np.zeros(5), Constant(1.0), cfg, rng=rng)
    with pytest.raises(ParameterError, match="theta0"):
        train(fam, data, np.zeros(4), Constant(1.0), cfg, rng=rng)
    with pytest.raises(ParameterError, match="warmup"):
        train(fam, data, np.zeros(5), SlowDriving(), cfg, rng=rng)
    with pytest.raises(ParameterError, match="rng"):
        train(fam, data, np.zeros(5), Constant(1.0), cfg, rng=0)
    with pytest.raises(ParameterError, match="eta"):
        Constant(-1.0)


def test_unresolved_metric_blocks_warn():
    fam = polynomial_family(2, 2)
    cfg = PCDConfig(steps=40, chains=20, warmup=20, metric=MetricEstimator(block=4, adaptive=False))
    with pytest.warns(AccuracyWarning, match="relaxation time"):
        train(fam, _two_cluster_data(60), np.zeros(5), SlowDriving(), cfg, rng=np.random.default_rng(0))


def _gaussian_recursion(g, th0, xbar, C_d, beta, mu, eta, dt, steps):
    """Exact means of the Euler scheme for the Gaussian EBM with learnable mean and precision.

    Chain mean u and covariance S obey u' = m + A(u − m), S' = ASAᵀ + 2μdt/β·1,
    A = 1 − μdtP; the chain and data averages of ∂θE and E need only these
    first two moments; ΔF = (ln det P(τ) − ln det P(0))/(2β).
    """
    d = g.dim_x
    iu = np.triu_indices(d)
    off = np.where(iu[0] == iu[1], 0.5, 1.0)

    def moments(th, mean, cov):
        m, P = g.unpack(th)
        y = mean - m
        M2 = cov + np.outer(y, y)
        return np.concatenate([-(P @ y), M2[iu] * off]), 0.5 * np.trace(P @ M2)

    th = th0.copy()
    u, S = g.unpack(th0)[0].copy(), np.linalg.inv(beta * g.unpack(th0)[1])
    W = 0.0
    for _ in range(steps):
        m, P = g.unpack(th)
        A = np.eye(d) - mu * dt * P
        u = m + A @ (u - m)
        S = A @ S @ A.T + 2 * mu * dt / beta * np.eye(d)
        grad = beta * (moments(th, xbar, C_d)[0] - moments(th, u, S)[0])
        new = th - eta * grad * dt
        W += moments(new, u, S)[1] - moments(th, u, S)[1]
        th = new
    return th, W


@pytest.mark.slow
def test_gaussian_mean_and_precision_excess_work_matches_moment_equations():
    """W_ex = W − ΔF of the 5-parameter 2-D Gaussian EBM against the exact moment recursion.

    Spread over 8 seeds (N_SIGMA s.e.).  The finite-chain noise in θ adds a
    dissipation of order 1/n (measured: +0.034 at n = 400, +0.004 at
    n = 3200 on this problem), about 0.009 at n = 1600, below the error.
    """
    from thermolearn.numeric.ebm import GaussianEBM, GaussianPartition

    g = GaussianEBM(2)
    beta, mu, eta, dt, steps, n = 1.3, 0.9, 0.4, 0.01, 300, 1600
    rng = np.random.default_rng(0)
    data = rng.normal(size=(400, 2)) @ np.array([[1.2, 0.0], [0.5, 0.6]]) + np.array([1.0, -0.5])
    th0 = g.pack([0.0, 0.0], [[1.0, 0.2], [0.2, 1.5]])
    part = GaussianPartition(g, beta)
    th_ref, w_ref = _gaussian_recursion(g, th0, data.mean(0), np.cov(data.T, bias=True), beta, mu, eta, dt, steps)
    wex_ref = w_ref - (part.free_energy(th_ref) - part.free_energy(th0))
    m0, P0 = g.unpack(th0)
    chol = np.linalg.cholesky(np.linalg.inv(beta * P0))
    wex = []
    for seed in range(8):
        r = np.random.default_rng(200 + seed)
        x0 = m0 + r.standard_normal((n, 2)) @ chol.T
        res = train(g, data, th0, Constant(eta), PCDConfig(steps=steps, dt=dt, chains=n, beta=beta, mu=mu, warmup=0,
                    record_every=steps, metric=None), rng=r, x0=x0, partition=part)
        wex.append(res.excess_work)
        assert abs(res.bias - beta * res.excess_work) < N_SIGMA * res.bias_se  # Theorem 1 on every run
    se = np.std(wex, ddof=1) / np.sqrt(len(wex))
    assert abs(np.mean(wex) - wex_ref) < N_SIGMA * se
    assert abs(np.mean(wex) - w_ref) > N_SIGMA * se  # mutant: forgetting ΔF fails


class _Opaque:
    """A family seen only through energy/grad_theta (no linear_parts, no energy_change)."""

    def __init__(self, fam):
        self.fam, self.dim_x, self.dim_theta = fam, fam.dim_x, fam.dim_theta

    def energy(self, x, th):
        return self.fam.energy(x, th)

    def grad_theta(self, x, th):
        return self.fam.grad_theta(x, th)


@pytest.mark.parametrize("dim", [1, 2])
def test_grid_partition_linear_path_equals_generic(dim):
    """ln Z, ⟨∂θE⟩ and the edge mass from the cached grid features equal the per-call energy path."""
    from thermolearn.numeric.ebm import grid_partition, polynomial_family

    fam = polynomial_family(dim, 3)
    box = ((-4.0, 5.0),) * dim
    fast, slow = grid_partition(fam, 1.7, box, n=61), grid_partition(_Opaque(fam), 1.7, box, n=61)
    rng = np.random.default_rng(dim)
    for _ in range(3):
        th = 0.4 * rng.standard_normal(fam.dim_theta)
        assert fast.log_partition(th) == pytest.approx(slow.log_partition(th), rel=MACHINE_RTOL, abs=1e-12)
        assert np.allclose(fast.model_mean(th), slow.model_mean(th), rtol=1e-11, atol=1e-12)
        assert fast.edge_mass(th) == pytest.approx(slow.edge_mass(th), rel=1e-9, abs=1e-300)
    with pytest.raises(ParameterError):
        fast.log_partition(np.full(fam.dim_theta, np.nan))
