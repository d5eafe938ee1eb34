"""Langevin steppers at frozen θ: small frozen objects with declared orders, one registry.

Every stepper advances the chains ``X`` (shape (N, d)) of the overdamped
Langevin equation of the sampler (arXiv 2510.03137, the sampler's dynamics)

    dx = −μ∇ₓE(x, θ) dt + sqrt(2μ/β) dW

in place by ``nsub`` steps of ``dt`` at frozen θ.  The noise is additive,
so Euler–Maruyama has strong order 1 (Kloeden & Platen, Sec. 10.2) and
the stochastic Heun scheme weak order 2 (Kloeden & Platen, Sec. 15.1);
the exact Ornstein–Uhlenbeck step has no time-step error for energies
quadratic in x; MALA (Roberts & Tweedie 1996) is an Euler–Maruyama
proposal with a Metropolis test that keeps p_m(θ) exactly invariant (weak
order 1 in finite time; its pathwise order is lowered by rejections, 1/2
is the bound stated here).  ``tests/numeric/test_langevin_steppers.py``
fits each declared order against an exact OU solution.

``STEPPERS`` maps the ``--method`` names to stepper instances;
:func:`get_stepper` validates a name.

Kernels.  For an energy quadratic in x, E = ½(x − m)ᵀA(x − m) + c(θ), the
transition over dt at frozen θ is Gaussian and known exactly,
x(t + dt) = m + e^{−μA dt}(x − m) + Σ_dt^{1/2} ξ, Σ_dt = (1 − e^{−2μA dt})A⁻¹/β
(:func:`ou_step`); Euler–Maruyama is unstable for μ·λmax(A)·dt ≥ 2.  The
kernels update the chains in place with one Gaussian draw into a reusable
buffer and scalar-fused array passes (the 1-D exact step costs the same
passes as the Euler step): see ``benchmarks/bench_langevin.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from thermolearn.theory import ParameterError

__all__ = ["AbstractStepper", "ExactOU", "EulerMaruyama", "StochasticHeun", "MALA", "STEPPERS", "get_stepper",
           "ou_step", "euler_step_quadratic", "euler_step", "linear_run_1d", "float32_advance", "chain_dtype"]


def ou_step(X, mean, precision, *, mu, beta, dt, rng, noise):
    """Exact OU transition of the chains ``X`` (shape (N, d)) in place.

    Parameters
    ----------
    X : ndarray (N, d)
        Chains, overwritten.
    mean, precision : ndarray (d,), (d, d)
        Minimum m(θ) and Hessian A(θ) (symmetric positive definite).
    mu, beta, dt : float
    rng : numpy.random.Generator
    noise : ndarray like X
        Work buffer for the Gaussian draw.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((200_000, 1)); buf = np.empty_like(X)
    >>> ou_step(X, np.array([1.0]), np.array([[2.0]]), mu=1.0, beta=1.0, dt=10.0,
    ...         rng=np.random.default_rng(0), noise=buf)
    >>> bool(abs(X.mean() - 1) < 0.01), bool(abs(X.var() - 0.5) < 0.01)   # relaxed: N(m, 1/(βA))
    (True, True)
    """
    rng.standard_normal(out=noise)
    if X.shape[1] == 1:
        a = float(precision[0, 0])
        m = float(mean[0])
        decay = math.exp(-mu * a * dt)
        sd = math.sqrt(-math.expm1(-2.0 * mu * a * dt) / (beta * a))
        X *= decay
        if m != 0.0:
            X += (1.0 - decay) * m
        noise *= sd
        X += noise
        return
    lam, V = np.linalg.eigh(precision)
    decay = np.exp(-mu * lam * dt)
    sd = np.sqrt(-np.expm1(-2.0 * mu * lam * dt) / (beta * lam))
    Y = (X - mean) @ V
    Y *= decay
    noise *= sd
    Y += noise
    np.matmul(Y, V.T, out=X)
    X += mean


def euler_step_quadratic(X, mean, precision, *, mu, beta, dt, rng, noise):
    """Euler–Maruyama step for a quadratic energy, in place (same passes as :func:`ou_step`)."""
    rng.standard_normal(out=noise)
    s = math.sqrt(2.0 * mu * dt / beta)
    if X.shape[1] == 1:
        c = mu * float(precision[0, 0]) * dt
        X *= 1.0 - c
        if float(mean[0]) != 0.0:
            X += c * float(mean[0])
    else:
        step = (X - mean) @ precision
        step *= -mu * dt
        X += step
    noise *= s
    X += noise


def linear_run_1d(X, mean, rate, sd, *, steps, rng, noise):
    """``steps`` steps x ← m + r(x − m) + sd·ξ of 1-D chains ``X`` (N, 1), in place, in scaled coordinates.

    The exact OU step (r = e^{−μAΔt}, sd² = (1 − r²)/(βA)) and the Euler step of a quadratic energy
    (r = 1 − μAΔt, sd = sqrt(2μΔt/β)) are both this affine recursion with additive noise.  In
    y = (x − m)/sd it reads y ← r·y + ξ: the Gaussian draw and two in-place passes per step instead of
    three (the noise needs no scaling), and two passes in and two out for the whole run.  The same
    draws as ``steps`` calls of :func:`ou_step` / :func:`euler_step_quadratic`; the chains differ from
    theirs by rounding only (a few ulps).

    >>> import numpy as np
    >>> X = np.full((200_000, 1), 3.0); buf = np.empty_like(X)
    >>> linear_run_1d(X, 1.0, 0.5, 0.6, steps=40, rng=np.random.default_rng(0), noise=buf)
    >>> bool(abs(X.mean() - 1) < 0.01), bool(abs(X.var() - 0.36 / 0.75) < 0.01)   # N(m, sd²/(1 − r²))
    (True, True)
    """
    if mean != 0.0:
        X -= mean
    X *= 1.0 / sd
    for _ in range(steps):
        rng.standard_normal(out=noise)
        X *= rate
        X += noise
    X *= sd
    if mean != 0.0:
        X += mean


#: A 1-D quadratic run of at least this many steps at one θ goes through :func:`linear_run_1d` (its four
#: scaling passes in and out are then paid back by the pass it saves per step).
SCALED_RUN_MIN = 5


def euler_step(X, drift, theta, *, mu, beta, dt, rng, noise):
    """Euler–Maruyama step with a general drift callable ``drift(X, theta) -> (N, d)`` (= −μ∇ₓE)."""
    rng.standard_normal(out=noise)
    step = drift(X, theta)
    step *= dt
    X += step
    noise *= math.sqrt(2.0 * mu * dt / beta)
    X += noise


@dataclass(frozen=True)
class AbstractStepper:
    """A stepper: ``advance(X, theta, th, dt, nsub, rng, noise)`` moves the chains in place.

    ``th`` is the model's numeric callables (``drift``, ``energy``,
    ``gaussian``, ``mu``, ``beta``); ``noise`` a work buffer shaped like X.
    """

    name: ClassVar[str] = ""
    strong_order: ClassVar[float] = 0.0
    weak_order: ClassVar[float] = 0.0
    #: True when the stepper needs the Gaussian form of p_m (energies quadratic in x).
    needs_quadratic: ClassVar[bool] = False
    #: True when the stepper is explicit Euler-type, unstable for μ·λmax(∇²E)·dt ≥ 2.
    explicit: ClassVar[bool] = True

    def advance(self, X, theta, th, dt, nsub, rng, noise) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class ExactOU(AbstractStepper):
    """Exact Ornstein–Uhlenbeck transition (energies quadratic in x): no time-step error.

    >>> ExactOU().strong_order, ExactOU().needs_quadratic
    (inf, True)
    """

    name: ClassVar[str] = "exact"
    strong_order: ClassVar[float] = math.inf
    weak_order: ClassVar[float] = math.inf
    needs_quadratic: ClassVar[bool] = True
    explicit: ClassVar[bool] = False

    def advance(self, X, theta, th, dt, nsub, rng, noise):
        m, A = th.gaussian(theta)
        if nsub >= SCALED_RUN_MIN and X.shape[1] == 1:
            a = float(A[0, 0])
            linear_run_1d(X, float(m[0]), math.exp(-th.mu * a * dt),
                          math.sqrt(-math.expm1(-2.0 * th.mu * a * dt) / (th.beta * a)), steps=nsub, rng=rng,
                          noise=noise)
            return
        for _ in range(nsub):
            ou_step(X, m, A, mu=th.mu, beta=th.beta, dt=dt, rng=rng, noise=noise)


@dataclass(frozen=True)
class EulerMaruyama(AbstractStepper):
    """x ← x − μ∇ₓE dt + sqrt(2μdt/β) ξ (the minimal-dissipation authors' scheme)."""

    name: ClassVar[str] = "euler"
    strong_order: ClassVar[float] = 1.0
    weak_order: ClassVar[float] = 1.0

    def advance(self, X, theta, th, dt, nsub, rng, noise):
        kw = dict(mu=th.mu, beta=th.beta, dt=dt, rng=rng, noise=noise)
        if th.quadratic:
            m, A = th.gaussian(theta)
            if nsub >= SCALED_RUN_MIN and X.shape[1] == 1:
                linear_run_1d(X, float(m[0]), 1.0 - th.mu * float(A[0, 0]) * dt,
                              math.sqrt(2.0 * th.mu * dt / th.beta), steps=nsub, rng=rng, noise=noise)
                return
            for _ in range(nsub):
                euler_step_quadratic(X, m, A, **kw)
        else:  # −μ∇E·dt in one scaling pass, the gradient compiled for this θ once
            grad = th.frozen("grad_x", theta)
            c, s = -th.mu * dt, math.sqrt(2.0 * th.mu * dt / th.beta)
            for _ in range(nsub):
                rng.standard_normal(out=noise)
                step = grad(X)
                step *= c
                X += step
                noise *= s
                X += noise


@dataclass(frozen=True)
class StochasticHeun(AbstractStepper):
    """x̄ = x + f(x)dt + σξ, x ← x + ½(f(x) + f(x̄))dt + σξ, σ = sqrt(2μdt/β).

    The simplified order-2 weak scheme for additive noise (Kloeden & Platen, Sec. 15.1).
    """

    name: ClassVar[str] = "heun"
    strong_order: ClassVar[float] = 1.0
    weak_order: ClassVar[float] = 2.0

    def advance(self, X, theta, th, dt, nsub, rng, noise):
        s = math.sqrt(2.0 * th.mu * dt / th.beta)
        for _ in range(nsub):
            rng.standard_normal(out=noise)
            noise *= s
            f0 = th.drift(X, theta)
            step = f0 + th.drift(X + f0 * dt + noise, theta)
            step *= 0.5 * dt
            X += step
            X += noise


@dataclass(frozen=True)
class MALA(AbstractStepper):
    """Metropolis-adjusted Langevin: Euler–Maruyama proposal y, accepted with
    min(1, e^{−β[E(y) − E(x)]} q(x|y)/q(y|x)); p_m(θ) is exactly invariant.

    The one MALA kernel of the package: the equilibrium sampler's warm-up
    (:func:`numeric.equilibrium.mala_warmup`) and the stationary chains of
    :mod:`numeric.metric` run it too.  ``th`` needs only ``drift``,
    ``energy``, ``mu`` and ``beta`` (a numeric twin will do).
    """

    name: ClassVar[str] = "mala"
    strong_order: ClassVar[float] = 0.5
    weak_order: ClassVar[float] = 1.0

    def advance(self, X, theta, th, dt, nsub, rng, noise, on_step=None) -> int:
        """``nsub`` MALA steps in place; ``on_step(X)`` after each; returns the number of accepted moves."""
        s, c = math.sqrt(2.0 * th.mu * dt / th.beta), -th.mu * dt
        if hasattr(th, "frozen"):  # a numeric twin (or a view of one): ∇E and E compiled for this θ once
            grad, energy = th.frozen("grad_x", theta), th.frozen("energy", theta)
        else:
            grad, energy = (lambda x: th.drift(x, theta) / -th.mu), (lambda x: th.energy(x, theta))  # noqa: E731
        fx = np.multiply(grad(X), c, dtype=float)                         # the drift step f(x)dt = −μ∇E dt (fresh)
        ex = np.array(energy(X), dtype=float)
        one = X.shape[1] == 1  # one coordinate: row sums are the column itself
        Y, sn, q = np.empty_like(X), np.empty_like(X), np.empty_like(X)
        inv2s2 = -0.5 / (s * s)
        accepted = 0
        for _ in range(nsub):
            rng.standard_normal(out=noise)
            np.multiply(noise, s, out=sn)                                 # σξ, σ = sqrt(2μdt/β)
            np.add(X, fx, out=Y)
            Y += sn                                                       # y = x + f(x)dt + σξ
            fy = grad(Y)
            fy *= c
            ey = energy(Y)
            # log q(x|y) − log q(y|x) = (|σξ|² − |x − y − f(y)dt|²)/(2σ²) = −h·(2σξ + h)/(2σ²), h = f(x)dt + f(y)dt
            h = np.add(fx, fy, out=q)
            np.multiply(sn, 2.0, out=sn)
            sn += h
            sn *= h
            with np.errstate(over="ignore", invalid="ignore"):           # NaN and +inf energies reject
                log_a = (sn[:, 0] if one else sn.sum(axis=1)) * inv2s2
                log_a -= th.beta * (ey - ex)
                # u < a with u uniform ⇔ −ln u > −ln a, and −ln u is a standard exponential variate
                acc = rng.standard_exponential(X.shape[0]) > -log_a
            rows = acc[:, None]                                           # masked copies: one pass, no gather
            np.copyto(X, Y, where=rows)
            np.copyto(fx, fy, where=rows)
            np.copyto(ex, ey, where=acc)
            accepted += int(np.count_nonzero(acc))
            if on_step is not None:
                on_step(X)
        return accepted


STEPPERS = {s.name: s for s in (ExactOU(), EulerMaruyama(), StochasticHeun(), MALA())}


def get_stepper(method) -> AbstractStepper:
    """The stepper registered under ``method`` (a name of :data:`STEPPERS` or a stepper instance).

    >>> get_stepper("heun").weak_order
    2.0
    """
    if isinstance(method, AbstractStepper):
        return method
    try:
        return STEPPERS[method]
    except (KeyError, TypeError):
        raise ParameterError(f"method must be one of {sorted(STEPPERS)}, got {method!r}") from None


def chain_dtype(dtype) -> np.dtype:
    """``dtype`` as numpy's float64 or float32 (the chain precisions); ParameterError otherwise.

    >>> chain_dtype("float32")
    dtype('float32')
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ParameterError(f"dtype must be float64 or float32, got {dtype!r}")
    return dt


def float32_advance(stepper: AbstractStepper, th):
    """``advance(X, theta, dt, nsub, rng)`` for float32 chains (N, 1): the steps of ``numeric.langevin32``.

    Exact OU or Euler–Maruyama in the 1-D quadratic energy
    E = A(θ)(x − m(θ))²/2 + c(θ) of ``th`` (the trap law of
    :func:`ou_step`), chains and noise float32, the Gaussian draw from the
    fast Box–Muller generator of :mod:`thermolearn.numeric.random` (tails cut
    at |ξ| ≤ 5.77); m, A and the step coefficients are float64, rounded once.

    Raises
    ------
    ParameterError
        Another method, more than one coordinate or an energy not quadratic in x.
    """
    from ..langevin32 import Float32Buffers, step_function

    step = step_function(stepper.name, np.float32)
    if step is None or th.d != 1 or not th.quadratic:
        raise ParameterError("float32 chains need method 'exact' or 'euler' and a 1-D energy quadratic in x; "
                             f"got method={stepper.name!r}, {th.d} coordinate(s), "
                             f"{'quadratic' if th.quadratic else 'not quadratic'} in x")
    buffers: dict = {}

    def advance(X, theta, dt, nsub, rng):
        m, A = th.gaussian(theta)
        mean, k = float(np.ravel(m)[0]), float(np.ravel(A)[0])
        buf = buffers.get(X.shape[0])
        if buf is None:
            buf = buffers[X.shape[0]] = Float32Buffers(X.shape[0])
        for _ in range(nsub):
            step(X, mean, k, mu=th.mu, beta=th.beta, dt=dt, rng=rng, buffers=buf)

    return advance
