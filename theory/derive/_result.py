"""Shared rendering of derivation results (LaTeX for Jupyter, plain text).

Every result of :mod:`theory.derive` is a frozen dataclass that mixes in
:class:`Derivation`: ``_repr_latex_`` renders its ``latex_items()`` as an
aligned list of equations, so results display as maths in Jupyter.
"""

from __future__ import annotations

import sympy as sp

from .._budget import attempt
from .._parse import as_expression

__all__ = ["Derivation", "latex", "MOMENT_LATEX", "fresh_symbol", "tidy", "reduce_to_zero"]

#: Symbol name -> LaTeX, filled by the modules that create named symbols
#: (moment symbols ⟨∂θE⟩_d, rates θ̇, chain moments).
MOMENT_LATEX: dict[str, str] = {}


def fresh_symbol(model, name: str, tex: str | None = None, **assumptions) -> sp.Symbol:
    """A symbol named ``name`` (suffixed with ``_`` until it is not a model symbol).

    Derived quantities introduce names (moments, rates, chain moments); a
    user's energy may already use that name, so the new symbol must differ.

    >>> from thermolearn.theory import energy_model
    >>> fresh_symbol(energy_model("(x - m)**2/2", theta="m"), "m")
    m_
    """
    taken = set(model.symbols)
    while name in taken:
        name += "_"
    if tex is not None:
        MOMENT_LATEX[name] = tex
    return sp.Symbol(name, **(assumptions or {"real": True}))


def tidy(expr: sp.Expr) -> sp.Expr:
    """A cheap canonical form (``cancel``), used instead of ``simplify`` for display.

    ``sympy.simplify`` imports ``sympy.physics.units`` on first use (≈0.6 s),
    which the CLI latency budget cannot afford; ``cancel`` puts rational
    expressions over a common denominator and cancels common factors.

    >>> x = sp.Symbol("x")
    >>> tidy((x**2 - 1)/(x - 1))
    x + 1
    """
    if isinstance(expr, sp.Basic) and expr.has(sp.Integral):
        return expr  # nothing to cancel across an unevaluated integral, and sympy can spend minutes trying
    try:
        return sp.cancel(expr)
    except (sp.PolynomialError, NotImplementedError):  # pragma: no cover - defensive
        return expr


def reduce_to_zero(expr: sp.Expr) -> sp.Expr:
    """Reduce a residual that should vanish: expand, then cancel, then ``simplify``.

    Returns exactly ``0`` when any stage proves it; otherwise the simplest
    form reached (a proof failure the caller reports).  ``simplify`` runs
    under the symbolic budget (:mod:`theory._budget`).

    >>> x = sp.Symbol("x")
    >>> reduce_to_zero(sp.exp(x) * sp.exp(-x) - 1)
    0
    """
    expr = sp.expand(expr)
    if expr == 0:
        return sp.S.Zero
    expr = tidy(expr)
    if expr == 0:
        return sp.S.Zero
    found = attempt(sp.simplify, expr, what="simplification")
    return found.value if found.ok else expr


def latex(expr) -> str:
    """LaTeX of ``expr`` with the package's named moment symbols rendered.

    A string is parsed by the AST whitelist (:func:`theory.parse_expression`),
    never evaluated.

    >>> latex("x**2/2")
    '\\\\frac{x^{2}}{2}'
    >>> latex(sp.Symbol("beta", positive=True) * 2)
    '2 \\\\beta'
    """
    if isinstance(expr, (tuple, list)):
        return r"\left(" + ", ".join(latex(e) for e in expr) + r"\right)"
    if isinstance(expr, dict):
        items = (rf"\text{{{k}}}: {latex(v)}" if isinstance(k, str) else f"{latex(k)}: {latex(v)}"
                 for k, v in expr.items())
        return r"\left\{" + ", ".join(items) + r"\right\}"
    if not isinstance(expr, sp.MatrixBase):
        expr = as_expression(expr, "latex argument")
    names = {s: MOMENT_LATEX[s.name] for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.name in MOMENT_LATEX}
    return sp.latex(expr, symbol_names=names)


class Derivation:
    """Mixin: ``_repr_latex_`` from ``latex_items() -> list[(lhs, expr)]``."""

    def latex_items(self) -> list[tuple[str, object]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _repr_latex_(self) -> str:
        rows = [f"{lhs} &= {latex(expr)}" for lhs, expr in self.latex_items()]
        return r"$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"
