"""thermolearn's symbolic layer (sympy and mpmath only, never numpy).

Public face: the energy model, the safe parser, the error hierarchy, and the
pure functions that derive closed forms from a model.

The error and warning classes (and :func:`check_positive`) are imported with
the package; the model, the parser and the symbols β, μ are imported on first
use (PEP 562), so ``from thermolearn.theory import ParameterError`` does not
import sympy.

>>> import thermolearn.theory as th
>>> th.ParameterError.__module__
'thermolearn.theory._errors'
>>> th.energy_model("(x - theta)**2/2").beta
beta
"""

from ._errors import (
    AccuracyWarning,
    ClosedFormWarning,
    DivergenceWarning,
    SlowDrivingWarning,
    ThermolearnWarning,
    GraphError,
    ModelError,
    NotNormalisableError,
    NumericalError,
    ParameterError,
    ParseError,
    SingularMetricError,
    ThermolearnError,
    check_positive,
)
from ._lazy import lazy_attributes as _lazy_attributes

#: public name -> submodule that defines it (imported on first use: these need sympy)
_LAZY = {
    "BETA": "._model",
    "MU": "._model",
    "EnergyModel": "._model",
    "energy_model": "._model",
    "parse_expression": "._parse",
}

__all__ = [
    "BETA",
    "MU",
    "EnergyModel",
    "energy_model",
    "parse_expression",
    "check_positive",
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


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)
