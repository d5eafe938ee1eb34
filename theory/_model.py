"""The energy model: E(x, θ) with inverse temperature β and mobility μ.

An :class:`EnergyModel` is the single object every other layer consumes.  It
holds the energy as a sympy expression, the sample coordinates ``x``, the
learnable parameters ``theta``, β and μ (symbols or numbers) and the named
constants.  It is immutable; :meth:`EnergyModel.substitute` returns a new
model.

The model distribution is the Boltzmann density (arXiv 2510.03137)

    p_m(x | θ) = exp(-β E(x, θ)) / Z(θ),

sampled by overdamped Langevin dynamics dx = -μ ∇ₓE dt + sqrt(2μ/β) dW.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

import sympy as sp

from ._errors import ModelError, NotNormalisableError, ParameterError, check_positive
from ._parse import SPECIAL_NAMES, as_expression, parse_expression

__all__ = ["EnergyModel", "energy_model", "BETA", "MU"]

#: Default inverse temperature symbol (positive).
BETA = sp.Symbol("beta", positive=True)
#: Default mobility symbol (positive).
MU = sp.Symbol("mu", positive=True)

_RESERVED = {"beta", "mu", "t", "tau", "pi"}


def _as_names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        names = tuple(n.strip() for n in value.split(",") if n.strip())
    else:
        names = tuple(value)
    if not names:
        raise ModelError(f"{what} must name at least one symbol, got {value!r}")
    for n in names:
        if not isinstance(n, str) or not n.isidentifier() or n.startswith("_"):
            raise ModelError(f"{what}: {n!r} is not a valid symbol name")
        if n in SPECIAL_NAMES:
            raise ModelError(f"{what}: {n!r} is a special value or object in sympy; choose another name")
        if n in _RESERVED:
            raise ModelError(f"{what}: {n!r} is reserved (beta, mu, t, tau, pi)")
    if len(set(names)) != len(names):
        raise ModelError(f"{what} has repeated names: {', '.join(names)}")
    return names


def _missing_message(model: "EnergyModel", role: str, noun: str, consequence: str) -> tuple[str, bool]:
    """One line for an energy containing none of its declared coordinates (``role="x"``) or
    parameters (``role="theta"``), and whether the energy holds other symbols (read as
    constants; then the line says how to declare them instead: API keyword and CLI option,
    rather than ``consequence``)."""
    names = ", ".join(s.name for s in getattr(model, role))
    others = sorted(s.name for s in model.energy.free_symbols & set(model.constants))
    if not others:
        return f"energy {model.energy} does not depend on {names}; {consequence}", False
    listed = ",".join(others)
    are = "symbols are" if len(others) > 1 else "symbol is"
    return (f"energy {model.energy} does not depend on {names}; its other {are} {', '.join(others)}: "
            f"name the {noun}{'s' if len(others) > 1 else ''} with {role}={listed!r} (command line: --{role} {listed})", True)


@dataclass(frozen=True)
class EnergyModel:
    """An energy-based model E(x, θ) at inverse temperature β with mobility μ.

    Use :func:`energy_model` or :meth:`from_string` to build one; the
    constructor validates but does not parse.

    Attributes
    ----------
    energy : sympy.Expr
        E(x, θ).
    x : tuple of sympy.Symbol
        Sample coordinates (real).
    theta : tuple of sympy.Symbol
        Learnable parameters.
    beta, mu : sympy.Expr
        Inverse temperature and mobility (positive symbols or numbers).
    constants : tuple of sympy.Symbol
        The other (positive) symbols the energy may contain.
    warnings : tuple of str
        Statements the validation could not decide (e.g. normalisability
        that holds only for some parameter values).

    Examples
    --------
    >>> m = energy_model("(x - theta)**2/2")
    >>> m.drift
    (mu*theta - mu*x,)
    >>> m.dE_dtheta
    (theta - x,)
    """

    energy: sp.Expr
    x: tuple[sp.Symbol, ...]
    theta: tuple[sp.Symbol, ...]
    beta: sp.Expr = BETA
    mu: sp.Expr = MU
    constants: tuple[sp.Symbol, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self):
        if not isinstance(self.energy, sp.Expr):
            raise ModelError(f"energy must be a sympy expression, got {type(self.energy).__name__}")
        xs, ths = set(self.x), set(self.theta)
        if not self.x:
            raise ModelError("x must name at least one sample coordinate")
        if not self.theta:
            raise ModelError("theta must name at least one parameter")
        clash = {s.name for s in xs} & {s.name for s in ths}
        if clash:
            raise ModelError(
                f"parameter name(s) {sorted(clash)} equal coordinate name(s); x and theta must differ"
            )
        check_positive("beta", self.beta)
        check_positive("mu", self.mu)
        allowed = xs | ths | set(self.constants)
        for s in (self.beta, self.mu):
            allowed |= s.free_symbols
        extra = self.energy.free_symbols - allowed
        if extra:
            raise ModelError(
                f"energy contains undeclared symbol(s) {sorted(s.name for s in extra)}; "
                "declare them as x, theta or constants"
            )
        if self.energy.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ModelError(f"energy {self.energy} is not finite")
        if not any(self.energy.has(s) for s in self.x):
            message, misnamed = _missing_message(self, "x", "coordinate", "exp(-beta*E) is not normalisable")
            raise (ModelError if misnamed else NotNormalisableError)(message)
        from ._normalisable import domain, normalisability

        verdict, reason = domain(self)
        if verdict is False:
            raise NotNormalisableError(
                f"energy {self.energy} is not real and finite for every real {', '.join(s.name for s in self.x)}: {reason}"
            )
        if verdict is None and reason not in self.warnings:
            object.__setattr__(self, "warnings", self.warnings + (reason,))
        verdict, reason = normalisability(self, check_domain=False)
        if verdict is False:
            raise NotNormalisableError(f"energy {self.energy}: exp(-beta*E) is not normalisable: {reason}")
        if verdict is None and reason not in self.warnings:
            object.__setattr__(self, "warnings", self.warnings + (reason,))
        if not any(self.energy.has(t) for t in self.theta):
            raise ModelError(_missing_message(self, "theta", "parameter", "there is nothing to learn")[0])
        missing = [s.name for s in self.theta if not self.energy.has(s)]
        if missing:
            raise ModelError(f"energy {self.energy} does not depend on parameter(s) {missing}")

    # ------------------------------------------------------------------ build
    @classmethod
    def from_string(
        cls,
        text: str,
        x: str | Iterable[str] = ("x",),
        theta: str | Iterable[str] = ("theta",),
        *,
        beta=None,
        mu=None,
        values: Mapping[str, object] | None = None,
    ) -> "EnergyModel":
        """Parse ``text`` safely and build a model; see :func:`energy_model`."""
        return energy_model(text, x=x, theta=theta, beta=beta, mu=mu, values=values)

    # -------------------------------------------------------------- derived
    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Every symbol of the model by name (x, θ, β, μ, constants)."""
        out = {s.name: s for s in (*self.x, *self.theta, *self.constants)}
        for s in (self.beta, self.mu):
            out.update({f.name: f for f in s.free_symbols})
        return out

    @property
    def grad_x(self) -> tuple[sp.Expr, ...]:
        """∇ₓE."""
        return tuple(sp.diff(self.energy, xi) for xi in self.x)

    @property
    def drift(self) -> tuple[sp.Expr, ...]:
        """Langevin drift −μ∇ₓE (arXiv 2510.03137)."""
        return tuple(sp.expand(-self.mu * g) for g in self.grad_x)

    @property
    def dE_dtheta(self) -> tuple[sp.Expr, ...]:
        """∂E/∂θ, the sufficient statistics of the MLE gradient."""
        return tuple(sp.diff(self.energy, t) for t in self.theta)

    @property
    def boltzmann_weight(self) -> sp.Expr:
        """Unnormalised model density exp(−βE)."""
        return sp.exp(-self.beta * self.energy)

    def is_quadratic(self) -> bool:
        """True when E is a polynomial of total degree ≤ 2 in x.

        Then the Fokker–Planck equation closes exactly on Gaussians (the
        chain moments obey linear ODEs) and Ornstein–Uhlenbeck steps are exact.
        """
        try:
            poly = sp.Poly(self.energy, *self.x)
        except sp.PolynomialError:
            return False
        return poly.total_degree() <= 2 and all(
            not c.has(*self.x) for c in poly.coeffs()
        )

    def substitute(self, values: Mapping[str, object]) -> "EnergyModel":
        """Return a new model with named constants, β or μ replaced by numbers.

        Parameters and coordinates cannot be substituted (they are the
        model's variables); use numeric evaluation for that.
        """
        syms = self.symbols
        subs: dict[sp.Symbol, sp.Expr] = {}
        for name, value in values.items():
            fixed = {"beta": self.beta, "mu": self.mu}.get(name)
            if name not in syms and fixed is not None and fixed.is_number:
                # β or μ already a number (--set beta=1 then --at ...): the same value is a no-op
                num = as_expression(value, name, finite=True)
                if not (num.is_number and sp.simplify(num - fixed) == 0):
                    raise ModelError(f"cannot set {name!r} to {value!r}: it is already fixed to {fixed} in this model")
                continue
            if name not in syms:
                raise ModelError(f"cannot set {name!r}: the model has no symbol of that name")
            if syms[name] in self.x or syms[name] in self.theta:
                raise ModelError(f"cannot set {name!r}: it is a coordinate or parameter, not a constant")
            num = as_expression(value, name, finite=True)
            if not num.is_number:
                raise ParameterError(f"{name} must be set to a number, got {value!r}")
            if name in ("beta", "mu") or syms[name] in self.constants:
                check_positive(name, num)
            subs[syms[name]] = num
        constants = tuple(c for c in self.constants if c not in subs)
        return EnergyModel(
            energy=self.energy.subs(subs),
            x=self.x,
            theta=self.theta,
            beta=sp.sympify(self.beta).subs(subs),
            mu=sp.sympify(self.mu).subs(subs),
            constants=constants,
        )

    def _repr_latex_(self) -> str:
        return f"$E({', '.join(map(sp.latex, self.x))}; {', '.join(map(sp.latex, self.theta))}) = {sp.latex(self.energy)}$"


def energy_model(
    energy,
    x: str | Iterable[str] = ("x",),
    theta: str | Iterable[str] = ("theta",),
    *,
    beta=None,
    mu=None,
    values: Mapping[str, object] | None = None,
    positive_theta: bool = False,
) -> EnergyModel:
    """Build an :class:`EnergyModel` from a string or a sympy expression.

    Parameters
    ----------
    energy : str or sympy.Expr
        E(x, θ).  Strings are parsed by the AST whitelist of
        :func:`theory.parse_expression`; they are never evaluated.
    x, theta : str or iterable of str
        Names of the sample coordinates and the learnable parameters
        (comma-separated string or sequence).
    beta, mu : number or sympy expression, optional
        Inverse temperature and mobility; default positive symbols β, μ.
    values : mapping, optional
        Numbers for named constants (``{"k": 2}``), β or μ.
    positive_theta : bool
        Declare the parameters positive (e.g. a learnable stiffness).

    Any other name in the energy is a positive constant.

    Examples
    --------
    >>> m = energy_model("k*(x - theta)**2/2", values={"k": 3})
    >>> m.energy
    3*(-theta + x)**2/2
    >>> m = energy_model("x**4/4 - theta*x", beta=2)
    >>> m.beta
    2
    """
    xs = _as_names(x, "x")
    ths = _as_names(theta, "theta")
    clash = set(xs) & set(ths)
    if clash:
        raise ModelError(f"parameter name(s) {sorted(clash)} equal coordinate name(s); x and theta must differ")
    theta_assume = {"positive": True} if positive_theta else {"real": True}
    table: dict[str, sp.Symbol] = {n: sp.Symbol(n, real=True) for n in xs}
    table.update({n: sp.Symbol(n, **theta_assume) for n in ths})
    table["beta"], table["mu"] = BETA, MU
    if isinstance(energy, str):
        expr = parse_expression(energy, table, default_assumptions={"positive": True})
    elif isinstance(energy, sp.Expr):
        rename = {}
        for s in energy.free_symbols:
            if s.name in table and s is not table[s.name]:
                rename[s] = table[s.name]
            elif s.name not in table:
                table[s.name] = sp.Symbol(s.name, positive=True)
                rename[s] = table[s.name]
        expr = energy.xreplace(rename)
    else:
        raise ModelError(f"energy must be a string or sympy expression, got {type(energy).__name__}")
    # beta/mu written inside the energy take the numeric value when one is given
    given = {BETA: beta, MU: mu}
    expr = expr.xreplace({s: as_expression(v, s.name, finite=True) for s, v in given.items() if v is not None})
    reserved = sorted(s.name for s in expr.free_symbols if s.name in _RESERVED - {"beta", "mu"})
    if reserved:
        raise ModelError(
            f"energy uses reserved name(s) {reserved}: t and tau denote time and the protocol duration; rename the constant"
        )
    special = {table["beta"], table["mu"]}
    constants = tuple(
        sorted(
            (s for s in expr.free_symbols if s.name not in xs and s.name not in ths and s not in special),
            key=lambda s: s.name,
        )
    )
    model = EnergyModel(
        energy=expr,
        x=tuple(table[n] for n in xs),
        theta=tuple(table[n] for n in ths),
        beta=BETA if beta is None else as_expression(beta, "beta", finite=True),
        mu=MU if mu is None else as_expression(mu, "mu", finite=True),
        constants=constants,
    )
    if values:
        model = model.substitute(values)
    return model
