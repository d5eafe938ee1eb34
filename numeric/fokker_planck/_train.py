"""Persistent-chain learning on the density: θ̇ = −H(t)∇̃L coupled to the FP equation.

∇̃L(θ, p) = β(⟨∂θE⟩_d − ⟨∂θE⟩_p) with data from p_m(θ*) (arXiv 2510.03137,
persistent-chain learning); both averages are quadratures on the grid (the
data average uses the discrete Boltzmann density at θ* = ``target``).  The
approximate objective L̃(t) = L(θ₀) + ∫θ̇·∇̃L dt and the exact
L(θ) = β(⟨E(θ)⟩_d − F(θ)) give the bias L − L̃, which must equal βW_ex
(arXiv 2510.03137, bias equals excess work).  The bookkeeping is the
Langevin trainer's :class:`numeric.langevin._ledger.Ledger` with the grid
density as chain weights (kicks, Sekimoto work, L, F); L̃ of the continuous
steps is its trapezoidal line integral of the measured gradient, independent
of the work, and the two sides are compared at the end: a disagreement beyond
:data:`BIAS_IDENTITY_RTOL` is reported as an ``AccuracyWarning`` (the time
steps do not resolve the run).  Divergence and slow-driving diagnostics are
those of the Langevin trainer.
"""

from __future__ import annotations

import warnings
import numpy as np

from thermolearn.theory import AccuracyWarning, DivergenceWarning, ParameterError

from ..model import numeric_twin
from ..progress import progress_reporter
from ._energetics import boltzmann, energy_on_grid, free_energy
from ._engine import Engine, time_nodes
from ._grid import Grid
from ._propagate import initial_density, prepare_grid
from ._result import FokkerPlanckResult

__all__ = ["train", "BIAS_IDENTITY_RTOL"]

#: |bias − βW_ex| ≤ BIAS_IDENTITY_RTOL·(1 + |βW_ex|) between the two independent
#: computations; both are second order in Δt, so a converged run agrees to
#: ~1e-4 and a 1 % gap means the steps do not resolve the dynamics.
BIAS_IDENTITY_RTOL = 1e-2


def _cover_shift(tw, g, th0, u0):
    """Widen an automatic grid so it also holds the density translated to mean u0."""
    P = boltzmann(tw, g, th0)
    shift = np.atleast_1d(np.asarray(u0, float)) - np.tensordot(P, g.points, axes=P.ndim)
    lo = np.minimum(g.lower, np.asarray(g.lower) + shift)
    up = np.maximum(g.upper, np.asarray(g.upper) + shift)
    cells = tuple(int(np.ceil(c * (b - a) / (B - A))) for c, a, b, A, B in zip(g.cells, lo, up, g.lower, g.upper))
    return Grid(tuple(lo), tuple(up), cells)


def _grid_thermo(tw, g, target):
    """The ledger's view on the grid: data from the discrete Boltzmann density at θ*, F on the grid."""
    from thermolearn.numeric.langevin._thermo import Thermo

    data = boltzmann(tw, g, target).ravel()
    X = g.points.reshape(-1, tw.d)
    return Thermo(tw, False, None, lambda th: free_energy(tw, g, th),
                  lambda th: float(data @ energy_on_grid(tw, g, th).ravel()), lambda th: data @ tw.dE_dtheta(X, th))


def train(model, schedule, *, theta0, target, samples0=None, u0=None, steps=200, grid=None,
          time_method="auto", mass_tol=1e-8, progress=None) -> FokkerPlanckResult:
    """Train θ by the persistent-chain gradient flow with the density on a grid.

    The arguments shared with ``numeric.langevin.train`` mean the same;
    ``samples0`` is histogrammed on the grid as the initial density.  The
    result is a :class:`numeric.langevin.TrainingResult` (subclass
    :class:`FokkerPlanckResult`).  Each step is Heun (predictor–corrector) for θ with the
    density advanced by ``time_method`` along θ linear in the step:
    second order in Δt.  A :class:`numeric.schedule.Kick` is the Langevin
    trainer's kick at frozen density (its work ⟨E(θ⁺) − E(θ⁻)⟩_p).  ``progress``: one
    unit per time step (:func:`numeric.progress.progress_reporter`).

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.numeric.schedule import Schedule
    >>> s = Schedule("constant", lambda t, th: 1.0, 1.0)
    >>> r = train(harmonic_trap(k=1, beta=1, mu=10), s, theta0=[-1.0], target=[0.0], steps=100)
    >>> bool(abs(r.bias[-1] - r.excess_work[-1]) < 1e-4)
    True
    """
    from thermolearn.numeric.langevin._ledger import Ledger
    from thermolearn.numeric.langevin._train import _apply, _gradient_is_theta_free, _kick, divergence_reason, slow_driving
    from thermolearn.numeric.schedule import Schedule

    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule must be a numeric.schedule.Schedule, got {type(schedule).__name__}")
    tw = numeric_twin(model)
    th0, ths = tw.theta_vector(theta0), tw.theta_vector(target)
    probe = [th0, ths] + [th0 + s * (ths - th0) for s in np.linspace(0.0, 1.0, 9)]
    g = prepare_grid(tw, probe, grid, mass_tol=mass_tol)
    if grid is None and u0 is not None:
        g = _cover_shift(tw, g, th0, u0)
    p0 = None
    if samples0 is not None:
        x = np.asarray(samples0, float).reshape(-1, tw.d)
        p0, _ = np.histogramdd(x, bins=g.cells, range=list(zip(g.lower, g.upper)))
    eng = Engine(tw, g, initial_density(tw, g, th0, p0, u0), th0, method=time_method)
    X = g.points.reshape(-1, tw.d)
    led = Ledger(_grid_thermo(tw, g, ths), th0, weights=eng.P.ravel())
    linear = _gradient_is_theta_free(model)
    kicks = {}
    for k in schedule.kicks:
        kicks.setdefault(float(k.time), []).append(k.weight)
    nodes = time_nodes(schedule.tau, steps, kicks)
    notes: list[str] = []
    ratio = slow_driving(schedule, notes)
    reason = ""

    def kick(weight):
        led.weights = eng.P.ravel()
        _kick(led, X, weight, linear)
        eng.jump(led.theta)
        led.record(eng.t, X)

    def grad(theta, P):
        led.weights = P.ravel()
        return led.grad_tilde(X, theta)

    led.record(0.0, X)
    bar = progress_reporter(progress, total=len(nodes) - 1, desc="fokker-planck")
    for n in range(len(nodes) - 1):
        bar.update()
        t0, t1 = nodes[n], nodes[n + 1]
        for w in kicks.get(t0, ()):
            kick(w)
        dt = t1 - t0
        a, P0 = led.theta.copy(), eng.P
        g0 = grad(a, P0)
        f0 = -_apply(schedule.rate_at(t0, a, g0), g0)
        pred = a + dt * f0
        Pp, _ = eng.advance(P0, a, pred, dt)
        g1 = grad(pred, Pp)
        # a tracking (feedback) schedule corrects its own error: keep its predictor, else the Heun average
        b = pred if schedule.feedback else a + dt / 2 * (f0 - _apply(schedule.rate_at(t1, pred, g1), g1))
        reason = divergence_reason(b, None, th0, ths) or divergence_reason(pred, None, th0, ths)
        if reason:
            reason = f"run stopped at t = {t0:.4g}: {reason} (the learning rate is too large for the step)"
            warnings.warn(reason, DivergenceWarning, stacklevel=2)
            break
        P1, stages = eng.advance(P0, a, b, dt)
        eng.commit(P1, b, dt, stages)
        line = (g0, grad(b, P1))
        led.weights = 0.5 * (P0 + P1).ravel()  # the engine's trapezoid ½(P + P1)·(E(θ1) − E(θ0))
        led.move(X, b, line=line)
        led.weights = P1.ravel()
        led.record(t1, X)
    bar.close()
    if not reason:
        for w in kicks.get(float(nodes[-1]), ()):
            kick(w)
    arr = eng.arrays() | led.arrays()
    bias, bw = arr["bias"], tw.beta * arr["excess_work"]
    gap = abs(bias[-1] - bw[-1])
    if not reason and gap > BIAS_IDENTITY_RTOL * (1 + abs(bw[-1])):
        msg = (f"bias L - L~ = {bias[-1]:.6g} and beta*W_ex = {bw[-1]:.6g} (computed independently) differ by "
               f"{gap:.3g} > {BIAS_IDENTITY_RTOL:g}*(1 + |beta*W_ex|): the {steps} steps do not resolve this run; "
               "increase --steps")
        warnings.warn(msg, AccuracyWarning, stacklevel=2)
        notes.append(msg)
    arr["warnings"] = tuple(arr["warnings"]) + tuple(notes)
    return FokkerPlanckResult(**arr, density=eng.P, grid=g, beta=tw.beta, method="fokker-planck",
                              schedule=schedule.name, dt=float(schedule.tau / steps), diverged=bool(reason),
                              divergence=reason, slow_driving_ratio=ratio)
