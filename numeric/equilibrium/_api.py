"""p_m(x|θ) = exp(−βE(x, θ))/Z(θ): rule, free energy, expectations, samples.

Closed form first: for energies quadratic in x, p_m = N(m(θ), Σ(θ)) and
F(θ) = −β⁻¹ ln Z(θ) are theory's expressions (:func:`theory.metric.gaussian_structure`,
:func:`theory.derive.free_energy`; Entropy 26, 112 (2024) for
p_m and F), lambdified; expectations use Gauss–Hermite nodes, samples are
exact.  Otherwise one coordinate: the adaptive Gauss–Legendre rule on the
found support, samples by inverse CDF on that rule; two coordinates: a
refined tensor grid, samples drawn from its cells; more coordinates:
samples by MALA from the mode only.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from thermolearn.theory import NumericalError

from ..codegen import lambdify
from ._mala import mala_warmup
from ._rules import LegendreRule1D, Rule, found_rule_1d, grid_rule, hermite_rule
from ._support import CUT, GridFrame, find_mode, grid_frame, support_1d

__all__ = ["equilibrium_rule", "free_energy", "closed_free_energy", "expectation", "sample_equilibrium", "mode",
           "gaussian_moments", "auto_box"]

_HERMITE_MAX_D = 4


@lru_cache(maxsize=128)
def _gaussian(twin):
    """Lambdified (m(θ) and Σ(θ) as one flat vector (d + d² entries: one call), F(θ)) of a quadratic energy, or None."""
    model = twin.model
    if not model.is_quadratic():
        return None
    from thermolearn.theory.derive import free_energy as symbolic_free_energy
    from thermolearn.theory.metric import gaussian_structure

    _, m, S, _, _, _ = gaussian_structure(model)
    fe = symbolic_free_energy(model)
    ths = tuple(model.theta)
    F = lambdify(fe.free_energy, ths) if fe.closed_form else None
    return lambdify((*m, *S), ths), F


def gaussian_moments(twin, theta):
    """(mean (d,), covariance (d, d)) of p_m for a quadratic energy, else None.

    Raises :class:`NumericalError` where the x-curvature is not positive
    definite (p_m not normalisable at that θ).
    """
    f = gaussian_form(twin)
    return None if f is None else f(theta)


def gaussian_form(twin):
    """``theta -> (mean, covariance)`` of :func:`gaussian_moments` with the model's lookup done once, or None.

    For callers that ask at every step (the persistent-chain trainer): a θ
    given as a float64 array of shape (n,) is checked for finiteness
    element by element instead of by ``twin.theta_vector``.

    >>> from thermolearn.numeric.model import numeric_twin
    >>> from thermolearn.theory.models import harmonic_trap
    >>> m, S = gaussian_form(numeric_twin(harmonic_trap(k=2, beta=1, mu=1)))(np.array([0.5]))
    >>> m.tolist(), S.tolist()
    ([0.5], [[0.5]])
    """
    g = _gaussian(twin)
    if g is None:
        return None
    fn, d, n = g[0], twin.d, twin.n

    def moments(theta):
        if type(theta) is np.ndarray and theta.dtype == np.float64 and theta.shape == (n,):
            vals = theta.tolist()
            if not all(map(math.isfinite, vals)):
                twin.theta_vector(theta)  # raises its ParameterError
        else:
            vals = twin.theta_vector(theta).tolist()
        v = np.asarray(fn(*vals), dtype=float).reshape(-1)
        m, S = v[:d], v[d:].reshape(d, d)
        if d == 1:  # a scalar test (eigvalsh costs ~25 us a call, and the trainer asks every step)
            ok = math.isfinite(m[0]) and math.isfinite(S[0, 0]) and S[0, 0] > 0
        else:
            ok = np.all(np.isfinite(S)) and np.all(np.isfinite(m)) and bool(np.all(np.linalg.eigvalsh((S + S.T) / 2) > 0))
        if not ok:
            raise NumericalError(
                f"exp(-beta*E) of {twin.text} is not normalisable at theta = {vals}: "
                "the x-curvature is not positive definite"
            )
        return m, S

    return moments


def _starts(twin, th):
    d = twin.d
    starts = [np.zeros(d)]
    if twin.n == d:
        starts.append(th.copy())
    starts += [np.full(d, t) for t in th]
    for k in range(d):
        for s in (-1.0, 1.0):
            e = np.zeros(d)
            e[k] = s
            starts.append(e)
    return np.array(starts)


def beta_energy_of(twin, th):
    """βE(·, θ) as a function of the coordinates alone, in the support search's and the rules' convention:
    x of shape (m,) with one coordinate, (..., d) with several."""
    if twin.d == 1:
        return lambda x: twin.beta_energy(np.asarray(x)[..., None], th)
    return lambda x: twin.beta_energy(x, th)


def mode(twin, theta) -> tuple[np.ndarray, float]:
    """Mode of p_m(·|θ) and βE there (the minimum of βE, searched from θ-dependent starts)."""
    th = twin.theta_vector(theta)
    if twin.d == 1:
        s = support_1d(beta_energy_of(twin, th), th, text=twin.text)
        return np.array([s.mode]), s.e0
    return find_mode(beta_energy_of(twin, th), lambda x: twin.beta * twin.grad_x(x, th), _starts(twin, th))


def auto_box(twin, theta, *, cut: float = 40.0) -> GridFrame:
    """:func:`._support.grid_frame` of p_m(·|θ) at its :func:`mode`: principal axes, βΔE ≥ ``cut`` on every face.

    The generator's and the verifier's grids; the two-coordinate grid rule with ``cut`` = :data:`CUT`.
    """
    th = twin.theta_vector(theta)
    return grid_frame(lambda x: twin.beta_energy(x, th), lambda x: twin.beta * twin.grad_x(x, th), *mode(twin, th),
                      cut=cut)


def equilibrium_rule(twin, theta, *, closed_form: bool = True, near=None) -> Rule:
    """A quadrature :class:`Rule` for expectations under p_m(·|θ), with ln Z.

    ``closed_form=False`` skips the Gaussian closed form: the numeric route
    alone (found-support quadrature in 1-D, grid in 2-D), for checks that
    compare theory's closed forms against an independent computation.
    ``near``: the ``support`` of a 1-D rule at a nearby θ, reused where it
    still holds (a trainer's path of θ; see :func:`found_rule_1d`).

    >>> from thermolearn.numeric.model import numeric_twin
    >>> from thermolearn.theory import energy_model
    >>> tw = numeric_twin(energy_model("x**4/4 - theta*x", beta=1, mu=1))
    >>> r = equilibrium_rule(tw, [0.0])
    >>> r.method.startswith("quadrature"), round(float(r.expect(r.x[:, 0] ** 2)), 10)
    (True, 0.6759782401)
    """
    th = twin.theta_vector(theta)
    g = gaussian_moments(twin, th) if closed_form else None
    if g is not None and twin.d <= _HERMITE_MAX_D:
        r = hermite_rule(*g)
        F = _gaussian(twin)[1]
        log_z = -twin.beta * float(F(*th)) if F is not None else float("nan")
        return Rule(r.x, r.w, log_z, "closed form (Gauss-Hermite nodes)")
    f = beta_energy_of(twin, th)
    if twin.d == 1:
        return found_rule_1d(f, th, text=twin.text, near=near)
    if twin.d == 2:
        frame = auto_box(twin, th, cut=CUT)  # principal axes (a tilted density)
        r = grid_rule(lambda u: f(frame.to_x(u)), frame.box, text=twin.text)
        return Rule(frame.to_x(r.x), r.w, r.log_z, r.method)
    raise NumericalError(
        f"no quadrature for p_m of {twin.text} in {twin.d} coordinates (not quadratic in x); "
        "use sample_equilibrium (MCMC)"
    )


def closed_free_energy(twin):
    """The lambdified closed form F(θ) of a quadratic energy (no normalisability test), or None.

    For callers that test normalisability once per θ themselves (through
    :func:`gaussian_moments`), as the persistent-chain trainer does.
    """
    g = _gaussian(twin)
    return None if g is None else g[1]


def free_energy(twin, theta, *, closed_form: bool = True) -> float:
    """F(θ) = −β⁻¹ ln ∫ exp(−βE(x, θ)) dx (Entropy 26, 112 (2024)); ``closed_form`` as :func:`equilibrium_rule`.

    >>> from thermolearn.numeric.model import numeric_twin
    >>> from thermolearn.theory.models import harmonic_trap
    >>> round(free_energy(numeric_twin(harmonic_trap(k=1), {"beta": 1, "mu": 1}), 3.0), 12)
    -0.918938533205
    """
    g = _gaussian(twin) if closed_form else None
    if g is not None and g[1] is not None:  # closed form: no quadrature rule to build
        th = twin.theta_vector(theta)
        gaussian_moments(twin, th)  # NumericalError where p_m is not normalisable
        return float(np.asarray(g[1](*th)))
    r = equilibrium_rule(twin, theta, closed_form=closed_form)
    return -r.log_z / twin.beta


def expectation(twin, theta, fn, *, closed_form: bool = True) -> np.ndarray:
    """⟨fn(x)⟩ under p_m(·|θ); ``fn`` maps x of shape (m, d) to shape (m, ...); ``closed_form`` as above."""
    r = equilibrium_rule(twin, theta, closed_form=closed_form)
    return r.expect(fn(r.x))


def _inverse_cdf(rule: LegendreRule1D, u) -> np.ndarray:
    z = float(np.sum(rule.qw * rule.p))
    cum = rule.tail_integral((rule.p)[..., None])[..., 0] / z  # left: F(x); right: F(x) − 1
    P = rule.panels.shape[0] // 2
    cdf = np.concatenate([[0.0], cum[:P].ravel(), (1.0 + cum[P:]).ravel(), [1.0]])
    xs = np.concatenate([[rule.support.a], rule.panels.ravel(), [rule.support.b]])
    cdf = np.maximum.accumulate(cdf)
    return np.interp(u, cdf, xs)


def sample_equilibrium(twin, theta, n: int, rng, *, warmup: int = 400) -> np.ndarray:
    """n independent samples of p_m(·|θ), shape (n, d).

    Exact for Gaussian p_m (quadratic energies) and, in one coordinate, by
    inverse CDF on the found support (interpolation error of the CDF ~1e-8);
    in two coordinates a node of the grid rule drawn by its weight plus a
    uniform offset within its cell (no Markov chain; the offset adds h²/12
    to each variance, h ≈ 1/400 of the box, ~1e-4 relative); otherwise
    ``n`` MALA chains started at the mode, ``warmup`` adapted steps (see
    :func:`numeric.equilibrium.mala_warmup`; a Laplace start can leave
    chains stuck in steep tails, which a grid draw cannot).

    >>> from thermolearn.numeric.model import numeric_twin
    >>> from thermolearn.theory import energy_model
    >>> tw = numeric_twin(energy_model("log(1 + exp(x - theta)) + x**2/8", beta=1, mu=1))
    >>> x = sample_equilibrium(tw, [500.0], 4000, np.random.default_rng(0))
    >>> x.shape, bool(abs(x.mean()) < 0.2)
    ((4000, 1), True)
    """
    th = twin.theta_vector(theta)
    g = gaussian_moments(twin, th)
    if g is not None:
        m, S = g
        return m + rng.standard_normal((n, twin.d)) @ np.linalg.cholesky(S).T
    if twin.d == 1:
        return _inverse_cdf(equilibrium_rule(twin, th), rng.random(n))[:, None]
    if twin.d == 2:
        r = equilibrium_rule(twin, th)
        h = np.array([np.diff(np.unique(r.x[:, k])[:2])[0] for k in range(2)])
        return r.x[rng.choice(r.w.size, size=n, p=r.w)] + (rng.random((n, 2)) - 0.5) * h
    m, _ = mode(twin, th)
    return mala_warmup(twin, th, m, n, rng, steps=warmup)[0]
