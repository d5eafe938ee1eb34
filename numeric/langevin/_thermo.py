"""Exact equilibrium quantities of an energy model, as fast callables.

For the persistent-chain simulator we need, at any θ: the free energy
F(θ) = −β⁻¹ ln Z(θ), the data moments ⟨E(·,θ)⟩_d and ⟨∂θE(·,θ)⟩_d for data
drawn from p_m(θ*) (digest Sec. 4), and, for the exact OU step, the
Gaussian form of p_m.  Two paths, closed form first:

* energies quadratic in x, E = ½xᵀA(θ)x − b(θ)ᵀx + c(θ) with A ≻ 0:
  p_m = N(A⁻¹b, A⁻¹/β),  F = c − ½bᵀA⁻¹b + (1/2β)ln det(βA/2π),
  ⟨E(·,θ)⟩_{N(m,Σ)} = E(m,θ) + ½tr(A(θ)Σ);
* other 1-D energies: adaptive quadrature (scipy.integrate.quad).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ModelError, NumericalError, ParameterError

__all__ = ["Thermo", "thermo_for"]


def _numeric_model(model: EnergyModel) -> EnergyModel:
    left = sp.sympify(model.beta).free_symbols | sp.sympify(model.mu).free_symbols | set(model.constants)
    if left:
        raise ParameterError(
            f"simulation needs numbers for {sorted(s.name for s in left)}; give them with --set NAME=VALUE"
        )
    return model


@dataclass(frozen=True)
class Thermo:
    """Numeric callables of one model (all take θ as a 1-D float array).

    Attributes
    ----------
    beta, mu : float
    quadratic : bool
        True when the Gaussian closed forms (and the exact OU step) apply.
    energy : callable ``energy(X, theta) -> (N,)``, X of shape (N, d)
    dE_dtheta : callable ``dE_dtheta(X, theta) -> (N, n)``
    drift : callable ``drift(X, theta) -> (N, d)``, −μ∇ₓE
    gaussian : callable ``theta -> (mean (d,), precision A (d, d))`` or None
    free_energy, data_energy : callable ``theta -> float``
    data_gradient : callable ``theta -> (n,)``, ⟨∂θE⟩_d
    curvature : callable ``(X, theta) -> float``, max ∂²E/∂x² over samples (Euler stability)
    """

    beta: float
    mu: float
    d: int
    n: int
    quadratic: bool
    energy: Callable
    dE_dtheta: Callable
    drift: Callable
    gaussian: Callable | None
    free_energy: Callable
    data_energy: Callable
    data_gradient: Callable
    curvature: Callable


def _vec(fn, n_out):
    def full(o, N):
        o = np.asarray(o, dtype=float)
        return o if o.shape == (N,) else np.broadcast_to(o, (N,))

    def call(X, th):
        N = X.shape[0]
        out = fn(*(X[:, i] for i in range(X.shape[1])), *th)
        if not n_out:
            return full(out, N)
        if n_out == 1:
            return full(out[0], N)[:, None]
        return np.column_stack([full(o, N) for o in out])
    return call


def thermo_for(model: EnergyModel, target: np.ndarray) -> Thermo:
    """Build the callables of ``model`` with data drawn from p_m(θ* = ``target``)."""
    model = _numeric_model(model)
    beta, mu = float(model.beta), float(model.mu)
    xs, ths = model.x, model.theta
    d, n = len(xs), len(ths)
    E = model.energy
    f_E = sp.lambdify((*xs, *ths), E, "numpy", cse=True)
    f_g = sp.lambdify((*xs, *ths), list(model.dE_dtheta), "numpy", cse=True)
    f_dr = sp.lambdify((*xs, *ths), list(model.drift), "numpy", cse=True)
    energy = _vec(f_E, 0)
    dE = _vec(f_g, n)
    drift = _vec(f_dr, d)
    hess = sp.hessian(E, xs)
    target = np.asarray(target, dtype=float)
    if model.is_quadratic():
        return _quadratic(model, hess, energy, dE, drift, beta, mu, d, n, target)
    if d != 1:
        raise ModelError(
            f"energy {E} is not quadratic in x and has {d} coordinates; the simulator handles "
            "non-quadratic energies in 1-D only (quadrature for the data moments)"
        )
    return _quadrature_1d(model, hess, energy, dE, drift, beta, mu, n, target)


def _quadratic(model, hess, energy, dE, drift, beta, mu, d, n, target):
    xs, ths = model.x, model.theta
    A = sp.Matrix(hess)
    b = -sp.Matrix([sp.diff(model.energy, xi) for xi in xs]).subs({xi: 0 for xi in xs})
    c = model.energy.subs({xi: 0 for xi in xs})
    fA = sp.lambdify(ths, A, "numpy")
    fb = sp.lambdify(ths, b, "numpy")
    fc = sp.lambdify(ths, c, "numpy")

    def gaussian(th):
        if d == 1:  # scalar fast path (no linalg calls per step)
            a = float(np.asarray(fA(*th), dtype=float).reshape(-1)[0])
            if not a > 0:
                raise NumericalError(f"the energy's x-curvature is not positive at theta={list(th)} ({a}); "
                                     "p_m is not normalisable there")
            b1 = float(np.asarray(fb(*th), dtype=float).reshape(-1)[0])
            return np.array([b1 / a]), np.array([[a]])
        Am = np.atleast_2d(np.asarray(fA(*th), dtype=float))
        w = np.linalg.eigvalsh(Am)
        if not np.all(w > 0):
            raise NumericalError(f"the energy's x-curvature is not positive definite at theta={list(th)} "
                                 f"(eigenvalues {w.tolist()}); p_m is not normalisable there")
        bm = np.asarray(fb(*th), dtype=float).reshape(d)
        return np.linalg.solve(Am, bm), Am

    m_star, A_star = gaussian(target)
    S_star = np.linalg.inv(A_star) / beta
    # <E(., theta)>_d = E(m*, theta) + tr(A(theta) S*)/2 and its theta-gradient, symbolically.
    Ed = model.energy.subs(dict(zip(xs, m_star.tolist()))) + sp.Rational(1, 2) * sum(
        A[i, j] * sp.Float(S_star[j, i]) for i in range(d) for j in range(d))
    f_Ed = sp.lambdify(ths, Ed, "numpy")
    f_gd = sp.lambdify(ths, [sp.diff(Ed, th) for th in ths], "numpy")

    def free_energy(th):
        m, Am = gaussian(th)
        if d == 1:
            a = Am[0, 0]
            return float(fc(*th)) - 0.5 * a * m[0] ** 2 + 0.5 * np.log(beta * a / (2 * np.pi)) / beta
        bm = Am @ m
        sign, logdet = np.linalg.slogdet(beta * Am / (2 * np.pi))
        return float(fc(*th)) - 0.5 * float(bm @ m) + 0.5 * logdet / beta

    def curvature(X, th):
        return float(np.max(np.linalg.eigvalsh(np.atleast_2d(np.asarray(fA(*th), dtype=float)))))

    return Thermo(beta, mu, d, n, True, energy, dE, drift, gaussian, free_energy,
                  lambda th: float(f_Ed(*th)), lambda th: np.asarray(f_gd(*th), dtype=float).reshape(n),
                  curvature)


def _quadrature_1d(model, hess, energy, dE, drift, beta, mu, n, target):
    from scipy.integrate import quad

    x, ths = model.x[0], model.theta
    fE = sp.lambdify((x, *ths), model.energy, "math")
    fg = [sp.lambdify((x, *ths), g, "math") for g in model.dE_dtheta]
    fh = sp.lambdify((x, *ths), hess[0, 0], "numpy")

    def _integrals(th, funcs):
        # shift by the minimum energy on a coarse grid for numerical safety
        grid = np.linspace(-50, 50, 2001)
        Eg = np.array([fE(g, *th) for g in grid])
        x0, E0 = grid[int(np.argmin(Eg))], float(np.min(Eg))
        w = lambda z: np.exp(-beta * (fE(z, *th) - E0))  # noqa: E731
        Z = quad(w, -np.inf, x0, limit=200)[0] + quad(w, x0, np.inf, limit=200)[0]
        if not (np.isfinite(Z) and Z > 0):
            raise NumericalError(f"partition function quadrature failed at theta={list(th)}")
        vals = [(quad(lambda z: f(z) * w(z), -np.inf, x0, limit=200)[0]
                 + quad(lambda z: f(z) * w(z), x0, np.inf, limit=200)[0]) / Z for f in funcs]
        return Z, E0, vals

    tgt = tuple(target.tolist())

    def data_energy(th):
        return _integrals(tgt, [lambda z: fE(z, *th)])[2][0]

    def data_gradient(th):
        return np.array(_integrals(tgt, [lambda z, g=g: g(z, *th) for g in fg])[2])

    def free_energy(th):
        Z, E0, _ = _integrals(tuple(th), [])
        return E0 - np.log(Z) / beta

    def curvature(X, th):
        return float(np.max(np.asarray(fh(X[:, 0], *th), dtype=float)))

    return Thermo(beta, mu, 1, n, False, energy, dE, drift, None, free_energy,
                  data_energy, data_gradient, curvature)
