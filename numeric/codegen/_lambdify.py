"""Lambdify theory objects into vectorised callables (numpy, scipy, mpmath).

:func:`lambdify` turns a sympy expression, a tuple of expressions or a
matrix into a callable ``f(*args, **keywords)``.  Common subexpressions are
shared (``sympy.cse``).  With the ``numpy``/``scipy`` backends every argument
may be an array; the arguments are broadcast against each other and the
result has shape ``broadcast_shape`` (scalar expression), ``broadcast_shape
+ (n,)`` (vector) or ``broadcast_shape + (n, m)`` (matrix), even when an
entry is constant; they evaluate the overflow- and cancellation-safe rewrite
of :func:`~thermolearn.numeric.codegen._stable.stabilise` (log-cosh,
log-sum-exp, sigmoid, tanh, log1p/expm1, products for small integer
powers).  The ``mpmath`` backend is the precision-safe path: every
number is printed as an mpmath number at the working precision (see
:class:`~numeric.codegen._printers.MpmathExactPrinter`) and every argument is
converted with :func:`mpmath.mpmathify`, so nothing is computed in double
precision.  :func:`model_callable` does the same for a named quantity of an
:class:`theory.EnergyModel`, with the CLI.md argument order (coordinates,
then parameters, then β, μ and constants as keywords).
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ModelError, ParameterError

from thermolearn.theory._parse import as_expression

from ._arrange import arrange_cse
from ._printers import MpmathExactPrinter, NumpyPrinter, ScipyPrinter
from ._stable import numpy_namespace, stabilise

__all__ = ["lambdify", "model_callable", "BACKENDS", "model_quantity", "keyword_symbols"]

#: Supported backends.
BACKENDS = ("numpy", "scipy", "mpmath")

_QUANTITIES = ("energy", "drift", "dE_dtheta", "grad_x")


def _as_components(obj, table=None) -> tuple[list[sp.Expr], tuple[int, ...]]:
    """Flatten a theory object into its components and its shape.

    Strings are parsed by the AST whitelist with names bound to ``table``
    (the argument symbols), never ``sympify``-ed.
    """
    if isinstance(obj, sp.MatrixBase):
        return [as_expression(v, "lambdify entry", table) for v in obj], tuple(obj.shape)
    if isinstance(obj, (list, tuple)):
        if any(isinstance(c, (list, tuple, sp.MatrixBase)) for c in obj):
            raise ModelError("lambdify: nested sequences are not supported; pass a sympy Matrix")
        comps = [as_expression(v, "lambdify entry", table) for v in obj]
        if any(isinstance(c, sp.MatrixBase) for c in comps):
            raise ModelError("lambdify: nested sequences are not supported; pass a sympy Matrix")
        return comps, (len(comps),)
    if isinstance(obj, sp.Basic):
        return [obj], ()
    if isinstance(obj, (int, float, str)):
        return [as_expression(obj, "lambdify expression", table)], ()
    raise ModelError(f"lambdify: expected a sympy expression, tuple or Matrix, got {type(obj).__name__}")


def _check_symbols(comps, names: Sequence[sp.Symbol]) -> None:
    free = set().union(*(c.free_symbols for c in comps)) if comps else set()
    missing = free - set(names)
    if missing:
        raise ModelError(
            f"lambdify: expression uses symbol(s) {sorted(s.name for s in missing)} that are "
            f"neither arguments {[s.name for s in names]} nor keywords"
        )
    if len({s.name for s in names}) != len(names):
        raise ModelError(f"lambdify: repeated argument names {[s.name for s in names]}")


def lambdify(
    obj,
    args: Iterable[sp.Symbol],
    *,
    keywords: Iterable[sp.Symbol] = (),
    backend: str = "numpy",
    cse: bool = True,
    hot: Iterable[sp.Symbol] = (),
) -> Callable:
    """Compile a sympy expression, tuple or matrix into a vectorised callable.

    Parameters
    ----------
    obj : sympy.Expr, tuple of sympy.Expr or sympy.Matrix
        What to evaluate.
    args : iterable of sympy.Symbol
        Positional arguments, in order.
    keywords : iterable of sympy.Symbol
        Keyword-only arguments (passed by the symbol's name).
    backend : {"numpy", "scipy", "mpmath"}
        ``numpy``/``scipy``: float arrays with broadcasting; ``mpmath``:
        scalars at the current ``mpmath.mp`` precision, never demoted to
        double.
    cse : bool
        Share common subexpressions.
    hot : iterable of sympy.Symbol
        Arguments that are usually arrays while the others are scalars
        (the coordinates of an ensemble): the float64 code is then grouped
        for the fewest passes over them (Horner form in the hot symbols,
        scalar parts hoisted into temporaries; see
        :mod:`~thermolearn.numeric.codegen._arrange`).  Any argument may
        still be an array.

    Returns
    -------
    callable
        ``f(*args, **keywords)``.

    Examples
    --------
    >>> x, th = sp.symbols("x theta")
    >>> f = lambdify(((x - th)**2 / 2, x - th), [x, th])
    >>> f(np.array([0.0, 1.0, 2.0]), 1.0).tolist()
    [[0.5, -1.0], [0.0, 0.0], [0.5, 1.0]]
    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     print(lambdify(sp.Rational(1, 3) * x, [x], backend="mpmath")(1))
    0.333333333333333333333333333333
    """
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {BACKENDS}, got {backend!r}")
    args = tuple(args)
    keywords = tuple(keywords)
    for s in args + keywords:
        if not isinstance(s, sp.Symbol):
            raise ModelError(f"lambdify: arguments must be sympy Symbols, got {s!r}")
    names = args + keywords
    comps, shape = _as_components(obj, {s.name: s for s in names})
    _check_symbols(comps, names)
    if backend == "mpmath":
        import mpmath

        raw = sp.lambdify(names, comps, modules=[{"mpmath": mpmath}, "mpmath"],
                          printer=MpmathExactPrinter, cse=cse)
        return _mpmath_wrapper(raw, args, keywords, shape)
    # float64 backends evaluate the overflow-safe rewrite (see ._stable);
    # the mpmath path above keeps the expression as given: it is the reference.
    comps = [stabilise(c) for c in comps]
    helpers = numpy_namespace()
    if backend == "numpy":
        modules = [{"_erf": np.vectorize(math.erf, otypes=[float]), **helpers}, "numpy"]
        printer = NumpyPrinter
    else:
        modules = [helpers, "scipy", "numpy"]
        printer = ScipyPrinter
    hot = tuple(hot)
    raw = sp.lambdify(names, comps, modules=modules, printer=printer,
                      cse=arrange_cse(hot) if (cse and hot) else cse)
    return _numpy_wrapper(raw, args, keywords, shape)


def _collect(fargs, kwargs, args, keywords):
    if not keywords and not kwargs and len(fargs) == len(args):  # fast path: positional arguments only
        return fargs
    if len(fargs) != len(args):
        raise ParameterError(
            f"expected {len(args)} positional argument(s) {[s.name for s in args]}, got {len(fargs)}"
        )
    names = [s.name for s in keywords]
    unknown = set(kwargs) - set(names)
    missing = [n for n in names if n not in kwargs]
    if unknown or missing:
        raise ParameterError(
            f"expected keyword argument(s) {names}; missing {missing}, unexpected {sorted(unknown)}"
        )
    return list(fargs) + [kwargs[n] for n in names]


def _broadcast_shape(values) -> tuple:
    """The arguments' broadcast shape (fast path: one array shape among scalars)."""
    shape = ()
    for v in values:
        s = v.shape
        if s and s != shape:
            if shape:
                return np.broadcast_shapes(*(v.shape for v in values))
            shape = s
    return shape


_F64 = np.dtype(np.float64)


def _owned(c, bshape, values) -> bool:
    """True when ``c`` is a fresh float64 array of shape ``bshape`` the caller may own (no copy needed).

    A ufunc result owns its buffer (``base is None``); an array owning its
    buffer can share memory with an argument only by being that argument
    (an argument's base is never reached by the generated code), so identity
    is the whole check (``np.may_share_memory`` cost ~1 µs a call).  Views
    and read-only arrays are copied.
    """
    if type(c) is not np.ndarray or c.base is not None or c.dtype is not _F64 or c.shape != bshape:
        return False
    for v in values:  # a loop, not all(<generator>): 0.4 µs a call less
        if c is v:
            return False
    return c.flags.writeable


def _as_float(v):
    """An argument as float64: float64 arrays as they are, Python numbers as ``np.float64`` scalars.

    A 0-d array would do the same arithmetic, but every scalar operation of
    the generated code (the hoisted parameter terms) then costs a ufunc call
    on arrays (~1 µs) instead of a scalar one (~0.1 µs).
    """
    t = type(v)
    if t is np.ndarray and v.dtype is _F64:
        return v
    if t is float or t is int:
        return np.float64(v)
    return np.asarray(v, dtype=float)


def _numpy_wrapper(raw, args, keywords, shape):
    nargs, ndarray, f64, scalar = len(args), np.ndarray, _F64, np.float64

    def f(*fargs, **kwargs):
        if kwargs or keywords or len(fargs) != nargs:
            fargs = _collect(fargs, kwargs, args, keywords)
        # float64 arrays and Python floats, the common cases, converted inline (see _as_float)
        values = [v if (t := type(v)) is ndarray and v.dtype is f64 else scalar(v) if t is float else _as_float(v)
                  for v in fargs]
        comps = raw(*values)
        bshape = _broadcast_shape(values)
        if len(comps) == 1 and _owned(comps[0], bshape, values):  # no copy, the one result itself
            return comps[0].reshape(bshape + shape) if shape else comps[0]
        out = np.empty(bshape + (len(comps),))
        for j, c in enumerate(comps):
            out[..., j] = c
        return out.reshape(bshape + shape)

    f.__doc__ = f"Vectorised callable of {[s.name for s in args]}; keywords {[s.name for s in keywords]}."
    return f


def _mpmath_wrapper(raw, args, keywords, shape):
    import mpmath

    def f(*fargs, **kwargs):
        values = [mpmath.mpmathify(v) for v in _collect(fargs, kwargs, args, keywords)]
        comps = raw(*values)
        if not shape:
            return comps[0]
        if len(shape) == 1:
            return list(comps)
        return mpmath.matrix([comps[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])])

    f.__doc__ = f"mpmath callable of {[s.name for s in args]}; keywords {[s.name for s in keywords]}."
    return f


def keyword_symbols(model: EnergyModel, obj=None) -> tuple[sp.Symbol, ...]:
    """β, μ (when symbolic), the constants, then any other symbol of ``obj``.

    This is the keyword order of CLI.md: whatever is not a coordinate or a
    parameter.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> [s.name for s in keyword_symbols(harmonic_trap())]
    ['beta', 'mu', 'k']
    """
    out: list[sp.Symbol] = []
    for s in (model.beta, model.mu):
        out.extend(sorted(sp.sympify(s).free_symbols, key=lambda v: v.name))
    out.extend(model.constants)
    if obj is not None:
        comps, _ = _as_components(obj)
        extra = set().union(*(c.free_symbols for c in comps)) - set(out) - set(model.x) - set(model.theta)
        out.extend(sorted(extra, key=lambda v: v.name))
    seen: list[sp.Symbol] = []
    for s in out:
        if s not in seen:
            seen.append(s)
    return tuple(seen)


def model_quantity(model: EnergyModel, name: str):
    """The sympy object of a named quantity of ``model``.

    ``energy``, ``drift``, ``dE_dtheta``, ``grad_x``, and — when
    :mod:`theory.metric` provides closed forms — ``fisher_information``,
    ``friction_tensor``, ``learning_rate_matrix``.
    """
    if name in _QUANTITIES:
        return getattr(model, name)
    from ._quantities import closed_form_metric

    forms = closed_form_metric(model)
    if name in forms:
        return forms[name]
    raise ModelError(
        f"quantity {name!r} is not available for energy {model.energy}; "
        f"available: {list(_QUANTITIES) + list(forms)}"
    )


def model_callable(model: EnergyModel, name: str = "energy", *, backend: str = "numpy", cse: bool = True):
    """Lambdify a named quantity of an energy model (CLI.md argument order).

    The callable takes the coordinates ``model.x`` then the parameters
    ``model.theta`` positionally, and β, μ (when symbolic), the constants
    and any further symbol (e.g. ``t``, ``tau``) as keywords.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> drift = model_callable(harmonic_trap(k=2), "drift")
    >>> drift(np.array([0.0, 1.0]), 1.0, beta=1.0, mu=0.5).tolist()
    [[1.0], [0.0]]
    """
    if not isinstance(model, EnergyModel):
        raise ModelError(f"model must be a theory.EnergyModel, got {type(model).__name__}")
    obj = model_quantity(model, name)
    return lambdify(obj, (*model.x, *model.theta), keywords=keyword_symbols(model, obj), backend=backend, cse=cse,
                    hot=model.x)
