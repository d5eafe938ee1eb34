"""Code generation: theory objects to fast callables and standalone modules.

* :func:`lambdify`, :func:`model_callable` — vectorised callables (numpy,
  scipy) with broadcasting, and a precision-safe mpmath path;
* :func:`generate_source` — a standalone numpy, mpmath or C99 module for an
  energy model (``thermolearn codegen``); :func:`generate_c_module` — C99
  source and header with prefixed, collision-free names;
* :func:`check_generated` — generated numpy, C and internal callables
  against mpmath, in ulp-scale units (``codegen --check``);
* :func:`load_python_module`, :func:`build_c_library` — load generated code
  (:func:`vector_math_available`: whether C array loops can use glibc's libmvec).
"""

from ._build import build_c_library, load_python_module, vector_math_available
from ._lambdify import BACKENDS, keyword_symbols, lambdify, model_callable, model_quantity
from ._printers import CPrinter, MpmathExactPrinter, NumpyPrinter, exact_decimal
from ._quantities import closed_form_metric, harmonic_schedules, module_quantities
from ._check import CheckResult, check_generated
from ._csource import C_RESERVED, CModule
from ._source import TARGETS, GeneratedFunction, generate_c_module, generate_source, module_functions

__all__ = [
    "BACKENDS",
    "TARGETS",
    "lambdify",
    "model_callable",
    "model_quantity",
    "keyword_symbols",
    "generate_source",
    "generate_c_module",
    "CModule",
    "C_RESERVED",
    "check_generated",
    "CheckResult",
    "module_functions",
    "GeneratedFunction",
    "closed_form_metric",
    "harmonic_schedules",
    "module_quantities",
    "load_python_module",
    "build_c_library",
    "vector_math_available",
    "MpmathExactPrinter",
    "NumpyPrinter",
    "CPrinter",
    "exact_decimal",
]
