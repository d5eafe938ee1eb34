"""Reference computations behind the theorem checks (quadrature, Hessian of F, friction).

Numbers for a model (:func:`_numeric_model`), Boltzmann averages by
quadrature, the free energy, the Fisher information by two routes
(β² Cov_m(∂θE) and β(⟨∂²θE⟩_m − ∂²θF), Entropy 26, 112 (2024)), the
friction tensor by the generator solve (closed form in one coordinate,
sparse solve in two) and for Ornstein–Uhlenbeck energies in closed form,
the Fokker–Planck operator and H(t) (arXiv 2510.03137).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ParameterError

__all__ = [
    "evaluation_point",
    "fisher_quadrature",
    "fisher_hessian",
    "friction_reference",
    "fokker_planck_rhs",
    "learning_rate_matrix",
]

#: Numbers substituted for symbolic β, μ and positive constants: deliberately ≠ 1,
#: so that a wrong power of β or μ changes the numbers the checks compare.
DEFAULT_BETA = sp.Rational(7, 10)
DEFAULT_MU = sp.Rational(19, 10)
DEFAULT_POSITIVE = sp.Rational(13, 10)
DEFAULT_OTHER = sp.Rational(1, 4)


# ------------------------------------------------------------------ numerics
@dataclass(frozen=True)
class _Num:
    """A model with numbers for β, μ and constants, lambdified."""

    model: EnergyModel
    beta: float
    mu: float
    E: Callable = field(repr=False)
    grad: Callable = field(repr=False)
    X: Callable = field(repr=False)
    d2E: Callable = field(repr=False)


def evaluation_point(model: EnergyModel) -> dict:
    """Numbers the checks use: symbolic β, μ, constants and the two θ points.

    Symbolic β is set to 7/10, μ to 19/10 and positive constants to 13/10
    (values ≠ 1, so a wrong power of β or μ shows), other constants to 1/4
    (use ``--set`` / :meth:`theory.EnergyModel.substitute` to choose).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> evaluation_point(harmonic_trap())
    {'values': {'beta': 7/10, 'k': 13/10, 'mu': 19/10}, 'theta_points': [[-0.4], [0.6]]}
    """
    values = {}
    defaults = {"beta": DEFAULT_BETA, "mu": DEFAULT_MU}
    for s in sorted(model.symbols.values(), key=lambda v: v.name):
        if s in model.x or s in model.theta:
            continue
        values[s.name] = defaults.get(s.name, DEFAULT_POSITIVE if s.is_positive else DEFAULT_OTHER)
    return {"values": values, "theta_points": [p.tolist() for p in _theta_points(model)]}


def _numeric_model(model: EnergyModel) -> _Num:
    from thermolearn.numeric.codegen import lambdify, model_callable

    values = evaluation_point(model)["values"]
    m = model.substitute(values) if values else model
    hess = sp.hessian(m.energy, m.theta)
    return _Num(m, float(m.beta), float(m.mu), model_callable(m, "energy"), model_callable(m, "grad_x"),
                model_callable(m, "dE_dtheta"), lambdify(hess, (*m.x, *m.theta)))


def _theta_points(model: EnergyModel) -> list[np.ndarray]:
    return [np.array([(0.8 if t.is_positive else -0.4) + 0.1 * i for i, t in enumerate(model.theta)]),
            np.array([(1.4 if t.is_positive else 0.6) - 0.1 * i for i, t in enumerate(model.theta)])]


def _minimum(num: _Num, theta):
    from scipy import optimize

    d = len(num.model.x)
    with np.errstate(all="ignore"):
        res = optimize.minimize(lambda v: float(num.E(*v, *theta)), np.zeros(d), method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-14})
    if not np.isfinite(res.fun):
        raise ParameterError(f"verify: the energy is not finite near its minimum at theta = {list(theta)}")
    return float(res.fun), res.x


def _expect(num: _Num, theta, fns, grid=None) -> tuple[list[np.ndarray], float]:
    """Boltzmann averages of ``fns`` (vectorised callables of x) and ln Z.

    One coordinate: adaptive quadrature (scipy ``quad``, rtol 1e-11) on each
    side of the minimum.  Two coordinates: the trapezoid rule on a uniform
    401×401 grid over the box where βE − βE_min < 60 (spectrally accurate for
    smooth, rapidly decaying integrands); ``grid`` fixes the box (so that
    finite differences in θ see one rule).
    """
    from scipy import integrate

    d = len(num.model.x)
    if d > 2:
        raise ParameterError(f"verify: quadrature supports 1 or 2 coordinates, the energy has {d}")
    e0, xm = _minimum(num, theta)
    if d == 1:
        def integral(f):
            def g(u):
                with np.errstate(all="ignore"):
                    w = math.exp(-num.beta * (float(num.E(u, *theta)) - e0))
                return f(u) * w if w > 0 else 0.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                return sum(integrate.quad(g, a, b, limit=200, epsabs=0.0, epsrel=1e-11)[0]
                           for a, b in ((-np.inf, xm[0]), (xm[0], np.inf)))
        Z = integral(lambda u: 1.0)
        outs = []
        for fn in fns:
            size = np.asarray(fn(xm[0]), dtype=float).size
            outs.append(np.array([integral(lambda u, j=j: float(np.ravel(fn(u))[j])) / Z
                                  for j in range(size)]))
        return outs, math.log(Z) - num.beta * e0
    grid = grid if grid is not None else _grid_2d(num, theta, xm, e0)
    X1, X2 = np.meshgrid(*grid, indexing="ij")
    with np.errstate(all="ignore"):
        logw = -num.beta * (num.E(X1, X2, *theta) - e0)
    w = np.exp(np.where(np.isfinite(logw), logw, -np.inf))
    Z = integrate.trapezoid(integrate.trapezoid(w, grid[1], axis=1), grid[0], axis=0)
    outs = []
    for fn in fns:
        vals = np.asarray(fn(X1, X2), dtype=float).reshape(X1.shape + (-1,))
        inner = integrate.trapezoid(vals * w[..., None], grid[1], axis=1)
        outs.append(integrate.trapezoid(inner, grid[0], axis=0) / Z)
    return outs, math.log(Z) - num.beta * e0


def _grid_2d(num, theta, xm, e0, n=401):
    half = np.array([1.0, 1.0])
    for _ in range(40):  # widen each half-width until the box edges are negligible
        grid = [np.linspace(xm[i] - half[i], xm[i] + half[i], n) for i in range(2)]
        X1, X2 = np.meshgrid(*grid, indexing="ij")
        with np.errstate(all="ignore"):
            logw = -num.beta * (num.E(X1, X2, *theta) - e0)
        edge = [max(logw[0].max(), logw[-1].max()), max(logw[:, 0].max(), logw[:, -1].max())]
        grow = np.array([e > -60 for e in edge])
        if not grow.any():
            return grid
        half = np.where(grow, half * 1.5, half)
    raise ParameterError("verify: exp(-beta*E) does not decay fast enough for grid quadrature")


def _free_energy(num: _Num, theta, grid=None) -> float:
    """F(θ) = −β⁻¹ ln Z(θ) by quadrature."""
    return -_expect(num, theta, [], grid)[1] / num.beta


def _moments(num: _Num, theta):
    """⟨X⟩_m, ⟨XXᵀ⟩_m, ⟨E⟩_m, ⟨E²⟩_m by quadrature (X = ∂θE of the model)."""
    X = lambda *xs: num.X(*xs, *theta)  # noqa: E731
    XX = lambda *xs: X(*xs)[..., :, None] * X(*xs)[..., None, :]  # noqa: E731
    E = lambda *xs: num.E(*xs, *theta)  # noqa: E731
    (m1, m2, e1, e2), _ = _expect(num, theta, [X, XX, E, lambda *xs: E(*xs) ** 2])
    return m1, m2.reshape(m1.size, m1.size), float(e1[0]), float(e2[0])


def fisher_quadrature(num: _Num, theta) -> np.ndarray:
    """I = β² Cov_m(∂θE) by quadrature (Entropy 26, 112 (2024); arXiv 2510.03137)."""
    m1, m2, _, _ = _moments(num, theta)
    return num.beta**2 * (m2 - np.outer(m1, m1))


def fisher_hessian(num: _Num, theta, h: float = 0.02) -> np.ndarray:
    """I = β(⟨∂²θE⟩_m − ∂²θF): the second route to the Fisher information.

    Differentiating ∂θF = ⟨∂θE⟩_m once more gives ∂²θF = ⟨∂²θE⟩_m −
    β Cov_m(∂θE).  ∂²θF by a Richardson-extrapolated central difference of
    the quadrature free energy (error O(h⁴) plus quadrature rtol / h²).
    """
    theta = np.asarray(theta, dtype=float)
    n = theta.size
    grid = None
    if len(num.model.x) == 2:
        e0, xm = _minimum(num, theta)
        grid = _grid_2d(num, theta, xm, e0, n=401)
    F = lambda th: _free_energy(num, th, grid)  # noqa: E731
    f0 = F(theta)

    def second(i, j, s):
        ei, ej = np.eye(n)[i] * s, np.eye(n)[j] * s
        if i == j:
            return (F(theta + ei) - 2 * f0 + F(theta - ei)) / s**2
        return (F(theta + ei + ej) - F(theta + ei - ej) - F(theta - ei + ej) + F(theta - ei - ej)) / (4 * s * s)

    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            hess[i, j] = hess[j, i] = (4 * second(i, j, h / 2) - second(i, j, h)) / 3
    (d2,), _ = _expect(num, theta, [lambda *xs: num.d2E(*xs, *theta)], grid)
    return num.beta * (d2.reshape(n, n) - hess)


def friction_reference(num: _Num, theta) -> np.ndarray:
    """ζ_ij = β∫₀^∞⟨δX_i(t)δX_j(0)⟩dt by the generator solve (arXiv 2510.03137).

    Energies quadratic in x with ∂θE linear in x (Ornstein–Uhlenbeck): with
    A = ∇ₓ²E and C = ∂θ∇ₓE, ζ = C A⁻² Cᵀ/μ.  One coordinate: the generator
    solve in closed form, ζ_ij = (β²/μ) ∫ Φ_iΦ_j / p dx with
    Φ_i(x) = ∫_{−∞}^x δX_i p dy, on a 2·10⁵-point grid.  Two coordinates:
    a sparse solve of the detailed-balance master-equation generator on
    101² and 201² grids over the quadrature box, Richardson-extrapolated.
    """
    m = num.model
    A = sp.hessian(m.energy, m.x)
    C = sp.Matrix([[sp.diff(m.energy, t, xi) for xi in m.x] for t in m.theta])
    subs = dict(zip(m.theta, theta))
    if m.is_quadratic() and not C.has(*m.x):
        An = np.array(A.subs(subs).evalf(), dtype=float)
        Cn = np.array(C.subs(subs).evalf(), dtype=float)
        Ainv = np.linalg.inv(An)
        return Cn @ Ainv @ Ainv @ Cn.T / num.mu
    if len(m.x) == 2:  # Richardson: grids 101² and 201² share their nodes, error O(h²) → O(h⁴)
        th = np.asarray(theta, float)
        return (4 * _friction_generator_2d(num, th, 201) - _friction_generator_2d(num, th, 101)) / 3
    if len(m.x) != 1:
        raise ParameterError("verify: the reference friction tensor needs one or two coordinates")
    from scipy import integrate

    grid = _support_grid(num, theta, 200001)
    with np.errstate(all="ignore"):
        e = num.E(grid, *theta)
    p = np.exp(-num.beta * (e - e.min()))
    p /= integrate.trapezoid(p, grid)
    Xg = num.X(grid, *theta).reshape(grid.size, -1)
    dX = Xg - integrate.trapezoid(Xg * p[:, None], grid, axis=0)  # same rule as Phi
    left = integrate.cumulative_trapezoid(dX * p[:, None], grid, axis=0, initial=0)
    right = -integrate.cumulative_trapezoid((dX * p[:, None])[::-1], grid[::-1], axis=0, initial=0)[::-1]
    # Phi from the nearer tail: both vanish there, so no cancellation against tiny p
    Phi = np.where((np.arange(grid.size) < int(np.argmax(p)))[:, None], left, right)
    ok = p > 1e-40 * p.max()
    integrand = Phi[ok, :, None] * Phi[ok, None, :] / p[ok, None, None]
    return num.beta**2 / num.mu * integrate.trapezoid(integrand, grid[ok], axis=0)


def _friction_generator_2d(num: _Num, theta, n: int = 201) -> np.ndarray:
    """ζ = β⟨δX, f⟩ with L f = −δX for the nearest-neighbour master equation on a grid.

    Rates (μ/βh²)·exp(−β(E_j − E_i)/2) satisfy detailed balance with
    p ∝ exp(−βE) and converge to the Fokker–Planck generator as h → 0.
    """
    import scipy.sparse as sps
    import scipy.sparse.linalg as spla

    e0, xm = _minimum(num, theta)
    grid = [np.linspace(g[0], g[-1], n) for g in _grid_2d(num, theta, xm, e0)]
    X1, X2 = np.meshgrid(*grid, indexing="ij")
    with np.errstate(all="ignore"):
        bE = num.beta * (num.E(X1, X2, *theta) - e0)
    bE = np.where(np.isfinite(bE), bE, 1e300).ravel()
    p = np.exp(-bE)
    p /= p.sum()
    idx = np.arange(n * n).reshape(n, n)
    rows, cols, rates = [], [], []
    for k in range(2):
        a = np.take(idx, np.arange(n - 1), axis=k).ravel()
        b = np.take(idx, np.arange(1, n), axis=k).ravel()
        c = num.mu / (num.beta * (grid[k][1] - grid[k][0]) ** 2)
        # symmetric form p_i L_ij = c sqrt(p_i p_j): no overflow for large barriers
        w = c * np.exp(-(bE[a] + bE[b]) / 2) / np.exp(-bE).sum()
        rows += [a, b]
        cols += [b, a]
        rates += [w, w]
    rows, cols, rates = map(np.concatenate, (rows, cols, rates))
    S = sps.coo_matrix((rates, (rows, cols)), shape=(n * n, n * n)).tocsr()
    S = S - sps.diags(np.asarray(S.sum(axis=1)).ravel())  # S = diag(p) L, symmetric
    Xg = np.asarray(num.X(X1, X2, *theta), float).reshape(n * n, -1)
    dX = Xg - p @ Xg
    keep = p > 1e-300
    keep[int(np.argmax(p))] = False  # pin f at the mode (L has the constants in its kernel)
    f = np.zeros_like(dX)
    sol = spla.spsolve(S[keep][:, keep].tocsc(), -(p[:, None] * dX)[keep])
    f[keep] = np.asarray(sol).reshape(int(keep.sum()), -1)
    zeta = num.beta * (dX * p[:, None]).T @ f
    return (zeta + zeta.T) / 2


def _support_grid(num: _Num, theta, n: int) -> np.ndarray:
    """A uniform 1-D grid over the region where β(E − E_min) < 60, plus a margin."""
    e0, xm = _minimum(num, theta)
    lo, hi = [], []
    for sgn, out in ((-1, lo), (1, hi)):
        d = 1.0
        with np.errstate(all="ignore"):
            while num.beta * (float(num.E(xm[0] + sgn * d, *theta)) - e0) < 60:
                d *= 1.5
                if d > 1e6:
                    raise ParameterError("verify: exp(-beta*E) does not decay; no finite support found")
        out.append(xm[0] + sgn * d)
    grid = np.linspace(lo[0], hi[0], n)
    for _ in range(2):  # shrink to where p is not negligible
        with np.errstate(all="ignore"):
            e = num.E(grid, *theta)
        keep = grid[-num.beta * (e - e.min()) > -60]
        pad = 0.02 * (keep[-1] - keep[0])
        grid = np.linspace(keep[0] - pad, keep[-1] + pad, n)
    return grid


def learning_rate_matrix(zeta, fisher, beta, t, tau) -> np.ndarray:
    """H(t) = [βζ + (τ − t) I]⁻¹ (arXiv 2510.03137), via :mod:`theory.metric` when installed."""
    try:
        from thermolearn.theory.metric import learning_rate_matrix as symbolic_H
    except ImportError:
        return np.linalg.inv(beta * zeta + (tau - t) * fisher)
    H = symbolic_H(sp.Matrix(zeta), sp.Matrix(fisher), sp.Float(beta), t=sp.Float(t), tau=sp.Float(tau))
    return np.array(H.evalf(), dtype=float)


def fokker_planck_rhs(model: EnergyModel, p: sp.Expr) -> sp.Expr:
    """∂p/∂t = ∇·[μ(p∇E + β⁻¹∇p)] (arXiv 2510.03137).

    The operator of :func:`theory.derive.fokker_planck` applied to ``p``.
    """
    from thermolearn.theory.derive import fokker_planck

    fp = fokker_planck(model)
    return fp.rhs.subs(fp.density, p).doit()
