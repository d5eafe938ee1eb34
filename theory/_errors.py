"""The package-wide exception hierarchy.

Every error thermolearn raises on bad input is a :class:`ThermolearnError`
and also inherits the matching built-in (``ValueError``, ``TypeError``), so
``except ValueError`` in user code keeps working.  Messages name the
argument, the value that was given and what was expected; the CLI prints
``str(error)`` as its one line on stderr and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "ThermolearnError",
    "ParseError",
    "ModelError",
    "NotNormalisableError",
    "ParameterError",
    "SingularMetricError",
    "GraphError",
    "NumericalError",
    "ThermolearnWarning",
    "DivergenceWarning",
    "AccuracyWarning",
    "SlowDrivingWarning",
    "ClosedFormWarning",
]


class ThermolearnError(Exception):
    """Base class of every error raised by thermolearn on bad input."""


class ParseError(ThermolearnError, ValueError):
    """An expression string is not in the whitelisted grammar."""


class ModelError(ThermolearnError, ValueError):
    """An energy model is inconsistent (names, dependence on θ, symbols)."""


class NotNormalisableError(ModelError):
    """The Boltzmann weight exp(-βE) is provably not normalisable."""


class ParameterError(ThermolearnError, ValueError):
    """A numeric parameter (β, μ, τ, a step, a size, ...) is out of range."""


class SingularMetricError(ThermolearnError, ValueError):
    """A metric (Fisher information, friction tensor) is singular or indefinite."""


class GraphError(ThermolearnError, ValueError):
    """A Bayesian network or conditional table is malformed."""


class NumericalError(ThermolearnError, ArithmeticError):
    """A computation produced NaN/inf or failed to converge."""


class ThermolearnWarning(UserWarning):
    """Base class of every warning thermolearn emits.

    Results also carry their warnings as text, but each one is first raised
    through :func:`warnings.warn` with one of these categories, so notebooks
    show it and ``pytest -W error::thermolearn.theory.DivergenceWarning``
    (or a ``warnings.filterwarnings`` call) can turn it into an error.
    """


class DivergenceWarning(ThermolearnWarning):
    """A run diverged: θ or the chains became non-finite or exploded."""


class AccuracyWarning(ThermolearnWarning):
    """A number is less accurate than asked: a discretisation bias, a
    consistency check between two routes that disagree, a missed target."""


class SlowDrivingWarning(AccuracyWarning):
    """The protocol time is too short for the slow-driving approximation."""


class ClosedFormWarning(ThermolearnWarning):
    """A closed form could not be found in budget; a general form is used."""


def check_positive(name: str, value, *, allow_symbolic: bool = True):
    """Raise :class:`ParameterError` unless ``value`` is positive.

    Three-valued, as ``sympy.stats`` does: a number must be > 0; a sympy
    expression is rejected only when it is *provably* non-positive.

    >>> check_positive("tau", 2.0)
    2.0
    >>> check_positive("tau", -1)
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: tau must be positive, got -1
    """
    import numbers

    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    if isinstance(value, numbers.Real):
        if not value > 0 or value != value or value == float("inf"):
            raise ParameterError(f"{name} must be positive, got {value!r}")
        return value
    import sympy as sp

    if not isinstance(value, sp.Basic):
        raise ParameterError(
            f"{name} must be a positive number or sympy expression, got {type(value).__name__} {value!r}"
        )
    expr = value
    if expr.is_number:
        if expr.is_extended_real is False:
            raise ParameterError(f"{name} must be a positive real number, got {value}")
        if not bool(expr > 0):
            raise ParameterError(f"{name} must be positive, got {value}")
        return value
    if not allow_symbolic:
        raise ParameterError(f"{name} must be a positive number, got symbolic {value}")
    if expr.is_positive is False:
        raise ParameterError(f"{name} must be positive, but {value} is provably not positive")
    return value
