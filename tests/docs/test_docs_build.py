"""The documentation builds with warnings as errors, and every public name has an entry."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import sys
import warnings

import pytest

from ._blocks import ROOT

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("myst_parser") is None,
    reason="needs the docs extra (sphinx, myst-parser): pip install -e '.[docs]'",
)


def _public_modules():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        conf = importlib.import_module("conf")
        return list(conf.PUBLIC_MODULES)
    finally:
        sys.path.remove(str(ROOT / "docs"))
        sys.modules.pop("conf", None)


def _build(tmp, monkeypatch):
    """Build the site into ``tmp`` with a small fake reproduce output as its gallery."""
    gallery = tmp / "reproduce-output"
    gallery.mkdir()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    fig.savefig(gallery / "fig4_discontinuous.png", dpi=20)
    plt.close(fig)
    (gallery / "report.json").write_text(json.dumps({"checks": [
        {"name": "fig4/W_min", "expected": 33.33, "measured": 33.4, "tolerance": 0.5, "passed": True}]}))
    out = tmp / "html"
    # In this process (the test is about the site, not about a fresh interpreter): the worker has
    # numpy, scipy, sympy and the package imported already, a subprocess paid ~5 CPU-s to import them
    # again.  Sphinx reads the configuration with exec and reports warnings to the stderr it is given.
    from sphinx.cmd.build import build_main

    stdout, stderr = io.StringIO(), io.StringIO()
    with monkeypatch.context() as patch, contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
            warnings.catch_warnings():
        # the Sphinx/MyST API deprecations they raise among themselves (silent in a subprocess too)
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=r"(sphinx|myst_parser|docutils)(\.|$)")
        patch.setenv("THERMOLEARN_GALLERY", str(gallery))
        code = build_main(["-W", "--keep-going", "-q", "-b", "html", "-d", str(tmp / "doctrees"),
                           str(ROOT / "docs"), str(out)])
    return code, stdout.getvalue() + stderr.getvalue(), out


@pytest.mark.slow
def test_docs_site(tmp_path, monkeypatch):
    """One build (one test, so parallel workers never build twice): zero warnings, a page for every
    public module, an entry for every public name, and the gallery made from reproduce output."""
    code, log, out = _build(tmp_path, monkeypatch)
    assert code == 0, log[-5000:]
    assert (out / "index.html").is_file()

    modules = _public_modules()
    assert {"thermolearn.theory", "thermolearn.numeric.langevin", "thermolearn.infoflow",
            "thermolearn.numeric.results", "thermolearn.testing"} <= set(modules)
    assert not [m for m in modules if any(p.startswith("_") for p in m.split("."))]
    missing = []
    for name in modules:
        page = out / "api" / f"{name}.html"
        assert page.is_file(), name
        text = page.read_text(encoding="utf-8")
        module = importlib.import_module(name)
        missing += [f"{name}.{n}" for n in getattr(module, "__all__", []) if f'id="{name}.{n}"' not in text]
    assert not missing, missing

    html = (out / "gallery.html").read_text(encoding="utf-8")
    assert "fig4_discontinuous.png" in html and "fig4/W_min" in html
    assert (out / "_images" / "fig4_discontinuous.png").is_file()
