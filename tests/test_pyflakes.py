"""The installed packages and the benchmarks are pyflakes-clean: no unused imports, undefined names or dead assignments."""

from pathlib import Path

import pytest

pyflakes_api = pytest.importorskip("pyflakes.api")
from pyflakes.reporter import Reporter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numeric", "infoflow", "thermolearn", "benchmarks")


class _Collect(Reporter):
    def __init__(self):
        self.messages = []

    def unexpectedError(self, filename, message):
        self.messages.append(f"{filename}: {message}")

    def syntaxError(self, filename, msg, lineno, offset, text):
        self.messages.append(f"{filename}:{lineno}: {msg}")

    def flake(self, message):
        self.messages.append(str(message))


def test_packages_are_pyflakes_clean():
    report = _Collect()
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            pyflakes_api.checkPath(str(path), report)
    assert report.messages == []


def test_the_check_catches_an_unused_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    report = _Collect()
    pyflakes_api.checkPath(str(bad), report)
    assert len(report.messages) == 1 and "imported but unused" in report.messages[0]
