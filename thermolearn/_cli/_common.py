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

__all__ = [
    "Output", "add_energy_arguments", "model_from_args", "parse_assignments", "to_jsonable",
    "integer", "real", "seed", "number_list", "read_energy", "available_memory", "check_memory", "MAX_MAGNITUDE",
]

#: Largest |value| accepted for a physical number on the command line (--at, --set, --target,
#: --theta0, ...): far beyond any physical use, and far enough below the double-precision
#: limit (1.8e308) that squares, exponentials of ratios and quadrature stay representable.
MAX_MAGNITUDE = 1e15

#: Largest seed accepted (numpy's SeedSequence takes any non-negative integer; 2**63 - 1 keeps it one word).
MAX_SEED = 2**63 - 1


def _type_error(message: str):
    return argparse.ArgumentTypeError(message)


def integer(lo: int, hi: int, what: str = "an integer"):
    """argparse ``type=``: an integer in ``lo..hi`` (message states the range).

    >>> integer(1, 10)("3")
    3
    >>> integer(1, 10)("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected an integer in 1..10, got '0'
    """

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip().replace("_", ""))
        except ValueError:
            try:  # "1e6" is a common way to write an integer
                f = float(text)
            except ValueError:
                raise _type_error(f"expected {what} in {lo}..{hi}, got {text!r}") from None
            if not math.isfinite(f) or f != int(f):
                raise _type_error(f"expected {what} in {lo}..{hi}, got {text!r}") from None
            value = int(f)
        if not lo <= value <= hi:
            raise _type_error(f"expected {what} in {lo}..{hi}, got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


def seed():
    """argparse ``type=`` for ``--seed``: a non-negative integer."""
    return integer(0, MAX_SEED, "a non-negative integer seed")


def real(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
    """argparse ``type=``: a finite float in the stated interval.

    >>> real(0, 1e6, lo_open=True)("2.5")
    2.5
    >>> real(0, 1e6, lo_open=True)("1e308")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number in (0, 1e+06], got '1e308'
    """
    interval = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise _type_error(f"expected a number in {interval}, got {text!r}") from None
        ok = math.isfinite(value) and (value > lo if lo_open else value >= lo) and (
            value < hi if hi_open else value <= hi)
        if not ok:
            raise _type_error(f"expected a number in {interval}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def number_list(option: str, text, *, limit: float = MAX_MAGNITUDE) -> list[float]:
    """Comma-separated finite numbers with |v| <= ``limit`` (``--theta0 -1,2``)."""
    from thermolearn.theory import ParameterError

    try:
        vals = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"{option} expects comma-separated numbers, got {text!r}") from None
    if not vals:
        raise ParameterError(f"{option} expects at least one number, got {text!r}")
    for v in vals:
        if not math.isfinite(v) or abs(v) > limit:
            raise ParameterError(f"{option} values must be finite numbers in [-{limit:g}, {limit:g}], got {text!r}")
    return vals


def available_memory() -> int | None:
    """Bytes of memory available to a new computation (``None`` if unknown).

    Linux: ``MemAvailable`` of /proc/meminfo; elsewhere the physical memory.
    """
    import os

    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(need: int, sizes: str) -> None:
    """Refuse before any work, in one line naming the sizes, a run estimated to need more than
    half the available memory (:func:`available_memory`); ``need`` in bytes."""
    from thermolearn.theory import ParameterError

    have = available_memory()
    if have is not None and need > have // 2:
        raise ParameterError(f"{sizes} would need ~{need / 2**30:.3g} GiB of memory; at most half of the "
                             f"~{have / 2**30:.3g} GiB available may be used: reduce them")


def read_energy(text: str) -> str:
    """The ENERGY argument: literal text, ``@FILE`` (read the file) or ``-`` (read stdin).

    The text read is parsed like a literal (AST whitelist, never evaluated);
    surrounding whitespace and a trailing newline are ignored.
    """
    import sys

    from thermolearn.theory import ParameterError
    from thermolearn.theory._parse import MAX_LENGTH

    if text == "-":
        data = sys.stdin.read(MAX_LENGTH + 1)
        source = "stdin"
    elif text.startswith("@"):
        path = text[1:]
        try:
            with open(path, encoding="utf-8") as fh:
                data = fh.read(MAX_LENGTH + 1)
        except UnicodeDecodeError:
            raise ParameterError(f"energy file {path!r} is not UTF-8 text") from None
        except OSError as exc:
            raise ParameterError(f"cannot read energy file {path!r}: {exc.strerror or exc}") from None
        source = f"file {path!r}"
    else:
        return text
    if len(data) > MAX_LENGTH:
        raise ParameterError(f"energy from {source} is longer than {MAX_LENGTH} characters")
    data = data.strip()
    if not data:
        raise ParameterError(f"energy from {source} is empty")
    return data


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
    #: One line for stderr when ``exit_code`` is 1 (what failed or diverged); the driver adds a
    #: generic line if a command leaves it empty, so exit 1 is never silent.
    message: str | None = None


def add_energy_arguments(parser: argparse.ArgumentParser) -> None:
    """ENERGY, ``--x``, ``--theta`` and ``--set`` as in CLI.md."""
    parser.add_argument("energy", metavar="ENERGY",
                        help='energy expression, e.g. "(x - theta)**2/2"; @FILE reads it from a file, - from stdin')
    parser.add_argument("--x", default="x", help="sample coordinates, comma-separated (default: x)")
    parser.add_argument("--theta", default="theta", help="learnable parameters, comma-separated (default: theta)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="substitute a number for beta, mu or a constant (repeatable)",
    )


def parse_assignments(items, option: str) -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings into floats (no evaluation of text).

    Each name at most once; values finite with |v| <= :data:`MAX_MAGNITUDE`.

    >>> parse_assignments(["theta=-1.5", "beta=2"], "--at")
    {'theta': -1.5, 'beta': 2.0}
    """
    from thermolearn.theory import ParameterError

    out: dict[str, float] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"{option} expects NAME=VALUE, got {item!r}")
        if name in out:
            raise ParameterError(f"{option} {name} is given twice; give each name once")
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"{option} {name}: {value!r} is not a number") from None
        if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
            raise ParameterError(
                f"{option} {name}: value must be a finite number in [-{MAX_MAGNITUDE:g}, {MAX_MAGNITUDE:g}], got {value!r}"
            )
        out[name] = number
    return out


def model_from_args(args: argparse.Namespace, **overrides):
    """Build the :class:`theory.EnergyModel` named on the command line."""
    from thermolearn.theory import energy_model

    values = parse_assignments(args.set, "--set")
    values.update({k: v for k, v in overrides.items() if v is not None})
    beta = values.pop("beta", None)
    mu = values.pop("mu", None)
    return energy_model(read_energy(args.energy), x=args.x, theta=args.theta, beta=beta, mu=mu,
                        values=values or None)


def to_jsonable(obj: Any) -> Any:
    """Convert sympy/numpy/dataclass results into JSON-ready values.

    Expressions become strings in sympy syntax (``str(expr)``), numbers
    become floats, matrices lists of rows.  Strict JSON: a non-finite
    number becomes the string ``"nan"``, ``"inf"`` or ``"-inf"`` (docs/cli.md).

    >>> to_jsonable([1.5, float("nan"), float("-inf")])
    [1.5, 'nan', '-inf']
    """
    import dataclasses

    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        return "nan" if obj != obj else ("inf" if obj > 0 else "-inf")
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
            return to_jsonable(float(obj))
        if obj in (sp.oo, -sp.oo, sp.nan, sp.zoo):
            return {sp.oo: "inf", -sp.oo: "-inf"}.get(obj, "nan")
        return str(obj)
    if mod.startswith("mpmath"):
        try:
            return to_jsonable(float(obj))
        except TypeError:  # mpc
            return str(obj)
    return str(obj)


def dumps(data: dict) -> str:
    """Strict JSON text of ``data`` (never bare NaN/Infinity)."""
    return json.dumps(to_jsonable(data), indent=2, sort_keys=False, allow_nan=False)
