"""Fenced code blocks of the README and the documentation pages."""

from __future__ import annotations

import re
import shlex
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^([ \t]*)```(\w+)[^\n]*\n(.*?)^\1```", re.S | re.M)  # also fences inside list items


def pages() -> list[Path]:
    """README.md and every Markdown page under docs/ (tutorials included)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]


def code_blocks(path: Path, language: str) -> list[str]:
    """The bodies of the ```language fences of ``path``, in order."""
    return [textwrap.dedent(body) for _, lang, body in FENCE.findall(path.read_text(encoding="utf-8"))
            if lang == language]


def shell_commands(path: Path) -> list[list[str]]:
    """Each command of the ```bash fences (continuations joined, comments dropped), as argv."""
    out = []
    for body in code_blocks(path, "bash"):
        for line in body.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv:
                out.append(argv)
    return out
