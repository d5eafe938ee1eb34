"""The numeric twin of an energy model: the one adapter from ``theory`` to numpy.

:func:`numeric_twin` substitutes numbers for β, μ and the constants of a
:class:`theory.EnergyModel` and compiles, through
:func:`numeric.codegen.lambdify` (and nothing else), the vectorised
callables every numeric solver needs:

* ``energy(x, θ)``           E(x, θ),                 shape (...)
* ``grad_x(x, θ)``           ∇ₓE,                     shape (..., d)
* ``drift(x, θ)``            −μ∇ₓE (the drift of the Fokker–Planck equation, arXiv 2510.03137)
* ``dE_dtheta(x, θ)``        ∂θE (the force conjugate to θ), shape (..., n)
* ``hess_x(x, θ)``           ∇ₓ²E,                    shape (..., d, d)
* ``dtheta_grad_x(x, θ)``    ∂θ∇ₓE,                   shape (..., n, d)
* ``hess_theta(x, θ)``       ∇θ²E,                    shape (..., n, n)

Shape convention: ``x`` has shape (..., d) (the last axis runs over the
coordinates) and θ has shape (n,) or any shape (..., n) broadcasting with
``x``'s leading axes.  Non-finite values (exp overflow to +inf, say) are
returned as they are, without numpy warnings: the callers decide what a
non-finite energy means (zero Boltzmann weight, or an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Mapping

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ModelError, ParameterError

from .codegen import lambdify

__all__ = ["NumericTwin", "numeric_twin", "theta_memo"]


def theta_memo(fn, size: int):
    """``fn(theta)`` remembered for the last ``size`` values of θ (keyed by its float64 bytes).

    The remembered values are returned as they are, not copied: callers must not modify them.

    >>> calls = []
    >>> f = theta_memo(lambda th: calls.append(th) or len(calls), 2)
    >>> [f([0.0]), f([0.0]), f([1.0]), f([2.0]), f([0.0])], len(calls)
    ([1, 1, 2, 3, 4], 4)
    """
    memo: dict = {}

    def at(theta):
        key = np.asarray(theta, dtype=float).tobytes()
        v = memo.get(key)
        if v is None:
            if len(memo) >= size:
                del memo[next(iter(memo))]
            v = memo[key] = fn(theta)
        return v

    return at


@dataclass(frozen=True)
class NumericTwin:
    """Vectorised callables of one energy model at fixed β, μ and constants.

    Attributes
    ----------
    model : theory.EnergyModel
        The model with every number substituted (only x and θ are free).
    beta, mu : float
        Inverse temperature and mobility.
    d, n : int
        Number of coordinates x and of parameters θ.
    """

    model: EnergyModel
    beta: float
    mu: float
    d: int
    n: int
    _fns: dict = field(repr=False, compare=False)

    @cached_property
    def text(self) -> str:
        """The energy expression, for messages."""
        return str(self.model.energy)

    def theta_vector(self, theta) -> np.ndarray:
        """θ as a finite float array of shape (n,); :class:`ParameterError` otherwise."""
        th = np.atleast_1d(np.asarray(theta, dtype=float))
        if th.shape != (self.n,) or not np.all(np.isfinite(th)):
            raise ParameterError(
                f"theta must be {self.n} finite number(s) for energy {self.text}, got {np.ravel(theta).tolist()}"
            )
        return th

    def _call(self, name, x, theta):
        if type(x) is not np.ndarray or x.dtype != np.float64:  # (asarray costs ~1 us; the trainers call this often)
            x = np.asarray(x, dtype=float)
        th = theta if type(theta) is np.ndarray and theta.dtype == np.float64 else np.asarray(theta, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.d:
            raise ParameterError(f"x must have shape (..., {self.d}) for energy {self.text}, got {x.shape}")
        if th.ndim == 0:
            th = th[None]
        if th.shape[-1] != self.n:
            raise ParameterError(f"theta must have shape (..., {self.n}) for energy {self.text}, got {th.shape}")
        with np.errstate(all="ignore"):  # non-finite values are judged by the callers
            # the coordinates and parameters as views x[..., i] (np.moveaxis costs ~8 us a call)
            return (self._fns.get(name) or self._compiled(name))(*(x[..., i] for i in range(self.d)),
                                                                 *(th[..., j] for j in range(self.n)))

    def _compiled(self, name):
        """The callable ``name`` of :data:`_DERIVATIVES`, lambdified on first use (most runs need none of them)."""
        if name not in _DERIVATIVES:
            raise KeyError(name)
        xs, ths = tuple(self.model.x), tuple(self.model.theta)
        try:
            fn = self._fns[name] = lambdify(_DERIVATIVES[name](self.model.energy, xs, ths), (*xs, *ths), hot=xs)
        except NotImplementedError as e:  # e.g. DiracDelta in the second derivative of |x - θ|
            raise ModelError(f"{name} of {self.text} cannot be evaluated numerically: {str(e).splitlines()[0]}") from None
        return fn

    def frozen(self, name, theta):
        """``x -> name(x, θ)`` at one θ validated once (a stepper's inner loop: no per-call checks).

        ``name`` is one of the compiled callables (``"energy"``, ``"grad_x"``, ...); x a float64 array (..., d).
        Like every twin callable it returns non-finite values silently (θ itself is checked here):
        the MALA kernel must see +inf/NaN energies to reject those proposals, and the explicit
        steppers' non-finite chains stop the trainer (``divergence_reason``) with a ``DivergenceWarning``.

        >>> from thermolearn.theory.models import harmonic_trap
        >>> numeric_twin(harmonic_trap(k=2), {"beta": 1, "mu": 1}).frozen("grad_x", [1.0])(np.array([[2.0]])).tolist()
        [[2.0]]
        """
        fn, d = self._fns.get(name) or self._compiled(name), self.d
        ths = tuple(float(t) for t in self.theta_vector(theta))

        def call(x):
            with np.errstate(all="ignore"):
                return fn(*(x[..., i] for i in range(d)), *ths)

        return call

    def energy(self, x, theta) -> np.ndarray:
        """E(x, θ), shape (...)."""
        return self._call("energy", x, theta)

    def beta_energy(self, x, theta) -> np.ndarray:
        """βE(x, θ), shape (...): the exponent of the Boltzmann weight."""
        return self.beta * self._call("energy", x, theta)

    def grad_x(self, x, theta) -> np.ndarray:
        """∇ₓE, shape (..., d)."""
        return self._call("grad_x", x, theta)

    def drift(self, x, theta) -> np.ndarray:
        """−μ∇ₓE, shape (..., d)."""
        return -self.mu * self._call("grad_x", x, theta)

    def dE_dtheta(self, x, theta) -> np.ndarray:
        """∂θE, shape (..., n)."""
        return self._call("dE_dtheta", x, theta)

    def hess_x(self, x, theta) -> np.ndarray:
        """∇ₓ²E, shape (..., d, d)."""
        return self._call("hess_x", x, theta)

    def dtheta_grad_x(self, x, theta) -> np.ndarray:
        """∂θ∇ₓE, shape (..., n, d): row i is ∇ₓ(∂E/∂θ_i)."""
        return self._call("dtheta_grad_x", x, theta)

    def hess_theta(self, x, theta) -> np.ndarray:
        """∇θ²E, shape (..., n, n)."""
        return self._call("hess_theta", x, theta)


def _numbers_only(model: EnergyModel) -> None:
    left = sp.sympify(model.beta).free_symbols | sp.sympify(model.mu).free_symbols | set(model.constants)
    if left:
        raise ParameterError(
            f"numeric evaluation needs numbers for {sorted(s.name for s in left)}; "
            "give them as NAME=VALUE (--set / --at, or EnergyModel.substitute)"
        )


#: The second derivatives of E, compiled by :meth:`NumericTwin._compiled` on first use.
_DERIVATIVES = {
    "hess_x": lambda E, xs, ths: sp.hessian(E, xs),
    "dtheta_grad_x": lambda E, xs, ths: sp.Matrix([[sp.diff(E, t, xi) for xi in xs] for t in ths]),
    "hess_theta": lambda E, xs, ths: sp.hessian(E, ths),
}


@lru_cache(maxsize=128)
def _twin(model: EnergyModel) -> NumericTwin:
    _numbers_only(model)
    beta, mu = float(model.beta), float(model.mu)
    if not (np.isfinite(beta) and beta > 0 and np.isfinite(mu) and mu > 0):
        raise ParameterError(f"beta and mu must be positive numbers, got beta={beta}, mu={mu}")
    xs, ths = tuple(model.x), tuple(model.theta)
    args = (*xs, *ths)
    E = model.energy
    fns = {
        "energy": lambdify(E, args, hot=xs),  # hot: the coordinates are the arrays (fewest passes)
        "grad_x": lambdify(tuple(model.grad_x), args, hot=xs),
        "dE_dtheta": lambdify(tuple(model.dE_dtheta), args, hot=xs),
    }
    return NumericTwin(model, beta, mu, len(xs), len(ths), fns)


def numeric_twin(model: EnergyModel, values: Mapping[str, object] | None = None) -> NumericTwin:
    """The numeric twin of ``model`` with ``values`` (β, μ, constants by name) substituted.

    Cached per (model, values): models are immutable, so repeated solver
    calls do not lambdify again.  Names of x or θ in ``values`` are ignored
    (they are evaluation points, not model constants).

    Raises
    ------
    ParameterError
        β, μ or a constant left symbolic, or β, μ not positive.

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> tw = numeric_twin(harmonic_trap(k=2), {"beta": 1, "mu": 0.5})
    >>> tw.energy(np.array([[1.0], [2.0]]), [1.0]).tolist()
    [0.0, 1.0]
    >>> tw.drift(np.array([[2.0]]), [1.0]).tolist()
    [[-1.0]]
    """
    if not isinstance(model, EnergyModel):
        raise ModelError(f"model must be a theory.EnergyModel, got {type(model).__name__}")
    own = {s.name for s in (*model.theta, *model.x)}
    vals = {k: v for k, v in (values or {}).items() if k not in own}
    if vals:
        model = model.substitute(vals)
    return _twin(model)


#: Drop every cached twin (benchmarks measure the one-off lambdify this way).
numeric_twin.cache_clear = _twin.cache_clear
