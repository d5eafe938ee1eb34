"""Run the CLI in-process and check the contract: exit 0/1/2, one stderr line on 2, no traceback."""

from __future__ import annotations

import contextlib
import io
import time

from thermolearn.cli import main


def run_cli(argv, stdin: str | None = None):
    """``(code, stdout, stderr, seconds)`` of ``thermolearn *argv`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    start = time.process_time()
    old_stdin = None
    import sys

    if stdin is not None:
        old_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse usage errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        if old_stdin is not None:
            sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue(), time.process_time() - start


def check_contract(argv, code, stdout, stderr):
    """The CLI contract for one run (assertion messages name the input)."""
    assert code in (0, 1, 2), f"{argv}: exit status {code}"
    assert "Traceback" not in stderr and "Traceback" not in stdout, f"{argv}: traceback\n{stderr}"
    if code == 2:
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, f"{argv}: {len(lines)} stderr lines on exit 2:\n{stderr}"
        assert "error" in lines[0], f"{argv}: {lines[0]}"
    if code == 1:
        assert stderr.strip() or stdout.strip(), f"{argv}: silent exit 1"
