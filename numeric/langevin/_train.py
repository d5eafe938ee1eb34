"""Persistent-chain training of an EBM: the simulator behind ``simulate``.

Minimal-dissipation digest Secs. 3–4.  Per parameter step n (t_n → t_n + Δt):

1. the chains move in the frozen energy E(·, θ): ``"exact"`` — the exact
   Ornstein–Uhlenbeck transition x ← m + e^{−μAh}(x − m) +
   N(0, (1 − e^{−2μAh})A⁻¹/β) for energies quadratic in x (m, βA the mean and
   precision of p_m(θ)), in a Strang splitting: chains Δt/2, parameters Δt,
   chains Δt/2 (second order in Δt for the mean and the work);
   ``"euler"`` — the authors' scheme: one Euler–Maruyama step
   x ← x − μ∇ₓE Δt + √(2μΔt/β) ξ, then the parameter step (weak order 1);
2. the parameters move with the chains frozen,
   θ_{n+1} = θ_n − H(t_n + Δt/2, θ_n) Δt ∇̃L,  ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s);
3. a kick (delta in η of weight w) is θ ← θ − w∇̃L at frozen chains
   (integrated with 16 RK4 steps in the kick's own time s ∈ [0, 1] when ∇̃L
   depends on θ at frozen chains).

Energetics (Sekimoto, exact for this splitting): heat is the energy change
while the chains move, work the energy change while θ moves,

    W ← W + ⟨E(x, θ_{n+1}) − E(x, θ_n)⟩_s     (= Δθ·⟨∂θE⟩_s at the midpoint
                                                for energies quadratic in θ).

The approximate objective is the line integral of the estimated gradient
along the actual (piecewise-linear, chains-frozen) trajectory,

    L̃ ← L̃ + β[⟨E⟩_d(θ_{n+1}) − ⟨E⟩_d(θ_n)] − β⟨E(x, θ_{n+1}) − E(x, θ_n)⟩_s,

with L̃(0) = L(θ₀) and L(θ) = β(⟨E⟩_d(θ) − F(θ)).  Hence bias = L − L̃ =
β(W − ΔF) = βW_ex holds step by step, kicks included, up to rounding.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from thermolearn.theory import EnergyModel, NumericalError, ParameterError

from ..schedule import Schedule
from ._result import TrainingResult
from ._kernel import euler_step, euler_step_quadratic, ou_step
from ._thermo import Thermo, thermo_for

__all__ = ["train", "EULER_WARN", "EULER_AUTO"]

#: μ·λmax·Δt above which Euler–Maruyama is reported (stationary variance
#: biased by 1/(1 − μkΔt/2) > 5 %).
EULER_WARN = 0.1
#: μ·λmax·Δt targeted by ``substeps="auto"`` (variance bias ≈ 1 %).
EULER_AUTO = 0.02


def _as_vec(name, value, size):
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float)).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number or a sequence of {size} numbers, got {value!r}") from None
    if arr.size != size:
        raise ParameterError(f"{name} must have {size} component(s), got {arr.size}: {value!r}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return arr


def _check_common(model, rng, method):
    """Argument checks shared by :func:`train` and :func:`propagate`."""
    if not isinstance(model, EnergyModel):
        raise ParameterError(f"model must be a theory.EnergyModel, got {type(model).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if method not in ("exact", "euler"):
        raise ParameterError(f"method must be 'exact' or 'euler', got {method!r}")


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _initial_chains(th: Thermo, theta0, u0, samples0, particles, rng):
    if samples0 is not None:
        X = np.array(samples0, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != th.d or X.shape[0] < 2:
            raise ParameterError(f"samples0 must have shape (particles >= 2, {th.d}), got {np.shape(samples0)}")
        if not np.all(np.isfinite(X)):
            raise ParameterError("samples0 contains NaN or infinite values")
        return X
    X = th.sample(theta0, particles, rng)  # numeric.equilibrium.sample_equilibrium: exact or inverse CDF
    m = th.gaussian(theta0)[0] if th.quadratic else X.mean(axis=0)
    if u0 is not None:
        X += u0 - m
    return X


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
    method : {"exact", "euler"}
        Exact OU transition (quadratic energies) or Euler–Maruyama.
    rng : numpy.random.Generator
    substeps : int or "auto"
        Langevin sub-steps per parameter step (Euler); ``"auto"`` keeps
        μ·λmax·Δt ≤ :data:`EULER_AUTO`.
    snapshots : int
        Number of stored copies of the chains (for ridge plots), 0 for none.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ParameterError
        Bad sizes, shapes, method, or ``method="exact"`` for a non-quadratic energy.
    NumericalError
        Euler–Maruyama at μ·λmax·Δt ≥ 2 (unstable), or NaN in the run.

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
    _check_common(model, rng, method)
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule must be a numeric.schedule.Schedule, got {type(schedule).__name__}")
    particles = _check_int("particles", particles, 2)
    steps = _check_int("steps", steps, 1)
    snapshots = _check_int("snapshots", snapshots, 0)
    n, d = len(model.theta), len(model.x)
    theta = _as_vec("theta0", theta0, n)
    tgt = _as_vec("target", target, n)
    u0v = None if u0 is None else _as_vec("u0", u0, d)
    th = _cached_thermo(model, tuple(tgt.tolist()))
    if method == "exact" and not th.quadratic:
        raise ParameterError(
            f"method='exact' needs an energy quadratic in x (exact OU step); {model.energy} is not: use 'euler'"
        )
    X = _initial_chains(th, theta, u0v, samples0, particles, rng)
    N = X.shape[0]
    tau = float(schedule.tau)
    dt_p = tau / steps
    notes: list[str] = []

    # -------- Euler stability: mu * lambda_max * dt (2 is the divergence threshold)
    nsub = 1
    if method == "euler":
        stiff = max(th.curvature(X, theta), th.curvature(X, tgt) if th.quadratic else 0.0)
        c = th.mu * stiff * dt_p
        if substeps == "auto":
            nsub = max(1, math.ceil(c / EULER_AUTO))
        else:
            nsub = _check_int("substeps", substeps, 1)
        c_sub = c / nsub
        if c_sub >= 2.0:
            raise NumericalError(
                f"Euler-Maruyama is unstable: mu*k*dt = {c_sub:.3g} >= 2 (mu={th.mu}, k={stiff:.3g}, "
                f"dt={dt_p / nsub:.3g}); use method='exact', more steps, or substeps='auto'"
            )
        if c_sub > EULER_WARN:
            notes.append(
                f"euler: mu*k*dt = {c_sub:.3g}; the stationary variance is biased by a factor "
                f"1/(1 - mu*k*dt/2) = {1 / (1 - c_sub / 2):.3g} (use method='exact' or substeps='auto')"
            )
    dt = dt_p / nsub

    # -------- kicks on the step grid
    kick_at: dict[int, list] = {}
    for kk in schedule.kicks:
        i = int(round(kk.time / dt_p))
        if abs(i * dt_p - kk.time) > 1e-9 * max(1.0, tau):
            notes.append(f"kick at t={kk.time} applied at the nearest step time {i * dt_p}")
        kick_at.setdefault(i, []).append(kk)
    linear_grad = _gradient_is_theta_free(model)

    F0 = th.free_energy(theta)
    state = {"W": 0.0, "Lt": th.beta * (th.data_energy(theta) - F0), "Ed": th.data_energy(theta)}
    rows: dict[str, list] = {k: [] for k in ("t", "theta", "mean", "var", "W", "F", "L", "Lt")}
    snap_steps = set(np.linspace(0, steps, snapshots).round().astype(int).tolist()) if snapshots else set()
    snap_t, snap_x = [], []

    def record(t):
        F = th.free_energy(theta)
        rows["t"].append(t)
        rows["theta"].append(theta.copy())
        m = X.mean(axis=0)
        rows["mean"].append(m)
        dev = X - m
        rows["var"].append(np.einsum("ij,ij->j", dev, dev) / X.shape[0])
        rows["W"].append(state["W"])
        rows["F"].append(F)
        rows["L"].append(th.beta * (state["Ed"] - F))
        rows["Lt"].append(state["Lt"])

    def grad_tilde(th_now):
        return th.beta * (th.data_gradient(th_now) - th.dE_dtheta(X, th_now).mean(axis=0))

    def move(new):
        nonlocal theta
        dW = float(np.mean(th.energy(X, new) - th.energy(X, theta)))
        Ed_new = th.data_energy(new)
        state["W"] += dW
        state["Lt"] += th.beta * (Ed_new - state["Ed"]) - th.beta * dW
        state["Ed"] = Ed_new
        theta = new

    def apply(H, g):
        H = np.asarray(H, dtype=float)
        return H * g if H.ndim == 0 else H @ g

    def kick(i, t):
        for kk in kick_at.get(i, ()):
            if linear_grad:  # ∇̃L constant along the kick: one exact update
                move(theta - apply(kk.weight, grad_tilde(theta)))
            else:  # dθ/ds = −w∇̃L(θ), s ∈ [0, 1], chains frozen: 16 classical RK4 steps
                h = 1.0 / 16
                f = lambda th_: -apply(kk.weight, grad_tilde(th_))  # noqa: E731
                for _ in range(16):
                    k1 = f(theta)
                    k2 = f(theta + h / 2 * k1)
                    k3 = f(theta + h / 2 * k2)
                    k4 = f(theta + h * k3)
                    move(theta + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
            record(t)

    noise = np.empty_like(X)
    record(0.0)
    kick(0, 0.0)
    if 0 in snap_steps:
        snap_t.append(0.0), snap_x.append(X.copy())
    for i in range(steps):
        t = i * dt_p
        if method == "euler" and i and (th.quadratic or i % 10 == 0):  # stiffness may change with θ
            c_now = th.mu * th.curvature(X, theta) * dt
            if c_now >= 2.0:
                raise NumericalError(
                    f"Euler-Maruyama became unstable at t={t:.4g}: mu*k*dt = {c_now:.3g} >= 2 "
                    f"(theta={theta.tolist()}); use more steps or substeps='auto'")
            if c_now > EULER_WARN and not any(n_.startswith("euler") for n_ in notes):
                notes.append(f"euler: mu*k*dt reached {c_now:.3g} at t={t:.4g}; the stationary variance is "
                             f"biased by about 1/(1 - mu*k*dt/2) = {1 / (1 - c_now / 2):.3g}")
        if method == "exact":  # Strang splitting: chains dt/2, parameters dt, chains dt/2
            _langevin(th, method, X, theta, dt / 2, nsub, noise, rng)
        else:  # the authors' scheme: chains dt, then parameters dt
            _langevin(th, method, X, theta, dt, nsub, noise, rng)
        H = schedule.rate(t + dt_p / 2, theta)
        move(theta - dt_p * apply(H, grad_tilde(theta)))
        if method == "exact":
            _langevin(th, method, X, theta, dt / 2, nsub, noise, rng)
        record(t + dt_p)
        kick(i + 1, t + dt_p)
        if i + 1 in snap_steps:
            snap_t.append(t + dt_p), snap_x.append(X.copy())
    if not np.all(np.isfinite(X)) or not np.all(np.isfinite(theta)):
        raise NumericalError("the run produced NaN/inf (chains or parameters diverged)")
    W = np.asarray(rows["W"])
    F = np.asarray(rows["F"])
    L, Lt = np.asarray(rows["L"]), np.asarray(rows["Lt"])
    return TrainingResult(
        times=np.asarray(rows["t"]), theta=np.asarray(rows["theta"]), sample_mean=np.asarray(rows["mean"]),
        sample_var=np.asarray(rows["var"]), work=W, free_energy=F, excess_work=W - (F - F[0]),
        bias=L - Lt, loss=L, approx_loss=Lt, method=method, schedule=schedule.name, dt=dt, samples=X,
        warnings=tuple(notes), snapshot_times=np.asarray(snap_t),
        snapshots=np.asarray(snap_x) if snap_x else np.zeros((0, N, th.d)),
    )


@functools.lru_cache(maxsize=32)
def _cached_thermo(model: EnergyModel, target: tuple) -> Thermo:
    """Lambdified callables of ``model`` (cached: models are immutable)."""
    return thermo_for(model, np.asarray(target, dtype=float))


@functools.lru_cache(maxsize=32)
def _gradient_is_theta_free(model: EnergyModel) -> bool:
    """True when ∂²E/∂θ² does not depend on x: then ∇̃L is θ-independent at frozen chains."""
    import sympy as sp

    hess = sp.hessian(model.energy, model.theta)
    return not any(h.has(*model.x) for h in hess)


def _langevin(th: Thermo, method, X, theta, dt, nsub, noise, rng):
    """Advance the chains in place by ``nsub`` steps of ``dt`` at frozen θ."""
    kw = dict(mu=th.mu, beta=th.beta, dt=dt, rng=rng, noise=noise)
    if th.quadratic:
        m, A = th.gaussian(theta)
        step = ou_step if method == "exact" else euler_step_quadratic
        for _ in range(nsub):
            step(X, m, A, **kw)
    else:
        for _ in range(nsub):
            euler_step(X, th.drift, theta, **kw)


def propagate(model: EnergyModel, theta, X, *, steps: int, dt: float, method: str = "exact",
              rng: np.random.Generator, mean_every: int = 0):
    """Run the Langevin chains ``X`` (N, d) in place for ``steps`` steps of ``dt`` at frozen θ.

    The sampler alone, without the learning bookkeeping of :func:`train`
    (the kernel benchmarked against the numpy floor and sdeint).

    Parameters
    ----------
    model : theory.EnergyModel
        With numeric β, μ and constants.
    theta : float or sequence
    X : ndarray (N, d), float64, C-contiguous
        Chains, overwritten.
    steps : int
    dt : float
    method : {"exact", "euler"}
        ``"exact"`` (OU transition) needs an energy quadratic in x.
    rng : numpy.random.Generator
    mean_every : int
        If > 0, also return the chain mean every that many steps.

    Returns
    -------
    ndarray or None
        The recorded means, shape (steps // mean_every, d), or None.

    Raises
    ------
    ParameterError, NumericalError
        Bad arguments; Euler at μ·λmax·dt ≥ 2 (quadratic energies).

    Examples
    --------
    >>> import numpy as np
    >>> from thermolearn.theory.models import harmonic_trap
    >>> X = np.full((100_000, 1), 5.0)
    >>> _ = propagate(harmonic_trap(k=1, beta=1, mu=1), 0.0, X, steps=10, dt=1.0, rng=np.random.default_rng(1))
    >>> bool(abs(X.mean()) < 0.02), bool(abs(X.var() - 1) < 0.02)
    (True, True)
    """
    _check_common(model, rng, method)
    steps = _check_int("steps", steps, 0)
    if not (np.isfinite(dt) and dt > 0):
        raise ParameterError(f"dt must be positive and finite, got {dt!r}")
    d = len(model.x)
    if not (isinstance(X, np.ndarray) and X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == d
            and X.flags.c_contiguous):
        raise ParameterError(f"X must be a C-contiguous float64 array of shape (N, {d})")
    th_vec = _as_vec("theta", theta, len(model.theta))
    th = _cached_thermo(model, tuple(th_vec.tolist()))
    if method == "exact" and not th.quadratic:
        raise ParameterError(f"method='exact' needs an energy quadratic in x; {model.energy} is not: use 'euler'")
    if method == "euler" and th.quadratic:
        c = th.mu * th.curvature(X, th_vec) * dt
        if c >= 2.0:
            raise NumericalError(f"Euler-Maruyama is unstable: mu*k*dt = {c:.3g} >= 2; use method='exact' or smaller dt")
    noise = np.empty_like(X)
    means = [] if mean_every > 0 else None
    kw = dict(mu=th.mu, beta=th.beta, dt=dt, rng=rng, noise=noise)
    if th.quadratic:  # θ is frozen: the Gaussian (m, A) is computed once, not per step
        m, A = th.gaussian(th_vec)
        step = ou_step if method == "exact" else euler_step_quadratic
        advance = lambda: step(X, m, A, **kw)  # noqa: E731
    else:
        advance = lambda: euler_step(X, th.drift, th_vec, **kw)  # noqa: E731
    for i in range(steps):
        advance()
        if means is not None and (i + 1) % mean_every == 0:
            means.append(X.mean(axis=0))
    return None if means is None else np.asarray(means)
