"""Sphinx configuration for the thermolearn documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W -b html docs docs/_build/html

The API pages (``docs/api/*.rst``) are written by this file from each public
module's ``__all__``, so every public name has an entry and none is missed.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import thermolearn

project = "thermolearn"
author = "the thermolearn developers"
copyright = "2025-2026, the thermolearn developers"
version = release = thermolearn.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["dollarmath", "deflist"]
myst_heading_anchors = 3
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True  # "Attributes" as a field list: dataclass fields are documented once, by autodoc
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": False}
html_theme = "alabaster"
html_static_path: list[str] = []
# Docstring types such as "(K, n) array" are prose, not references: an ambiguous
# short name there (K, n, N, shape) is not a broken link.
suppress_warnings = ["ref.python"]

#: Layers whose public modules (no leading underscore, with ``__all__``) each get an API page.
LAYERS = ["thermolearn.theory", "thermolearn.numeric", "thermolearn.infoflow"]
#: Public modules of the application package (the CLI and its helpers are documented in cli.md).
APP_MODULES = ["thermolearn.testing", "thermolearn.reproduce"]


def public_modules() -> list[str]:
    """Every public module of the layers, then the application's public modules."""
    import pkgutil

    found = []
    for layer in LAYERS:
        package = importlib.import_module(layer)
        names = [layer] + [i.name for i in pkgutil.walk_packages(package.__path__, layer + ".")]
        for name in names:
            if any(part.startswith("_") for part in name.split(".")):
                continue
            try:
                module = importlib.import_module(name)
            except ImportError:  # an optional dependency is missing: no page rather than a failed build
                continue
            if getattr(module, "__all__", None) or module.__name__ == layer:
                found.append(name)
    return sorted(found) + APP_MODULES


PUBLIC_MODULES = public_modules()


def _is_data(obj) -> bool:
    return not (inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj) or callable(obj))


def _data_doc(module, name: str) -> list[str]:
    """The ``#:`` comment of a module-level constant, from the module that defines it."""
    from sphinx.pycode import ModuleAnalyzer

    value = getattr(module, name)
    for modname in [module.__name__] + sorted(m for m in sys.modules if m.startswith(module.__name__ + ".")):
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # noqa: BLE001 - modules without source (extensions) have no comments
            continue
        if ("", name) in docs and getattr(sys.modules[modname], name, None) is value:
            return [modname] + [line for line in docs[("", name)] if line.strip()]
    return [None]


def _api_page(name: str) -> str:
    module = importlib.import_module(name)
    names = list(getattr(module, "__all__", []))
    docs = {n: _data_doc(module, n) for n in names if _is_data(getattr(module, n))}
    # constants documented where they are defined with a #: comment are autodoc's; the others get py:data
    data = [n for n, d in docs.items() if d[0] != name]
    members = [n for n in names if n not in data]
    title = f"``{name}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {name}"]
    lines += ["   :members: " + ", ".join(members)] if members else ["   :no-members:"]
    if data:
        lines += ["", f".. currentmodule:: {name}", ""]
    for n in data:
        value = repr(getattr(module, n)).replace("\n", " ")
        value = value if len(value) <= 70 else value[:67] + "..."
        doc = [_escape_line(d) for d in docs[n][1:]] or [f"Module constant ``{n}``."]
        lines += [f".. py:data:: {n}", f"   :value: {value}", ""] + [f"   {d}" for d in doc] + [""]
    return "\n".join(lines + [""])


def _write_api(root: Path) -> None:
    out = root / "api"
    out.mkdir(exist_ok=True)
    pages = []
    for name in PUBLIC_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        text = _api_page(name)
        path = out / f"{name}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        pages.append(name)
    for stale in out.glob("*.rst"):
        if stale.stem not in pages and stale.name != "index.rst":
            stale.unlink()
    index = ["API reference", "=============", "",
             "Every public name, module by module (each module's ``__all__``).",
             "Start with the short facade ``import thermolearn as tl``:", "",
             ".. automodule:: thermolearn", "   :no-members:", "",
             ".. toctree::", "   :maxdepth: 1", ""] + [f"   {p}" for p in pages] + [""]
    text = "\n".join(index)
    path = out / "index.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)



# --- the gallery: figures of a `thermolearn reproduce` output folder -------------
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402

from docutils import nodes  # noqa: E402
from docutils.parsers.rst import Directive  # noqa: E402

exclude_patterns.append("_gallery")


def _collect_gallery(root: Path):
    """Copy the PNGs of $THERMOLEARN_GALLERY into docs/_gallery; return (figures, checks)."""
    source = os.environ.get("THERMOLEARN_GALLERY")
    if not source:
        return [], []
    folder = Path(source)
    if not folder.is_dir():
        raise RuntimeError(f"THERMOLEARN_GALLERY={source!r} is not a folder (expected `thermolearn reproduce` output)")
    target = root / "_gallery"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    figures = []
    for png in sorted(folder.glob("**/*.png")):
        name = "-".join(png.relative_to(folder).parts)
        shutil.copyfile(png, target / name)
        figures.append(name)
    report = folder / "report.json"
    checks = json.loads(report.read_text()).get("checks", []) if report.is_file() else []
    return figures, checks


GALLERY_FIGURES, GALLERY_CHECKS = _collect_gallery(Path(__file__).parent)


class GalleryDirective(Directive):
    """``.. thermolearn-gallery::`` — the figures and checks of a reproduce run, or how to make one."""

    def run(self):
        if not GALLERY_FIGURES:
            return [nodes.paragraph(text=(
                "This build was made without reproduction output, so no figures are shown; "
                "set THERMOLEARN_GALLERY as above to include them."))]
        out = []
        for name in GALLERY_FIGURES:
            figure = nodes.figure()
            figure += nodes.image(uri=f"/_gallery/{name}", alt=name, width="90%")
            figure += nodes.caption(text=name)
            out.append(figure)
        if GALLERY_CHECKS:
            rows = [[str(c.get(k, "")) for k in ("name", "expected", "measured", "tolerance", "passed")]
                    for c in GALLERY_CHECKS]
            out.append(_table(["check", "expected", "measured", "tolerance", "passed"], rows))
        return out


def _table(header, rows):
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    for target, cells in [(head, header)] + [(body, r) for r in rows]:
        row = nodes.row()
        for text in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=text)
            row += entry
        target += row
    return table


# --- docstrings are plain text with maths, not reStructuredText markup ------------
import re  # noqa: E402

_TABLE_OR_BLOCK = re.compile(r"^\s*[+|]")  # grid-table rows and line blocks keep their bars
_LONE_STAR = re.compile(r"(?<=[(,\s])\*(?=\w+[),\s])")  # "(n, *shape)": a star never closed
_LITERAL = re.compile(r"``[^`\n]+?``")
_DELIMITER = set(" \t.,;:!?)]}'\"/\\-")


def _escape_text(text):
    text = text.replace("|", "\\|")
    return _LONE_STAR.sub(r"\\*", text)


def _escape_line(line):
    """Escape bars and lone stars outside ``literals``; unglue literals from what follows."""
    out, last = [], 0
    for m in _LITERAL.finditer(line):
        out.append(_escape_text(line[last:m.start()]) + m.group(0))
        last = m.end()
        if last < len(line) and line[last] not in _DELIMITER:
            out.append("\\ ")
    return "".join(out) + _escape_text(line[last:])


def _indent(line):
    return len(line) - len(line.lstrip())


#: "``name``  what it is" at the start of a line: an entry of a plain-text glossary.
_GLOSSARY_ENTRY = re.compile(r"^\s*``[^`]+``\s{2,}\S")


def _plain_maths(app, what, name, obj, options, lines):
    """Make a plain-text docstring valid reST without changing what it says.

    |x|, conditional bars P(x|θ), norms ||v|| and a lone ``*shape`` are text in
    this project's docstrings, never substitutions or emphasis; glossary
    entries ("``name``  text", one per line or with an indented continuation)
    get a blank line before them so each is its own item.  Doctest blocks,
    ``::`` literal blocks, grid-table rows and line blocks are left as they are.
    """
    out = []
    verbatim = None  # indentation that ends the current literal block, or "doctest"
    for line in lines:
        stripped = line.strip()
        if verbatim == "doctest":
            if stripped:
                out.append(line)
                continue
            verbatim = None
        elif verbatim is not None:
            if not stripped or _indent(line) > verbatim:
                out.append(line)
                continue
            verbatim = None
        if stripped.startswith(">>>"):
            verbatim = "doctest"
            out.append(line)
            continue
        if _TABLE_OR_BLOCK.match(line):
            out.append(line)
            continue
        if _GLOSSARY_ENTRY.match(line) and out and out[-1].strip() and _indent(out[-1]) >= _indent(line):
            out.append("")
        out.append(_escape_line(line))
        if stripped.endswith("::"):
            verbatim = _indent(line)
    lines[:] = out


def setup(app):
    app.add_directive("thermolearn-gallery", GalleryDirective)
    app.connect("autodoc-process-docstring", _plain_maths)
    return {"parallel_read_safe": True}


_write_api(Path(__file__).parent)
