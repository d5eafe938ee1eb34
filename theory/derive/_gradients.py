"""Exact and persistent-chain MLE gradients in named moment symbols.

With L(θ) = −⟨ln p_m(x|θ)⟩_d = β(⟨E⟩_d − F(θ)) (arXiv 2510.03137, Theorem 1):

* exact gradient        ∇L = β(⟨∂θE⟩_d − ⟨∂θE⟩_m),
* persistent-chain      ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s),

where ⟨·⟩_d, ⟨·⟩_m, ⟨·⟩_s average over the data, the model p_m(·|θ) and the
chains p_s(·, t).  The averages are returned as named real symbols
``avg_d_dE_d<θ>``, ``avg_m_dE_d<θ>``, ``avg_s_dE_d<θ>`` (parseable by sympy;
rendered ⟨∂_θE⟩_d in LaTeX).  The integrand each moment needs is
``statistics`` = ∂θE.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ._result import Derivation, fresh_symbol

__all__ = ["Gradient", "moment_symbols", "rate_symbols", "mle_gradient", "persistent_chain_gradient"]

_WHERE = {"d": "data", "m": "model", "s": "samples"}


def moment_symbols(model, which: str) -> tuple[sp.Symbol, ...]:
    """The symbols ⟨∂θᵢE⟩_which for ``which`` in ``"d"``, ``"m"``, ``"s"``.

    >>> from thermolearn.theory import energy_model
    >>> moment_symbols(energy_model("(x - theta)**2/2"), "s")
    (avg_s_dE_dtheta,)
    """
    if which not in _WHERE:
        raise ValueError(f"which must be one of 'd', 'm', 's', got {which!r}")
    return tuple(
        fresh_symbol(model, f"avg_{which}_dE_d{th.name}", rf"\langle \partial_{{{sp.latex(th)}}} E \rangle_{{{which}}}")
        for th in model.theta
    )


def rate_symbols(model) -> tuple[sp.Symbol, ...]:
    """The parameter velocities θ̇ᵢ as symbols ``<θ>_dot``.

    >>> from thermolearn.theory import energy_model
    >>> rate_symbols(energy_model("(x - theta)**2/2"))
    (theta_dot,)
    """
    return tuple(fresh_symbol(model, f"{th.name}_dot", rf"\dot{{{sp.latex(th)}}}") for th in model.theta)


@dataclass(frozen=True)
class Gradient(Derivation):
    """A gradient of the MLE objective, one component per parameter.

    Attributes
    ----------
    kind : str
        ``"exact"`` or ``"persistent_chain"``.
    components : tuple of sympy.Expr
        β(⟨∂θᵢE⟩_d − ⟨∂θᵢE⟩_{m or s}).
    statistics : tuple of sympy.Expr
        ∂θᵢE(x, θ), the function whose averages the moments are.
    moments : dict
        Symbol name -> description of the average it stands for.
    """

    kind: str
    components: tuple[sp.Expr, ...]
    statistics: tuple[sp.Expr, ...]
    moments: tuple[tuple[str, str], ...]

    def latex_items(self):
        lhs = r"\nabla L" if self.kind == "exact" else r"\tilde\nabla L"
        return [(lhs, self.components), (r"\partial_\theta E", self.statistics)]


def _gradient(model, kind: str, which: str) -> Gradient:
    data, other = moment_symbols(model, "d"), moment_symbols(model, which)
    comps = tuple(model.beta * (d - o) for d, o in zip(data, other))
    stats = tuple(sp.diff(model.energy, th) for th in model.theta)
    moments = tuple(
        (sym.name, f"mean of {stat} over the {_WHERE[w]}")
        for w, syms in (("d", data), (which, other))
        for sym, stat in zip(syms, stats)
    )
    return Gradient(kind, comps, stats, moments)


@lru_cache(maxsize=128)
def mle_gradient(model) -> Gradient:
    """Exact MLE gradient ∇L = β(⟨∂θE⟩_d − ⟨∂θE⟩_m) (arXiv 2510.03137, Theorem 1).

    >>> from thermolearn.theory import energy_model
    >>> mle_gradient(energy_model("(x - theta)**2/2")).components
    (beta*(avg_d_dE_dtheta - avg_m_dE_dtheta),)
    """
    return _gradient(model, "exact", "m")


@lru_cache(maxsize=128)
def persistent_chain_gradient(model) -> Gradient:
    """Persistent-chain gradient ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s) (arXiv 2510.03137, Theorem 1).

    >>> from thermolearn.theory import energy_model
    >>> persistent_chain_gradient(energy_model("(x - theta)**2/2")).components
    (beta*(avg_d_dE_dtheta - avg_s_dE_dtheta),)
    """
    return _gradient(model, "persistent_chain", "s")
