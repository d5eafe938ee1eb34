"""The theorem checks themselves and the runner (see :mod:`thermolearn.testing`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ModelError, ParameterError, energy_model

from . import _oracles
from ._oracles import _equilibrium, _expect, _mala, _metric_point, _numeric_model, _theta_points

__all__ = ["TheoremCheck", "run_theorem_checks", "assert_theorems", "N_SIGMA"]

#: Statistical checks accept |estimate − truth| ≤ N_SIGMA standard errors.
N_SIGMA = 4.0
_EXACT = "exact (sympy simplify == 0)"


@dataclass(frozen=True)
class TheoremCheck:
    """One theorem check: ``passed`` iff ``value`` is within ``tolerance``."""

    name: str
    passed: bool
    value: object
    tolerance: object
    method: str = ""


# ------------------------------------------------------------------ checks
def _check_stationarity(model, prov) -> TheoremCheck:
    rhs = prov.fokker_planck(model, model.boltzmann_weight)
    residual = sp.simplify(rhs / model.boltzmann_weight)
    import importlib.util

    source = "thermolearn.theory.derive.fokker_planck" if importlib.util.find_spec("thermolearn.theory.derive") else "inline operator"
    return TheoremCheck("boltzmann_stationarity", residual == 0, 0 if residual == 0 else str(residual), _EXACT,
                        f"Fokker-Planck right-hand side ({source}) applied to exp(-beta*E), divided by it")


def _integral_residual(expr) -> sp.Expr:
    """Collect terms c·∫f dx (c free of x) into one integrand; return the simplified total."""
    outside, inside = sp.S.Zero, {}
    for term in sp.Add.make_args(sp.expand(expr)):
        ints = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Integral)]
        if len(ints) != 1:
            outside += term
            continue
        coeff = term / ints[0]
        key = tuple(ints[0].limits)
        inside[key] = inside.get(key, 0) + coeff * ints[0].function
    total = sp.simplify(outside) if outside != 0 else sp.S.Zero
    for integrand in inside.values():
        total += sp.simplify(integrand)
    return sp.simplify(total)


def _check_bias_symbolic(model) -> TheoremCheck:
    t = sp.Symbol("t", real=True)
    th = [sp.Function(f"theta{i}")(t) for i in range(len(model.theta))]
    S = [sp.Function(f"S{i}")(t) for i in range(len(model.theta))]  # ⟨∂θE⟩_s(t), arbitrary
    pd = sp.Function("p_d")(*model.x)
    lims = [(xi, -sp.oo, sp.oo) for xi in model.x]
    sub = dict(zip(model.theta, th))
    E, b = model.energy.subs(sub), model.beta
    F = -sp.log(sp.Integral(sp.exp(-b * E), *lims)) / b
    L = b * sp.Integral(E * pd, *lims) - b * F          # L = β(⟨E⟩_d − F)
    Xd = [sp.Integral(sp.diff(model.energy, tk).subs(sub) * pd, *lims) for tk in model.theta]
    Ltilde_rate = sum(sp.diff(q, t) * b * (xd - s) for q, xd, s in zip(th, Xd, S))
    W_rate = sum(sp.diff(q, t) * s for q, s in zip(th, S))
    residual = _integral_residual(sp.diff(L, t) - Ltilde_rate - b * (W_rate - sp.diff(F, t)))
    method = "d/dt[L - L~ - beta*(W - dF)] along an arbitrary path theta(t)"
    try:
        from thermolearn.theory.derive import bias_theorem
    except ImportError:
        bias_theorem = None
    if bias_theorem is not None and residual == 0:  # and issue 2's proof of Theorem 1
        residual = sp.simplify(bias_theorem(model).residual)
        method += "; theory.derive.bias_theorem residual"
    return TheoremCheck("bias_equals_excess_work/symbolic", residual == 0, 0 if residual == 0 else str(residual),
                        _EXACT, method)


def _check_free_energy_gradient(num, theta, prov) -> TheoremCheck:
    h = 2e-3
    n = len(theta)
    (mean,), _ = _expect(num, theta, [lambda x: num.dE_dtheta(x, theta)])
    errs = []
    for j in range(n):
        def D(step):
            e = np.zeros(n)
            e[j] = step
            return (prov.free_energy(num, theta + e) - prov.free_energy(num, theta - e)) / (2 * step)
        rich = (4 * D(h / 2) - D(h)) / 3  # error O(h^4)
        errs.append(abs(rich - mean[j]) / (1 + abs(mean[j])))
    tol = 1e-7
    return TheoremCheck("free_energy_gradient", max(errs) <= tol, max(errs), tol,
                        "Richardson difference of F by quadrature vs <dE/dtheta>_m by quadrature "
                        "(relative; quadrature rtol / step)")


def _check_bias_simulation(num, theta0, target, rng, particles, steps, prov) -> TheoremCheck:
    data = _equilibrium(num, target, particles, rng)
    chains = _equilibrium(num, theta0, particles, rng)
    b, eta, h = num.beta, 0.5, 1.0 / steps
    theta = theta0.astype(float).copy()
    est = work = 0.0
    delta = 0.02 / max(num.mu, 1e-3)
    for _ in range(steps):
        chains = _mala(num, chains, theta, delta, 1, rng)
        grad = b * (num.dE_dtheta(data, theta).mean(axis=0) - num.dE_dtheta(chains, theta).mean(axis=0))
        new = theta - eta * h * grad
        d_data = num.energy(data, new).mean() - num.energy(data, theta).mean()
        d_chain = num.energy(chains, new).mean() - num.energy(chains, theta).mean()
        est += b * (d_data - d_chain)   # optimiser's believed progress (frozen samples)
        work += d_chain                 # Sekimoto work of the parameter jump
        theta = new
    dF = prov.free_energy(num, theta) - prov.free_energy(num, theta0)

    def L(th):
        return b * (num.energy(data, th).mean() - prov.free_energy(num, th))

    bias = L(theta) - (L(theta0) + est)
    value = abs(bias - b * (work - dF))
    tol = 1e-9 * (1 + abs(bias))
    return TheoremCheck("bias_equals_excess_work/simulation", value <= tol, value, tol,
                        f"{particles} MALA chains, {steps} steps; L by quadrature of F; rounding tolerance")


def _check_bias_langevin(num, theta0, target, seed, particles):
    """Issue 3's simulator (numeric.langevin.train), when installed: its bias vs β·W_ex."""
    try:
        from thermolearn.numeric.langevin import train
    except ImportError:
        return None
    from thermolearn.numeric.schedule import Schedule
    from thermolearn.theory import ThermolearnError

    method = "exact" if num.model.is_quadratic() else "euler"
    try:
        r = train(num.model, Schedule("constant", lambda t, theta=None: 0.5, 1.0), theta0=theta0, target=target,
                  particles=particles, steps=100, method=method, rng=np.random.default_rng(seed))
    except ThermolearnError:  # an energy that simulator does not support
        return None
    bias, bw = float(r.bias[-1]), num.beta * float(r.excess_work[-1])
    tol = 1e-9 * (1 + abs(bias))
    return TheoremCheck("bias_equals_excess_work/langevin", abs(bias - bw) <= tol, abs(bias - bw), tol,
                        f"thermolearn.numeric.langevin.train ({method}, {particles} chains, 100 steps); rounding tolerance")


def _check_metric(num, points, prov) -> tuple[TheoremCheck, list]:
    worst, mats = np.inf, []
    for th in points:
        I, Z = np.atleast_2d(prov.fisher(num, th)), np.atleast_2d(prov.friction(num, th))
        mats.append((I, Z))
        for A in (I, Z):
            scale = np.linalg.norm(A)
            asym = np.linalg.norm(A - A.T) / scale if scale > 0 else np.inf
            lam = np.linalg.eigvalsh((A + A.T) / 2).min() / scale if scale > 0 else -np.inf
            worst = min(worst, lam if asym <= 1e-10 else -np.inf)
    source = "thermolearn.numeric.metric" if _metric_point(num, points[0]) is not None else "quadrature reference"
    return TheoremCheck("metric_spd", bool(worst > 1e-12), float(worst), "> 1e-12",
                        f"min eigenvalue / norm of Fisher information and friction tensor ({source}; "
                        "asymmetry > 1e-10 counts as -inf)"), mats


def _check_natural_gradient(num, mats, prov) -> TheoremCheck:
    t, tau, worst = 0.3, 1.0, 0.0
    for I, Z in mats:
        H = prov.learning_rate_matrix(Z, I, num.beta, t, tau)
        lhs = np.linalg.solve(np.eye(len(I)) - num.beta * H @ Z, H)
        rhs = np.linalg.inv(I) / (tau - t)
        worst = max(worst, np.linalg.norm(lhs - rhs) / np.linalg.norm(rhs))
    return TheoremCheck("natural_gradient_identity", bool(worst <= 1e-10), float(worst), 1e-10,
                        "(1 - beta*H*zeta)^-1 H = I^-1/(tau - t) at t=0.3, tau=1 (relative)")


def _check_jarzynski(num, theta0, theta1, rng, particles, steps, prov) -> TheoremCheck:
    x = _equilibrium(num, theta0, particles, rng)
    W = np.zeros(particles)
    delta = 0.02 / max(num.mu, 1e-3)
    path = [theta0 + (theta1 - theta0) * k / steps for k in range(steps + 1)]
    for a, b in zip(path[:-1], path[1:]):
        W += num.energy(x, b) - num.energy(x, a)
        x = _mala(num, x, b, delta, 5, rng)
    dF = prov.free_energy(num, theta1) - prov.free_energy(num, theta0)
    try:  # issue 5's estimator: bias-corrected -ln mean(exp(-beta W))/beta and its standard error
        from thermolearn.numeric.fluctuation import jarzynski
    except ImportError:
        jarzynski = None
    if jarzynski is not None:
        est = jarzynski(W, num.beta)
        value, tol = abs(est.corrected - dF), N_SIGMA * est.stderr
        what = "|dF_Jarzynski (numeric.fluctuation, bias-corrected) - dF|"
    else:
        expw = np.exp(-num.beta * (W - dF))   # ⟨e^{−β(W−ΔF)}⟩ = 1
        value, tol = abs(expw.mean() - 1.0), N_SIGMA * expw.std(ddof=1) / math.sqrt(particles)
        what = "|<exp(-beta(W - dF))> - 1|"
    return TheoremCheck("jarzynski", bool(value <= tol), float(value), float(tol),
                        f"{what} <= {N_SIGMA:g} standard errors; {particles} MALA trajectories "
                        f"(exact invariance, so no step bias); dF by quadrature")


def run_theorem_checks(energy, *, x="x", theta="theta", seed: int = 0, quick: bool = True,
                       providers: _oracles.Providers | None = None, **model_kw) -> list[TheoremCheck]:
    """Run every theorem check for an energy (string or :class:`theory.EnergyModel`).

    Parameters
    ----------
    energy : str or theory.EnergyModel
    x, theta : str
        Coordinate and parameter names when ``energy`` is a string.
    seed : int
        Seed of the simulations (same seed, same numbers).
    quick : bool
        Fewer particles (2000 vs 20000) in the simulations.
    providers : Providers, optional
        Replace the source of a checked quantity.

    Examples
    --------
    >>> [c.name for c in run_theorem_checks("(x - theta)**2/2")][:2]
    ['boltzmann_stationarity', 'bias_equals_excess_work/symbolic']
    """
    model = energy if isinstance(energy, EnergyModel) else energy_model(energy, x=x, theta=theta, **model_kw)
    if not isinstance(model, EnergyModel):
        raise ModelError(f"energy must be a string or theory.EnergyModel, got {type(energy).__name__}")
    if len(model.x) > 2:
        raise ParameterError(f"verify supports 1 or 2 coordinates, got {len(model.x)}")
    prov = providers or _oracles.Providers()
    rng = np.random.default_rng(seed)
    num = _numeric_model(model)
    points = _theta_points(model)
    particles = 2000 if quick else 20000
    checks = [_check_stationarity(model, prov), _check_bias_symbolic(model),
              _check_free_energy_gradient(num, points[0], prov),
              _check_bias_simulation(num, points[0], points[1], rng, particles // 4, 50, prov)]
    metric, mats = _check_metric(num, points, prov)
    checks += [metric, _check_natural_gradient(num, mats, prov),
               _check_jarzynski(num, points[0], points[1], rng, particles, 20, prov)]
    extra = _check_bias_langevin(num, points[0], points[1], seed, particles // 4)
    return checks if extra is None else checks + [extra]


def assert_theorems(energy, **kwargs) -> list[TheoremCheck]:
    """``assert`` every theorem check for ``energy`` (for users' pytest suites).

    Raises ``AssertionError`` naming each failing check with its value and
    tolerance; returns the checks otherwise.

    >>> checks = assert_theorems("x**4/4 - theta*x")
    >>> all(c.passed for c in checks)
    True
    """
    checks = run_theorem_checks(energy, **kwargs)
    failed = [c for c in checks if not c.passed]
    if failed:
        lines = [f"{c.name}: value {c.value} outside tolerance {c.tolerance} ({c.method})" for c in failed]
        raise AssertionError("theorem check(s) failed:\n  " + "\n  ".join(lines))
    return checks

