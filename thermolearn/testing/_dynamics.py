"""The simulation checks: the sampler, the friction as an autocorrelation, work theorems.

Chains start from equilibrium draws (the ``equilibrium`` ingredient, by
default exact or inverse-CDF draws of :func:`numeric.equilibrium.sample_equilibrium`,
MALA from the mode for non-Gaussian 2-D energies; itself tested against
quadrature in :func:`sampler_stationarity`) and move with the ``sampler``
ingredient.  The autocorrelation runs through
:func:`numeric.metric.friction_autocorrelation`, driven protocols through
:func:`numeric.fluctuation.langevin_work`, persistent-chain training through
the project's one trainer, :func:`numeric.langevin.train`, each with the
``sampler`` ingredient as its dynamics.  Time steps are a fiftieth (the
slow-driving check: a 25th) of the shorter of the parameter relaxation time
τ_R = max eig(βI⁻¹ζ) and the coordinate relaxation time βVar(x)/μ (both
from the references).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, ClassVar

import numpy as np

from thermolearn.numeric.fluctuation import jarzynski as estimate, langevin_work
from thermolearn.numeric.fokker_planck import Protocol
from thermolearn.numeric.langevin import AbstractStepper, constant_schedule, train
from thermolearn.numeric.metric import friction_autocorrelation as autocorrelation
from thermolearn.theory import NumericalError

from . import _oracles as orc
from ._checks import N_SIGMA, TheoremCheck

__all__ = ["sampler_stationarity", "friction_autocorrelation", "slow_driving_excess_work", "jarzynski",
           "bias_equals_excess_work"]

_MAX_STEPS = 3000


def _finite(x, what):
    if not np.all(np.isfinite(x)):
        raise NumericalError(f"{what}: non-finite positions or energies (the dynamics diverged)")
    return x


def _statistics(num, theta):
    """x ↦ (∂θE, E) of the model, shape (m, n + 1)."""
    return lambda x: np.column_stack([num.dE_dtheta(x, theta), num.energy(x, theta)])


def _zscores(ctx, x, theta, truth):
    """Max |z| of the sample means of (X, E) against their quadrature values."""
    vals = _finite(_statistics(ctx.num, theta)(x), "sample")
    se = vals.std(axis=0, ddof=1) / math.sqrt(len(x))
    return float(np.max(np.abs(vals.mean(axis=0) - truth) / np.maximum(se, 1e-300)))


def sampler_stationarity(ctx):
    """Equilibrium draws and the sampler after 2τ_R keep ⟨∂θE⟩ and ⟨E⟩ at their quadrature values."""
    num, th = ctx.num, ctx.points[0]
    t_x = ctx.x_time()
    try:
        tau_r = ctx.timescales()[0]
    except Exception:  # no parameter time scale (degenerate metric): the coordinates' one will do
        tau_r = t_x
    dt = min(tau_r, t_x) / 50
    truth = orc.expect(num, th, _statistics(num, th))
    x = _finite(np.asarray(ctx.prov.equilibrium(num, th, ctx.particles, ctx.rng), float), "equilibrium draws")
    z0 = _zscores(ctx, x, th, truth)
    steps = min(_MAX_STEPS // 3, int(math.ceil(2 * tau_r / dt)))
    x = ctx.prov.sampler(num, x, th, 2 * tau_r / steps, steps, ctx.rng)
    z1 = _zscores(ctx, x, th, truth)
    value = max(z0, z1)
    ok = value <= N_SIGMA
    reason = "" if ok else ("equilibrium draws" if z0 > N_SIGMA else "the sampler") + " do not sample p_m"
    return TheoremCheck("sampler_stationarity", ok, value, N_SIGMA,
                        f"sample means of dE/dtheta and E vs quadrature, {ctx.particles} exact draws then after "
                        f"{steps} sampler steps (2 tau_R); max |z|", reason)


def friction_autocorrelation(ctx):
    """ζ (ingredient) vs β∫⟨δX(t)δX(0)⟩dt from equilibrium chains moved by the sampler.

    :func:`numeric.metric.friction_autocorrelation` over a window T with the
    ``equilibrium``, ``sampler`` and ``dE_dtheta`` ingredients and the
    quadrature ⟨X⟩_m: β[Cov(S_T) − (Cov(A) + Cov(B))/2]/T (A, B the two
    halves) removes the O(τ/T) truncation bias of β Cov(S_T)/(2T) and leaves
    ~q·e^(−T/2τ) of a mode of time τ and share q of ζ.  T is 10 τ_R (τ_R:
    the integrated autocorrelation time of X), longer where a slow mode of
    the coordinates would leave more than 0.5 % of ζ (``_Context.window``):
    in a tilted valley the slowest mode carries half of ζ at ≈ 12 τ_R, and a
    window of 10 τ_R measured ζ at 46 %.  Half
    the particles of the other checks: 4 s.e. is then ~25 % of ζ for the
    quartic at 1000 chains (~18 % at 2000), while a wrong ζ, a frozen sampler
    or a wrong mobility power moves the estimate by ≥ 50 % (those mutants
    score ≥ 2.8 tolerances at 1000 chains, ≥ 4.5 at 2000; measured, seed 3).
    """
    num, th = ctx.num, ctx.points[0]
    tau_r, dt = ctx.timescales()
    T = ctx.window()
    stride = max(1, int(round(tau_r / 20 / dt)))
    blocks = 2 * max(20, min(_MAX_STEPS // (2 * stride), int(math.ceil(T / (2 * stride * dt)))))
    x0 = np.asarray(ctx.prov.equilibrium(num, th, ctx.particles // 2, ctx.rng), float)  # see the docstring
    r = autocorrelation(num.model, th, duration=T, dt=T / (blocks * stride), stride=stride, rng=ctx.rng, x0=x0,
                        sampler=ctx.prov.sampler, statistic=ctx.X(),
                        mean=orc.expect(num, th, lambda y: num.dE_dtheta(y, th)))
    est, se = r.friction, r.stderr
    zeta = np.atleast_2d(ctx.prov.friction(num, th))
    z = float(np.max(np.abs(zeta - est) / (N_SIGMA * se + 0.05 * np.abs(est).max())))
    ok = z <= 1.0
    return TheoremCheck("friction_autocorrelation", ok, z, 1.0,
                        f"ingredient zeta vs beta*int <dX(t)dX(0)> dt over T = {T / tau_r:.3g} tau_R from {len(x0)} "
                        f"sampler chains; |diff| / ({N_SIGMA:g} standard errors + 5% step/truncation bias)",
                        "" if ok else "friction tensor disagrees with the autocorrelation of dE/dtheta",
                        est.tolist(), zeta.tolist())


def _direction(ctx):
    d = np.asarray(ctx.points[1] - ctx.points[0], dtype=float)
    return d / np.linalg.norm(d)


def _drive(ctx, x, start, end, tau, updates, stride):
    """Sekimoto work of the chains x along the linear ramp start → end over τ
    (:func:`numeric.fluctuation.langevin_work`, ``updates`` θ moves, ``stride`` sampler steps each)."""
    return langevin_work(ctx.num.model, Protocol.linear(start, end, tau), particles=len(x), steps=updates,
                         rng=ctx.rng, x0=x, sampler=ctx.prov.sampler, substeps=stride).work


def slow_driving_excess_work(ctx):
    """⟨W⟩ − ΔF of a slow ramp vs the slow-driving prediction ∫θ̇ᵀζθ̇ dt (ingredient ζ).

    Linear response (arXiv 2510.03137): W_ex = ∫θ̇ᵀζθ̇ dt + O(τ_s/τ), τ_s the
    slowest relaxation time that X couples to.  The ramp spans a Fisher
    distance of at most 2.5 (βW_ex ≈ 0.3: the signal grows with the
    distance, but so does the change of the metric along the ramp), over
    τ = 20 τ_s with τ_s = max(τ_R along it, the ζ-weighted mean relaxation
    time at its start: ``_Context.response_time``); the prediction integrates ζ by
    Simpson's rule (5 nodes, 3 with two coordinates).  The tolerance's
    systematic part 2τ_s/τ = 10 % covers the O(τ_s/τ) linear-response
    correction (measured −12…0 %) and the sampler step's bias of ζ (+1…+4 %).
    """
    num, th0, d = ctx.num, ctx.points[0], _direction(ctx)
    tau_r, dt = ctx.timescales()
    s = min(math.sqrt(0.5 * 20 * ctx.response_time() / (num.beta * float(d @ ctx.friction_ref(0) @ d))),
            2.5 / math.sqrt(float(d @ ctx.fisher_ref(0) @ d)))
    us = (0.0, 0.5, 1.0) if len(num.model.x) == 2 else (0.0, 0.25, 0.5, 0.75, 1.0)
    weights = (1, 4, 1) if len(us) == 3 else (1, 4, 2, 4, 1)
    nodes = [th0 + s * d * u for u in us]
    zetas = [np.atleast_2d(ctx.prov.friction(num, th)) for th in nodes]
    # the protocol's duration comes from the references (coarse grid: a time scale), never from the ingredient
    tau_rs = [num.beta * float(d @ orc.coarse_friction(num, th) @ d) / float(d @ orc.fisher_quadrature(num, th) @ d)
              for th in nodes[1:]]
    if not all(t > 0 and math.isfinite(t) for t in tau_rs):
        raise NumericalError(f"relaxation times along the ramp are not positive: {tau_rs}")
    tau_slow = max([ctx.response_time()] + tau_rs)
    tau = 20 * tau_slow
    dt = 2 * dt  # sampler step min(τ_R, τ_x)/25: ζ off by ~dt/2τ_x (see the docstring)
    stride = max(1, int(round(tau_r / 10 / dt)))  # θ moves every τ_R/10: the midpoint staircase errs at O(h²)
    updates = max(50, min(_MAX_STEPS // stride, int(math.ceil(tau / (stride * dt)))))
    n = 2 * ctx.particles
    x = np.asarray(ctx.prov.equilibrium(num, th0, n, ctx.rng), float)
    W = _drive(ctx, x, th0, th0 + s * d, tau, updates, stride)
    dF = ctx.prov.free_energy(num, th0 + s * d) - ctx.prov.free_energy(num, th0)
    wex, se = float(W.mean() - dF), float(W.std(ddof=1) / math.sqrt(len(W)))
    quad = [float(d @ z @ d) for z in zetas]
    pred = s * s / tau * float(np.dot(weights, quad) / sum(weights))  # Simpson over the ramp
    tol = N_SIGMA * se + 2 * (tau_slow / tau) * abs(pred)
    ok = abs(wex - pred) <= tol
    return TheoremCheck("slow_driving_excess_work", ok, abs(wex - pred), tol,
                        f"<W> - dF of a linear ramp over tau = {tau / tau_r:.3g} tau_R ({n} sampler chains from exact draws, "
                        f"Sekimoto work) vs int thetadot^T zeta thetadot dt with the ingredient zeta; tolerance "
                        f"{N_SIGMA:g} standard errors + 2 tau_slow/tau linear-response and sampler-step correction",
                        "" if ok else "excess work of a slow protocol disagrees with the friction tensor", pred, wex)


def jarzynski(ctx):
    """Jarzynski ΔF from a driving protocol (τ_J = τ_R) vs ΔF of the ingredient free energy.

    The jump spans a Fisher distance √2 (quench dissipation ≈ 1 kT) over one
    relaxation time; the check also fails when the measured dissipation
    β⟨W⟩ − βΔF (reference F) is below 0.05 kT: such a protocol tests nothing.
    """
    num, th0, d = ctx.num, ctx.points[0], _direction(ctx)
    tau_r, dt = ctx.timescales()
    s = math.sqrt(2.0 / float(d @ ctx.fisher_ref(0) @ d))  # quench dissipation beta*W_diss ~ 1
    stride = max(1, int(round(tau_r / 20 / dt)))
    th1 = th0 + s * d
    x = np.asarray(ctx.prov.equilibrium(num, th0, ctx.particles, ctx.rng), float)
    W = _drive(ctx, x, th0, th1, tau_r, 20, stride)
    dF = ctx.prov.free_energy(num, th1) - ctx.prov.free_energy(num, th0)
    est = estimate(W, num.beta)
    diss = num.beta * (float(W.mean()) - (orc.reference_free_energy(num, th1) - orc.reference_free_energy(num, th0)))
    value, tol = abs(est.corrected - dF), N_SIGMA * est.stderr
    drives = diss >= 0.05  # designed for ~0.7 kT; a protocol that does not dissipate tests nothing
    ok = value <= tol and drives
    reason = "" if ok else ("Jarzynski's equality fails for the ingredient free energy and sampler" if drives
                            else f"the protocol does not drive (beta*<W_diss> = {diss:.3g} < 0.05)")
    return TheoremCheck("jarzynski", ok, float(value), float(tol),
                        f"|dF_Jarzynski (numeric.fluctuation, bias-corrected) - dF (ingredient F)| <= {N_SIGMA:g} "
                        f"standard errors; {ctx.particles} exact draws driven over tau_R by the sampler "
                        f"(dissipation beta*<W_diss> = {diss:.2f})",
                        reason, dF, est.corrected)


@dataclass(frozen=True)
class _IngredientStepper(AbstractStepper):
    """The ``sampler`` ingredient as a stepper of :func:`numeric.langevin.train` (``stride`` steps per call).

    ``log`` keeps (θ, chains) of every call: the chains the following parameter move sees frozen.
    """

    name: ClassVar[str] = "sampler ingredient"
    explicit: ClassVar[bool] = False
    sampler: Callable = None
    num: object = None
    stride: int = 1
    log: list = field(default_factory=list)

    def advance(self, X, theta, th, dt, nsub, rng, noise):
        X[...] = _finite(self.sampler(self.num, X, theta, dt / self.stride, self.stride, rng), "sampler")
        self.log.append((np.array(theta, dtype=float), X.copy()))


def bias_equals_excess_work(ctx):
    """Persistent-chain training: L(θ_T) − L̃(T) (L from F and the data) vs β(W − ΔF) (Sekimoto work).

    The run is :func:`numeric.langevin.train` (constant η, 60 steps over 3 τ_R,
    data p_m(θ*) at the second θ point, chains from the ``equilibrium``
    ingredient moved by the ``sampler`` ingredient).  Along its θ path L̃
    accumulates the gradient estimates β(⟨X⟩_d − ⟨X⟩_s) of the ingredient
    X = ∂θE at each move's frozen chains, L uses the ingredient F, W is the
    trainer's Sekimoto work (arXiv 2510.03137, bias = excess work).  Each
    move's line integral ∫ β(⟨X⟩_d − ⟨X⟩_s)·dθ is the 3-point Gauss–Legendre
    rule along the straight segment (error O(Δθ⁷) per move, exact for ∂θE
    of degree ≤ 5 in θ); with the trapezoid rule the O(Δθ³) error grows
    with β and the curvature of ∂θE in θ and reached the tolerance on
    correct energies (β = 1.7 with (x − θ)⁴/12).
    """
    num, th0, b = ctx.num, ctx.points[0], ctx.num.beta
    tau_r, dt = ctx.timescales()
    X, steps, h = ctx.X(), 60, tau_r / 20
    stepper = _IngredientStepper(ctx.prov.sampler, num, max(1, int(round(h / dt))))
    x0 = np.asarray(ctx.prov.equilibrium(num, th0, ctx.particles, ctx.rng), float)
    eta = b / (float(np.linalg.norm(ctx.fisher_ref(0))) * tau_r)  # relaxes theta in ~ tau_R
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a divergence is reported below, as the reason of the check
        run = train(num.model, constant_schedule(eta, steps * h), theta0=th0, target=ctx.points[1], samples0=x0,
                    particles=len(x0), steps=steps, method=stepper, rng=ctx.rng, record_every=steps)
    if run.diverged:
        raise NumericalError(run.divergence)
    data = orc.numeric_rule(num, ctx.points[1])  # the data distribution p_m(theta*), numeric

    def L(theta):
        return b * (float(data.expect(num.energy(data.x, theta))) - ctx.prov.free_energy(num, theta))

    path = [t for t, _ in stepper.log] + [run.theta[-1]]  # move i: theta_i -> theta_i+1, chains of call i frozen
    nodes, weights = np.polynomial.legendre.leggauss(3)
    est = sum(0.5 * w * b * float((data.expect(X(data.x, t)) - X(c, t).mean(axis=0)) @ (z - a))
              for a, z, c in zip(path[:-1], path[1:], (c for _, c in stepper.log))
              for t, w in ((a + 0.5 * (1.0 + u) * (z - a), w) for u, w in zip(nodes, weights)))
    bias = L(path[-1]) - (L(th0) + est)
    bw = b * (float(run.work[-1]) - (ctx.prov.free_energy(num, path[-1]) - ctx.prov.free_energy(num, th0)))
    tol = 1e-3
    ok = abs(bias - bw) <= tol
    return TheoremCheck("bias_equals_excess_work", ok, abs(bias - bw), tol,
                        f"L - L~ (L from F and the data, L~ from the gradient estimates of the ingredient dE/dtheta) vs "
                        f"beta*(W - dF) (Sekimoto work of {ctx.particles} chains in numeric.langevin.train), {steps} "
                        "steps; line integrals by 3-point Gauss-Legendre per move (error O(dtheta^7))",
                        "" if ok else "bias differs from beta * excess work", bw, bias)


CHECKS_DYNAMIC = (sampler_stationarity, friction_autocorrelation, slow_driving_excess_work, jarzynski,
                  bias_equals_excess_work)
