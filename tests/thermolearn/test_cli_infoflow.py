"""``thermolearn infoflow``: JSON contract keys, reference values, bad input."""

import json
import subprocess
import sys

import pytest

from thermolearn.cli import main


def _json(capsys, *argv):
    assert main(["infoflow", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_two_state_json_contract(capsys):
    """CLI.md keys present; values equal the reference table (variant B, λ = 0.4)."""
    d = _json(capsys, "two-state", "--variant", "B", "--lam", "0.4")
    for key in ("memorized_information", "learned_information", "information_flows",
                "entropy_production", "total_entropy_production", "fluctuation_theorems", "d_separation"):
        assert key in d
    assert abs(d["memorized_information"]["values"][-1] - 0.1313) <= 5e-5  # reference table
    assert abs(d["total_entropy_production"] - 1.512) <= 5e-4  # reference table
    assert d["fluctuation_theorems"]["ift_residual"] <= 1e-12
    assert d["fluctuation_theorems"]["dft_residual"] <= 1e-12
    assert [s["holds"] for s in d["d_separation"]] == [False, False, True, False]  # Entropy 26, 112 (2024)
    assert set(d["learned_information"]) == {"L1", "L2", "L3", "L4", "L5"}


def test_gaussian_json_defaults_are_w2(capsys):
    """Default gaussian run is the W2 set-up (variant A, ρ = 0): M = 1.5415, Σ_|D = 18.35, L1 only."""
    d = _json(capsys, "gaussian", "--l-info", "L1")
    assert abs(d["memorized_information"]["values"][-1] - 1.5415) <= 5e-5
    assert abs(d["total_entropy_production"] - 18.35) <= 5e-3
    assert list(d["learned_information"]) == ["L1"]
    assert d["fluctuation_theorems"]["ift_residual"] <= 1e-9
    assert d["fluctuation_theorems"]["dft_residual"] <= 1e-8


def test_text_output(capsys):
    assert main(["infoflow", "two-state"]) == 0
    out = capsys.readouterr().out
    assert "M-info" in out and "IFT residual" in out


@pytest.mark.parametrize("argv,needle", [
    (["gaussian", "--lam", "0.3"], "--lam applies to two-state"),
    (["two-state", "--lam", "0"], "--lam: expected a number in (0, 1]"),
    (["gaussian", "--rho", "1.5"], "--rho: expected a number in [0, 1)"),
    (["two-state", "--steps", "0"], "--steps: expected an integer in 1.."),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, needle):
    """Bad options: exit status 2 and one stderr line naming the offender."""
    assert main(["infoflow", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def test_module_entry_point():
    """``python -m thermolearn infoflow`` behaves like the script."""
    out = subprocess.run([sys.executable, "-m", "thermolearn", "infoflow", "two-state", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["model"] == "two-state"
