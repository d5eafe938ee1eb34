"""The metric field's quadrature along a path reuses the support found at the nearest cached θ.

Reusing a support only skips the search for it (the tail-mass test and the
panel refinement of the rule decide as for a fresh search), so every point
must equal a fresh :func:`moments_quadrature` at the same θ to the rule's
accuracy (QUADRATURE_RTOL), for a family of energies and paths that move
the mode far from the reused interval.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.tolerances import QUADRATURE_RTOL
from thermolearn.numeric.metric import metric_field, moments_quadrature
from thermolearn.theory import EnergyModel

# (energy, beta, mu, path of theta): shifted, scaled, steep, flat, exp/cosh/softplus, a double well
_FAMILIES = [
    ("x**4/4 - theta*x", 1, 1, np.linspace(0.0, 8.0, 9)),
    ("x**4/4 - x**2/2 - theta*x", 2.5, 0.5, np.linspace(-1.5, 1.5, 9)),
    ("(x - theta)**4/4 + x**2/2", 1, 3, np.linspace(-40.0, 40.0, 7)),  # the mode moves far: reuse must fail
    ("x**6/6 - theta*x", 0.7, 1, np.linspace(-3.0, 3.0, 7)),
    ("1000*x**4 - theta*x", 1, 1, np.linspace(-2.0, 2.0, 5)),  # steep
    ("x**4/400 - theta*x", 1, 1, np.linspace(0.1, 1.0, 5)),  # flat
    ("cosh(x) - theta*x", 1.3, 1, np.linspace(-0.9, 0.9, 5)),
    ("exp(x) - theta*x + x**2/8", 1, 2, np.linspace(0.5, 3.0, 5)),
    ("log(1 + exp(x - theta)) + x**2/2", 2, 1, np.linspace(-5.0, 5.0, 6)),
    # a wall that steepens with theta in small steps: each reuse raises the ends further (p underflows there)
    ("exp(-theta*x) + exp(x)", 1, 1, np.linspace(1.0, 3.0, 21)),
]


@pytest.mark.parametrize("energy, beta, mu, path", _FAMILIES, ids=[f[0] for f in _FAMILIES])
def test_field_along_a_path_equals_fresh_quadrature(energy, beta, mu, path):
    model = EnergyModel.from_string(energy, beta=beta, mu=mu)
    field = metric_field(model)
    assert not field.closed_form
    for th in (*path, *path[::-1] + 0.013):  # out and back, off the cached points
        got = field(np.array([th]))
        ref = moments_quadrature(model, th)
        np.testing.assert_allclose(got.friction, ref.friction, rtol=QUADRATURE_RTOL, err_msg=f"theta={th}")
        np.testing.assert_allclose(got.fisher, ref.fisher, rtol=QUADRATURE_RTOL, err_msg=f"theta={th}")
        # <dE/dtheta> may vanish: its absolute scale is the spread of dE/dtheta, sqrt(I)/beta
        spread = float(np.sqrt(ref.fisher[0, 0])) / beta
        np.testing.assert_allclose(got.mean_dE, ref.mean_dE, rtol=QUADRATURE_RTOL, atol=QUADRATURE_RTOL * spread,
                                   err_msg=f"theta={th}")


def test_schedules_on_a_shared_field_equal_their_own_and_fill_its_cache():
    from thermolearn.numeric.metric import geodesic_schedule, slow_driving_schedule
    from thermolearn.theory import ParameterError

    model = EnergyModel.from_string("x**4/4 - x**2/2 - theta*x", beta=2, mu=0.5)
    field = metric_field(model)
    shared = (slow_driving_schedule(field, tau=3.0), geodesic_schedule(field, -1.0, 1.2, 3.0))
    assert len(field._cache) > 0  # the geodesic's nodes went into the shared cache
    own = (slow_driving_schedule(model, tau=3.0), geodesic_schedule(model, -1.0, 1.2, 3.0))
    for s, o in zip(shared, own):
        for t, th in ((0.0, -1.0), (1.1, 0.3), (2.9, 1.3)):
            np.testing.assert_allclose(s.rate(t, np.array([th])), o.rate(t, np.array([th])), rtol=QUADRATURE_RTOL)
    with pytest.raises(ParameterError, match="MetricField"):
        slow_driving_schedule(field, tau=1.0, beta=3)


@pytest.mark.parametrize("energy, a, b, sub", [
    ("x**4/4 - theta*x", 0.0, 8.0, (4.1, 7.9)),
    ("x**4/4 - x**2/2 - theta*x", -1.5, 1.5, (0.2, 1.4)),
    ("cosh(x) - theta*x", 0.9, -0.9, (-0.85,)),  # a decreasing protocol
])
def test_geodesic_to_a_nearer_point_reuses_the_enclosing_spline(energy, a, b, sub):
    from thermolearn.numeric.metric import geodesic_protocol

    model = EnergyModel.from_string(energy, beta=1, mu=1)
    field = metric_field(model)
    geodesic_protocol(field, a, b, 4.0)
    t = np.linspace(0.0, 4.0, 17)
    for bp in sub:
        before = len(field._cache)
        g = geodesic_protocol(field, a, bp, 4.0)
        assert len(field._cache) - before <= 1  # only the end point's metric, checked by geodesic_protocol
        ref = geodesic_protocol(metric_field(model), a, bp, 4.0, nodes=129)
        # the 65-node spline's O(h^4) error, at most 2x coarser spacing: measured <= 2e-7 relative
        assert abs(g.length / ref.length - 1) < 1e-6
        np.testing.assert_allclose(g.theta(t), ref.theta(t), rtol=0, atol=1e-6 * abs(b - a))
    for bp in (a + (b - a) / 3, b + (b - a) / 20):  # less than half as long, or beyond b: its own nodes
        before = len(field._cache)
        geodesic_protocol(field, a, bp, 4.0)
        assert len(field._cache) - before >= 60


def test_two_parameter_path_equals_fresh_quadrature():
    # several parameters: the support of the last new theta is the one offered for reuse
    model = EnergyModel.from_string("x**4/4 + b*x**2/2 - a*x", theta=("a", "b"), beta=1.5, mu=1)
    field = metric_field(model)
    assert not field.closed_form
    for a, b in ((0.0, 1.0), (0.5, 1.2), (1.0, 0.3), (6.0, 0.3), (-2.0, 2.0)):
        got, ref = field(np.array([a, b])), moments_quadrature(model, [a, b])
        np.testing.assert_allclose(got.friction, ref.friction, rtol=QUADRATURE_RTOL)
        np.testing.assert_allclose(got.fisher, ref.fisher, rtol=QUADRATURE_RTOL)


def test_nearest_support_is_the_nearest_cached_theta():
    model = EnergyModel.from_string("x**4/4 - theta*x", beta=1, mu=1)
    field = metric_field(model)
    for th in (3.0, -1.0, 7.0, 0.5):
        field(np.array([th]))
    for probe, nearest in ((2.0, 3.0), (-5.0, -1.0), (0.0, 0.5), (9.0, 7.0), (5.1, 7.0), (4.9, 3.0)):
        assert field._nearest_support((probe,)) is field._supports[(nearest,)]


@pytest.mark.parametrize("energy, beta, mu, path", _FAMILIES, ids=[f[0] for f in _FAMILIES])
def test_interpolated_field_matches_fresh_quadrature_to_its_stated_tolerance(energy, beta, mu, path):
    from thermolearn.numeric.metric._field import INTERP_RTOL

    model = EnergyModel.from_string(energy, beta=beta, mu=mu)
    field = metric_field(model)
    lo, hi = float(path.min()), float(path.max())
    err = field.interpolate(lo, hi)
    if energy in ("x**4/4 - theta*x", "x**4/4 - x**2/2 - theta*x"):  # the general-potentials energies validate
        assert err is not None
    thetas = np.r_[np.random.default_rng(1).uniform(lo, hi, 6), lo + 0.013, hi - 0.013]
    refs = [moments_quadrature(model, th) for th in thetas]
    scale = np.abs([[r.friction[0, 0], r.fisher[0, 0], r.mean_dE[0]] for r in refs]).max(axis=0)
    for th, ref in zip(thetas, refs):
        got = field(np.array([th]))
        assert got.method.startswith("Chebyshev" if err is not None else "quadrature")
        dev = np.abs(np.array([got.friction[0, 0] - ref.friction[0, 0], got.fisher[0, 0] - ref.fisher[0, 0],
                               got.mean_dE[0] - ref.mean_dE[0]])) / scale
        # validated: the interpolant's error bound (relative to the interval's largest value) + the rule's accuracy
        assert np.all(dev <= (INTERP_RTOL if err is not None else 0.0) + QUADRATURE_RTOL), (th, dev, err)
    outside = field(np.array([hi + 0.5]))  # beyond the interval: the quadrature itself
    assert outside.method == "quadrature"
    np.testing.assert_allclose(outside.friction, moments_quadrature(model, hi + 0.5).friction, rtol=QUADRATURE_RTOL)


def test_interpolate_declines_closed_forms_and_unresolved_intervals():
    from thermolearn.theory.models import harmonic_trap, quartic

    assert metric_field(harmonic_trap(k=2, beta=1, mu=1)).interpolate(-1.0, 1.0) is None  # closed form kept
    field = metric_field(quartic(beta=1, mu=1))
    assert field.interpolate(-2.0, 10.0, max_points=65) is None  # 33 points validate to ~7e-6 only: not installed
    assert field(np.array([3.3])).method == "quadrature"
