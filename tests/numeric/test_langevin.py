"""thermolearn.numeric.langevin: the persistent-chain simulator against closed forms.

Physics: arXiv 2510.03137 (trap closed forms and figure numbers).  Statistical checks use a
fixed seed and N_SIGMA standard errors estimated from independent replicas.
"""

import numpy as np
import pytest
from scipy import stats

from thermolearn.numeric.langevin import (
    constant_schedule,
    continuous_schedule,
    discontinuous_schedule,
    lagged_ramp_schedule,
    slow_driving_schedule,
    train,
    trap_moments,
)
from thermolearn.numeric.schedule import Kick, Schedule
from thermolearn.theory import DivergenceWarning, NumericalError, ParameterError
from thermolearn.theory.models import harmonic_trap, learnable_stiffness, quadratic_2d, quartic
from tests.tolerances import MACHINE_RTOL, N_SIGMA, ORDER_SLACK


def _replicas(model, sched, R, seed, **kw):
    rows = []
    for r in range(R):
        res = train(model, sched, rng=np.random.default_rng([seed, r]), **kw)
        rows.append((res.theta[-1, 0], res.sample_mean[-1, 0], res.excess_work[-1]))
    rows = np.array(rows)
    return rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(R)


# (beta, mu, k, tau, theta0, target): includes mu != 1, k != 1, beta != 1
CASES = [
    (1.0, 1.0, 1.0, 1.0, -10.0, 0.0),
    (1.0, 5.0, 1.0, 1.0, -10.0, 0.0),
    (2.0, 0.7, 3.0, 2.5, 1.5, -0.5),
    (0.5, 3.0, 0.4, 0.8, 2.0, 6.0),
]


@pytest.mark.parametrize("b,m,kk,T,th0,tgt", CASES)
def test_discontinuous_excess_work_is_minimal_closed_form(b, m, kk, T, th0, tgt):
    model = harmonic_trap(k=kk, beta=b, mu=m)
    sched = discontinuous_schedule(beta=b, mu=m, k=kk, tau=T)
    mean, se = _replicas(model, sched, 6, 3, theta0=th0, target=tgt, particles=1500, steps=100)
    wmin = kk * (tgt - th0) ** 2 / (m * kk * T + 2)  # arXiv 2510.03137, discontinuous optimum
    assert abs(mean[2] - wmin) <= N_SIGMA * se[2] + 1e-3 * wmin, (mean, se, wmin)
    assert abs(mean[0] - tgt) <= N_SIGMA * se[0] + 1e-3 * abs(tgt - th0)


@pytest.mark.parametrize("b,m,kk,T,th0,tgt", CASES[1:3])
def test_no_perturbed_schedule_beats_the_optimum(b, m, kk, T, th0, tgt):
    """Noise-free moment equations (exact for the trap's mean work): perturbed
    interior rates and kick weights, each landed exactly on θ* by a final kick."""
    wmin = kk * (tgt - th0) ** 2 / (m * kk * T + 2)
    base = discontinuous_schedule(beta=b, mu=m, k=kk, tau=T)
    rng = np.random.default_rng(7)
    works = []
    for j in range(12):
        a, c, f = rng.normal(0, 0.3, size=3)
        rate = lambda t, th=None, a=a, f=f: base.rate(t, th) * (1 + a * np.sin(np.pi * t / T + f))  # noqa: E731
        k0 = float(base.kicks[0].weight) * (1 + c)
        pre = trap_moments(Schedule("p", rate, T, (Kick(0.0, k0),)), beta=b, mu=m, k=kk, theta0=th0, target=tgt)
        th_end, u_end = pre.theta[-1, 0], pre.u[-1, 0]
        w_land = (tgt - th_end) / (b * kk * (tgt - u_end))  # final kick that lands on θ*
        full = trap_moments(Schedule("p", rate, T, (Kick(0.0, k0), Kick(T, w_land))),
                            beta=b, mu=m, k=kk, theta0=th0, target=tgt)
        assert full.theta[-1, 0] == pytest.approx(tgt, abs=1e-8)
        works.append(full.work[-1])
    for s0f in (0.5, 0.8, 1.25, 4.0):  # s0f = 1 is the optimum itself
        lr = lagged_ramp_schedule(beta=b, mu=m, k=kk, tau=T, s0=s0f * 2 / (m * kk))
        works.append(trap_moments(lr, beta=b, mu=m, k=kk, theta0=th0, target=tgt).work[-1])
    assert min(works) > wmin
    # and the simulator agrees that a perturbed lagged ramp is worse (statistically)
    model = harmonic_trap(k=kk, beta=b, mu=m)
    lr = lagged_ramp_schedule(beta=b, mu=m, k=kk, tau=T, s0=0.1 / (m * kk))  # W(s0) well above W_min
    mean, se = _replicas(model, lr, 4, 11, theta0=th0, target=tgt, particles=1500, steps=100)
    assert mean[2] - wmin > N_SIGMA * se[2]


@pytest.mark.parametrize("b,m,kk,T,th0,tgt", CASES)
def test_bias_equals_beta_excess_work_to_machine_precision(b, m, kk, T, th0, tgt, rng):
    model = harmonic_trap(k=kk, beta=b, mu=m)
    for sched in (discontinuous_schedule(beta=b, mu=m, k=kk, tau=T), constant_schedule(2.0, T),
                  lagged_ramp_schedule(beta=b, mu=m, k=kk, tau=T, s0=0.3)):
        for method in ("exact", "euler"):
            r = train(model, sched, theta0=th0, target=tgt, particles=200, steps=50, method=method,
                      rng=rng, substeps="auto")
            scale = np.max(np.abs(r.loss)) + np.max(np.abs(r.work)) * b + 1.0
            assert np.all(np.abs(r.bias - b * r.excess_work) <= 16 * MACHINE_RTOL * scale)


def test_bias_identity_general_energies(rng):
    # 2-D non-diagonal K with matrix kicks, and a non-quadratic energy (quadrature path)
    K = [[2.0, 0.5], [0.5, 1.0]]
    m2 = quadratic_2d(K, beta=1.5, mu=0.8)
    r = train(m2, discontinuous_schedule(beta=1.5, mu=0.8, k=K, tau=1.0), theta0=[1.0, -2.0],
              target=[-1.0, 3.0], particles=300, steps=40, rng=rng)
    assert np.allclose(r.bias, 1.5 * r.excess_work, rtol=0, atol=16 * MACHINE_RTOL * 100)
    q = quartic(beta=1, mu=1)
    sched = Schedule("c", lambda t, th: 0.5, 1.0, (Kick(0.0, 0.2), Kick(1.0, 0.2)))
    r = train(q, sched, theta0=0.0, target=1.0, particles=300, steps=20, method="euler", rng=rng)
    assert abs(r.free_energy[-1] - r.free_energy[0]) > 0.02  # F depends on θ here (ΔF ≠ 0 is exercised)
    assert np.allclose(r.bias, r.excess_work, rtol=0, atol=16 * MACHINE_RTOL * 100)
    # learnable stiffness θx²/2: quadratic in x (exact OU step) with F(θ) = ln(βθ/2π)/(2β)
    ls = learnable_stiffness(beta=2, mu=1)
    r = train(ls, Schedule("c", lambda t, th: 0.3, 1.0, (Kick(0.0, 0.1),)), theta0=1.0, target=2.0,
              particles=300, steps=20, rng=rng)
    F = np.log(2 * r.theta[:, 0] / (2 * np.pi)) / (2 * 2)
    assert np.allclose(r.free_energy, F, rtol=MACHINE_RTOL, atol=MACHINE_RTOL)
    assert np.allclose(r.bias, 2 * r.excess_work, rtol=0, atol=16 * MACHINE_RTOL * 100)


def test_matrix_discontinuous_schedule_reaches_target_with_minimal_work():
    K = np.array([[2.0, 0.5], [0.5, 1.0]])
    b, m, T = 1.0, 0.8, 1.0
    th0, tgt = np.array([1.0, -2.0]), np.array([-1.0, 3.0])
    d = tgt - th0
    wmin = d @ K @ np.linalg.solve(m * T * K + 2 * np.eye(2), d)  # arXiv 2510.03137, matrix optimum
    ref = trap_moments(discontinuous_schedule(beta=b, mu=m, k=K, tau=T), beta=b, mu=m, k=K, theta0=th0, target=tgt)
    assert np.allclose(ref.theta[-1], tgt, atol=1e-8)
    assert ref.work[-1] == pytest.approx(wmin, rel=1e-8)
    model = quadratic_2d(K.tolist(), beta=b, mu=m)
    ws = [train(model, discontinuous_schedule(beta=b, mu=m, k=K, tau=T), theta0=th0, target=tgt,
                particles=1000, steps=60, rng=np.random.default_rng(s)).excess_work[-1] for s in range(5)]
    assert abs(np.mean(ws) - wmin) <= N_SIGMA * np.std(ws, ddof=1) / np.sqrt(5) + 1e-3 * wmin


def _errors(method, steps_list):
    # large beta: the work noise k*sum|dtheta|*sigma/sqrt(N) ~ 30*1e-3/sqrt(500) ~ 1e-3 is far below the
    # discretisation errors fitted (the noise itself is tested elsewhere)
    b, m, kk, T = 1e6, 2.0, 1.0, 1.0
    model = harmonic_trap(k=kk, beta=b, mu=m)
    sched = constant_schedule(4.0 / b, T)  # beta*eta = 4: underdamped (mu < 4 beta eta)
    ref = trap_moments(sched, beta=b, mu=m, k=kk, theta0=10.0, target=0.0, u0=-10.0)
    errs = []
    for n in steps_list:
        r = train(model, sched, theta0=10.0, target=0.0, u0=-10.0, particles=500, steps=n, method=method,
                  rng=np.random.default_rng(n))
        errs.append((abs(r.sample_mean[-1, 0] - ref.u[-1, 0]), abs(r.work[-1] - ref.work[-1])))
    return np.array(errs)


def test_euler_maruyama_weak_order_one():
    steps = np.array([10, 20, 40, 80])
    errs = _errors("euler", steps)
    for col in range(2):  # mean, work
        slope = -np.polyfit(np.log(steps), np.log(errs[:, col]), 1)[0]
        assert abs(slope - 1.0) <= ORDER_SLACK, (col, slope, errs)


def test_exact_ou_strang_step_is_second_order():
    steps = np.array([5, 10, 20, 40])
    errs = _errors("exact", steps)
    slope = -np.polyfit(np.log(steps), np.log(errs[:, 1]), 1)[0]
    assert abs(slope - 2.0) <= ORDER_SLACK, (slope, errs)
    assert np.all(_errors("euler", steps)[:, 1] > errs[:, 1])


def test_euler_instability_of_the_papers_figure2_is_detected_and_avoided():
    model = harmonic_trap(k=1, beta=1, mu=100)
    sched = constant_schedule(10, 1.0)
    kw = dict(theta0=-10.0, target=0.0, particles=4000)
    # the authors' discretisation: mu*dt = 100/99 -> warned, variance ~ 1/(1 - 0.505) ~ 2
    r = train(model, sched, steps=99, method="euler", rng=np.random.default_rng(1), **kw)
    assert r.warnings and "mu*k*dt = 1.01" in r.warnings[0]
    c = 100 / 99
    se = np.sqrt(2 / 4000) / (1 - c / 2)  # standard error of a Gaussian sample variance
    assert abs(r.sample_var[-1, 0] - 1 / (1 - c / 2)) <= N_SIGMA * se
    # mu*dt >= 2 diverges: stopped before the first step, reported as a DivergenceWarning
    with pytest.warns(DivergenceWarning, match="unstable"):
        r = train(model, sched, steps=49, method="euler", rng=np.random.default_rng(1), **kw)
    assert r.diverged and "unstable" in r.divergence and len(r.times) == 1
    # avoided: automatic sub-steps, or the exact OU step; variance stays 1/(beta k)
    for r in (train(model, sched, steps=99, method="euler", substeps="auto", rng=np.random.default_rng(2), **kw),
              train(model, sched, steps=99, method="exact", rng=np.random.default_rng(3), **kw)):
        assert not r.warnings
        assert stats.kstest(r.samples[:, 0] - r.theta[-1, 0], "norm").pvalue > 1e-3


def test_equilibrium_is_stationary_ks(rng):
    # theta0 = target, equilibrium start: chains remain N(theta, 1/(beta k)) (arXiv 2510.03137)
    b, kk = 2.0, 3.0
    r = train(harmonic_trap(k=kk, beta=b, mu=1.0), constant_schedule(1.0, 2.0), theta0=0.5, target=0.5,
              particles=3000, steps=40, rng=rng)
    z = (r.samples[:, 0] - 0.5) * np.sqrt(b * kk)
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_other_schedules_match_moment_reference():
    # continuous (pre-lagged, Fig. 3) and slow-driving (Fig. 5) against the noise-free solver
    for sched, th0, u0, m in ((continuous_schedule(beta=1, mu=1, k=1, tau=1), -5.0, -10.0, 1.0),
                              (slow_driving_schedule(beta=1, mu=5, k=1, tau=1), -10.0, -10.0, 5.0)):
        ref = trap_moments(sched, beta=1, mu=m, k=1, theta0=th0, target=0.0, u0=u0)
        model = harmonic_trap(k=1, beta=1, mu=m)
        mean, se = _replicas(model, sched, 6, 5, theta0=th0, target=0.0, u0=u0, particles=1500, steps=100)
        assert abs(mean[0] - ref.theta[-1, 0]) <= N_SIGMA * se[0] + 1e-3
        assert abs(mean[2] - ref.work[-1]) <= N_SIGMA * se[2] + 1e-3 * ref.work[-1]


def test_same_seed_same_numbers():
    model = harmonic_trap(k=1, beta=1, mu=1)
    s = discontinuous_schedule(beta=1, mu=1, k=1, tau=1)
    a = train(model, s, theta0=-1, target=0, particles=50, steps=10, rng=np.random.default_rng(9))
    b = train(model, s, theta0=-1, target=0, particles=50, steps=10, rng=np.random.default_rng(9))
    assert np.array_equal(a.work, b.work) and np.array_equal(a.samples, b.samples)


def test_snapshots_and_cli_dict():
    model = harmonic_trap(k=1, beta=1, mu=1)
    s = discontinuous_schedule(beta=1, mu=1, k=1, tau=1)
    r = train(model, s, theta0=-1, target=0, particles=50, steps=10, snapshots=3, rng=np.random.default_rng(9))
    assert r.snapshots.shape == (3, 50, 1) and list(r.snapshot_times) == [0.0, 0.5, 1.0]
    d = r.to_cli_dict()
    for key in ("theta_final", "sample_mean_final", "work", "free_energy_change", "excess_work", "bias", "trajectory"):
        assert key in d
    assert set(d["trajectory"]) >= {"times", "theta", "sample_mean", "work"}
    assert len(r.times) == 10 + 1 + 2  # steps + start + one row per kick


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs,err,match", [
    (dict(method="rk4"), ParameterError, "method"),
    (dict(particles=1), ParameterError, "particles"),
    (dict(steps=0), ParameterError, "steps"),
    (dict(theta0=[1.0, 2.0]), ParameterError, "theta0"),
    (dict(target=float("nan")), ParameterError, "target"),
    (dict(rng=np.random.RandomState(0)), ParameterError, "rng"),
    (dict(samples0=np.zeros((10, 2))), ParameterError, "samples0"),
    (dict(u0=[1, 2]), ParameterError, "u0"),
    (dict(substeps=0, method="euler"), ParameterError, "substeps"),
])
def test_bad_input(kwargs, err, match):
    model = harmonic_trap(k=1, beta=1, mu=1)
    kw = dict(theta0=0.0, target=1.0, particles=10, steps=5, rng=np.random.default_rng(0))
    kw.update(kwargs)
    with pytest.raises(err, match=match):
        train(model, constant_schedule(1.0, 1.0), **kw)


def test_bad_model_and_schedule_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match="quadratic"):
        train(quartic(beta=1, mu=1), constant_schedule(1, 1), theta0=0, target=1, rng=rng, method="exact")
    with pytest.raises(ParameterError, match="--set"):
        train(harmonic_trap(), constant_schedule(1, 1), theta0=0, target=1, rng=rng)
    with pytest.raises(ParameterError, match="schedule"):
        train(harmonic_trap(k=1, beta=1, mu=1), lambda t: 1, theta0=0, target=1, rng=rng)
    with pytest.raises(ParameterError, match="eta"):
        constant_schedule(-1, 1)
    with pytest.raises(ParameterError, match="k must be"):
        discontinuous_schedule(beta=1, mu=1, k=[[1, 2], [2, 1]], tau=1)
    with pytest.raises(ParameterError, match="tau"):
        continuous_schedule(beta=1, mu=1, k=1, tau=0)
    with pytest.raises(NumericalError, match="no quadrature"):
        from thermolearn.theory import energy_model
        train(energy_model("x1**4 + x2**4 + x3**4 - theta*x1", x="x1,x2,x3", beta=1, mu=1), constant_schedule(1, 1),
              theta0=0, target=1, rng=rng, method="euler")


def test_finite_particle_work_bias_matches_covariance_prediction():
    # With N = 20 chains the work estimator carries an O(1/N) bias (chain-mean noise feeds back
    # through θ); trap_moments(particles=N) predicts it from the Gaussian covariance equations.
    model = harmonic_trap(k=1, beta=1, mu=1)
    s = constant_schedule(0.5, 5.0)
    pred = trap_moments(s, beta=1, mu=1, k=1, theta0=-1, target=0, particles=20).work[-1]
    limit = trap_moments(s, beta=1, mu=1, k=1, theta0=-1, target=0).work[-1]
    ws = [train(model, s, theta0=-1.0, target=0.0, particles=20, steps=50, rng=np.random.default_rng([5, r])).work[-1]
          for r in range(200)]
    se = np.std(ws, ddof=1) / np.sqrt(len(ws))
    assert abs(np.mean(ws) - pred) <= N_SIGMA * se
    assert abs(np.mean(ws) - limit) > N_SIGMA * se  # the bias is resolved, so the check can fail


def test_euler_instability_detected_during_the_run():
    # learnable stiffness θx²/2: the curvature is θ.  Stable at θ0 = 1 and θ* = 20 (μθdt ≤ 0.5), but a
    # huge learning rate throws θ far past θ* in one step (θ1 ≈ 1 + dt·η/2 ≈ 120, μθdt ≈ 3): refused mid-run
    ls = learnable_stiffness(beta=1, mu=1)
    with pytest.warns(DivergenceWarning, match="unstable"):
        r = train(ls, constant_schedule(1e4, 1.0), theta0=1.0, target=20.0, particles=200, steps=40,
                  method="euler", rng=np.random.default_rng(0))
    assert r.diverged and 0 < r.times[-1] < 1.0 and np.all(np.isfinite(r.theta))


def test_fig5_moment_reference_matches_paper_numbers():
    # arXiv 2510.03137, Fig. 5 / Fig. 2 values: Fig. 5 run θ(τ) = −0.0674, u(τ) = −2.1519, W = 15.923 (quoted to the last digit shown)
    ref = trap_moments(slow_driving_schedule(beta=1, mu=5, k=1, tau=1), beta=1, mu=5, k=1, theta0=-10, target=0)
    assert ref.theta[-1, 0] == pytest.approx(-0.0674, abs=5e-5)
    assert ref.u[-1, 0] == pytest.approx(-2.1519, abs=5e-5)
    assert ref.work[-1] == pytest.approx(15.923, abs=5e-4)


@pytest.mark.parametrize("text", ["(x - theta)**4/4 + (x - theta)**2/2", "log(cosh(x - theta)) + (x - theta)**2/8"])
def test_free_energy_along_a_long_path_reuses_supports_correctly(text):
    # The trainer's F(θ) (thermo_for) re-uses the quadrature support of the previous θ where it still holds.
    # A translation family V(x − θ) has F(θ) = F(0) exactly; θ travels from −40 to 40 in steps of 0.5, far
    # beyond any one support, so a support kept after the mode left it gives O(1) errors.  Reference: the
    # found-support quadrature at θ = 0 (no reuse); tolerance QUADRATURE_RTOL (both are quadratures to ~1e-12).
    from thermolearn.numeric.equilibrium import free_energy
    from thermolearn.numeric.langevin._ledger import model_callables
    from thermolearn.numeric.model import numeric_twin
    from thermolearn.theory import energy_model
    from tests.tolerances import QUADRATURE_RTOL

    model = energy_model(text, beta=1.3, mu=0.7)
    th = model_callables(model, [0.0])
    path = np.array([th.free_energy(np.array([t])) for t in np.linspace(-40.0, 40.0, 161)])
    np.testing.assert_allclose(path, free_energy(numeric_twin(model), [0.0]), rtol=QUADRATURE_RTOL, atol=QUADRATURE_RTOL)


@pytest.mark.parametrize("text,theta", [("k*(x - theta)**2/2", [0.4]), ("theta*x**2/2 - theta**2 + 3*theta", [1.3]),
                                        ("(x - theta)**4/4 + x**2", [0.2])])
def test_ledger_work_from_the_theta_taylor_form_equals_the_energy_difference(text, theta):
    # For E at most quadratic in θ (constant θ-Hessian) the ledger books W from ⟨∂θE⟩_s (exact Taylor form);
    # otherwise it falls back to E(x, θ') − E(x, θ).  Both routes must agree to rounding (MACHINE_RTOL).
    from thermolearn.numeric.langevin._ledger import Ledger, model_callables
    from thermolearn.theory import energy_model

    model = energy_model(text.replace("k*", "2.5*"), beta=1.7, mu=0.6)
    th = model_callables(model, theta)
    X = np.random.default_rng(1).normal(0.5, 1.3, size=(500, 1))
    fast, slow = Ledger(th, theta), Ledger(th, theta)
    fast.grad_tilde(X)
    new = np.asarray(theta) + 0.37
    fast.move(X, new, sample_dE=fast.sample_dE)
    slow.move(X, new)
    assert fast.W == pytest.approx(slow.W, rel=MACHINE_RTOL, abs=MACHINE_RTOL)


class _NoNoise(np.random.Generator):
    """A generator whose normals are all zero: the exact step's mean path, deterministic."""

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        if out is not None:
            out[...] = 0.0
            return out
        return np.zeros(size)


@pytest.mark.parametrize("beta,mu,k,tau,theta0,target", CASES)
@pytest.mark.parametrize("kind", ["discontinuous", "slow-driving"])
def test_unrecorded_steps_fuse_their_half_steps_exactly(beta, mu, k, tau, theta0, target, kind):
    """Two exact half-steps at one θ are one exact step: without noise, rows every 7 steps give the same path.

    Mutant tried: the fused step advancing dt/2 instead of dt (the owed half-step dropped) fails here.
    """
    from thermolearn.numeric.schedule import build_schedule

    model = harmonic_trap(k=k, beta=beta, mu=mu)
    sched = build_schedule(kind, model, tau=tau, theta0=theta0, target=target, eta=0.8)
    kw = dict(theta0=theta0, target=target, u0=theta0 - 1.0, particles=2, steps=40)
    every = train(model, sched, rng=_NoNoise(np.random.PCG64(0)), **kw)
    sparse = train(model, sched, rng=_NoNoise(np.random.PCG64(0)), record_every=7, **kw)
    assert sparse.times.size < every.times.size
    for a, b in ((every.theta[-1], sparse.theta[-1]), (every.sample_mean[-1], sparse.sample_mean[-1]),
                 (every.work[-1], sparse.work[-1])):
        np.testing.assert_allclose(b, a, rtol=MACHINE_RTOL, atol=MACHINE_RTOL * (1 + abs(theta0 - target)) ** 2)


@pytest.mark.parametrize("model,theta0,target", [
    (harmonic_trap(k=2.5, beta=1.7, mu=0.6), [-3.0], [1.0]),
    (quadratic_2d([[2.0, 0.6], [0.6, 1.2]], beta=0.8, mu=1.5), [2.0, -1.0], [0.0, 0.5]),
])
def test_carried_data_averages_equal_fresh_quadratures_along_a_run(model, theta0, target):
    """The ledger carries ⟨E⟩_d and ⟨∂θE⟩_d by their exact Taylor form (constant θ-Hessian): after 2,000 moves
    and two kicks the recorded loss L = β(⟨E⟩_d − F) still equals a fresh quadrature at each row's θ to
    MACHINE_RTOL × (number of moves) (rounding accumulates by about an ulp a move).

    Mutants tried: the carried ⟨E⟩_d without its ½ΔθᵀHΔθ term, and ⟨∂θE⟩_d carried with −HΔθ: both fail here.
    """
    from thermolearn.numeric.langevin._ledger import model_callables

    sched = Schedule("ramp", lambda t, th=None: 2.0 + t, 1.0, (Kick(0.0, 0.3), Kick(1.0, 0.2)))
    res = train(model, sched, theta0=theta0, target=target, particles=200, steps=2000, record_every=50,
                rng=np.random.default_rng(3))
    th = model_callables(model, target)
    fresh = np.array([th.beta * (th.data_energy(t) - th.free_energy(t)) for t in res.theta])
    np.testing.assert_allclose(res.loss, fresh, rtol=2000 * MACHINE_RTOL, atol=2000 * MACHINE_RTOL)
    np.testing.assert_allclose(res.bias, res.excess_work * th.beta, atol=1e-9)


def test_exact_step_run_stops_when_theta_explodes():
    """η k Δt = 100 makes the parameter update unstable: the run stops at the explosion bound (DivergenceWarning),
    before θ or the chains overflow.  Mutant tried: the trainer's per-step bound set to +inf (only non-finite values
    caught) fails here (the run then stops later, on non-finite θ)."""
    model = harmonic_trap(k=1.0, beta=1.0, mu=1.0)
    with pytest.warns(DivergenceWarning):
        r = train(model, constant_schedule(1000.0, 1.0), theta0=-1.0, target=0.0, particles=50, steps=10,
                  rng=np.random.default_rng(0))
    assert r.diverged and "exploded" in r.divergence and np.all(np.isfinite(r.theta))


@pytest.mark.parametrize("text,theta", [("k*(x - theta)**2/2", [0.4]), ("theta*x**2/2 - theta**2 + 3*theta", [1.3]),
                                        ("x**4/4 - theta*x", [-0.8]), ("x**4/4 - x**2/2 - theta*x", [2.1])])
def test_one_parameter_ledger_moves_equal_the_vector_forms_bitwise(text, theta):
    # One parameter with a constant θ-Hessian: move() books the Taylor forms in Python floats, the same
    # operations in the same order as the vector forms (1-element dot products are one product), so every
    # running total must equal the vector route's exactly, along 60 moves of either sign and size.
    from thermolearn.numeric.langevin._ledger import Ledger, model_callables
    from thermolearn.theory import energy_model

    model = energy_model(text.replace("k*", "2.5*"), beta=1.7, mu=0.6)
    th = model_callables(model, theta)
    rng = np.random.default_rng(4)
    X = rng.normal(0.5, 1.3, size=(400, 1))
    scalar, vector = Ledger(th, theta), Ledger(th, theta)
    vector._h1 = None
    assert scalar._h1 is not None
    for step in rng.normal(0.0, 0.3, size=60):
        for led in (scalar, vector):
            led.grad_tilde(X)
            led.move(X, led.theta + step, sample_dE=led.sample_dE)
        X += rng.normal(0.0, 0.1, size=X.shape)
        assert (scalar.W, scalar.Lt, scalar.Ed) == (vector.W, vector.Lt, vector.Ed)
        assert scalar.theta.tolist() == vector.theta.tolist() and scalar.dEd.tolist() == vector.dEd.tolist()


@pytest.mark.parametrize("text,x,theta,affine", [
    ("k*(x - theta)**2/2", "x", "theta", True), ("x**4/4 - theta*x", "x", "theta", True),
    ("x**4/4 - x**2/2 - theta*x", "x", "theta", True), ("cosh(x) - theta*x + theta**2", "x", "theta", True),
    ("(x - a)**2/2 + (y - b)**2 + x*y/3", "x,y", "a,b", True),
    ("theta*x**2/2", "x", "theta", False), ("(x - theta)**4/4 + x**2", "x", "theta", False),
    ("(x - a)**2/2 + b*x*y + y**2", "x,y", "a,b", False),
])
def test_sample_force_from_the_chain_mean_when_it_is_affine_in_x(text, x, theta, affine):
    # ⟨∂θE⟩_s = ∂θE(⟨x⟩_s) exactly when ∂θE is affine in x (linearity of the average), up to rounding
    # (MACHINE_RTOL of the force's scale); a force with an x² or x·y term must take the full average.
    from thermolearn.numeric.langevin._ledger import Ledger, model_callables
    from thermolearn.theory import energy_model

    model = energy_model(text.replace("k*", "2.5*"), x=x.split(","), theta=theta.split(","), beta=1.4, mu=0.8)
    n, d = len(model.theta), len(model.x)
    th0 = np.linspace(0.3, 0.9, n)
    th = model_callables(model, th0)
    X = np.random.default_rng(2).normal(1.5, 1.1, size=(3000, d))
    led = Ledger(th, th0)
    assert led._affine is affine
    full = th.dE_dtheta(X, th0).mean(axis=0)
    led.grad_tilde(X)
    np.testing.assert_allclose(led.sample_dE, full, rtol=MACHINE_RTOL, atol=MACHINE_RTOL * np.abs(full).max())
