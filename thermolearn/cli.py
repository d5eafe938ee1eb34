"""The ``thermolearn`` command line (contract: docs/cli.md).

Each subcommand lives in ``thermolearn/_cli/<name>.py``; this driver parses
the common options, runs the command, and renders its :class:`Output` as
text, LaTeX or JSON.  Every error on bad input becomes one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import warnings

__all__ = ["main", "COMMANDS"]

#: Subcommand name -> module implementing it.  Only the module of the
#: subcommand being run is imported (``thermolearn derive`` must not pay for
#: matplotlib or scipy); ``--help`` reads each module's one-line ``HELP``.
COMMANDS: dict[str, str] = {
    "reproduce": "thermolearn._cli.reproduce",
    "derive": "thermolearn._cli.derive",
    "simulate": "thermolearn._cli.simulate",
    "infoflow": "thermolearn._cli.infoflow",
    "sgd-noise": "thermolearn._cli.sgd_noise",
    "codegen": "thermolearn._cli.codegen",
    "verify": "thermolearn._cli.verify",
    "train": "thermolearn._cli.train",
}


#: Tokens that are numbers or number lists (``-1``, ``-1.5e3``, ``-1,2``, ``-.5,3``), read as
#: option values, never as options (``--theta0 -1,2``).
_NEGATIVE_NUMBER = re.compile(r"^-(\d|\.\d)[\d.eE+\-]*(,\s*[+\-]?(\d|\.\d)[\d.eE+\-]*)*$")


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one stderr line and exit status 2.

    Negative numbers and comma-separated lists starting with one are values,
    not options.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {' '.join(str(message).split())}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, configure just that subcommand."""
    from thermolearn import __version__

    parser = _Parser(prog="thermolearn", description="Stochastic thermodynamics of learning.")
    parser.add_argument("--version", action="version", version=f"thermolearn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, modname in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, add_help=False)
            continue
        mod = importlib.import_module(modname)
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        formats = getattr(mod, "FORMATS", ("text", "json"))
        p.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
        mod.configure(p)
        p.set_defaults(_module=mod)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Exit status: 0 success, 1 a check failed or a run diverged (the output
    says which), 2 bad input or an unusable run (one line on stderr).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (one line printed), --help or --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        print(f"thermolearn: error: a command is required (one of {', '.join(COMMANDS)})", file=sys.stderr)
        parser.print_help(sys.stderr)
        return 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out = _run(args)
    if code != 0:  # an error exit is one line: warnings raised on the way are dropped
        return code
    _report_warnings(args.command, caught, out.data)
    from ._cli._common import dumps

    if args.format == "json":
        sys.stdout.write(dumps(out.data) + "\n")
    elif args.format == "latex":
        sys.stdout.write((out.latex or out.text) + "\n")
    else:
        sys.stdout.write(out.text.rstrip("\n") + "\n")
    if out.exit_code == 1:
        why = out.message or "a check failed (see the output)"
        print(f"thermolearn {args.command}: {' '.join(str(why).split())}", file=sys.stderr)
    return out.exit_code


def _run(args):
    """``(0, Output)`` or ``(2, None)`` after printing the one error line."""
    from thermolearn.theory import ThermolearnError

    def fail(message: str) -> tuple[int, None]:
        print(f"thermolearn {args.command}: error: {message}", file=sys.stderr)
        return 2, None

    try:
        return 0, args._module.run(args)  # numpy warnings are recorded by main() and dropped
    except ThermolearnError as exc:
        return fail(_one_line(exc))
    except MemoryError:
        return fail("out of memory; reduce the sizes (particles, steps, trials, width)")
    except OSError as exc:
        return fail(_one_line(exc) or type(exc).__name__)
    except RecursionError:
        return fail("expression or computation nests too deeply")
    except KeyboardInterrupt:
        return fail("interrupted")
    except Exception as exc:  # noqa: BLE001 - the contract: never a traceback
        if os.environ.get("THERMOLEARN_DEBUG"):
            raise
        return fail(f"internal error ({type(exc).__name__}: {_one_line(exc)[:300]}); "
                    "please report it (THERMOLEARN_DEBUG=1 shows the traceback)")


def _report_warnings(command: str, caught, data) -> None:
    """One stderr line per distinct thermolearn warning not already in the output."""
    from thermolearn.theory import ThermolearnWarning

    shown = {str(w) for w in (data.get("warnings") or [])} if isinstance(data, dict) else set()
    for w in caught:
        msg = _one_line(w.message)
        if issubclass(w.category, ThermolearnWarning) and msg not in shown:
            shown.add(msg)
            print(f"thermolearn {command}: warning: {msg}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
