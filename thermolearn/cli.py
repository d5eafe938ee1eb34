"""The ``thermolearn`` command line (contract: docs/cli.md).

Each subcommand lives in ``thermolearn/_cli/<name>.py``; this driver parses
the common options, runs the command, and renders its :class:`Output` as
text, LaTeX or JSON.  Every error on bad input becomes one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one stderr line and exit status 2."""

    def error(self, message):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, configure just that subcommand."""
    parser = _Parser(prog="thermolearn", description="Stochastic thermodynamics of learning.")
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
    """Run the command line; return the exit status."""
    from thermolearn.theory import ThermolearnError

    from ._cli._common import dumps

    argv = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        out = args._module.run(args)
    except ThermolearnError as exc:
        print(f"thermolearn {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (OSError, MemoryError) as exc:
        print(f"thermolearn {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(dumps(out.data) + "\n")
    elif args.format == "latex":
        sys.stdout.write((out.latex or out.text) + "\n")
    else:
        sys.stdout.write(out.text.rstrip("\n") + "\n")
    return out.exit_code


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
