"""Every input reported by the adversarial review gives a result or exactly one error line.

Each case: the argv, the expected exit status and a fragment of the one
stderr line (for status 2).  Runs in-process through ``thermolearn.cli.main``.
"""

from __future__ import annotations

import gzip
import struct

import pytest

from ._harness import check_contract, run_cli

Q = "x**4/4 - theta*x"

CASES = [
    # energies singular inside the domain or complex for x < 0
    (["derive", "log(x**2) + x**2 + theta*x"], 2, "not real and finite"),
    (["derive", "x**2 - 1/x**2 + theta*x"], 2, "singular at"),
    (["derive", "theta*(-x)**tanh(x) + x**2"], 2, "not real"),
    (["derive", "log(x) + x**2 + theta*x"], 2, "not real"),
    (["derive", "x**x + theta*x"], 2, "not real"),
    (["derive", "x**2 + theta*tan(x)"], 2, "poles"),
    # size guards on the whole expression
    (["derive", "((x-theta)**2)**600"], 2, "degree 1200"),
    (["derive", "((x-theta)**1000)**1000"], 2, "degree"),
    (["derive", "(theta*2**999)**1000"], 2, "bits"),
    (["derive", "(x + theta + 1)**200"], 2, "terms"),
    (["derive", "exp(" * 55 + "x" + ")" * 55 + " + theta*x"], 2, "nest"),
    (["derive", "x**2 + theta*x + " + "9" * 5000], 2, "characters long"),
    (["derive", "x**2 + theta*" + "9" * 100], 2, "digits"),
    # constant names that sympy reads as special values
    (["derive", "nan*x**2 + theta*x"], 2, "special"),
    (["derive", "(x - theta)**2*inf"], 2, "special"),
    (["derive", "(x - theta)**2 + oo"], 2, "special"),
    (["derive", "I*(x - theta)**2"], 2, "special"),
    (["derive", "E*(x - theta)**2"], 2, "special"),
    # repeated or huge --at / --set values
    (["derive", "(x-theta)**2/2", "--at", "theta=1", "--at", "theta=2"], 2, "twice"),
    (["derive", Q, "--at", "theta=1e308"], 2, "--at theta"),
    (["derive", Q, "--at", "beta=1e300"], 2, "--at beta"),
    (["derive", Q, "--at", "beta=-1"], 2, "beta"),
    (["derive", "(x-theta)**2/2", "--set", "beta=1", "--at", "beta=2"], 2, "both"),
    # seeds, sizes, rates
    (["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "0", "--seed", "-1"], 2, "--seed"),
    (["verify", "(x-theta)**2/2", "--seed", "-1"], 2, "--seed"),
    (["reproduce", "--seed", "-1"], 2, "--seed"),
    (["sgd-noise", "--seed", "-1"], 2, "--seed"),
    (["simulate", "(x-theta)**2/2", "--target", "1e200", "--theta0", "0"], 2, "--target"),
    (["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "0", "--tau", "1e308"], 2, "--tau"),
    (["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "0", "--steps", "1e9"], 2, "--steps"),
    (["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "0", "--substeps", "1e9"], 2, "--substeps"),
    (["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "0", "--particles", "10000000",
      "--steps", "10000"], 2, "particle-steps"),
    (["infoflow", "gaussian", "--kappa", "1e308"], 2, "--kappa"),
    (["infoflow", "two-state", "--h", "1e6"], 2, "--h"),
    (["infoflow", "gaussian", "--steps", "2001"], 2, "--steps"),
    (["infoflow", "two-state", "--steps", "1000000"], 2, "--steps"),
    (["sgd-noise", "--lr", "1e3"], 2, "--lr"),
    # no subcommand: the one-line error comes first (help follows; checked separately)
    # negative numbers as option values
    (["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "-1", "--particles", "50", "--steps", "20"], 0, ""),
    # accepted and answered
    (["derive", "(x-theta)**2/2", "--at", "theta=0.5", "--set", "beta=1", "--set", "mu=1"], 0, ""),
    (["derive", "(x-theta)**2/2", "--set", "beta=1", "--at", "theta=0.5", "--set", "mu=1"], 0, ""),
    (["derive", "(x-theta)**2/2", "--set", "beta=1", "--set", "mu=1", "--at", "theta=0.5"], 0, ""),
    (["derive", "(x-theta)**2/2", "--at", "theta=0.5", "--at", "beta=1", "--set", "mu=1"], 0, ""),
]


@pytest.mark.parametrize("argv, status, fragment", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_reported_input(argv, status, fragment):
    code, out, err, _ = run_cli(argv)
    check_contract(argv, code, out, err)
    assert code == status, f"{argv}: exit {code}, stderr {err!r}"
    if status == 2:
        assert fragment in err, f"{argv}: {err!r}"


@pytest.mark.slow
def test_gaussian_infoflow_thousand_steps_answers():
    """Reported as never finishing; the recursions are linear in N (about 9 CPU-s here)."""
    argv = ["infoflow", "gaussian", "--steps", "1000", "--variant", "B", "--rho", "0.5", "--format", "json"]
    code, out, err, _ = run_cli(argv)
    check_contract(argv, code, out, err)
    assert code == 0
    import json

    ft = json.loads(out)["fluctuation_theorems"]
    assert ft["ift_residual"] < 1e-9 and ft["dft_residual"] < 1e-8


def test_no_subcommand_one_line_error_first():
    code, out, err, _ = run_cli([])
    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith("thermolearn: error:") and "command" in first
    assert "usage" in err


def _idx(path, dims, payload=b"", code=0x08):
    path.write_bytes(bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload)


def _mnist(folder, images: bytes, dims=(3, 2, 2), code=0x08):
    folder.mkdir(exist_ok=True)
    _idx(folder / "train-images-idx3-ubyte", dims, images, code)
    _idx(folder / "train-labels-idx1-ubyte", (3,), bytes(range(3)))
    _idx(folder / "t10k-images-idx3-ubyte", (3, 2, 2), bytes(12))
    _idx(folder / "t10k-labels-idx1-ubyte", (3,), bytes(3))
    return folder


@pytest.mark.parametrize("command", [["sgd-noise", "--steps", "2", "--trials", "2"], ["reproduce", "--quick"]])
def test_corrupt_mnist_header_one_line(tmp_path, command):
    folder = _mnist(tmp_path / "m", b"", dims=(2097152, 2097152, 4194304))
    code, out, err, _ = run_cli([*command, "--mnist", str(folder), "--out", str(tmp_path / "o")]
                                if command[0] == "reproduce" else [*command, "--mnist", str(folder)])
    check_contract(command, code, out, err)
    assert code == 2 and "declares shape" in err


def test_nan_pixels_one_line(tmp_path):
    nan = struct.pack(">d", float("nan"))
    folder = _mnist(tmp_path / "m", nan * 12, code=0x0E)
    code, out, err, _ = run_cli(["sgd-noise", "--mnist", str(folder), "--steps", "2", "--trials", "2"])
    check_contract(["nan pixels"], code, out, err)
    assert code == 2 and "NaN" in err


def test_gzip_bomb_header_refused_before_reading(tmp_path):
    folder = tmp_path / "m"
    _mnist(folder, bytes(12))
    raw = bytes([0, 0, 8, 3]) + struct.pack(">3I", 60000, 4096, 4096)
    (folder / "train-images-idx3-ubyte").unlink()
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as fh:
        fh.write(raw)
    code, out, err, _ = run_cli(["sgd-noise", "--mnist", str(folder), "--steps", "2", "--trials", "2"])
    check_contract(["gzip bomb"], code, out, err)
    assert code == 2 and "declares shape" in err
