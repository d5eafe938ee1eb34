"""Outputs parse back with plain sympy (the recipe of docs/cli.md) and JSON is strict."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from ._harness import run_cli


def _strict_loads(text):
    def refuse(name):
        raise AssertionError(f"bare {name} in JSON")

    return json.loads(text, parse_constant=refuse)


def parse_back(text: str, names) -> sp.Expr:
    """The docs/cli.md recipe: plain sympy with every output symbol name bound to a Symbol."""
    return sp.parse_expr(text, local_dict={n: sp.Symbol(n) for n in names})


@pytest.mark.parametrize("energy", ["(x - theta)**2/2", "gamma*(x - theta)**2/2 + zeta*x", "x**4/4 - theta*x"])
def test_derive_expressions_round_trip(energy):
    from thermolearn.theory import energy_model
    from thermolearn.theory import derive

    code, out, err, _ = run_cli(["derive", energy, "--format", "json"])
    assert code == 0, err
    data = _strict_loads(out)
    names = data["symbols"]
    assert {"beta", "mu", "x", "theta"} <= set(names)
    model = energy_model(energy)
    expected = {
        "energy": model.energy,
        "fokker_planck": derive.fokker_planck(model).rhs,
        "free_energy": derive.free_energy(model).free_energy,
    }
    for key, expr in expected.items():
        back = parse_back(data[key], names)
        target = expr.xreplace({s: sp.Symbol(s.name) for s in expr.atoms(sp.Symbol)})
        assert back == target or (not back.has(sp.Integral) and sp.simplify(back - target) == 0), key
    # a sympy function name used as a constant ('gamma', 'zeta') and 'beta' parse as symbols
    back = parse_back(data["energy"], names)
    assert all(isinstance(s, sp.Symbol) for s in back.free_symbols)
    # without the local dictionary, 'beta' is sympy's beta function: the recipe matters
    assert not isinstance(sp.parse_expr("beta"), sp.Symbol)


def test_non_finite_numbers_are_strings():
    from thermolearn._cli._common import dumps

    text = dumps({"a": float("nan"), "b": [float("inf"), -float("inf")], "c": sp.oo, "d": sp.Float("inf")})
    data = _strict_loads(text)
    assert data == {"a": "nan", "b": ["inf", "-inf"], "c": "inf", "d": "inf"}
