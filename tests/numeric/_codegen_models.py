"""Energy models for the code-generation tests, built without the normalisability limits.

:func:`thermolearn.theory.energy_model` checks that exp(−βE) is normalisable;
for a non-polynomial energy that means ``sympy.limit`` of E at ±∞ in a
forked, time-budgeted child (~0.5 CPU-s an energy, most of the cost of the
codegen tests that build a model per case).  The codegen tests evaluate the
generated code at points; normalisability is not what they test (the
theory tests do), so the limits are skipped here — the domain check (E
real and finite for every real x) still runs.
"""

from __future__ import annotations

from unittest import mock

import thermolearn.theory._normalisable as normalisable
from thermolearn.theory import energy_model

_UNDECIDED = (None, "limits not taken in the codegen tests")


def codegen_model(energy, *args, **kwargs):
    """``energy_model(energy, *args, **kwargs)`` without the limits of E at ±∞."""
    with mock.patch.object(normalisable, "_limits", lambda model: _UNDECIDED):
        return energy_model(energy, *args, **kwargs)
