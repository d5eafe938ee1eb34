"""Every example of the README and the documentation runs (Python cells in order, CLI lines one by one)."""

from __future__ import annotations

import pytest

from ._blocks import ROOT, code_blocks, pages, shell_commands

#: Shell lines that are not examples to run here, each with its reason.
NOT_RUN = {
    "pip": "installation (the test environment is installed already)",
    "python": "the test suite, the benchmarks or a docs build: run by their own jobs",
    "THERMOLEARN_GALLERY=thermolearn-output": "a docs build (tests/docs/test_docs_build.py)",
}
#: CLI subcommands too long for this test, each with the test that covers it.
#: Pages whose examples take several CPU-seconds (tutorial-sized runs: quadrature along a
#: geodesic, theorem checks with a Jarzynski simulation), measured at 8-10 s each.
SLOW_PAGES = {"own-energy.md", "verify-theorems.md", "getting-started.md"}
LONG = {
    "reproduce": "the full reproduction takes minutes; tests/thermolearn/test_reproduce_*.py run --quick",
}


def _python_pages():
    return [pytest.param(p, id=str(p.relative_to(ROOT)), marks=[pytest.mark.slow] if p.name in SLOW_PAGES else [])
            for p in pages() if code_blocks(p, "python")]


def _cli_lines():
    items = []
    for page in pages():
        for argv in shell_commands(page):
            if argv[0] in NOT_RUN:
                continue
            assert argv[0] == "thermolearn", f"{page.name}: unknown example command {argv}"
            marks = [pytest.mark.slow] if "fokker-planck" in argv or "verify" in argv else []
            if argv[1] in LONG:
                continue
            items.append(pytest.param(argv, id=f"{page.relative_to(ROOT)}:{' '.join(argv[1:3])}", marks=marks))
    return items


@pytest.mark.parametrize("page", _python_pages())
def test_python_examples_run(page, tmp_path, monkeypatch):
    """The ```python cells of one page, run in order in one namespace, in an empty folder."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__example__"}
    for i, body in enumerate(code_blocks(page, "python")):
        code = compile(body, f"{page.name}[cell {i}]", "exec")
        exec(code, namespace)  # noqa: S102 - the documentation's own examples


@pytest.mark.parametrize("argv", _cli_lines())
def test_cli_examples_run(argv, tmp_path, monkeypatch, capsys):
    from thermolearn.cli import main

    monkeypatch.chdir(tmp_path)
    code = main(argv[1:])
    err = capsys.readouterr().err
    assert code == 0, f"{' '.join(argv)} exited {code}: {err[-2000:]}"


def test_extraction_sees_the_examples():
    # Guard against a fence pattern that silently matches nothing.
    readme = ROOT / "README.md"
    assert code_blocks(readme, "python") and shell_commands(readme)
    tutorials = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
    assert sum(bool(code_blocks(p, "python")) for p in tutorials) >= 3
    assert code_blocks(ROOT / "docs" / "cli.md", "python")  # a fence indented inside a list item counts too
