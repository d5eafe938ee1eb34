"""Slow-driving and geodesic learning-rate schedules for any energy.

Both return :class:`numeric.schedule.Schedule` objects whose
``rate(t, theta)`` is a learning-rate matrix H for the persistent-chain flow
θ̇ = −H∇̃L (arXiv 2510.03137, persistent-chain learning and its
slow-driving / thermodynamic-metric section).

* ``slow_driving_schedule``: H(t, θ) = [βζ(θ) + (τ − t)I(θ)]⁻¹, which under the
  slow-driving closure ⟨∂θE⟩_s ≈ ∂θF + ζθ̇ gives the natural-gradient flow
  θ̇ = −I⁻¹∇L/(τ − t).  It needs no knowledge of the target.
* ``geodesic_schedule``: makes the closure flow track the constant-speed
  ζ-geodesic γ(t) from θ0 to θ1 (= the target θ*) in closed loop; see its
  docstring for the derivation and the guard of the pole of the open-loop
  rate v/(βζv − ∇L).
"""

from __future__ import annotations

import numpy as np

from thermolearn.numeric.schedule import SLOW_DRIVING_MIN_RATIO, Schedule
from thermolearn.theory import ParameterError

from ._data import data_mean_function
from ._field import MetricField, check_positive_definite, metric_field
from ._geodesic import ENDGAME_STEP_FRACTION, geodesic_protocol, relaxation_time

__all__ = ["slow_driving_schedule", "geodesic_schedule", "tracking_rate", "interpolate_span", "padded_span", "SPAN_PAD",
           "ENDGAME_STEP_FRACTION"]


def _field(model, beta, mu, values) -> MetricField:
    """``model``'s metric field, or ``model`` itself when it is one (its cache is then shared)."""
    if isinstance(model, MetricField):
        if beta is not None or mu is not None or values:
            raise ParameterError("beta, mu and values belong to the MetricField given as the model; "
                                 "give them to metric_field instead")
        return model
    return metric_field(model, {**(values or {}), **{k: v for k, v in (("beta", beta), ("mu", mu)) if v is not None}})


#: :func:`interpolate_span` widens [min(θ0, θ1), max(θ0, θ1)] by this fraction of |θ1 − θ0| on each side: room
#: for the chains' noise and an overshoot of θ1 (the runs measured in docs/theory.md stay well inside); a θ
#: beyond it is solved afresh, so the pad costs solves, never accuracy.
SPAN_PAD = 0.2


def padded_span(theta0, theta1) -> tuple[float, float] | None:
    """[min(θ0, θ1), max(θ0, θ1)] widened by :data:`SPAN_PAD` × |θ1 − θ0| on each side, or None.

    None when θ0 = θ1 or either is not finite.  The interpolants of a run (the
    metric, F, the data moments) are keyed by this interval, so the schedule
    and the trainer of one run share them.

    >>> padded_span(1.0, 0.0)
    (-0.2, 1.2)
    """
    a, b = sorted(float(np.ravel(np.asarray(v, dtype=float))[0]) for v in (theta0, theta1))
    if a == b or not (np.isfinite(a) and np.isfinite(b)):
        return None
    return a - SPAN_PAD * (b - a), b + SPAN_PAD * (b - a)


def interpolate_span(field: MetricField, theta0, theta1) -> str:
    """Serve ``field`` between θ0 and θ1 (padded by :data:`SPAN_PAD`) from its validated interpolant; its label.

    One parameter, two coordinates and no closed form only (the generator
    branch of :meth:`MetricField.interpolate`; a 1-D quadrature costs
    milliseconds per θ and is left as it is): the run's metric is then a few
    dozen solve pairs instead of one per new θ; outside the span (or where the
    interpolant does not validate) the field keeps solving at each θ.
    Returns "" when nothing was installed.
    """
    span = None if field.closed_form or len(field.model.theta) != 1 or len(field.model.x) != 2 \
        else padded_span(theta0, theta1)
    if span is None or field.interpolate(*span) is None:
        return ""
    return field(np.array([sum(span) / 2])).method


def _described(text, label):
    return f"{text}; metric: {label}" if label else text


def slow_driving_schedule(model, *, tau, beta=None, mu=None, values=None, span=None) -> Schedule:
    """H(t, θ) = [βζ(θ) + (τ − t)I(θ)]⁻¹ as a Schedule (natural-gradient flow).

    ``model`` may be a :class:`MetricField` (β, μ given to it): the schedule
    then shares its cache of metric points (so does :func:`geodesic_schedule`).
    ``span`` = (θ0, θ*), the range the flow will cover: one-parameter
    metrics without a closed form are then interpolated there
    (:func:`interpolate_span`; the schedule's description says so).

    For the trap (ζ = 1/μ, I = βk) this is η = 1/(β(1/μ + k(τ − t))), the
    continuous optimal schedule of arXiv 2510.03137:

    >>> from thermolearn.theory.models import harmonic_trap
    >>> s = slow_driving_schedule(harmonic_trap(k=1), tau=1.0, beta=1, mu=5)
    >>> round(float(s.rate(0.2, np.array([3.0]))[0, 0]), 12)
    1.0
    """
    if not (isinstance(tau, (int, float)) and np.isfinite(tau) and tau > 0):
        raise ParameterError(f"tau must be positive and finite, got {tau!r}")
    field = _field(model, beta, mu, values)
    b = field.beta
    label = interpolate_span(field, *span) if span is not None else ""
    several = not field.closed_form and len(field.model.theta) > 1 and len(field.model.x) == 2
    if several:  # no path known ahead: solves reused within their trust radius (ζ and I are all H needs)
        label = "generator solves reused within a trust radius (MetricField.reused)"

    def rate(t, theta):
        pt = field.reused(theta) if several else field(theta)
        # where θ has no effect on p_m (I = ζ = 0: e.g. θ³x at θ = 0) the matrix has no inverse: say so
        m = check_positive_definite(b * pt.friction + max(tau - t, 0.0) * pt.fisher,
                                    "the slow-driving schedule's beta*zeta + (tau - t)*I", theta)
        return np.linalg.inv(m)

    return Schedule("slow-driving", rate, float(tau), (),
                    _described("H(t) = [beta*zeta(theta) + (tau - t)*I(theta)]^-1", label))


def tracking_rate(w, grad, friction, beta, measured=None) -> np.ndarray:
    """Rank-one H that moves θ with velocity w (see :func:`geodesic_schedule`), pole guarded.

    Closure form (``measured`` None): −H(∇L − βζw) = w, H = wwᵀ/max(βwᵀζw − wᵀ∇L, βwᵀζw).
    Measured form: −H∇̃L = w exactly, H = wwᵀ/(−wᵀ∇̃L), and H = 0 when wᵀ∇̃L ≥ 0.

    >>> H = tracking_rate(np.array([1.0]), np.array([-9.0]), np.eye(1), 1.0)
    >>> float(H[0, 0])            # η = v/(βζv − ∇L) = 1/10
    0.1
    >>> float(tracking_rate(np.array([1.0]), np.array([5.0]), np.eye(1), 1.0)[0, 0])   # past the pole: capped at 1/(βζ)
    1.0
    >>> float(tracking_rate(np.array([1.0]), np.array([-9.0]), np.eye(1), 1.0, measured=np.array([0.5]))[0, 0])
    0.0
    >>> float(tracking_rate(np.array([1.0]), np.array([-9.0]), np.eye(1), 1.0, measured=np.array([-20.0]))[0, 0])
    0.05
    """
    zw = float(w @ friction @ w)
    if measured is not None:
        wg = -float(w @ measured)
        return np.outer(w, w) / wg if wg > 0 else np.zeros((len(w), len(w)))
    if not zw > 0:
        return np.zeros((len(w), len(w)))
    return np.outer(w, w) / max(beta * zw - float(w @ grad), beta * zw)


def geodesic_schedule(model, theta0, theta1, tau, *, beta=None, mu=None, values=None, steps=None) -> Schedule:
    """Learning-rate matrix that drives the slow-driving flow along the ζ-geodesic θ0 → θ1, in closed loop.

    Derivation.  Under the slow-driving closure ⟨∂θE⟩_s ≈ ∂θF + ζθ̇ the
    estimated gradient is ∇̃L ≈ ∇L − βζθ̇, with ∇L = β(⟨∂θE⟩_{p_m(θ*)} − ∂θF).
    A rank-one rate H = wwᵀ/D with D = βwᵀζw − wᵀ∇L solves θ̇ = −H∇̃L
    for θ̇ = w exactly: −wwᵀ(∇L − βζw)/D = w.  The requested velocity is
    the closed-loop tracking velocity of the geodesic γ (θ(0) = θ0,
    γ(τ) = θ1, constant metric speed 𝓛/τ):

        w(t, θ) = γ̇(t) + (γ(t) − θ)/(τ − t).

    On the path (θ = γ(t)) this is γ̇(t), the open-loop schedule; a
    deviation δ = θ − γ obeys δ̇ = −δ/(τ − t), so δ(t) ∝ (τ − t) and the
    closure flow ends at θ(τ) = θ1 whatever the chain noise did on the way.

    The pole.  The open-loop rate (w = γ̇ always; η = v/(βζv − ∇L) in one
    parameter) diverges where wᵀ∇L = βwᵀζw > 0: once noise carries θ past
    θ*, ∇L changes sign, the requested motion climbs L, and the rate blows
    up — the runaway seen on θx²/2.  Three guards remove it:

    1. the tracking velocity points back towards γ (hence towards θ*) after
       an overshoot;
    2. D is replaced by max(D, βwᵀζw), which equals D whenever wᵀ∇L ≤ 0 and
       bounds ‖H‖ ≤ 1/(β λmin(ζ)) for every t and θ: no pole;
    3. beyond slow driving (τ < SLOW_DRIVING_MIN_RATIO·τ_R) the closure
       misjudges the lag: the chains lag more than it predicts and their
       measured gradient ∇̃L keeps pushing θ past θ* although w already
       points back (the learning feedback is under-damped: with the
       chains' statistics relaxing with τ_R = βζ/I,
       ü + u̇/τ_R + (ηI/τ_R)(u − θ*) = 0 for the chains' effective
       parameter u, critically damped only at η = 1/(4βζ)), or lag so much
       that θ never arrives (double well).  There the schedule is the exact
       closed-loop form in the measured gradient (``Schedule.feedback``):
       H = wwᵀ/(−wᵀ∇̃L), so θ̇ = −H∇̃L = w exactly, and H = 0 whenever
       wᵀ∇̃L ≥ 0 (θ waits for the chains instead of being carried away).
       H is large where ∇̃L is small, but the velocity is bounded by w.  In
       the slow-driving regime the closure form is kept: near θ* the
       measured gradient is dominated by the chains' sampling noise, and
       the measured form (non-linear in it) would bias θ(τ) towards θ0
       (measured: −0.1 at τ = 100τ_R on θx²/2), while the closure form,
       linear in ∇̃L, averages the noise out.

    Without the measured gradient (``rate(t, θ)``), guards 1–2 apply.

    ``Schedule.relaxation_time`` is the largest λmax(βI⁻¹ζ) along γ; the
    closure (and the schedule's optimality) needs τ ≫ τ_R.  Given ``steps``
    (the parameter steps of the run), a step Δt = τ/steps larger than
    :data:`ENDGAME_STEP_FRACTION`·τ_R(θ*) does not resolve the end-game near
    θ*: one ``AccuracyWarning`` (from :func:`geodesic_protocol`), and the
    note travels in ``Schedule.notes`` into the trainers' result.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> s = geodesic_schedule(harmonic_trap(k=1), -1.0, 0.0, 1.0, beta=1, mu=1)
    >>> H = s.rate(0.0, np.array([-1.0]))   # v = 1, ∇L = −1, ζ = 1: η = 1/(1 + 1)
    >>> round(float(H[0, 0]), 10)
    0.5
    >>> round(float(s.rate(0.5, np.array([3.0]))[0, 0]), 10)   # far past θ*: w = 1 + (−0.5 − 3)/0.5 points back
    0.6666666667
    >>> s.relaxation_time
    1.0
    """
    field = _field(model, beta, mu, values)
    label = interpolate_span(field, theta0, theta1)  # one parameter, no closed form: a few dozen solves in all
    proto = geodesic_protocol(field, theta0, theta1, tau, steps=steps)  # the end-game note, given steps
    target = np.atleast_1d(np.asarray(theta1, float))
    data_mean = data_mean_function(field.model, target, padded_span(theta0, theta1))
    b, tau = field.beta, float(tau)
    tau_r = relaxation_time(field, proto.theta(np.linspace(0.0, tau, 9)))

    closed_loop = tau < SLOW_DRIVING_MIN_RATIO * tau_r

    def rate(t, theta, measured=None):
        th = np.atleast_1d(np.asarray(theta, float))
        measured = measured if closed_loop else None
        pt = field(th)
        tc = min(max(t, 0.0), tau)
        w = proto.velocity(tc)[0] + (proto.theta(tc)[0] - th) / max(tau - tc, 1e-12 * tau)
        return tracking_rate(w, b * (data_mean(th) - pt.mean_dE), np.atleast_2d(pt.friction), b, measured)

    return Schedule("geodesic", rate, tau, (),
                    _described("H = w w^T / max(beta w^T zeta w - w^T grad L, beta w^T zeta w) (0 if w^T grad~L "
                               ">= 0), w = geodesic velocity + (geodesic - theta)/(tau - t)", label),
                    relaxation_time=tau_r, feedback=True, notes=proto.notes)
