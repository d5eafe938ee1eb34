"""No user text reaches ``eval``: every public callable that takes text parses it.

The payloads create a file when evaluated as Python (``sympify`` would do
that); the tests assert the file never appears and the call either returns
or raises a package error.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
import sympy as sp

from thermolearn.theory import ThermolearnError


def corpus(path) -> list[str]:
    """Payloads that create ``path`` if evaluated as Python."""
    p = str(path)
    return [
        f"__import__('pathlib').Path({p!r}).touch()",
        f"(lambda: __import__('pathlib').Path({p!r}).touch())()",
        f"[__import__('pathlib').Path({p!r}).touch() for _ in (1,)]",
        f"x + __import__('pathlib').Path({p!r}).touch()",
        f"exp(__import__('pathlib').Path({p!r}).touch())",
        f"().__class__.__bases__[0].__subclasses__() or __import__('pathlib').Path({p!r}).touch()",
        f"f'{{__import__(\"pathlib\").Path({p!r}).touch()}}'",
        f"ｘ + __import__('pathlib').Path({p!r}).touch()",  # unicode look-alike name
        f"Symbol('x') + __import__('pathlib').Path({p!r}).touch()",
    ]


def _explicit_calls():
    """(name, callable taking the payload) for every public entry point that documents text input."""
    from thermolearn.numeric.codegen import lambdify
    from thermolearn.theory import energy_model, parse_expression
    from thermolearn.theory._parse import as_expression
    from thermolearn.theory.derive import gaussian_expectation, latex
    from thermolearn.theory.harmonic import is_underdamped

    x = sp.Symbol("x", real=True)
    m = energy_model("(x - theta)**2/2 + k*x**4")
    return [
        ("parse_expression", lambda s: parse_expression(s)),
        ("as_expression", lambda s: as_expression(s)),
        ("energy_model", lambda s: energy_model(s)),
        ("energy_model(values=)", lambda s: energy_model("k*(x - theta)**2", values={"k": s})),
        ("energy_model(beta=)", lambda s: energy_model("(x - theta)**2", beta=s)),
        ("energy_model(mu=)", lambda s: energy_model("(x - theta)**2", mu=s)),
        ("energy_model(x=)", lambda s: energy_model("(x - theta)**2", x=s)),
        ("energy_model(theta=)", lambda s: energy_model("(x - theta)**2", theta=s)),
        ("EnergyModel.substitute", lambda s: m.substitute({"k": s})),
        ("derive.latex", lambda s: latex(s)),
        ("derive.latex(list)", lambda s: latex([s])),
        ("derive.gaussian_expectation", lambda s: gaussian_expectation(s, (x,), sp.Matrix([0]), sp.Matrix([[1]]))),
        ("derive.gaussian_expectation(mean)", lambda s: gaussian_expectation(x**2, (x,), [s], [[1]])),
        ("derive.gaussian_expectation(cov)", lambda s: gaussian_expectation(x**2, (x,), [0], [[s]])),
        ("harmonic.is_underdamped(mu)", lambda s: is_underdamped(s, 1, 1)),
        ("harmonic.is_underdamped(beta)", lambda s: is_underdamped(1, s, 1)),
        ("harmonic.is_underdamped(eta)", lambda s: is_underdamped(1, 1, s)),
        ("codegen.lambdify([str])", lambda s: lambdify([s], [x])),
        ("codegen.lambdify(str)", lambda s: lambdify(s, [x])),
        ("codegen.lambdify(Matrix)", lambda s: lambdify(sp.Matrix([[x, 1]]).applyfunc(lambda e: e), [x]) and
         lambdify([x, s], [x])),
    ]


@pytest.mark.parametrize("index", range(20))
def test_explicit_entry_points_never_evaluate(index, tmp_path):
    name, call = _explicit_calls()[index]
    sentinel = tmp_path / "pwned"
    for payload in corpus(sentinel):
        try:
            call(payload)
        except ThermolearnError:
            pass
        assert not sentinel.exists(), f"{name} evaluated {payload!r}"


def test_explicit_list_is_complete():
    assert len(_explicit_calls()) == 20


def test_latex_and_lambdify_still_accept_plain_text():
    from thermolearn.numeric.codegen import lambdify
    from thermolearn.theory.derive import gaussian_expectation, latex
    from thermolearn.theory.harmonic import is_underdamped

    x = sp.Symbol("x")
    assert latex("x**2/2") == r"\frac{x^{2}}{2}"
    assert lambdify(["2*x"], [x])(1.5).tolist() == [3.0]
    assert gaussian_expectation("x**2", (x,), ["m"], [["v"]]) == sp.Symbol("m", real=True) ** 2 + sp.Symbol("v", real=True)
    assert is_underdamped("10", "1", "10.0") is True


PUBLIC_MODULES = (
    "thermolearn.theory", "thermolearn.theory.derive", "thermolearn.theory.harmonic", "thermolearn.theory.metric",
    "thermolearn.numeric.codegen", "thermolearn.numeric.langevin", "thermolearn.numeric.metric",
    "thermolearn.numeric.schedule", "thermolearn.infoflow", "thermolearn.testing",
)


def _public_callables():
    seen = []
    for modname in PUBLIC_MODULES:
        try:
            mod = importlib.import_module(modname)
        except ImportError:  # pragma: no cover - optional layer missing
            continue
        for attr in getattr(mod, "__all__", ()):
            obj = getattr(mod, attr, None)
            if inspect.isfunction(obj) or inspect.isbuiltin(obj):
                seen.append((f"{modname}.{attr}", obj))
    return seen


def test_every_public_function_refuses_or_parses_text(tmp_path, monkeypatch):
    """Sweep: each public function gets the payload in each of its first three positions."""
    # functions that take a path (save, load) may create a file named like the payload: keep it in tmp
    monkeypatch.chdir(tmp_path)
    sentinel = tmp_path / "pwned"
    payload = corpus(sentinel)[0]
    called = 0
    for name, func in _public_callables():
        try:
            params = [p for p in inspect.signature(func).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):  # pragma: no cover
            continue
        for pos in range(min(3, len(params))):
            args = [sp.Integer(1)] * len(params)
            args[pos] = payload
            try:
                func(*args)
            except Exception:  # noqa: BLE001 - any refusal is fine; only evaluation is not
                pass
            called += 1
            assert not sentinel.exists(), f"{name} evaluated text in position {pos}"
    assert called > 50
