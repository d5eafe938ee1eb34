"""Shared symbols of the harmonic-trap closed forms (arXiv 2510.03137, notation).

All positive except the positions (θ₀, θ*, u₀), which are real.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["t", "tau", "beta", "mu", "k", "eta", "theta0", "target", "u0", "s0", "Delta"]

t = sp.Symbol("t", nonnegative=True)
tau = sp.Symbol("tau", positive=True)
beta = sp.Symbol("beta", positive=True)
mu = sp.Symbol("mu", positive=True)
k = sp.Symbol("k", positive=True)
eta = sp.Symbol("eta", positive=True)
s0 = sp.Symbol("s0", positive=True)
theta0 = sp.Symbol("theta0", real=True)
target = sp.Symbol("theta_star", real=True)
u0 = sp.Symbol("u0", real=True)
#: Δ = θ* − θ₀, the total displacement.
Delta = sp.Symbol("Delta", real=True)
