"""The catalogue of canonical energy models (tests, docs and the README draw on it).

Each factory returns a validated :class:`theory.EnergyModel`; β and μ are
positive symbols unless numbers are given.

==========================  ==========================================  ===========
name                        energy E(x, θ)                              parameters
==========================  ==========================================  ===========
``harmonic_trap``           k (x − θ)² / 2                              θ
``learnable_stiffness``     θ x² / 2   (θ > 0)                          θ
``gaussian_mean_variance``  (x − m)² / (2 s)   (s > 0)                  m, s
``quartic``                 x⁴/4 − θ x                                  θ
``double_well``             x⁴/4 − x²/2 − θ x                           θ
``quadratic_2d``            ½ (x − θ)ᵀ K (x − θ), K full 2×2, K ≻ 0     θ₁, θ₂
==========================  ==========================================  ===========

Sources: arXiv 2510.03137 (the harmonic trap of its Figures 1–4; the quartic and
double-well energies stand in for its general potentials, Figure 5); docs/theory.md.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from ._errors import ModelError
from ._model import BETA, MU, EnergyModel
from ._parse import as_expression

__all__ = [
    "harmonic_trap",
    "learnable_stiffness",
    "gaussian_mean_variance",
    "quartic",
    "double_well",
    "quadratic_2d",
    "CATALOGUE",
]


def _bm(beta, mu):
    return (BETA if beta is None else as_expression(beta, "beta", finite=True),
            MU if mu is None else as_expression(mu, "mu", finite=True))


def harmonic_trap(k=None, *, beta=None, mu=None) -> EnergyModel:
    """E = k (x − θ)²/2, the trap of the minimal-dissipation paper (k = 1 there).

    >>> harmonic_trap(k=1).energy
    (-theta + x)**2/2
    """
    x, th = sp.Symbol("x", real=True), sp.Symbol("theta", real=True)
    ksym = sp.Symbol("k", positive=True) if k is None else as_expression(k, "k", finite=True)
    b, m = _bm(beta, mu)
    return EnergyModel(ksym * (x - th) ** 2 / 2, (x,), (th,), b, m, (ksym,) if k is None else ())


def learnable_stiffness(*, beta=None, mu=None) -> EnergyModel:
    """E = θ x²/2 with θ > 0 (variance learning)."""
    x, th = sp.Symbol("x", real=True), sp.Symbol("theta", positive=True)
    b, m = _bm(beta, mu)
    return EnergyModel(th * x**2 / 2, (x,), (th,), b, m)


def gaussian_mean_variance(*, beta=None, mu=None) -> EnergyModel:
    """E = (x − m)²/(2 s), θ = (m, s), s > 0: the normal family at β = 1."""
    x = sp.Symbol("x", real=True)
    mm, s = sp.Symbol("m", real=True), sp.Symbol("s", positive=True)
    b, m = _bm(beta, mu)
    return EnergyModel((x - mm) ** 2 / (2 * s), (x,), (mm, s), b, m)


def quartic(*, beta=None, mu=None) -> EnergyModel:
    """E = x⁴/4 − θ x (no closed-form partition function)."""
    x, th = sp.Symbol("x", real=True), sp.Symbol("theta", real=True)
    b, m = _bm(beta, mu)
    return EnergyModel(x**4 / 4 - th * x, (x,), (th,), b, m)


def double_well(*, beta=None, mu=None) -> EnergyModel:
    """E = x⁴/4 − x²/2 − θ x (tilted double well)."""
    x, th = sp.Symbol("x", real=True), sp.Symbol("theta", real=True)
    b, m = _bm(beta, mu)
    return EnergyModel(x**4 / 4 - x**2 / 2 - th * x, (x,), (th,), b, m)


def quadratic_2d(K=None, *, beta=None, mu=None) -> EnergyModel:
    """E = ½ (x − θ)ᵀ K (x − θ) with a full symmetric positive-definite K.

    ``K`` is a 2×2 nested sequence of numbers; by default symbolic entries
    k11, k12, k22 (k11, k22 > 0, k12 real).

    >>> quadratic_2d([[2, 1], [1, 3]]).energy.expand().coeff(sp.Symbol("x1", real=True)**2)
    1
    """
    x = sp.Matrix(sp.symbols("x1 x2", real=True))
    th = sp.Matrix(sp.symbols("theta1 theta2", real=True))
    constants: tuple = ()
    if K is None:
        k11, k22 = sp.symbols("k11 k22", positive=True)
        k12 = sp.Symbol("k12", real=True)
        Km = sp.Matrix([[k11, k12], [k12, k22]])
        constants = (k11, k12, k22)
    else:
        Km = sp.Matrix([[as_expression(v, "K", finite=True) for v in row] for row in K])
        if Km.shape != (2, 2) or Km != Km.T:
            raise ModelError(f"K must be a symmetric 2x2 matrix, got {K!r}")
    d = x - th
    energy = sp.Rational(1, 2) * (d.T * Km * d)[0, 0]
    b, m = _bm(beta, mu)
    return EnergyModel(sp.expand(energy), tuple(x), tuple(th), b, m, constants)


#: name -> factory (keyword arguments beta, mu).
CATALOGUE: dict[str, Callable[..., EnergyModel]] = {
    "harmonic_trap": harmonic_trap,
    "learnable_stiffness": learnable_stiffness,
    "gaussian_mean_variance": gaussian_mean_variance,
    "quartic": quartic,
    "double_well": double_well,
    "quadratic_2d": quadratic_2d,
}
