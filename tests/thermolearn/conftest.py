"""One quick reproduction (``thermolearn reproduce --quick``, every paper) shared by the tests that read it.

The quick run is the dearest thing the suite does, so it runs once per
session; under pytest-xdist the first worker to need it runs it and the
others wait for its output (a file lock next to the shared base temp
folder), instead of every worker repeating it.
"""

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class QuickRun:
    code: int
    data: dict
    out: Path

    def checks(self) -> dict:
        return {c["name"]: c for c in self.data["checks"]}


def _run(out: Path) -> None:
    from thermolearn.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        code = main(["reproduce", "--quick", "--out", str(out), "--format", "json"])
    (out / "cli.json").write_text(json.dumps({"code": code, "data": json.loads(buf.getvalue())}))


@pytest.fixture(scope="session")
def quick_reproduction(tmp_path_factory) -> QuickRun:
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # xdist: one folder shared by the workers of this session
        root = root.parent
    out = root / "quick-reproduction"
    done = out / "cli.json"
    try:
        import fcntl
    except ImportError:  # no POSIX locks: every worker runs its own
        fcntl = None
    with open(root / "quick-reproduction.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            out.mkdir(parents=True, exist_ok=True)
            _run(out)
    saved = json.loads(done.read_text())
    return QuickRun(saved["code"], saved["data"], out)
