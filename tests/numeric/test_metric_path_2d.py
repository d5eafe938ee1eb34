"""Two-coordinate energies, one parameter: the metric and F along a run's span from validated interpolants.

The interpolants (``MetricField.interpolate``'s generator branch, the trainer's F fit) must give what a fresh
solve at the same θ gives, to the error they state, across a family of energies: a coupled quadratic whose
coupling depends on θ (closed form known), a quartic-coupled energy, a log-cosh valley (a translation family:
ζ constant), an exponential wall, a steep sextic, a quartic whose valley bends with θ.  Generator grids of 81 points per axis keep each fit near a second; the
comparison is against the same grid size, so the statement tested is the interpolation's, not the grid's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from thermolearn.numeric.equilibrium import free_energy
from thermolearn.numeric.langevin._ledger import F_INTERP_ATOL, model_callables
from thermolearn.numeric.metric import metric_field
from thermolearn.numeric.metric._field import GENERATOR_INTERP_RTOL, MetricField
from thermolearn.numeric.metric._schedules import interpolate_span
from thermolearn.numeric.model import numeric_twin
from thermolearn.theory import AccuracyWarning, EnergyModel

GRID = 81


@settings(max_examples=40, deadline=None)
@given(a=st.floats(-3, 3), b=st.floats(-2, 2), c=st.floats(0.1, 5), lo=st.floats(-5, 5), width=st.floats(0.1, 6))
@example(a=0.0, b=0.0, c=1.0, lo=2.225073858507203e-309, width=1.0)  # the first node rounds to 0: x − x₀ subnormal
def test_chebyshev_fit_serves_within_its_validated_tolerance(a, b, c, lo, width):
    """Shifted, scaled exponentials and cosines (analytic): a validated fit is as accurate as it claims anywhere."""
    from thermolearn.numeric.metric._chebyshev import chebyshev_fit

    def f(x):
        return np.array([a * np.exp(b * x), np.cos(c * x + a)])

    hi = lo + width
    tol = 1e-9 * np.array([max(abs(a), 1e-3) * np.exp(abs(b) * max(abs(lo), abs(hi))), 1.0])
    fit = chebyshev_fit(f, lo, hi, lambda v: tol, start=9, max_points=129)
    assert fit is not None  # these are analytic on the interval: 129 points reach 1e-9
    assert np.all(fit.error <= tol)
    for x in np.linspace(lo, hi, 23):
        assert np.all(np.abs(fit(x) - f(x)) <= tol), x

#: (id, energy, beta, mu, span); beta, mu != 1
FAMILY = [
    ("coupled-quadratic", "(x1 - theta)**2/2 + x2**2/2 + theta*x1*x2/3", 1.7, 0.6, (-1.0, 1.5)),
    ("quartic-coupled", "(x1 - theta)**2/2 + x2**4/4 + x1*x2/3", 1.3, 0.7, (-0.4, 2.4)),
    ("log-cosh-valley", "log(cosh(2*(x1 + x2 - theta))) + (x1 - x2)**2", 1.7, 0.6, (-1.0, 2.0)),
    ("exp-wall", "exp(x1 - theta) + exp(-x1) + (x2 - x1)**2/2", 0.8, 1.4, (-1.0, 1.5)),
    ("steep-sextic", "(x1 - theta)**6/6 + x2**2/2 + x1*x2/4", 2.0, 0.5, (-1.0, 1.0)),
    ("curved-quartic", "(x1 - theta)**4/4 + (x2 - theta*x1/2)**2", 1.2, 1.3, (0.0, 1.5)),
]


def _model(energy, beta, mu):
    return EnergyModel.from_string(energy, x=["x1", "x2"], beta=beta, mu=mu)


def _generator_field(model):
    """The field on the generator branch even where a closed form exists (the closed form is the reference)."""
    f = metric_field(model, grid=GRID)
    return MetricField(f.model, f.beta, f.mu, False, None, GRID), (f if f.closed_form else None)


@pytest.mark.parametrize("name, energy, beta, mu, span", FAMILY, ids=[f[0] for f in FAMILY])
def test_interpolated_metric_matches_fresh_solves_to_its_stated_error(name, energy, beta, mu, span):
    model = _model(energy, beta, mu)
    field, closed = _generator_field(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AccuracyWarning)  # every member is resolved at this grid size
        assert field.interpolate(*span) is not None
    thetas = np.r_[np.random.default_rng(3).uniform(*span, 3), span[1] - 1e-3]
    for th in thetas:
        got = field(th)
        assert got.method.startswith("Chebyshev interpolant of the generator"), got.method
        fresh = MetricField(field.model, field.beta, field.mu, False, None, GRID)(th)
        # ζ: the interpolant reproduces the solve to within the solve's own Richardson bound (stated in error)
        assert abs(got.friction[0, 0] - fresh.friction[0, 0]) <= min(got.error, 2 * fresh.error), (th, got, fresh)
        if closed is not None:  # and the truth to the stated error
            assert abs(got.friction[0, 0] - closed(th).friction[0, 0]) <= got.error
        # I, ⟨∂θE⟩: trapezoid sums, interpolated to GENERATOR_INTERP_RTOL of their scale on the span
        scale_i = max(abs(field(t).fisher[0, 0]) for t in np.linspace(*span, 5))
        assert abs(got.fisher[0, 0] - fresh.fisher[0, 0]) <= GENERATOR_INTERP_RTOL * scale_i
        scale_m = max(max(abs(field(t).mean_dE[0]) for t in np.linspace(*span, 5)), np.sqrt(scale_i) / beta)
        assert abs(got.mean_dE[0] - fresh.mean_dE[0]) <= GENERATOR_INTERP_RTOL * scale_m
    outside = field(np.array([span[1] + 0.3]))
    assert outside.method.startswith("generator")


def test_unresolved_or_multi_parameter_metrics_keep_the_solves():
    # two parameters: no one-parameter span to interpolate on; the schedule keeps a solve per θ
    two = EnergyModel.from_string("(x1 - t1)**2/2 + (x2 - t2)**2/2 + x1**2*x2**2/4", x=["x1", "x2"],
                                  theta=["t1", "t2"], beta=1.2, mu=0.8)
    f = metric_field(two, grid=GRID)
    assert f.interpolate(0.0, 1.0) is None and interpolate_span(f, [0.0, 0.0], [1.0, 1.0]) == ""
    # a span the interpolant cannot validate within its budget: nothing installed, the solve serves
    field, _ = _generator_field(_model(*FAMILY[0][1:4]))
    assert field.interpolate(-1.0, 1.5, max_points=17) is None
    assert field(0.5).method.startswith("generator")
    # solves noisier than the tolerance (41 points per axis: I varies by more than 1e-7 with the grid frame):
    # the fit stops once a refinement stalls, after 17 + 16 new solves instead of running to 129 points
    coarse = metric_field(_model(*FAMILY[1][1:4]), grid=41)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        assert coarse.interpolate(*FAMILY[1][4]) is None
    assert len(coarse._solved) == 33


#: the F fits: the exponential wall over a long span needs 33 points for F_INTERP_ATOL (17 reach only ~1e-4)
F_FAMILY = FAMILY[1:3] + [FAMILY[3][:4] + ((-3.0, 5.0),)]


@pytest.mark.parametrize("name, energy, beta, mu, span", F_FAMILY, ids=[f[0] for f in F_FAMILY])
def test_trainer_free_energy_on_the_span_matches_the_grid(name, energy, beta, mu, span):
    model = _model(energy, beta, mu)
    th = model_callables(model, [span[1]], span=span)
    tw = numeric_twin(model)
    for t in np.r_[np.random.default_rng(4).uniform(*span, 4), span[0]]:
        ref = free_energy(tw, np.array([t]))
        # the validated interpolant's bound, plus the grid rule's own convergence of ln Z (1e-9)
        assert beta * abs(th.free_energy(np.array([t])) - ref) <= F_INTERP_ATOL + 1e-9, t
    far = span[1] + 0.5 * (span[1] - span[0])  # outside the padded span: the grid itself
    assert th.free_energy(np.array([far])) == free_energy(tw, np.array([far]))


@pytest.mark.parametrize("name, energy, beta, mu, span", F_FAMILY, ids=[f[0] for f in F_FAMILY])
def test_data_moments_on_the_span_match_the_data_rule(name, energy, beta, mu, span):
    """<E>_d and <dE/dtheta>_d served to the trainer and the geodesic rate equal the data rule's sums."""
    from thermolearn.numeric.equilibrium import equilibrium_rule
    from thermolearn.numeric.metric import data_mean_function
    from thermolearn.numeric.metric._data import DATA_INTERP_ATOL, data_moments_fit

    model = _model(energy, beta, mu)
    target = np.array([span[1]])
    th = model_callables(model, target, span=span)
    tw = numeric_twin(model)
    rule = equilibrium_rule(tw, target)
    pad = 0.2 * (span[1] - span[0])
    mean = data_mean_function(model, target, (span[0] - pad, span[1] + pad))
    fit = data_moments_fit(tw, (span[1],), span[0] - pad, span[1] + pad)
    assert fit is not None and beta * np.max(fit.error) <= DATA_INTERP_ATOL  # validated to the stated tolerance
    for t in np.r_[np.random.default_rng(6).uniform(*span, 4), span[0]]:
        x = np.array([t])
        e_ref, g_ref = rule.expect(tw.energy(rule.x, x)), rule.expect(tw.dE_dtheta(rule.x, x))
        # the validated interpolant's bound (the sums themselves are exact to rounding, ~1e-15 relative)
        assert beta * abs(th.data_energy(x) - e_ref) <= DATA_INTERP_ATOL, t
        assert beta * np.max(np.abs(th.data_gradient(x) - g_ref)) <= DATA_INTERP_ATOL, t
        assert beta * np.max(np.abs(mean(x) - g_ref)) <= DATA_INTERP_ATOL, t
        assert np.shape(th.data_gradient(x)) == (1,) and np.shape(mean(x)) == (1,)
    far = np.array([span[1] + 0.5 * (span[1] - span[0])])  # outside the padded span: the rule itself
    assert th.data_energy(far) == rule.expect(tw.energy(rule.x, far))
    assert data_moments_fit(numeric_twin(EnergyModel.from_string("x**4/4 - theta*x", beta=beta, mu=mu)),
                            (1.0,), 0.0, 1.0) is None  # one coordinate: the adaptive rule is summed directly


def test_geodesic_run_books_the_grid_free_energy_and_names_the_interpolant():
    from thermolearn.numeric.langevin import train
    from thermolearn.numeric.metric import geodesic_schedule

    name, energy, beta, mu, _ = FAMILY[1]
    model = _model(energy, beta, mu)
    sched = geodesic_schedule(metric_field(model, grid=GRID), 0.0, 1.5, 4.0)
    assert "metric: Chebyshev interpolant of the generator" in sched.description
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the slow-driving note of this short run is not what is tested
        r = train(model, sched, theta0=0.0, target=1.5, particles=200, steps=40, method="euler",
                  rng=np.random.default_rng(5))
    tw = numeric_twin(model)
    for t, f in zip(r.theta[::8, 0], r.free_energy[::8]):  # every recorded F is the grid's, to the fit's bound
        assert beta * abs(f - free_energy(tw, np.array([t]))) <= F_INTERP_ATOL + 1e-9, t


def test_reused_solves_of_a_two_parameter_metric_stay_within_the_solve_error():
    from thermolearn.numeric.metric._field import REUSE_FRACTION

    model = EnergyModel.from_string("(x1 - t1)**2/2 + (x2 - t2)**2/2 + x1**2*x2**2/4 + t1*x2/3", x=["x1", "x2"],
                                    theta=["t1", "t2"], beta=1.3, mu=0.7)
    field = metric_field(model, grid=GRID)
    # steps of ~0.02, a quarter of the trust radius at this grid: the slope criterion, not the baseline, binds
    path = np.linspace([0.0, 0.0], [0.8, 0.4], 41) + 0.004 * np.random.default_rng(6).standard_normal((41, 2))
    reused = 0
    for th in path:
        got = field.reused(th)
        if "reused" not in got.method:
            continue
        reused += 1
        assert np.all(np.isnan(got.mean_dE))  # not first-order accurate: not served
        # the stated bound is at most (1 + REUSE_FRACTION) times that of the solve it reuses (the nearest one)
        src = min(field._solved, key=lambda p: np.linalg.norm(p.theta - th))
        assert got.error <= (1 + REUSE_FRACTION) * src.error, (th, got.error, src.error)
        if reused % 3:
            continue  # a fresh reference at every third reused point
        fresh = metric_field(model, grid=GRID)(th)
        assert np.max(np.abs(got.friction - fresh.friction)) <= got.error + fresh.error, th
        rel = fresh.error / np.max(np.abs(fresh.friction))
        assert np.max(np.abs(got.fisher - fresh.fisher)) <= 2 * REUSE_FRACTION * rel * np.max(np.abs(fresh.fisher)), th
    assert reused >= 20, reused  # smooth on the scale of the solve error: 30 of the 41 points are reused
