"""thermolearn's symbolic layer (sympy and mpmath only, never numpy).

Public face: the energy model, the safe parser, the error hierarchy, and the
pure functions that derive closed forms from a model.
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
from ._model import BETA, MU, EnergyModel, energy_model
from ._parse import parse_expression

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
