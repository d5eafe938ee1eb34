"""CLI polish: --version, pretty text, energies from a file or stdin, negative numbers, exit-1 lines."""

from __future__ import annotations

import json

import pytest

import thermolearn

from ._harness import check_contract, run_cli


def test_version():
    code, out, err, _ = run_cli(["--version"])
    assert code == 0 and out.strip() == f"thermolearn {thermolearn.__version__}"


def test_text_format_pretty_prints_maths():
    code, out, err, _ = run_cli(["derive", "(x - theta)**2/2"])
    assert code == 0
    # the pretty printer draws fractions over several lines instead of str(expr)'s "(-theta + x)**2/2"
    assert "(-theta + x)**2/2" not in out and "free_energy" in out
    assert any(set(line.strip()) <= set("─-") and line.strip() for line in out.splitlines())


def test_energy_from_file_and_stdin(tmp_path):
    path = tmp_path / "energy.txt"
    path.write_text("(x - theta)**2/2\n")
    from_file = run_cli(["derive", f"@{path}", "--format", "json"])
    from_stdin = run_cli(["derive", "-", "--format", "json"], stdin="(x - theta)**2/2\n")
    literal = run_cli(["derive", "(x - theta)**2/2", "--format", "json"])
    assert from_file[0] == from_stdin[0] == literal[0] == 0
    assert json.loads(from_file[1])["energy"] == json.loads(from_stdin[1])["energy"] == json.loads(literal[1])["energy"]


@pytest.mark.parametrize("argv, fragment", [
    (["derive", "@/nonexistent/energy.txt"], "cannot read energy file"),
    (["derive", "-"], "empty"),
])
def test_energy_source_errors_are_one_line(argv, fragment):
    code, out, err, _ = run_cli(argv, stdin="")
    check_contract(argv, code, out, err)
    assert code == 2 and fragment in err


@pytest.mark.parametrize("theta0", ["-1", "-1,2", "-1.5e-1", "-.5"])
def test_negative_numbers_are_values(theta0):
    dim = len(theta0.split(","))
    energy = "(x - theta)**2/2" if dim == 1 else "(x1 - a)**2/2 + (x2 - b)**2/2"
    names = [] if dim == 1 else ["--x", "x1,x2", "--theta", "a,b"]
    target = ",".join(["1"] * dim)
    argv = ["simulate", energy, *names, "--target", target, "--theta0", theta0, "--particles", "20",
            "--steps", "5", "--format", "json"]
    code, out, err, _ = run_cli(argv)
    assert code == 0, err
    assert len(json.loads(out)["theta_final"]) == dim if dim > 1 else True


def test_exit_1_says_why_on_stderr():
    code, out, err, _ = run_cli(["sgd-noise", "--lr", "50", "--steps", "30", "--trials", "2", "--width", "8",
                                 "--batch-sizes", "1", "--measure-every", "1", "--max-lag", "1"])
    assert code == 1 and "diverged" in err and len(err.strip().splitlines()) == 1
