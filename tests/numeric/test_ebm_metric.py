"""Online Fisher information and friction from the chains against exact values.

* 2-D trap with a full stiffness (mean parameters): ``theory.metric`` closed forms;
* 2-D Gaussian with learnable mean and full precision (5 parameters), slow;
* 1-D non-Gaussian two-parameter energy: ``numeric.metric`` quadrature friction.

Criterion: every entry within N_SIGMA batch-means standard errors (the
blocks are ≥ 10 relaxation times long, so they are nearly independent); a
wrong reference (mobility doubled) must fail the same criterion.  The
Euler–Maruyama bias of the stationary law, O(μλdt/2) ≲ 1 %, is far below
the statistical error at these sizes.
"""

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tolerances import MACHINE_RTOL, N_SIGMA
from thermolearn.numeric.ebm import GaussianEBM, MetricEstimator, PCDConfig, SymbolicFamily, estimate_metric


def _z(est, se, ref):
    return np.max(np.abs((est - ref) / se))


@pytest.mark.parametrize("mode", ["full", "diagonal"])
def test_trap_2d_metric_vs_theory(mode):
    from thermolearn.theory.metric import fisher_information, friction_tensor
    from thermolearn.theory.models import quadratic_2d

    beta, mu = 1.5, sp.Integer(1)
    model = quadratic_2d([[sp.Rational(3, 2), sp.Rational(2, 5)], [sp.Rational(2, 5), 1]], beta=beta, mu=mu)
    Z = np.array(friction_tensor(model), float)
    I = np.array(fisher_information(model), float)
    fam = SymbolicFamily.from_model(model)
    cfg = PCDConfig(steps=4000, dt=0.01, chains=300, beta=beta, mu=float(mu), warmup=300,
                    metric=MetricEstimator(block=1000, mode=mode, adaptive=False))
    z, zse, f, fse, blocks = estimate_metric(fam, np.array([0.3, -1.0]), cfg, rng=np.random.default_rng(3))
    assert np.median([b.resolution for b in blocks]) < 2.4  # blocks ≈ 8 slowest relaxation times
    if mode == "diagonal":
        Z, I = np.diag(Z), np.diag(I)
    assert _z(z, zse, Z) < N_SIGMA
    assert _z(f, fse, I) < N_SIGMA
    assert _z(z, zse, Z / 2) > N_SIGMA  # mutant: friction of the mobility 2μ


def test_1d_two_parameter_friction_vs_quadrature():
    from thermolearn.numeric.metric import moments_quadrature
    from thermolearn.theory import energy_model

    model = energy_model("x**4/4 + a*x**2/2 - b*x", theta="a,b", beta=1.3, mu=0.8)
    theta = np.array([1.0, 0.7])
    q = moments_quadrature(model, theta)
    fam = SymbolicFamily.from_model(model)
    cfg = PCDConfig(steps=4000, dt=0.01, chains=300, beta=1.3, mu=0.8, warmup=300,
                    metric=MetricEstimator(block=1000, adaptive=False))
    z, zse, f, fse, blocks = estimate_metric(fam, theta, cfg, rng=np.random.default_rng(5))
    assert np.median([b.resolution for b in blocks]) < 2.4
    assert _z(z, zse, q.friction) < N_SIGMA
    assert _z(f, fse, q.fisher) < N_SIGMA
    assert _z(z, zse, q.friction / 2) > N_SIGMA  # mutant


@pytest.mark.slow
def test_gaussian_mean_and_precision_metric_vs_theory():
    from thermolearn.theory.metric import fisher_information, friction_tensor

    g = GaussianEBM(2)
    beta, mu = 2.0, 0.7
    model = g.symbolic(beta=2, mu=sp.Rational(7, 10))
    th = g.pack([0.3, -0.2], [[2.0, 0.5], [0.5, 1.5]])
    sub = dict(zip(model.theta, th))
    Z = np.array(friction_tensor(model).subs(sub), float)
    I = np.array(fisher_information(model).subs(sub), float)
    cfg = PCDConfig(steps=9600, dt=0.01, chains=400, beta=beta, mu=mu, warmup=500,
                    metric=MetricEstimator(block=800, mode="full", adaptive=False))
    z, zse, f, fse, _ = estimate_metric(g, th, cfg, rng=np.random.default_rng(3))
    assert _z(z, zse, Z) < N_SIGMA
    assert _z(f, fse, I) < N_SIGMA
    assert _z(z, zse, Z / 2) > N_SIGMA


def test_adaptive_block_grows_until_resolved():
    from thermolearn.theory.models import quadratic_2d

    fam = SymbolicFamily.from_model(quadratic_2d([[1, 0], [0, 1]], beta=1, mu=1))
    cfg = PCDConfig(steps=1500, dt=0.05, chains=200, warmup=0, metric=MetricEstimator(block=4))
    _, _, _, _, blocks = estimate_metric(fam, np.zeros(2), cfg, rng=np.random.default_rng(0))
    assert blocks[-1].steps > 4 and blocks[-1].resolved


def test_lowrank_preconditioner_is_its_dense_matrix():
    """The Woodbury solve and the quadratic form of ``lowrank`` equal the dense diag + VΛVᵀ they stand for."""
    from thermolearn.numeric.ebm import MetricState

    cfg = PCDConfig(dt=0.01, chains=50, metric=MetricEstimator(block=40, mode="lowrank", rank=3))
    st = MetricState(cfg.metric, 9, 50, cfg.dt, 1.3)
    rng = np.random.default_rng(1)
    for k in range(40):
        st.update(rng.standard_normal((50, 9)) @ np.diag(np.arange(1, 10.0)), 0.01 * k, np.zeros(9))
    Dz, Vz, lz, Di, Vi, li = st._factors
    Z = np.diag(Dz) + (Vz * lz) @ Vz.T
    Imat = np.diag(Di) + (Vi * li) @ Vi.T
    g = rng.standard_normal(9)
    dense = np.linalg.solve(1.3 * Z + 0.7 * Imat, g)
    assert np.allclose(st.solve(1.0, 0.7, g), dense, rtol=1e-10, atol=1e-12)
    assert np.isclose(st.quadratic(g), g @ Z @ g, rtol=1e-12)
    assert np.allclose(np.diag(Z), st.friction, rtol=1e-12)  # the diagonal is kept exact
    assert not np.allclose(st.solve(1.0, 0.7, g), g / (1.3 * st.friction + 0.7 * st.fisher))  # ≠ diagonal mode


def test_block_preconditioner_is_its_dense_matrix():
    """``block`` mode: the generalised-eigen solve equals the dense block-diagonal βζ and I it stands for."""
    from thermolearn.numeric.ebm import MetricState, RBMEnergy

    r = RBMEnergy(4, 2)
    st = MetricState(MetricEstimator(block=40, mode="block", groups=r.parameter_groups()), r.dim_theta, 50, 0.01, 1.3)
    rng = np.random.default_rng(1)
    A = rng.standard_normal((r.dim_theta, r.dim_theta))
    for k in range(40):
        st.update(rng.standard_normal((50, r.dim_theta)) @ A, 0.01 * k, np.zeros(r.dim_theta))
    Z, Imat = np.diag(st.friction), np.diag(st.fisher)
    for idx, V, w, Ip in st._groups:  # the groups of one size, stacked
        for k in range(idx.shape[0]):
            Vi = np.linalg.inv(V[k])
            Z[np.ix_(idx[k], idx[k])] = Vi.T @ np.diag(w[k]) @ Vi / 1.3
            Imat[np.ix_(idx[k], idx[k])] = Ip[k]
    for (idx, V, w, Ip), (Zg, _) in zip(st._groups, st._group_avg):  # the batched Cholesky route against scipy's
        for k in range(idx.shape[0]):
            A = 1.3 * (Zg[k] + Zg[k].T) / 2
            assert np.allclose(w[k], np.maximum(scipy.linalg.eigh(A, Ip[k], eigvals_only=True), 0), rtol=1e-10)
            assert np.allclose(V[k].T @ Ip[k] @ V[k], np.eye(idx.shape[1]), atol=1e-10)
    g = rng.standard_normal(r.dim_theta)
    for t in (0.0, 0.5):
        assert np.allclose(st.solve(1.0, 1.0 - t, g), np.linalg.solve(1.3 * Z + (1.0 - t) * Imat, g), rtol=1e-9)
    assert np.isclose(st.quadratic(g), g @ Z @ g, rtol=1e-10)
    assert not np.allclose(st.solve(1.0, 0.7, g), g / (1.3 * st.friction + 0.7 * st.fisher))  # ≠ diagonal mode


#: Group layouts of ``block`` mode: (dim_theta, groups): two sizes covering every parameter, one group per size,
#: parameters 14..19 in no group.
LAYOUTS = {"covering": (14, ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [13, 10, 11, 12])),
           "per-size": (5, ([4, 0], [1, 2, 3])),
           "partial": (20, ([0, 2, 4, 6, 8], [1, 3, 5, 7, 9], [10, 11, 12, 13]))}


def _block_state(d, groups, blocks=1, beta=1.3, seed=1):
    from thermolearn.numeric.ebm import MetricState

    st_ = MetricState(MetricEstimator(block=40, mode="block", groups=groups, adaptive=False, thin=1), d, 50, 0.01,
                      beta)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    stream = np.cumsum(rng.standard_normal((40 * blocks, 50, d)), axis=0) * 0.2 @ A + 1.0  # correlated in time
    for k, X in enumerate(stream):
        st_.update(X.copy(), 0.01 * k, np.zeros(d))
    return st_, stream


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_block_solve_and_quadratic_equal_their_dense_matrices(layout):
    """Every layout (groups of two sizes, parameters outside the groups): [aβζ + cI]⁻¹g and gᵀζg
    equal the dense block-diagonal matrices for several (a, c), a = 0 (natural gradient) included."""
    d, groups = LAYOUTS[layout]
    st_, _ = _block_state(d, groups, blocks=2)
    Z, Imat = np.diag(st_.friction), np.diag(st_.fisher)
    for idx, V, w, Ip in st_._groups:
        for k in range(idx.shape[0]):
            Vi = np.linalg.inv(V[k])
            Z[np.ix_(idx[k], idx[k])] = Vi.T @ np.diag(w[k]) @ Vi / 1.3
            Imat[np.ix_(idx[k], idx[k])] = Ip[k]
    g = np.random.default_rng(5).standard_normal(d)
    for a, c in ((1.0, 1.0), (1.0, 0.05), (0.0, 1.0), (2.5, 4.0)):
        assert np.allclose(st_.solve(a, c, g), np.linalg.solve(a * 1.3 * Z + c * Imat, g), rtol=1e-9, atol=0)
    assert np.isclose(st_.quadratic(g), g @ Z @ g, rtol=1e-10)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_block_friction_of_a_group_is_the_full_estimate_restricted_to_it(layout):
    """Two blocks: the smoothed ζ̂_g of ``block`` mode (one product of the chain sums per block, moving average
    of weight ``memory``) equals the same average of the full-mode ζ̂ on the group's indices, and Î_g's diagonal
    that of the block-averaged variances of full mode."""
    from thermolearn.numeric.ebm import MetricState

    d, groups = LAYOUTS[layout]
    st_, stream = _block_state(d, groups, blocks=2)
    full = MetricState(MetricEstimator(block=40, mode="full", adaptive=False, thin=1), d, 50, 0.01, 1.3)
    for k, X in enumerate(stream):
        full.update(X.copy(), 0.01 * k, np.zeros(d))
    w = st_.config.memory
    zeta, fisher = ((1 - w) * getattr(full.blocks[0], f) + w * getattr(full.blocks[1], f) for f in ("friction", "fisher"))
    snap = []  # Î_g off the diagonal: the correlations of the block's last centred snapshot, full mode's variances
    for b in (0, 1):
        L = stream[40 * b + 39] - stream[40 * b + 39].mean(axis=0)
        s = np.sqrt(np.diag(full.blocks[b].fisher) / np.sum(L * L, axis=0))
        snap.append(L.T @ L * s[:, None] * s[None, :])
    snap = (1 - w) * snap[0] + w * snap[1]
    size = {len(g) for g in groups}
    for idx, (Zg, Ig) in zip(st_._group_index, st_._group_avg):
        assert idx.shape[1] in size
        for k in range(idx.shape[0]):
            sub = np.ix_(idx[k], idx[k])
            assert np.allclose(Zg[k], zeta[sub], rtol=1e-10, atol=1e-12 * np.abs(zeta).max())
            assert np.allclose(np.diag(Ig[k]), np.diag(fisher)[idx[k]], rtol=1e-10, atol=0)
            assert np.allclose(Ig[k], snap[sub], rtol=1e-10, atol=0)


def test_block_mode_needs_valid_groups():
    from thermolearn.numeric.ebm import MetricState
    from thermolearn.theory import ParameterError

    with pytest.raises(ParameterError, match="groups"):
        MetricEstimator(mode="block")
    with pytest.raises(ParameterError, match="disjoint"):
        MetricState(MetricEstimator(mode="block", groups=([0, 1], [1, 2])), 3, 10, 0.01, 1.0)



def _blocks_of(stream, mode, beta=1.0):
    from thermolearn.numeric.ebm import MetricState

    st = MetricState(MetricEstimator(block=20, mode=mode, adaptive=False), stream.shape[2], stream.shape[1], 0.01, beta)
    for k, X in enumerate(stream):
        st.update(X.copy(), 0.01 * k, np.zeros(stream.shape[2]))
    return st.blocks


@pytest.mark.parametrize("mode", ["full", "diagonal"])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(0.1, 10.0), shift=st.floats(-5.0, 5.0))
def test_estimator_laws(mode, seed, scale, shift):
    """ζ̂, Î scale as c² under X → cX, ignore a common shift of X, follow chain permutations, scale as β and β²."""
    rng = np.random.default_rng(seed)
    stream = np.cumsum(rng.standard_normal((40, 12, 3)), axis=0) * 0.3  # correlated in time
    ref = _blocks_of(stream, mode)[-1]
    scaled = _blocks_of(scale * stream + shift, mode)[-1]
    perm = _blocks_of(stream[:, rng.permutation(12)], mode)[-1]
    hot = _blocks_of(stream, mode, beta=2.5)[-1]
    assert np.allclose(scaled.friction, scale**2 * ref.friction, rtol=1e-9, atol=1e-12)
    assert np.allclose(scaled.fisher, scale**2 * ref.fisher, rtol=1e-9, atol=1e-12)
    assert np.allclose(perm.friction, ref.friction, rtol=1e-9, atol=1e-12)
    assert np.allclose(hot.friction, 2.5 * ref.friction, rtol=1e-12) and np.allclose(hot.fisher, 6.25 * ref.fisher)


@pytest.mark.parametrize("block", [6, 40, 50])
def test_full_fisher_from_stacked_products_equals_per_step_sums(block):
    """Full mode sums δXδXᵀ in stacks of steps: the block's Î and its s.e. equal the per-step reference
    (blocks shorter than, a multiple of, and not a multiple of the stack)."""
    from thermolearn.numeric.ebm import MetricEstimator, MetricState

    rng = np.random.default_rng(block)
    n, d, beta = 7, 3, 1.3
    state = MetricState(MetricEstimator(block=block, mode="full", adaptive=False), d, n, 0.01, beta)
    Q = np.zeros((n, d, d))
    for k in range(block):
        X = rng.standard_normal((n, d)) @ np.diag([1.0, 2.0, 0.5]) + 3.0
        dX = X - X.mean(axis=0)
        Q += dX[:, :, None] * dX[:, None, :]
        blk = state.update(X, 0.01 * (k + 1), np.zeros(d))
    Q /= block
    assert np.allclose(blk.fisher, beta**2 * Q.mean(axis=0) * n / (n - 1), rtol=MACHINE_RTOL, atol=0)
    assert np.allclose(blk.fisher_se, beta**2 * Q.std(axis=0, ddof=1) / np.sqrt(n), rtol=1e-10, atol=0)


@pytest.mark.parametrize("mode", ["full", "diagonal", "lowrank"])
def test_later_blocks_start_afresh_and_the_passed_mean_is_the_chain_mean(mode):
    """The accumulators are reused between blocks: the second block of a stream equals the first block of a
    fresh estimator fed only the second half, and handing ``update`` the chain mean changes nothing."""
    from thermolearn.numeric.ebm import MetricState

    rng = np.random.default_rng(7)
    stream = np.cumsum(rng.standard_normal((40, 9, 4)), axis=0) * 0.3 + 2.0
    est = MetricEstimator(block=20, mode=mode, adaptive=False, thin=1)

    def blocks(xs, with_mean):
        st_ = MetricState(est, 4, 9, 0.01, 1.3)
        for k, X in enumerate(xs):
            st_.update(X.copy(), 0.01 * k, np.zeros(4), mean=X.mean(axis=0) if with_mean else None)
        return st_.blocks

    two, fresh, passed = blocks(stream, False), blocks(stream[20:], False), blocks(stream, True)
    for a, b in ((two[1], fresh[0]), (passed[1], two[1]), (passed[0], two[0])):
        for f in ("friction", "friction_se", "fisher", "fisher_se"):
            assert np.allclose(getattr(a, f), getattr(b, f), rtol=MACHINE_RTOL, atol=0)


def test_full_solve_through_the_pencil_equals_the_dense_solve():
    """Full mode solves [aβζ + cI]⁻¹g through one generalised eigendecomposition per estimate: equal to the
    dense solve for several (a, c), c = 0 and a = 0 included, and it follows a replaced estimate."""
    from thermolearn.numeric.ebm import MetricState

    rng = np.random.default_rng(3)
    st_ = MetricState(MetricEstimator(mode="full"), 4, 5, 0.01, 1.7)
    g = rng.standard_normal(4)
    for _ in range(2):  # the second round replaces both estimates
        A, B = rng.standard_normal((2, 4, 4))
        st_.friction, st_.fisher = A @ A.T + 0.1 * np.eye(4), B @ B.T + 0.1 * np.eye(4)
        for a, c in ((1.0, 0.0), (1.0, 0.3), (0.0, 1.0), (2.5, 4.0)):
            dense = np.linalg.solve(a * 1.7 * st_.friction + c * st_.fisher, g)
            assert np.allclose(st_.solve(a, c, g), dense, rtol=1e-10, atol=0)


def test_generalised_eigh_needs_a_positive_definite_b():
    from thermolearn.numeric.ebm._metric import _generalised_eigh
    from thermolearn.theory import ParameterError

    with pytest.raises(ParameterError, match="positive definite"):
        _generalised_eigh(np.eye(2), np.diag([1.0, -1.0]))
    V, w = _generalised_eigh(np.diag([2.0, 6.0])[None], np.diag([1.0, 2.0])[None])  # stacked: (1, 2, 2)
    assert np.allclose(w, [[2.0, 3.0]]) and np.allclose(np.abs(V[0]), np.diag([1.0, 1 / np.sqrt(2)]))
    with pytest.raises(ParameterError, match="positive definite"):
        _generalised_eigh(np.eye(2)[None], np.diag([1.0, -1.0])[None])


@pytest.mark.parametrize("mode", ["diagonal", "lowrank", "block"])
def test_sliced_accumulation_is_the_one_pass_accumulation(monkeypatch, mode):
    """The diagonal accumulation over slices of chains (3 chains a slice, 10 chains: a short last slice) gives
    the same estimates, bit for bit, as one pass over all chains (slices larger than the ensemble)."""
    from thermolearn.numeric.ebm import _metric

    d, n = 7, 10
    groups = (np.arange(3), np.arange(3, 6)) if mode == "block" else ()
    rng = np.random.default_rng(11)
    Xs = [rng.standard_normal((n, d)) * np.arange(1, d + 1) + 0.3 * k for k in range(16)]

    def blocks(rows_bytes):
        monkeypatch.setattr(_metric, "ROWS_BYTES", rows_bytes)
        st_ = _metric.MetricState(MetricEstimator(block=16, mode=mode, thin=1, groups=groups, rank=2,
                                                  adaptive=False), d, n, 0.01, 1.3)
        out = [st_.update(X.copy(), 0.01 * (k + 1), np.zeros(d)) for k, X in enumerate(Xs)]
        out = [b for b in out if b is not None]
        assert len(out) == 1
        extra = st_._last.copy() if mode != "diagonal" else None
        return out[0], st_.solve(1.0, 0.5, np.arange(1.0, d + 1)), extra

    (one, y1, l1), (sliced, y2, l2) = blocks(1 << 30), blocks(3 * 8 * d)
    for f in ("friction", "friction_se", "fisher", "fisher_se"):
        assert np.array_equal(getattr(one, f), getattr(sliced, f)), f
    assert np.array_equal(y1, y2) and (l1 is None or np.array_equal(l1, l2))
