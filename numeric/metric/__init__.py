"""Numeric thermodynamic metric: quadrature, generator and autocorrelation friction,
geodesic protocols, slow-driving / geodesic learning-rate schedules.

The friction tensor and the slow-driving schedules follow arXiv 2510.03137
(thermodynamic metric of learning; Sivak & Crooks, PRL 108, 190602 (2012));
each docstring states its assumptions.  Numbers of a model come from its
numeric twin (:mod:`numeric.model`), equilibrium averages from
:mod:`numeric.equilibrium`.
"""

from ._data import data_mean_function
from ._field import MetricField, MetricPoint, check_positive_definite, metric_field
from ._generator import GeneratorResult, GridFrame, auto_box, friction_generator
from ._geodesic import GeodesicProtocol, geodesic_protocol, linear_protocol, protocol_length
from ._metric_at import metric_at
from ._quadrature import MomentsQuadrature, fisher_quadrature, friction_quadrature, moments_quadrature
from ._sampler import AutocorrelationResult, friction_autocorrelation
from ._schedules import ENDGAME_STEP_FRACTION, SPAN_PAD, geodesic_schedule, interpolate_span, slow_driving_schedule

__all__ = [
    "data_mean_function",
    "MetricField",
    "MetricPoint",
    "check_positive_definite",
    "metric_field",
    "GeneratorResult",
    "auto_box",
    "GridFrame",
    "friction_generator",
    "GeodesicProtocol",
    "geodesic_protocol",
    "linear_protocol",
    "protocol_length",
    "metric_at",
    "MomentsQuadrature",
    "fisher_quadrature",
    "friction_quadrature",
    "moments_quadrature",
    "AutocorrelationResult",
    "friction_autocorrelation",
    "geodesic_schedule",
    "ENDGAME_STEP_FRACTION",
    "slow_driving_schedule",
    "interpolate_span",
    "SPAN_PAD",
]
