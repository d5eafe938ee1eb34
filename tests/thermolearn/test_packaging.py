"""One import name, one version source, a lazy facade, and no shadowing by the user's files."""

import importlib.metadata as md
import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import thermolearn

ROOT = Path(__file__).resolve().parents[2]
SHADOWS = ("theory.py", "numeric.py", "infoflow.py", "benchmarks.py")


def _top_level_of_wheel(names):
    """Top-level import names of a wheel's file list (dist-info excluded)."""
    tops = set()
    for name in names:
        head = name.split("/", 1)[0]
        if not head.endswith((".dist-info", ".data")):
            tops.add(head.removesuffix(".py"))
    return tops


def _installed_distribution():
    """The distribution installed in this environment's site-packages (not a checkout's egg-info)."""
    purelib = sysconfig.get_paths()["purelib"]
    dists = list(md.distributions(name="thermolearn", path=[purelib]))
    if not dists:
        pytest.skip(f"thermolearn is not installed in {purelib} (running from a bare checkout)")
    return dists[0]


def test_installed_distribution_top_level_is_thermolearn():
    dist = _installed_distribution()
    top = dist.read_text("top_level.txt")
    assert top is None or top.split() == ["thermolearn"]
    files = [str(f) for f in dist.files or []]
    editable = [f for f in files if f.startswith("__editable__") and f.endswith("_finder.py")]
    installed = [f for f in files if f.endswith(".py") and not f.startswith(("__editable__", "../"))]
    assert _top_level_of_wheel(installed) <= {"thermolearn"}
    for finder in editable:  # an editable install maps import names to folders: only thermolearn.*
        text = (dist.locate_file(finder)).read_text()
        mapping = re.search(r"MAPPING[^=]*=\s*(\{.*?\})", text, re.S).group(1)
        assert {k.split(".")[0] for k in re.findall(r"'([\w.]+)':", mapping)} == {"thermolearn"}


def test_top_level_helper_flags_extra_packages():
    # The helper must see a stray package (a mutant wheel that installs benchmarks/).
    assert _top_level_of_wheel(["thermolearn/__init__.py", "benchmarks/__init__.py", "x-1.dist-info/RECORD"]) == {
        "thermolearn", "benchmarks"}


@pytest.mark.slow
def test_built_wheel_holds_only_thermolearn(tmp_path):
    """Build the wheel from this checkout (no network) and read its file list."""
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel, = out.glob("thermolearn-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        top = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        if top:
            assert z.read(top).decode().split() == ["thermolearn"]
    assert _top_level_of_wheel(names) == {"thermolearn"}
    assert any(n.startswith("thermolearn/theory/") for n in names)
    assert not any("benchmarks" in n for n in names)
    assert f"Version: {thermolearn.__version__}" in meta
    assert "License-File: LICENSE" in meta or any(n.endswith("LICENSE") for n in names)


@pytest.fixture
def shadowed_dir(tmp_path):
    for name in SHADOWS:
        (tmp_path / name).write_text("raise ImportError('the user file %s was imported')\n" % name)
    return tmp_path


def _run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_python_m_thermolearn_ignores_user_files(shadowed_dir):
    proc = _run(["-m", "thermolearn", "derive", "(x - theta)**2/2", "--format", "json"], shadowed_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["theta"] == ["theta"]


def test_library_imports_ignore_user_files(shadowed_dir):
    code = ("import thermolearn.testing, thermolearn.numeric.langevin, thermolearn.infoflow; "
            "from thermolearn.numeric.langevin import train; print('ok')")
    proc = _run(["-c", code], shadowed_dir)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_shadow_files_would_break_a_bare_import(shadowed_dir):
    # Control: the planted files are importable from that directory, so the two tests above mean something.
    proc = _run(["-c", "import numeric"], shadowed_dir)
    assert proc.returncode != 0 and "the user file numeric.py was imported" in proc.stderr


def test_version_has_one_source(capsys):
    from thermolearn.cli import main

    try:
        main(["--version"])
    except SystemExit:
        pass
    assert capsys.readouterr().out.strip() == f"thermolearn {thermolearn.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+(\w+\d*)?", thermolearn.__version__)
    assert md.version("thermolearn") == thermolearn.__version__
    pyproject = (ROOT / "pyproject.toml").read_text()
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert 'dynamic = ["version"]' in project and "\nversion = " not in project
    assert 'version = { attr = "thermolearn.__version__" }' in pyproject
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^version: (\S+)$", cff, re.M).group(1) == thermolearn.__version__


def test_license_matches_metadata():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "BSD-3-Clause" in (ROOT / "pyproject.toml").read_text()


def test_citation_cites_both_papers():
    cff = (ROOT / "CITATION.cff").read_text()
    assert "arXiv:2510.03137" in cff and "10.3390/e26020112" in cff


def test_facade_is_lazy_and_complete():
    code = ("import sys, thermolearn as tl; heavy = [m for m in ('sympy', 'numpy', 'scipy', 'matplotlib') "
            "if m in sys.modules]; print(heavy); m = tl.energy_model('(x - theta)**2/2'); "
            "print(tl.derive.stationary_density(m).proved, tl.simulate.__name__)")
    proc = _run(["-c", code], ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "True train"]
    for name in thermolearn.__all__:
        assert getattr(thermolearn, name) is not None, name
    assert set(thermolearn.__all__) <= set(dir(thermolearn))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        thermolearn.nope


def _listed_packages():
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^packages = \[(.*?)^\]", text, re.S | re.M).group(1)
    return set(re.findall(r'"([\w.]+)"', block))


def test_every_subpackage_is_in_the_wheel():
    """A folder with __init__.py under a layer that pyproject's packages list forgets would be missing
    from the wheel (an editable install still finds it, so nothing else would notice)."""
    folders = {"thermolearn": "thermolearn", "theory": "thermolearn.theory", "numeric": "thermolearn.numeric",
               "infoflow": "thermolearn.infoflow"}
    on_disk = set()
    for folder, name in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            if "__pycache__" not in rel:
                on_disk.add(".".join((name, *rel)))
    listed = _listed_packages()
    assert on_disk - listed == set(), f"add to pyproject [tool.setuptools] packages: {sorted(on_disk - listed)}"
    assert listed - on_disk == set(), f"listed but not on disk: {sorted(listed - on_disk)}"


def test_pytest_plugin_loads_without_heavy_imports():
    """The pytest11 plugin is imported by every pytest process of any suite (ours: the xdist controller
    and each worker); it and the thermolearn.testing facade import nothing heavy until a name is used."""
    code = ("import sys, thermolearn.testing.plugin, thermolearn.testing as t; "
            "print([m for m in ('sympy', 'numpy', 'scipy', 'matplotlib') if m in sys.modules])")
    proc = _run(["-c", code], ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    import thermolearn.testing as t

    assert set(t.__all__) == set(t._LAZY) and set(t.__all__) <= set(dir(t))
    for name in t.__all__:
        assert getattr(t, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        t.nope


def test_theory_errors_import_without_sympy():
    """The error and warning classes come without sympy (the library's numeric layers and the reproduction
    sections import them for their checks); the sympy-backed names resolve on first use, once."""
    code = ("import sys; from thermolearn.theory import ParameterError, DivergenceWarning, check_positive; "
            "print('sympy' in sys.modules); import thermolearn.theory as th; "
            "print(th.energy_model('(x - theta)**2/2').beta, 'sympy' in sys.modules)")
    proc = _run(["-c", code], ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["False", "beta True"]
    import thermolearn.theory as th
    from thermolearn.theory import _model, _parse

    assert set(th.__all__) <= set(dir(th))
    assert th.EnergyModel is _model.EnergyModel and th.BETA is _model.BETA and th.parse_expression is _parse.parse_expression
    for name in th.__all__:
        assert getattr(th, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        th.nope
