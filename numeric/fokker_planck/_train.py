"""Persistent-chain learning on the density: θ̇ = −H(t)∇̃L coupled to the FP equation.

∇̃L(θ, p) = β(⟨∂θE⟩_d − ⟨∂θE⟩_p) with data from p_m(θ*) (arXiv 2510.03137,
persistent-chain learning); both averages are quadratures on the grid (the
data average uses the discrete Boltzmann density at θ* = ``target``).  The
approximate objective L̃(t) = L(θ₀) + ∫θ̇·∇̃L dt and the exact
L(θ) = β(⟨E(θ)⟩_d − F(θ)) give the bias L − L̃, which must equal βW_ex
(arXiv 2510.03137, bias equals excess work); both sides are computed
independently (W from the engine's energetics, L̃ from the gradient line
integral) and compared at the end: a disagreement beyond
:data:`BIAS_IDENTITY_RTOL` is reported as an ``AccuracyWarning`` (the time
steps do not resolve the run).  Divergence and slow-driving diagnostics are
those of the Langevin trainer.
"""

from __future__ import annotations

import warnings

import numpy as np

from thermolearn.theory import AccuracyWarning, DivergenceWarning, ParameterError

from ..progress import progress_reporter
from ._callables import numeric_energy
from ._energetics import boltzmann, energy_on_grid, free_energy
from ._engine import Engine, time_nodes
from ._propagate import initial_density, prepare_grid
from ._result import FokkerPlanckResult

__all__ = ["train", "BIAS_IDENTITY_RTOL"]

#: |bias − βW_ex| ≤ BIAS_IDENTITY_RTOL·(1 + |βW_ex|) between the two independent
#: computations; both are second order in Δt, so a converged run agrees to
#: ~1e-4 and a 1 % gap means the steps do not resolve the dynamics.
BIAS_IDENTITY_RTOL = 1e-2


def _cover_shift(ne, g, th0, u0):
    """Widen an automatic grid so it also holds the density translated to mean u0."""
    from ._grid import Grid

    P = boltzmann(ne, g, th0)
    shift = np.atleast_1d(np.asarray(u0, float)) - np.array([float(np.sum(P * m)) for m in g.mesh])
    lo = np.minimum(g.lower, np.asarray(g.lower) + shift)
    up = np.maximum(g.upper, np.asarray(g.upper) + shift)
    cells = tuple(int(np.ceil(c * (b - a) / (B - A))) for c, a, b, A, B in zip(g.cells, lo, up, g.lower, g.upper))
    return Grid(tuple(lo), tuple(up), cells)


def _apply_rate(rate, grad):
    H = np.asarray(rate, dtype=float)
    if H.ndim == 0:
        return H * grad
    if H.shape != (grad.size, grad.size):
        raise ParameterError(f"schedule rate must be a scalar or a {grad.size}x{grad.size} matrix, got shape {H.shape}")
    return H @ grad


def train(model, schedule, *, theta0, target, samples0=None, u0=None, steps=200, grid=None,
          time_method="trbdf2", mass_tol=1e-8, kick_substeps=16, progress=None) -> FokkerPlanckResult:
    """Train θ by the persistent-chain gradient flow with the density on a grid.

    The arguments shared with ``numeric.langevin.train`` mean the same;
    ``samples0`` is histogrammed on the grid as the initial density.  The
    result is a :class:`numeric.langevin.TrainingResult` (subclass
    :class:`FokkerPlanckResult`).  Each step is Heun (predictor–corrector) for θ with the
    density advanced by ``time_method`` along θ linear in the step:
    second order in Δt.  A :class:`numeric.schedule.Kick` of weight w
    integrates dθ/ds = −w∇̃L(θ, p) over s ∈ [0, 1] at frozen p (RK4,
    ``kick_substeps``), booking its work ⟨E(θ⁺) − E(θ⁻)⟩_p.  ``progress``: one unit
    per time step (:func:`numeric.progress.progress_reporter`).

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.numeric.schedule import Schedule
    >>> s = Schedule("constant", lambda t, th: 1.0, 1.0)
    >>> r = train(harmonic_trap(k=1, beta=1, mu=10), s, theta0=[-1.0], target=[0.0], steps=100)
    >>> bool(abs(r.bias[-1] - r.excess_work[-1]) < 1e-4)
    True
    """
    from thermolearn.numeric.langevin._train import divergence_reason, slow_driving
    from thermolearn.numeric.schedule import Schedule

    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule must be a numeric.schedule.Schedule, got {type(schedule).__name__}")
    ne = numeric_energy(model)
    th0 = np.atleast_1d(np.asarray(theta0, float))
    ths = np.atleast_1d(np.asarray(target, float))
    probe = [th0, ths] + [th0 + s * (ths - th0) for s in np.linspace(0.0, 1.0, 9)]
    g = prepare_grid(ne, probe, grid, mass_tol=mass_tol)
    if grid is None and u0 is not None:
        g = _cover_shift(ne, g, th0, u0)
    p0 = None
    if samples0 is not None:
        x = np.asarray(samples0, float).reshape(-1, ne.dim)
        p0, _ = np.histogramdd(x, bins=g.cells, range=list(zip(g.lower, g.upper)))
    P = initial_density(ne, g, th0, p0, u0)
    data = boltzmann(ne, g, ths)
    beta = ne.beta

    def grad(theta, P):
        d = ne.dE_dtheta(g.mesh, theta)
        return beta * np.array([float(np.sum((data - P) * di)) for di in d])

    def loss(theta):
        e = energy_on_grid(ne, g, theta)
        return beta * (float(np.sum(data * e)) - free_energy(ne, g, theta, e))

    eng = Engine(ne, g, P, th0, method=time_method)
    kicks = {}
    for k in schedule.kicks:
        kicks.setdefault(float(k.time), []).append(k.weight)
    nodes = time_nodes(schedule.tau, steps, kicks)
    notes: list[str] = []
    ratio = slow_driving(schedule, notes)
    reason = ""
    L0 = loss(th0)
    Ltilde = [L0]
    Ltrue = [L0]

    def kick(weight):
        th, acc = eng.theta.copy(), 0.0
        h = 1.0 / kick_substeps
        for _ in range(kick_substeps):
            f = lambda q: -_apply_rate(weight, grad(q, eng.P))
            k1 = f(th); k2 = f(th + h / 2 * k1); k3 = f(th + h / 2 * k2); k4 = f(th + h * k3)
            step = h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            acc += float(step @ grad(th + step / 2, eng.P))
            th = th + step
        eng.jump(th)
        Ltilde.append(Ltilde[-1] + acc)
        Ltrue.append(loss(th))

    bar = progress_reporter(progress, total=len(nodes) - 1, desc="fokker-planck")
    for n in range(len(nodes) - 1):
        bar.update()
        t0, t1 = nodes[n], nodes[n + 1]
        for w in kicks.get(t0, ()):
            kick(w)
        dt = t1 - t0
        a, P0 = eng.theta.copy(), eng.P
        g0 = grad(a, P0)
        f0 = -_apply_rate(schedule.rate_at(t0, a, g0), g0)
        pred = a + dt * f0
        Pp, _ = eng.advance(P0, a, pred, dt)
        g1 = grad(pred, Pp)
        f1 = -_apply_rate(schedule.rate_at(t1, pred, g1), g1)
        b = pred if schedule.feedback else a + dt / 2 * (f0 + f1)  # a tracking schedule corrects its own error
        reason = divergence_reason(b, None, th0, ths) or divergence_reason(pred, None, th0, ths)
        if reason:
            reason = f"run stopped at t = {t0:.4g}: {reason} (the learning rate is too large for the step)"
            warnings.warn(reason, DivergenceWarning, stacklevel=2)
            break
        P1, stages = eng.advance(P0, a, b, dt)
        eng.commit(P1, b, dt, stages)
        Ltilde.append(Ltilde[-1] + float((b - a) @ (0.5 * (g0 + grad(b, P1)))))
        Ltrue.append(loss(b))
    bar.close()
    if not reason:
        for w in kicks.get(float(nodes[-1]), ()):
            kick(w)
    arr = eng.arrays()
    bias = np.array(Ltrue) - np.array(Ltilde)
    gap = abs(bias[-1] - beta * arr["excess_work"][-1])
    if not reason and gap > BIAS_IDENTITY_RTOL * (1 + abs(beta * arr["excess_work"][-1])):
        msg = (f"bias L - L~ = {bias[-1]:.6g} and beta*W_ex = {beta * arr['excess_work'][-1]:.6g} (computed "
               f"independently) differ by {gap:.3g} > {BIAS_IDENTITY_RTOL:g}*(1 + |beta*W_ex|): the {steps} steps "
               "do not resolve this run; increase --steps")
        warnings.warn(msg, AccuracyWarning, stacklevel=2)
        notes.append(msg)
    arr["warnings"] = tuple(arr["warnings"]) + tuple(notes)
    return FokkerPlanckResult(**arr, bias=bias, density=eng.P, grid=g, beta=beta, method="fokker-planck",
                              schedule=schedule.name, loss=np.array(Ltrue), approx_loss=np.array(Ltilde),
                              dt=float(schedule.tau / steps), diverged=bool(reason), divergence=reason,
                              slow_driving_ratio=ratio)
