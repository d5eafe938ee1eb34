"""thermolearn: stochastic thermodynamics of learning.

The layers are :mod:`thermolearn.theory` (symbolic, sympy only),
:mod:`thermolearn.numeric` (numbers) and :mod:`thermolearn.infoflow` (X–Θ
learners); this package adds the command line, the paper reproductions and
:mod:`thermolearn.testing`.

The names below are the short path for the common case; each is imported on
first use, so ``import thermolearn`` stays cheap (no sympy, no numpy).

========================  ====================================================
name                      what it is
========================  ====================================================
``energy_model``          build a validated model from a string or sympy expr
``EnergyModel``           the model class (frozen dataclass)
``models``                the catalogue of canonical energies
``derive``                closed forms: Fokker–Planck, free energy, Theorem 1
``simulate``              persistent-chain training, returns a result object
``assert_theorems``       theorem checks for your own energy in a test suite
``load_result``           read back a result written by ``result.save(path)``
``ThermolearnError``      base class of every error the package raises
``ThermolearnWarning``    base class of every warning the package emits
``theory`` ...            the subpackages themselves
========================  ====================================================

>>> import thermolearn as tl
>>> m = tl.energy_model("(x - theta)**2/2")
>>> tl.derive.stationary_density(m).proved
True
>>> tl.simulate is tl.numeric.langevin.train
True
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> (module, attribute or None for the module itself)
_LAZY = {
    "energy_model": ("thermolearn.theory", "energy_model"),
    "EnergyModel": ("thermolearn.theory", "EnergyModel"),
    "ThermolearnError": ("thermolearn.theory", "ThermolearnError"),
    "ThermolearnWarning": ("thermolearn.theory", "ThermolearnWarning"),
    "models": ("thermolearn.theory.models", None),
    "derive": ("thermolearn.theory.derive", None),
    "simulate": ("thermolearn.numeric.langevin", "train"),
    "assert_theorems": ("thermolearn.testing", "assert_theorems"),
    "load_result": ("thermolearn.numeric.results", "load_result"),
    "theory": ("thermolearn.theory", None),
    "numeric": ("thermolearn.numeric", None),
    "infoflow": ("thermolearn.infoflow", None),
    "testing": ("thermolearn.testing", None),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    """Import a public name on first use (PEP 562)."""
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'thermolearn' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
