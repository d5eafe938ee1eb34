"""Persistent-chain training of an EBM: the one trainer behind ``simulate`` and ``reproduce``.

arXiv 2510.03137 (persistent-chain maximum-likelihood learning).  Per
parameter step n (t_n → t_n + Δt):

1. the chains move in the frozen energy E(·, θ) with a registered stepper
   (:mod:`._steppers`): ``"exact"`` — the exact Ornstein–Uhlenbeck
   transition, in a Strang splitting (chains Δt/2, parameters Δt, chains
   Δt/2: second order in Δt for the mean and the work; a closing Δt/2 and
   the next opening Δt/2 act at the same θ and are taken as one exact Δt
   step unless a row, kick or snapshot needs the chains in between); the
   other steppers in the authors' order (chains Δt, then parameters);
2. the parameters move with the chains frozen,
   θ_{n+1} = θ_n − H(t_n + Δt/2, θ_n) Δt ∇̃L,  ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s)
   (a feedback schedule, H(t_n, θ_n, ∇̃L), is evaluated at the step start:
   its tracking term then lands on the path at t_{n+1});
3. a kick (delta in η of weight w) is θ ← θ − w∇̃L at frozen chains
   (integrated with 16 RK4 steps in the kick's own time s ∈ [0, 1] when ∇̃L
   depends on θ at frozen chains).

Work, F, L and L̃ are booked by :class:`._ledger.Ledger` (bias = βW_ex move
by move).  Divergence (non-finite or exploding θ or chains, an explicit
stepper past μ·λmax·Δt = 2) stops the run with a ``DivergenceWarning``; a
schedule whose relaxation time is not ≪ τ gets a ``SlowDrivingWarning``.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import sympy as sp

from thermolearn.theory import DivergenceWarning, EnergyModel, NumericalError, ParameterError, SlowDrivingWarning

from ..progress import progress_reporter
from ..random import check_rng
from ..schedule import Schedule, slow_driving_note
from ._ledger import Ledger, as_vec, check_int, initial_chains, model_callables
from ._result import TrainingResult
from ._steppers import chain_dtype, float32_advance, get_stepper

__all__ = ["train", "EULER_WARN", "EULER_AUTO", "EXPLOSION_FACTOR"]

#: μ·λmax·Δt above which an explicit stepper is reported (stationary variance
#: biased by 1/(1 − μkΔt/2) > 5 %).
EULER_WARN = 0.1
#: μ·λmax·Δt targeted by ``substeps="auto"`` (variance bias ≈ 1 %).
EULER_AUTO = 0.02
#: θ has exploded when |θ − θ*|∞ > EXPLOSION_FACTOR·(|θ₀ − θ*|∞ + |θ*|∞ + 1).
EXPLOSION_FACTOR = 1e2


def _apply(H, g):
    H = np.asarray(H, dtype=float)
    return H * g if H.ndim == 0 else H @ g


@functools.lru_cache(maxsize=32)
def _gradient_is_theta_free(model: EnergyModel) -> bool:
    """True when ∂²E/∂θ² does not depend on x: then ∇̃L is θ-independent at frozen chains."""
    return not any(h.has(*model.x) for h in sp.hessian(model.energy, model.theta))


def _substeps(stepper, th, X, theta, tgt, dt_p, substeps, notes):
    """Langevin sub-steps per parameter step and the stiffness μ·λmax·Δt they give."""
    if not stepper.explicit:
        return 1
    stiff = max(th.curvature(X, theta), th.curvature(X, tgt) if th.quadratic else 0.0)
    c = th.mu * stiff * dt_p
    nsub = max(1, math.ceil(c / EULER_AUTO)) if substeps == "auto" else check_int("substeps", substeps, 1)
    if EULER_WARN < c / nsub < 2.0:
        notes.append(f"{stepper.name}: mu*k*dt = {c / nsub:.3g}; the stationary variance is biased by about "
                     f"1/(1 - mu*k*dt/2) = {1 / (1 - c / nsub / 2):.3g} (use substeps='auto', on the command line "
                     "--substeps auto, or method='exact' for a quadratic energy)")
    return nsub


def _kick_table(schedule, dt_p, notes):
    kick_at: dict[int, list] = {}
    for kk in schedule.kicks:
        i = int(round(kk.time / dt_p))
        if abs(i * dt_p - kk.time) > 1e-9 * max(1.0, schedule.tau):
            notes.append(f"kick at t={kk.time} applied at the nearest step time {i * dt_p}")
        kick_at.setdefault(i, []).append(kk)
    return kick_at


def _kick(led, X, weight, linear_grad):
    """θ ← θ − w∇̃L at frozen chains (exact when ∇̃L is θ-free, else 16 RK4 steps in s ∈ [0, 1])."""
    if linear_grad:
        led.move(X, led.theta - _apply(weight, led.grad_tilde(X)))
        return
    h = 1.0 / 16
    f = lambda q: -_apply(weight, led.grad_tilde(X, q))  # noqa: E731
    for _ in range(16):
        a = led.theta
        k1 = f(a)
        k2 = f(a + h / 2 * k1)
        k3 = f(a + h / 2 * k2)
        k4 = f(a + h * k3)
        led.move(X, a + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))


def divergence_reason(theta, X, theta0, target, stiffness=None) -> str:
    """Why a run must stop, or "" (non-finite, exploding θ, explicit stepper past μ·λmax·Δt = 2).

    >>> divergence_reason(np.array([-7e40]), np.zeros((2, 1)), np.array([-10.0]), np.array([0.0]))
    'theta exploded to [-7e+40] (|theta - target| > 1e+02*(|theta0 - target| + |target| + 1))'
    """
    if not np.isfinite(theta).all():
        return f"theta became non-finite ({np.asarray(theta).tolist()})"
    if X is not None and not np.isfinite(X).all():
        return "the chains became non-finite"
    bound = EXPLOSION_FACTOR * (np.abs(theta0 - target).max() + np.abs(target).max() + 1.0)
    if np.abs(theta - target).max() > bound:
        return (f"theta exploded to {np.asarray(theta).round(6).tolist()} "
                f"(|theta - target| > {EXPLOSION_FACTOR:.0e}*(|theta0 - target| + |target| + 1))")
    if stiffness is not None and stiffness >= 2.0:
        return (f"the explicit Langevin step is unstable: mu*k*dt = {stiffness:.3g} >= 2 "
                "(use method='exact', more steps or substeps='auto')")
    return ""


def slow_driving(schedule, notes):
    """Warn (``SlowDrivingWarning``) and note when τ is too short for the schedule's closure; return τ_R/τ.

    The schedule's own notes (warned once where it was built) join ``notes`` without a second warning.
    """
    msg = slow_driving_note(schedule)
    if msg:
        warnings.warn(msg, SlowDrivingWarning, stacklevel=3)
        notes.append(msg)
    notes.extend(schedule.notes)
    return schedule.slow_driving_ratio


def train(
    model: EnergyModel,
    schedule: Schedule,
    *,
    theta0,
    target,
    samples0=None,
    u0=None,
    particles: int = 1000,
    steps: int = 1000,
    method: str = "exact",
    rng: np.random.Generator,
    substeps: int | str = 1,
    snapshots: int = 0,
    record_every: int = 1,
    dtype="float64",
    progress=None,
    max_work: int | None = None,
) -> TrainingResult:
    """Train ``model`` with persistent chains against data from p_m(θ* = ``target``).

    Parameters
    ----------
    model : theory.EnergyModel
        With numeric β, μ and constants.
    schedule : numeric.schedule.Schedule
        Learning rate η(t) or matrix H(t, θ), kicks, duration τ.
    theta0, target : float or sequence
        Initial parameters θ₀ and the data parameters θ*.
    samples0 : array (particles, d), optional
        Initial chains; else drawn from p_m(θ₀) and shifted to mean ``u0``.
    u0 : float or sequence, optional
        Initial chain mean (default: equilibrium at θ₀).
    particles, steps : int
        Number of chains and of parameter steps (Δt = τ/steps).
    method : str
        A stepper name of :data:`numeric.langevin.STEPPERS`: ``"exact"``
        (OU transition, energies quadratic in x), ``"euler"``, ``"heun"``,
        ``"mala"``.
    rng : numpy.random.Generator
    substeps : int or "auto"
        Langevin sub-steps per parameter step (explicit steppers); ``"auto"``
        keeps μ·λmax·Δt ≤ :data:`EULER_AUTO`.
    snapshots : int
        Number of stored copies of the chains (for ridge plots), 0 for none.
    record_every : int
        Record a trajectory row every this many steps (always at t = 0, at
        kicks and at τ); each row costs one F(θ), a quadrature for energies
        without a closed form.
    progress : None, bool, callable or Reporter
        One unit per parameter step (:func:`numeric.progress.progress_reporter`).
    max_work : int, optional
        Refuse (ParameterError) before stepping when particles × steps × sub-steps
        exceeds it (bounds ``substeps="auto"``, whose count is known only here).
    dtype : {"float64", "float32"}
        Precision of the chains.  ``"float32"`` (methods ``"exact"`` and
        ``"euler"``, 1-D energies quadratic in x) moves float32 chains with
        the float32 steps of :mod:`thermolearn.numeric.langevin32` and the
        fast Box–Muller normals of :mod:`thermolearn.numeric.random` (tails
        cut at |ξ| ≤ 5.77: not for rare events beyond ~5.7σ).  What stays
        float64: θ, the step coefficients, and all the bookkeeping — the
        work, F, L, L̃ and the recorded means and variances are computed on
        a float64 copy of the chains (exact: float32 → float64 is lossless),
        one conversion pass per chain move.  ``samples`` is float32.

    Returns
    -------
    TrainingResult
        ``diverged``/``divergence`` set (and a ``DivergenceWarning`` issued)
        when the run had to stop.

    Raises
    ------
    ParameterError
        Bad sizes, shapes, method, or ``method="exact"`` for a non-quadratic energy.

    Examples
    --------
    >>> import numpy as np
    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.numeric.langevin import discontinuous_schedule
    >>> m = harmonic_trap(k=1, beta=1, mu=1)
    >>> s = discontinuous_schedule(beta=1, mu=1, k=1, tau=1)
    >>> r = train(m, s, theta0=-10, target=0, particles=2000, steps=200, rng=np.random.default_rng(0))
    >>> bool(abs(r.theta[-1, 0]) < 0.2), bool(abs(r.excess_work[-1] - 100/3) < 1.0)
    (True, True)
    >>> bool(abs(r.bias[-1] - r.excess_work[-1]) < 1e-9)
    True
    """
    if not isinstance(model, EnergyModel):
        raise ParameterError(f"model must be a theory.EnergyModel, got {type(model).__name__}")
    check_rng(rng)
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule must be a numeric.schedule.Schedule, got {type(schedule).__name__}")
    stepper = get_stepper(method)
    f32 = chain_dtype(dtype) == np.float32
    particles = check_int("particles", particles, 2)
    steps = check_int("steps", steps, 1)
    snapshots = check_int("snapshots", snapshots, 0)
    record_every = check_int("record_every", record_every, 1)
    n, d = len(model.theta), len(model.x)
    theta = as_vec("theta0", theta0, n)
    tgt = as_vec("target", target, n)
    u0v = None if u0 is None else as_vec("u0", u0, d)
    th = model_callables(model, tgt, span=(theta, tgt), rows=steps // record_every + 1 + len(schedule.kicks))
    if stepper.needs_quadratic and not th.quadratic:
        raise ParameterError(f"method={stepper.name!r} needs an energy quadratic in x (exact OU step); "
                             f"{model.energy} is not: use 'euler', 'heun' or 'mala'")
    advance32 = float32_advance(stepper, th) if f32 else None
    X = initial_chains(th, theta, u0v, samples0, particles, rng)
    if f32:
        X = np.ascontiguousarray(X, dtype=np.float32)
    dt_p = float(schedule.tau) / steps
    notes: list[str] = []
    ratio = slow_driving(schedule, notes)
    nsub = _substeps(stepper, th, X, theta, tgt, dt_p, substeps, notes)
    if max_work is not None and particles * steps * nsub > max_work:
        raise ParameterError(f"substeps={substeps!r} means {nsub} sub-steps per parameter step: {particles} particles x "
                             f"{steps} steps x {nsub} = {particles * steps * nsub:.3g} particle-steps exceed {max_work:.3g}")
    dt = dt_p / nsub
    kick_at = _kick_table(schedule, dt_p, notes)
    linear_grad = _gradient_is_theta_free(model)
    led = Ledger(th, theta)
    snap_steps = set(np.linspace(0, steps, snapshots).round().astype(int).tolist()) if snapshots else set()
    snap_t, snap_x = [], []
    split = stepper.name == "exact"  # Strang splitting for the exact step
    noise = None if f32 else np.empty_like(X)
    reason = ""

    def advance(step_dt):
        if f32:
            advance32(X, led.theta, step_dt, nsub, rng)
        else:
            stepper.advance(X, led.theta, th, step_dt, nsub, rng, noise)

    def books():
        """The chains the bookkeeping reads: X itself, or its exact float64 copy."""
        return X.astype(np.float64) if f32 else X

    def kicks(i, t):
        for kk in kick_at.get(i, ()):
            Xb = books()
            _kick(led, Xb, kk.weight, linear_grad)
            led.record(t, Xb)

    led.record(0.0, books())
    kicks(0, 0.0)
    bar = progress_reporter(progress, total=steps, desc="langevin")
    bound = EXPLOSION_FACTOR * (np.abs(theta - tgt).max() + np.abs(tgt).max() + 1.0)  # as in divergence_reason
    tgt_list = tgt.tolist()
    owed = False  # Strang: the last step's second chain half-step, not yet taken (θ has not moved since)
    for i in range(steps + 1):
        t = i * dt_p
        if i in snap_steps:
            snap_t.append(t), snap_x.append(X.copy())
        stiff = None
        if stepper.explicit and (th.quadratic or i % 10 == 0):  # stiffness may change with θ
            stiff = th.mu * th.curvature(X, led.theta) * dt
        # the full test only when a cheap one fails: finite chain sum (NaN/inf propagate) and θ within the bound
        # (in Python floats: a NaN component fails its comparison)
        if stiff is not None or not (math.isfinite(float(np.add.reduce(X, axis=None)))
                                     and all(abs(a - b) <= bound for a, b in zip(led.theta.tolist(), tgt_list))):
            reason = divergence_reason(led.theta, X, theta, tgt, stiff)
        if reason or i == steps:
            break
        try:
            # an owed half-step and this step's first one, both at the current θ, are one exact step of dt
            advance(dt if owed else dt / 2) if split else advance(dt)
            owed = False
            Xb = books()
            with np.errstate(over="ignore", invalid="ignore"):
                g = led.grad_tilde(Xb)
                led.move(Xb, led.theta - dt_p * _apply(schedule.rate_at(t if schedule.feedback else t + dt_p / 2,
                                                                        led.theta, g), g), sample_dE=led.sample_dE)
            row = (i + 1) % record_every == 0 or i + 1 == steps or i + 1 in kick_at
            if split:  # the chains at t + dt_p are needed only for a row, a kick or a snapshot
                owed = not (row or i + 1 in snap_steps)
                if not owed:
                    advance(dt / 2)
                Xb = None
            if row:
                led.record(t + dt_p, books() if Xb is None else Xb)
            kicks(i + 1, t + dt_p)
            bar.update()
        except NumericalError as err:  # e.g. θ left the region where p_m is normalisable
            if i == 0:  # θ has not moved: the run cannot start, which is not a divergence
                raise
            reason = str(err)
            break
    bar.close()
    if reason:
        reason = f"run stopped at t = {t:.4g}: {reason}"
        warnings.warn(reason, DivergenceWarning, stacklevel=2)
    return TrainingResult(
        **led.arrays(), method=stepper.name, schedule=schedule.name, dt=dt, samples=X, warnings=tuple(notes),
        snapshot_times=np.asarray(snap_t), snapshots=np.asarray(snap_x) if snap_x else np.zeros((0, X.shape[0], d)),
        diverged=bool(reason), divergence=reason, slow_driving_ratio=ratio,
    )
