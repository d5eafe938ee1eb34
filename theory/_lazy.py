"""Public names of a package imported on first use (PEP 562).

One home for the lazy attributes of :mod:`thermolearn.theory` (the
sympy-backed model and parser) and :mod:`thermolearn.testing` (whose pytest
plugin loads in every pytest process and must import neither sympy nor
numpy).
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, table: dict[str, str]):
    """``(__getattr__, __dir__)`` for ``package``: each name of ``table`` is imported on first use.

    ``table`` maps a public name to the module (relative to ``package``) that
    defines it; the value is imported once, then kept in the package's
    namespace, so later lookups are plain attribute reads.  Any other name
    raises :class:`AttributeError`.

    >>> getattr_, dir_ = lazy_attributes("thermolearn.theory", {"energy_model": "._model"})
    >>> getattr_("energy_model").__name__
    'energy_model'
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'thermolearn.theory' has no attribute 'nothing'
    """

    def __getattr__(name: str):
        try:
            module = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        vars(sys.modules[package])[name] = value
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
