"""Reference computations behind the theorem checks (quadrature, generator, MALA).

Numbers for a model (:func:`_numeric_model`, the numeric twin), Boltzmann averages by
quadrature, the Fisher information and friction tensor of the thermodynamic
metric (arXiv 2510.03137), the Fokker–Planck operator, H(t), equilibrium
samples and Metropolis-adjusted Langevin steps, and :class:`Providers`,
which says where each checked quantity comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ParameterError

if TYPE_CHECKING:
    from thermolearn.numeric.model import NumericTwin

__all__ = [
    "Providers",
    "evaluation_point",
    "fisher_auto",
    "friction_auto",
    "fisher_quadrature",
    "friction_reference",
    "fokker_planck_rhs",
    "learning_rate_matrix",
]


# ------------------------------------------------------------------ numerics
def evaluation_point(model: EnergyModel) -> dict:
    """Numbers the checks use: symbolic β, μ, constants and the two θ points.

    Symbolic β, μ and positive constants are set to 1, other constants to
    1/4 (use ``--set`` / :meth:`theory.EnergyModel.substitute` to choose).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> evaluation_point(harmonic_trap())
    {'values': {'beta': 1, 'k': 1, 'mu': 1}, 'theta_points': [[-0.4], [0.6]]}
    """
    values = {}
    for s in sorted(model.symbols.values(), key=lambda v: v.name):
        if s in model.x or s in model.theta:
            continue
        values[s.name] = 1 if s.is_positive or s.name in ("beta", "mu") else sp.Rational(1, 4)
    return {"values": values, "theta_points": [p.tolist() for p in _theta_points(model)]}


def _numeric_model(model: EnergyModel):
    """The numeric twin (:func:`numeric.model.numeric_twin`) at :func:`evaluation_point`'s numbers."""
    from thermolearn.numeric.model import numeric_twin

    return numeric_twin(model, evaluation_point(model)["values"])


def _theta_points(model: EnergyModel) -> list[np.ndarray]:
    return [np.array([(0.8 if t.is_positive else -0.4) + 0.1 * i for i, t in enumerate(model.theta)]),
            np.array([(1.4 if t.is_positive else 0.6) - 0.1 * i for i, t in enumerate(model.theta)])]


def _expect(num: "NumericTwin", theta, fns) -> tuple[list[np.ndarray], float]:
    """Boltzmann averages of ``fns`` (vectorised callables of x) and ln Z.

    One coordinate: adaptive quadrature (scipy ``quad``, rtol 1e-11) on each
    side of the minimum.  Two coordinates: the trapezoid rule on a uniform
    401×401 grid over the box where βE − βE_min < 60 (spectrally accurate for
    smooth, rapidly decaying integrands).
    """
    import warnings

    from scipy import integrate

    d = len(num.model.x)
    if d > 2:
        raise ParameterError(f"verify: quadrature supports 1 or 2 coordinates, the energy has {d}")
    from thermolearn.numeric.equilibrium import mode

    xm, be0 = mode(num, theta)  # found from θ-dependent starts (no fixed window)
    e0 = be0 / num.beta
    if d == 1:
        def integral(f):
            g = lambda u: f(np.array([u])) * math.exp(-num.beta * (float(num.energy([u], theta)) - e0))  # noqa: E731
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                return sum(integrate.quad(g, a, b, limit=200, epsabs=0.0, epsrel=1e-11)[0]
                           for a, b in ((-np.inf, xm[0]), (xm[0], np.inf)))
        Z = integral(lambda u: 1.0)
        outs = []
        for fn in fns:
            size = np.asarray(fn(xm), dtype=float).size
            outs.append(np.array([integral(lambda u, j=j: float(np.ravel(fn(u))[j])) / Z
                                  for j in range(size)]))
        return outs, math.log(Z) - num.beta * e0
    grid, w = _grid_2d(num, theta, xm, e0)
    Z = integrate.trapezoid(integrate.trapezoid(w, grid[1], axis=1), grid[0], axis=0)
    X1, X2 = np.meshgrid(*grid, indexing="ij")
    outs = []
    for fn in fns:
        vals = np.asarray(fn(np.stack([X1, X2], axis=-1)), dtype=float).reshape(X1.shape + (-1,))
        inner = integrate.trapezoid(vals * w[..., None], grid[1], axis=1)
        outs.append(integrate.trapezoid(inner, grid[0], axis=0) / Z)
    return outs, math.log(Z) - num.beta * e0


def _grid_2d(num, theta, xm, e0, n=401):
    half = np.array([1.0, 1.0])
    for _ in range(40):  # widen each half-width until the box edges are negligible
        grid = [np.linspace(xm[i] - half[i], xm[i] + half[i], n) for i in range(2)]
        X1, X2 = np.meshgrid(*grid, indexing="ij")
        logw = -num.beta * (num.energy(np.stack([X1, X2], axis=-1), theta) - e0)
        edge = [max(logw[0].max(), logw[-1].max()), max(logw[:, 0].max(), logw[:, -1].max())]
        grow = np.array([e > -60 for e in edge])
        if not grow.any():
            return grid, np.exp(logw)
        half = np.where(grow, half * 1.5, half)
    raise ParameterError("verify: exp(-beta*E) does not decay fast enough for grid quadrature")


def _free_energy(num: "NumericTwin", theta) -> float:
    return -_expect(num, theta, [])[1] / num.beta


# ------------------------------------------------------------------ providers
def _metric_point(num: "NumericTwin", theta):
    """thermolearn.numeric.metric's metric field at θ."""
    from thermolearn.numeric.metric import metric_field

    return metric_field(num.model)(np.asarray(theta, dtype=float))


def fisher_auto(num: "NumericTwin", theta) -> np.ndarray:
    """Fisher information from :mod:`numeric.metric` (closed form, quadrature or generator)."""
    return np.atleast_2d(_metric_point(num, theta).fisher)


def friction_auto(num: "NumericTwin", theta) -> np.ndarray:
    """Friction tensor from :mod:`numeric.metric` (closed form, quadrature or generator)."""
    return np.atleast_2d(_metric_point(num, theta).friction)


def fisher_quadrature(num: "NumericTwin", theta) -> np.ndarray:
    """I = β² Cov_m(∂θE) (arXiv 2510.03137) by quadrature."""
    X = lambda x: num.dE_dtheta(x, theta)  # noqa: E731
    XX = lambda x: X(x)[..., :, None] * X(x)[..., None, :]  # noqa: E731
    (m1, m2), _ = _expect(num, theta, [X, XX])
    n = m1.size
    return num.beta**2 * (m2.reshape(n, n) - np.outer(m1, m1))


def friction_reference(num: "NumericTwin", theta) -> np.ndarray:
    """ζ_ij = β∫₀^∞⟨δX_i(t)δX_j(0)⟩dt (arXiv 2510.03137).

    One coordinate: the generator solve in closed form,
    ζ_ij = (β²/μ) ∫ Φ_iΦ_j / p dx with Φ_i(x) = ∫_{−∞}^x δX_i p dy, on a grid.
    Energies quadratic in x with ∂θE linear in x (Ornstein–Uhlenbeck): with
    A = ∇ₓ²E and C = ∂θ∇ₓE, ζ = C A⁻² Cᵀ/μ.
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
    if len(m.x) != 1:
        raise ParameterError("verify: the reference friction tensor needs one coordinate or an "
                             "Ornstein-Uhlenbeck energy (numeric.metric provides the general case)")
    from scipy import integrate

    from thermolearn.numeric.equilibrium import support_1d

    s = support_1d(lambda x: num.beta_energy(np.asarray(x)[..., None], theta), theta, cut=60.0)
    grid = np.linspace(s.a, s.b, 200001)  # the found support: βΔE = 60 at both ends
    e = num.energy(grid[:, None], theta)
    p = np.exp(-num.beta * (e - e.min()))
    p /= integrate.trapezoid(p, grid)
    Xg = num.dE_dtheta(grid[:, None], theta).reshape(grid.size, -1)
    dX = Xg - integrate.trapezoid(Xg * p[:, None], grid, axis=0)  # same rule as Phi
    left = integrate.cumulative_trapezoid(dX * p[:, None], grid, axis=0, initial=0)
    right = -integrate.cumulative_trapezoid((dX * p[:, None])[::-1], grid[::-1], axis=0, initial=0)[::-1]
    # Phi from the nearer tail: both vanish there, so no cancellation against tiny p
    Phi = np.where((np.arange(grid.size) < int(np.argmax(p)))[:, None], left, right)
    ok = p > 1e-40 * p.max()
    integrand = Phi[ok, :, None] * Phi[ok, None, :] / p[ok, None, None]
    return num.beta**2 / num.mu * integrate.trapezoid(integrand, grid[ok], axis=0)


def learning_rate_matrix(zeta, fisher, beta, t, tau) -> np.ndarray:
    """H(t) = [βζ + (τ − t) I]⁻¹ (arXiv 2510.03137), via :func:`theory.metric.learning_rate_matrix`."""
    from thermolearn.theory.metric import learning_rate_matrix as symbolic_H

    H = symbolic_H(sp.Matrix(zeta), sp.Matrix(fisher), sp.Float(beta), t=sp.Float(t), tau=sp.Float(tau))
    return np.array(H.evalf(), dtype=float)


def fokker_planck_rhs(model: EnergyModel, p: sp.Expr) -> sp.Expr:
    """∂p/∂t = ∇·[μ(p∇E + β⁻¹∇p)] (arXiv 2510.03137): :func:`theory.derive.fokker_planck` applied to ``p``."""
    from thermolearn.theory.derive import fokker_planck

    fp = fokker_planck(model)
    return fp.rhs.subs(fp.density, p).doit()


@dataclass(frozen=True)
class Providers:
    """Where each checked quantity comes from (replaceable, e.g. to inject a bug)."""

    fokker_planck: Callable = fokker_planck_rhs
    free_energy: Callable = _free_energy
    fisher: Callable = fisher_auto
    friction: Callable = friction_auto
    learning_rate_matrix: Callable = learning_rate_matrix


# ------------------------------------------------------------------ sampling
def _mala(num, x: np.ndarray, theta, delta: float, steps: int, rng) -> np.ndarray:
    """Metropolis-adjusted Langevin steps of time ``delta`` at fixed θ (:func:`numeric.equilibrium.mala`)."""
    from thermolearn.numeric.equilibrium import mala

    return mala(num, theta, x, delta, steps, rng)[0]


def _equilibrium(num, theta, n: int, rng) -> np.ndarray:
    """n samples of p_m(θ) (:func:`numeric.equilibrium.sample_equilibrium`: exact, inverse CDF, or MALA from the mode)."""
    from thermolearn.numeric.equilibrium import sample_equilibrium

    return sample_equilibrium(num, theta, n, rng)
