"""Schedules that cannot run away, divergence and slow-driving reports, the FP bias identity check.

Geodesic schedule (arXiv 2510.03137, thermodynamic-metric schedules) on the learnable
stiffness θx²/2 from θ0 = 0.3 to θ* = 4.5, whose open-loop rate v/(βζv − ∇L) has a pole once
θ passes θ*: θ(τ) must end within statistical error of θ* (replica mean ± N_SIGMA s.e., plus a
discretisation floor of 1e-3·|θ* − θ0| because short runs are deterministic) for τ from 1 to
100 relaxation times τ_R, never overshoot beyond the replicas' spread, and every replica must
end within 10 % of |θ* − θ0| (a mean test alone passes a runaway whose spread is huge).
"""

import functools
import warnings

import numpy as np
import pytest

from thermolearn.numeric.langevin import constant_schedule, replica_summary, train, train_replicas
from thermolearn.numeric.metric import geodesic_schedule, metric_field
from thermolearn.numeric.schedule import Schedule, build_schedule
from thermolearn.theory import AccuracyWarning, DivergenceWarning, SlowDrivingWarning, energy_model, models
from thermolearn.theory.models import harmonic_trap
from tests.tolerances import N_SIGMA

STIFF = energy_model("theta*x**2/2", beta=1, mu=1)
A, B = 0.3, 4.5
FLOOR = 1e-3 * (B - A)


def _check_reaches(runs, target, floor, start):
    ends = np.array([float(r.theta[-1, 0]) for r in runs])
    assert np.all(np.abs(ends - target) <= 0.1 * abs(target - start)), ends
    th, se = replica_summary(runs)["theta_final"]
    assert abs(th - target) <= N_SIGMA * se + floor, (th, se)
    sd = se * np.sqrt(len(runs))
    assert max(float(r.theta.max()) for r in runs) <= target + N_SIGMA * sd + floor


def _runs(model, sched, a, b, *, steps, seed, replicas=6, particles=500, method="exact"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlowDrivingWarning)
        return train_replicas(model, sched, replicas=replicas, rng=np.random.default_rng(seed), theta0=a, target=b,
                              particles=particles, steps=steps, method=method, substeps="auto" if method != "exact" else 1)


@pytest.mark.parametrize("factor,seed", [(1, 0), (1, 1), (10, 0), (10, 2)])
def test_geodesic_reaches_target_without_overshoot(factor, seed):
    tau_r = build_schedule("geodesic", STIFF, tau=1.0, theta0=[A], target=[B]).relaxation_time
    sched = build_schedule("geodesic", STIFF, tau=factor * tau_r, theta0=[A], target=[B])
    _check_reaches(_runs(STIFF, sched, A, B, steps=400, seed=seed), B, FLOOR, A)


@pytest.mark.slow
def test_geodesic_reaches_target_at_100_relaxation_times():
    # the last stretch of the geodesic is fast (ζ small at large θ): Δt must resolve τ_R(θ*) = 1/(2θ*)
    tau_r = build_schedule("geodesic", STIFF, tau=1.0, theta0=[A], target=[B]).relaxation_time
    sched = build_schedule("geodesic", STIFF, tau=100 * tau_r, theta0=[A], target=[B])
    _check_reaches(_runs(STIFF, sched, A, B, steps=4000, seed=3), B, FLOOR, A)


@functools.cache
def _catalogue_field(name, lo, hi):
    """One metric field per catalogue model for every case, served on [lo, hi] by its validated interpolant.

    These energies have no closed-form metric: each θ the closed-loop rate visits would be a quadrature
    (~40 % of a run's CPU).  ``MetricField.interpolate`` checks the Chebyshev interpolant against the
    quadrature to 1e-9 relative (far below the replicas' statistical error); θ outside [lo, hi] keeps the
    quadrature.  ``build_schedule("geodesic", ...)`` of such a model is ``geodesic_schedule(model, ...)``
    with a fresh field: the same schedule.
    """
    field = metric_field(getattr(models, name)(beta=1, mu=1))
    assert field.interpolate(lo, hi) < 1e-9
    return field


@pytest.mark.slow
@pytest.mark.parametrize("name,a,b,factor", [("double_well", -1.0, 1.0, 1), ("double_well", -1.0, 1.0, 20),
                                             ("quartic", 0.0, 2.0, 1)])
def test_geodesic_reaches_target_on_catalogue_models(name, a, b, factor):
    model = getattr(models, name)(beta=1, mu=1)
    field = _catalogue_field(name, a - (b - a) / 2, b + (b - a) / 2)
    tau_r = geodesic_schedule(field, [a], [b], 1.0).relaxation_time
    sched = geodesic_schedule(field, [a], [b], factor * tau_r)
    _check_reaches(_runs(model, sched, a, b, steps=200, seed=0, replicas=4, method="euler"), b, 1e-3 * (b - a), a)


def test_open_loop_rate_fails_the_same_check():
    # the check can fail: the former open-loop rate v/(βζv − ∇L) runs away past θ* (its pole)
    from thermolearn.numeric.metric import data_mean_function, geodesic_protocol

    field = metric_field(STIFF)
    tau = 2.5
    proto = geodesic_protocol(field, A, B, tau)
    data_mean = data_mean_function(STIFF, np.array([B]))

    def rate(t, theta):
        pt = field(theta)
        v = proto.velocity(min(max(t, 0.0), tau))[0]
        g = (data_mean(theta) - pt.mean_dE) - pt.friction @ v
        return np.zeros((1, 1)) if not float(v @ g) < 0 else -np.outer(v, v) / float(v @ g)

    runs = _runs(STIFF, Schedule("open-loop", rate, tau), A, B, steps=400, seed=0)
    with pytest.raises(AssertionError):
        _check_reaches(runs, B, FLOOR, A)


def test_slow_driving_warning_and_ratio():
    short = build_schedule("geodesic", STIFF, tau=2.0, theta0=[A], target=[B])
    with pytest.warns(SlowDrivingWarning, match="relaxation times"):
        r = train(STIFF, short, theta0=A, target=B, particles=50, steps=20, rng=np.random.default_rng(0))
    assert r.slow_driving_ratio == pytest.approx(short.relaxation_time / 2.0) and r.slow_driving_ratio > 0.1
    long = build_schedule("geodesic", STIFF, tau=20 * short.relaxation_time, theta0=[A], target=[B])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowDrivingWarning)
        r = train(STIFF, long, theta0=A, target=B, particles=50, steps=20, rng=np.random.default_rng(0))
    assert r.slow_driving_ratio == pytest.approx(0.05)


def test_divergence_is_reported_not_returned_silently():
    trap = harmonic_trap(k=1, beta=1, mu=1)
    with pytest.warns(DivergenceWarning, match="exploded"):
        r = train(trap, constant_schedule(1e6, 1.0), theta0=-10, target=0, particles=100, steps=100,
                  rng=np.random.default_rng(0))
    assert r.diverged and r.times[-1] < 1.0 and np.all(np.isfinite(r.theta))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        assert not train(trap, constant_schedule(1.0, 1.0), theta0=-10, target=0, particles=100, steps=100,
                         rng=np.random.default_rng(0)).diverged


def test_fokker_planck_divergence_and_bias_identity_check():
    from thermolearn.numeric.fokker_planck import train as fp_train

    trap = harmonic_trap(k=1, beta=1, mu=1)
    with pytest.warns(DivergenceWarning):
        r = fp_train(trap, constant_schedule(1e6, 1.0), theta0=[-1.0], target=[0.0], steps=20)
    assert r.diverged
    # under-resolved run: bias and beta*W_ex, computed independently, disagree -> AccuracyWarning
    cosh = energy_model("cosh(x - theta)", beta=1, mu=1)
    sched = build_schedule("slow-driving", cosh, tau=1.0, theta0=[-3.0], target=[3.0])
    with pytest.warns(AccuracyWarning, match="independently"):
        fp_train(cosh, sched, theta0=[-3.0], target=[3.0], steps=40)
    # resolved run: they agree, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", AccuracyWarning)
        r = fp_train(trap, constant_schedule(1.0, 1.0), theta0=[-1.0], target=[0.0], steps=100)
    assert abs(r.bias[-1] - r.excess_work[-1]) < 1e-3
