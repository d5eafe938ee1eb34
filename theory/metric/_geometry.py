"""Riemannian geometry of a metric g(θ): Christoffel symbols, geodesics, length.

For the friction metric ζ the thermodynamic length of a protocol θ(t) is
𝓛 = ∫ sqrt(θ̇ᵀζθ̇) dt and the divergence 𝒥 = τ∫₀^τ θ̇ᵀζθ̇ dt ≥ 𝓛², with
equality for constant-speed geodesics (Cauchy–Schwarz; Salamon–Berry,
Sivak–Crooks; arXiv 2510.03137, general potentials).  Geodesics obey

    θ̈^k + Γ^k_ij θ̇^i θ̇^j = 0,   Γ^k_ij = ½ g^{kl}(∂_i g_lj + ∂_j g_li − ∂_l g_ij).
"""

from __future__ import annotations

import sympy as sp

from .._errors import ModelError

__all__ = ["christoffel_symbols", "geodesic_equations", "thermodynamic_length", "thermodynamic_divergence"]


def _check(g, coords):
    if not isinstance(g, sp.MatrixBase) or g.shape != (len(coords), len(coords)):
        raise ModelError(f"metric must be a {len(coords)}x{len(coords)} sympy Matrix, got {g!r}")


def christoffel_symbols(g: sp.Matrix, coords) -> list:
    """Γ[k][i][j] of the Levi-Civita connection of ``g``.

    Polar coordinates of the plane, g = diag(1, r²):

    >>> r, phi = sp.symbols("r phi", positive=True)
    >>> G = christoffel_symbols(sp.diag(1, r**2), (r, phi))
    >>> G[0][1][1], G[1][0][1]
    (-r, 1/r)
    """
    coords = tuple(coords)
    _check(g, coords)
    n = len(coords)
    ginv = g.inv()
    dg = [[[sp.diff(g[a, b], coords[c]) for c in range(n)] for b in range(n)] for a in range(n)]
    return [
        [
            [
                sp.simplify(
                    sum(ginv[k, l] * (dg[l][j][i] + dg[l][i][j] - dg[i][j][l]) for l in range(n)) / 2
                )
                for j in range(n)
            ]
            for i in range(n)
        ]
        for k in range(n)
    ]


def geodesic_equations(g: sp.Matrix, coords, t=sp.Symbol("t")) -> list:
    """The geodesic equations as ``sympy.Eq`` in functions θ_k(t).

    >>> r, phi = sp.symbols("r phi", positive=True)
    >>> eqs = geodesic_equations(sp.diag(1, r**2), (r, phi))
    >>> eqs[0]
    Eq(-r(t)*Derivative(phi(t), t)**2 + Derivative(r(t), (t, 2)), 0)
    """
    coords = tuple(coords)
    G = christoffel_symbols(g, coords)
    n = len(coords)
    funcs = [sp.Function(c.name)(t) for c in coords]
    sub = dict(zip(coords, funcs))
    vel = [sp.diff(f, t) for f in funcs]
    return [
        sp.Eq(
            sp.diff(funcs[k], t, 2)
            + sum(G[k][i][j].subs(sub) * vel[i] * vel[j] for i in range(n) for j in range(n)),
            0,
        )
        for k in range(n)
    ]


def thermodynamic_length(g: sp.Matrix, coords, path, t, t0, t1) -> sp.Expr:
    """𝓛 = ∫_{t0}^{t1} sqrt(θ̇ᵀ g(θ(t)) θ̇) dt along ``path`` (expressions in t).

    >>> t = sp.Symbol("t", positive=True); mu = sp.Symbol("mu", positive=True)
    >>> thermodynamic_length(sp.Matrix([[1/mu]]), (sp.Symbol("theta"),), (3*t,), t, 0, 1)
    3/sqrt(mu)
    """
    coords = tuple(coords)
    _check(g, coords)
    path = sp.Matrix(path)
    vel = path.diff(t)
    gp = g.subs(dict(zip(coords, path)))
    return sp.simplify(sp.integrate(sp.sqrt(sp.simplify((vel.T * gp * vel)[0, 0])), (t, t0, t1)))


def thermodynamic_divergence(g: sp.Matrix, coords, path, t, t0, t1) -> sp.Expr:
    """𝒥 = (t1 − t0) ∫ θ̇ᵀ g θ̇ dt ≥ 𝓛² (equality on constant-speed geodesics).

    >>> t = sp.Symbol("t", positive=True); mu = sp.Symbol("mu", positive=True)
    >>> thermodynamic_divergence(sp.Matrix([[1/mu]]), (sp.Symbol("theta"),), (3*t**2,), t, 0, 1)
    12/mu
    """
    coords = tuple(coords)
    _check(g, coords)
    path = sp.Matrix(path)
    vel = path.diff(t)
    gp = g.subs(dict(zip(coords, path)))
    return sp.simplify((t1 - t0) * sp.integrate((vel.T * gp * vel)[0, 0], (t, t0, t1)))
