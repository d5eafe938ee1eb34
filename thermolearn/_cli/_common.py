"""Shared pieces of the command line: energy options, output, JSON encoding.

Subcommand modules (``thermolearn/_cli/<name>.py``) expose ``HELP`` (one
line), ``configure(parser)`` and ``run(args) -> Output``.  They import heavy
libraries inside ``run`` so that ``thermolearn --help`` and ``derive`` start
fast.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Output", "add_energy_arguments", "model_from_args", "parse_assignments", "to_jsonable"]


@dataclass(frozen=True)
class Output:
    """What a subcommand hands back to the CLI driver.

    ``data`` is the JSON object (``--format json``); ``text`` the human
    rendering; ``latex`` the LaTeX rendering where the command has one;
    ``exit_code`` 0 for success, 1 when a check failed.
    """

    data: dict
    text: str
    latex: str | None = None
    exit_code: int = 0


def add_energy_arguments(parser: argparse.ArgumentParser) -> None:
    """ENERGY, ``--x``, ``--theta`` and ``--set`` as in CLI.md."""
    parser.add_argument("energy", metavar="ENERGY", help='energy expression, e.g. "(x - theta)**2/2"')
    parser.add_argument("--x", default="x", help="sample coordinates, comma-separated (default: x)")
    parser.add_argument("--theta", default="theta", help="learnable parameters, comma-separated (default: theta)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="substitute a number for beta, mu or a constant (repeatable)",
    )


def parse_assignments(items, option: str) -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings into floats (no evaluation of text)."""
    from thermolearn.theory import ParameterError

    out: dict[str, float] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"{option} expects NAME=VALUE, got {item!r}")
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"{option} {name}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ParameterError(f"{option} {name}: value must be finite, got {value!r}")
        out[name] = number
    return out


def model_from_args(args: argparse.Namespace, **overrides):
    """Build the :class:`theory.EnergyModel` named on the command line."""
    from thermolearn.theory import energy_model

    values = parse_assignments(args.set, "--set")
    values.update({k: v for k, v in overrides.items() if v is not None})
    beta = values.pop("beta", None)
    mu = values.pop("mu", None)
    return energy_model(args.energy, x=args.x, theta=args.theta, beta=beta, mu=mu, values=values or None)


def to_jsonable(obj: Any) -> Any:
    """Convert sympy/numpy/dataclass results into JSON-ready values.

    Expressions become strings in sympy syntax (``str(expr)``), numbers
    become floats, matrices lists of rows.
    """
    import dataclasses

    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    mod = type(obj).__module__
    if mod.startswith("numpy"):
        if hasattr(obj, "tolist"):
            return to_jsonable(obj.tolist())
    if mod.startswith("sympy"):
        import sympy as sp

        if isinstance(obj, sp.MatrixBase):
            return [[str(v) for v in obj.row(i)] for i in range(obj.rows)]
        if isinstance(obj, sp.Integer):
            return int(obj)
        if isinstance(obj, sp.Rational):  # exact: keep "1/3" rather than a rounded float
            return str(obj)
        if getattr(obj, "is_Number", False) and obj.is_real:
            return float(obj)
        return str(obj)
    if mod.startswith("mpmath"):
        return float(obj)
    return str(obj)


def dumps(data: dict) -> str:
    return json.dumps(to_jsonable(data), indent=2, sort_keys=False)
