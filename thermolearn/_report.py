"""Checks and the reproduction report (``report.json`` / ``report.md``).

A :class:`Check` compares a measured value with an expected one under a
stated tolerance and says why that tolerance is right.  The report schema is
part of the CLI contract: ``{"checks": [{"name", "expected", "measured",
"tolerance", "passed"}...]}`` (extra keys are allowed, never removed).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

#: Statistical checks (reproductions, ``thermolearn verify``, the test suite) accept
#: |estimate − truth| ≤ N_SIGMA standard errors.  With a fixed seed the outcome is
#: deterministic; at 4σ a false alarm on a seed change is a 6e-5 event for a normal
#: estimate, while an error of a few standard errors is caught.
N_SIGMA = 4.0

__all__ = ["N_SIGMA", "Check", "close_check", "bound_check", "write_report", "atomic_write_text", "staged_output"]


@dataclass(frozen=True)
class Check:
    """One verified statement of a reproduction.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"fig4/excess_work"``.
    expected, measured : float or str
        The closed-form (or reference) value and the computed one.
    tolerance : float or str
        The accepted deviation (absolute unless ``reason`` says otherwise).
    passed : bool
    reason : str
        Why the tolerance is what it is (particle count, step size, ...).
    figure : str
        The figure or section the check belongs to (may be empty).
    """

    name: str
    expected: object
    measured: object
    tolerance: object
    passed: bool
    reason: str = ""
    figure: str = ""


def close_check(name, expected, measured, tolerance, *, reason="", figure="") -> Check:
    """|measured − expected| ≤ tolerance (NaN never passes).

    >>> close_check("w", 1.0, 1.05, 0.1).passed
    True
    """
    ok = math.isfinite(float(measured)) and abs(float(measured) - float(expected)) <= float(tolerance)
    return Check(name, float(expected), float(measured), float(tolerance), bool(ok), reason, figure)


def bound_check(name, bound, measured, *, upper=True, reason="", figure="") -> Check:
    """measured ≤ bound (``upper``) or measured ≥ bound.

    >>> bound_check("w", 1.0, 0.5).passed
    True
    """
    m = float(measured)
    ok = math.isfinite(m) and (m <= float(bound) if upper else m >= float(bound))
    rel = "<=" if upper else ">="
    return Check(name, f"{rel} {float(bound):.6g}", m, 0.0, bool(ok), reason, figure)


@dataclass(frozen=True)
class _Report:
    checks: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def _md_value(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically: a temporary file in the same folder, then rename.

    A reader sees the old file or the new one, never half of one.
    """
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise
    return path


def _suppress():
    import contextlib

    return contextlib.suppress(OSError)


def _figure_files(out: Path, tag: str) -> list:
    """The PNGs drawn for a check's ``figure`` tag: ``<tag>.png`` and ``<tag>_*.png`` ("/" read as "_")."""
    stem = tag.replace("/", "_")
    more = [p for p in sorted(out.glob(f"{stem}_*.png")) if not p.name[len(stem) + 1:][:1].isdigit()]  # fig4 ≠ fig4_1
    return [p for p in [out / f"{stem}.png", *more] if p.exists()]


def _figure_sections(out: Path, checks) -> list[str]:
    """Markdown: each figure next to its checks (statistical criterion in the "why" column)."""
    tags = list(dict.fromkeys(c.figure for c in checks if c.figure))
    lines = []
    for tag in tags:
        own = [c for c in checks if c.figure == tag]
        lines += ["", f"## {tag}", ""]
        for png in _figure_files(out, tag):
            extra = [p.name for p in sorted(out.glob(png.stem + ".*")) if p.suffix != ".png"]
            lines += [f"![{tag}]({png.name})", ""]
            if extra:
                lines += ["Also: " + ", ".join(f"[{e}]({e})" for e in extra), ""]
        for c in own:
            mark = "ok" if c.passed else "**FAIL**"
            lines.append(f"- {mark} `{c.name}`: measured {_md_value(c.measured)}, expected {_md_value(c.expected)}, "
                         f"tolerance {_md_value(c.tolerance)} — {c.reason}")
    return lines


def _report_texts(checks: Sequence[Check], meta: dict | None, out: Path | None = None) -> tuple[str, str]:
    data = {"checks": [asdict(c) for c in checks], "meta": meta or {}}
    data["passed"] = all(c.passed for c in checks)
    text_json = json.dumps(_strict(data), indent=2, default=str, allow_nan=False) + "\n"
    lines = ["# thermolearn reproduction report", ""]
    for k, v in (meta or {}).items():
        if k != "files":
            lines.append(f"- **{k}**: {v}")
    n_ok = sum(c.passed for c in checks)
    lines += ["", f"{n_ok} of {len(checks)} checks passed.", ""]
    lines += ["| check | expected | measured | tolerance | passed | why this tolerance |", "|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(
            f"| {c.name} | {_md_value(c.expected)} | {_md_value(c.measured)} | {_md_value(c.tolerance)} "
            f"| {'yes' if c.passed else '**NO**'} | {c.reason} |"
        )
    if out is not None:
        lines += _figure_sections(Path(out), checks)
    return text_json, "\n".join(lines) + "\n"


def _strict(obj):
    """Non-finite floats as the strings "nan", "inf", "-inf" (strict JSON; docs/cli.md)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if obj != obj else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj


def write_report(out: Path, checks: Sequence[Check], meta: dict | None = None) -> tuple[Path, Path]:
    """Write ``report.md`` then ``report.json`` into ``out`` atomically; return both paths.

    ``report.json`` (the file programs read) is written last, so a failure
    while writing ``report.md`` never leaves a fresh ``report.json`` behind.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    text_json, text_md = _report_texts(checks, meta, out)
    jpath, mpath = out / "report.json", out / "report.md"
    atomic_write_text(mpath, text_md)
    atomic_write_text(jpath, text_json)
    return jpath, mpath


class staged_output:
    """A reproduction writes into a private staging folder, committed to ``out`` at the end.

    ``with staged_output(out) as run:`` gives ``run.stage`` (write every
    figure and data file there) and ``run.commit(checks, meta)``, which,
    holding ``out/.thermolearn.lock``:

    1. removes the old ``report.json``/``report.md`` (from here on the folder
       has no report, so an interruption never leaves a valid-looking one),
    2. moves each staged file into ``out`` with an atomic rename,
    3. writes ``report.md`` and then ``report.json`` (atomic, last), whose
       ``meta`` names this run's ``run_id`` and ``files``.

    Two runs into the same ``out`` each stage separately and commit one after
    the other; the report always describes exactly the run that wrote it.
    A run that fails or is interrupted before ``commit`` leaves ``out`` as
    it was; its staging folder is removed on exit.
    """

    LOCK = ".thermolearn.lock"

    def __init__(self, out: Path, *, lock_timeout: float = 600.0):
        import uuid

        self.out = Path(out)
        self.run_id = uuid.uuid4().hex[:12]
        self.stage = self.out / f".partial-{self.run_id}"
        self.lock_timeout = lock_timeout

    def __enter__(self):
        self.out.mkdir(parents=True, exist_ok=True)
        self.stage.mkdir()
        return self

    def __exit__(self, *exc):
        import shutil

        shutil.rmtree(self.stage, ignore_errors=True)
        return False

    def _lock(self):
        import os
        import time

        path = self.out / self.LOCK
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if _stale(path):
                    with _suppress():
                        os.unlink(path)
                    continue
                if time.monotonic() > deadline:
                    raise OSError(f"{path} is held by another reproduction; remove it if no run is active") from None
                time.sleep(0.2)
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()}\n")
            return path

    def commit(self, checks: Sequence[Check], meta: dict | None = None) -> tuple[Path, Path]:
        import os

        lock = self._lock()
        try:
            for name in ("report.json", "report.md"):
                with _suppress():
                    os.unlink(self.out / name)
            files = []
            for src in sorted(p for p in self.stage.rglob("*") if p.is_file()):
                rel = src.relative_to(self.stage)
                dst = self.out / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                files.append(str(rel))
            meta = dict(meta or {}, run_id=self.run_id, files=files)
            return write_report(self.out, checks, meta)
        finally:
            with _suppress():
                os.unlink(lock)


def _stale(lock: Path) -> bool:
    """True when the process that wrote ``lock`` no longer exists."""
    import os

    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return False  # being written right now
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
