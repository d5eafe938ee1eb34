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

__all__ = ["Check", "close_check", "bound_check", "write_report"]


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


def write_report(out: Path, checks: Sequence[Check], meta: dict | None = None) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.md`` into ``out``; return both paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = {"checks": [asdict(c) for c in checks], "meta": meta or {}}
    data["passed"] = all(c.passed for c in checks)
    jpath = out / "report.json"
    jpath.write_text(json.dumps(data, indent=2, default=str) + "\n")
    lines = ["# thermolearn reproduction report", ""]
    for k, v in (meta or {}).items():
        lines.append(f"- **{k}**: {v}")
    n_ok = sum(c.passed for c in checks)
    lines += ["", f"{n_ok} of {len(checks)} checks passed.", ""]
    lines += ["| check | expected | measured | tolerance | passed | why this tolerance |", "|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(
            f"| {c.name} | {_md_value(c.expected)} | {_md_value(c.measured)} | {_md_value(c.tolerance)} "
            f"| {'yes' if c.passed else '**NO**'} | {c.reason} |"
        )
    lines += _figure_sections(out, checks)
    mpath = out / "report.md"
    mpath.write_text("\n".join(lines) + "\n")
    return jpath, mpath
