"""``thermolearn train``: JSON contract, bad input (one stderr line, exit 2), save/plot."""

import json

import numpy as np
import pytest

from thermolearn.cli import main

KEYS = {"schedule", "steps", "theta_dim", "work", "excess_work", "excess_work_se", "bias", "bias_se",
        "thermodynamic_length", "heldout_log_likelihood"}
FAST = ["--steps", "60", "--chains", "20", "--warmup", "20", "--grid", "61"]


def _json(capsys, argv):
    code = main(["train", "--format", "json", *argv])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


@pytest.mark.filterwarnings("ignore::thermolearn.theory.AccuracyWarning")
@pytest.mark.parametrize("schedule", ["constant", "slow-driving", "natural-gradient", "adaptive"])
def test_json_keys_2d_exact_likelihood(capsys, schedule):
    code, data, _ = _json(capsys, ["--data", "iris-2d", "--model", "exponential", "--degree", "2",
                                   "--schedule", schedule, *FAST])
    assert code == 0
    assert KEYS <= set(data)
    assert data["schedule"] == schedule and data["steps"] == 60 and data["theta_dim"] == 5
    assert data["heldout_log_likelihood"] is not None and np.isfinite(data["heldout_log_likelihood"])
    assert abs(data["bias"] - data["excess_work"]) <= 4 * data["bias_se"]  # β = 1


def test_high_dimensional_data_reports_null_likelihood(capsys, tmp_path):
    x = np.random.default_rng(0).normal(size=(40, 5))
    np.save(tmp_path / "d.npy", x)
    code, data, _ = _json(capsys, ["--data", str(tmp_path / "d.npy"), "--model", "rbm", "--hidden", "3",
                                   "--schedule", "constant", "--steps", "20", "--chains", "10", "--warmup", "0",
                                   "--save", str(tmp_path / "run"), "--plot", str(tmp_path / "run.png")])
    assert code == 0
    assert data["heldout_log_likelihood"] is None and data["free_energy_change"] is None
    assert data["theta_dim"] == 5 * 4 + 3
    assert (tmp_path / "run.npz").exists() and (tmp_path / "run.png").exists()


def test_ais_heldout_likelihood_above_2d(capsys, tmp_path):
    x = np.random.default_rng(0).normal(size=(60, 4))
    np.save(tmp_path / "d.npy", x)
    code, data, _ = _json(capsys, ["--data", str(tmp_path / "d.npy"), "--model", "rbm", "--hidden", "2",
                                   "--schedule", "constant", "--steps", "20", "--chains", "10", "--warmup", "0",
                                   "--ais", "30", "--ais-particles", "20"])
    assert code == 0
    assert data["heldout_log_likelihood_method"].startswith("AIS") and np.isfinite(data["heldout_log_likelihood"])


def test_gaussian_model_exact_likelihood_any_dimension(capsys, tmp_path):
    np.save(tmp_path / "d.npy", np.random.default_rng(0).normal(size=(60, 4)))
    code, data, _ = _json(capsys, ["--data", str(tmp_path / "d.npy"), "--model", "gaussian", "--schedule",
                                   "natural-gradient", "--steps", "40", "--chains", "20", "--warmup", "20"])
    assert code == 0 and data["theta_dim"] == 14
    assert data["heldout_log_likelihood_method"] == "exact (closed-form Z)"
    assert abs(data["bias"] - data["excess_work"]) <= 4 * data["bias_se"]


def test_block_metric_rbm(capsys, tmp_path):
    np.save(tmp_path / "d.npy", np.random.default_rng(0).normal(size=(40, 3)))
    code, data, _ = _json(capsys, ["--data", str(tmp_path / "d.npy"), "--model", "rbm", "--hidden", "2",
                                   "--metric", "block", "--steps", "30", "--chains", "10", "--warmup", "20"])
    assert code == 0 and data["theta_dim"] == 3 * 3 + 2


def test_csv_file(capsys, tmp_path):
    p = tmp_path / "d.csv"
    np.savetxt(p, np.random.default_rng(1).normal(size=(30, 2)), delimiter=",")
    code, data, _ = _json(capsys, ["--data", str(p), "--model", "gaussian", "--schedule", "constant", *FAST])
    assert code == 0 and data["theta_dim"] == 5


def _bad_files(tmp_path):
    (tmp_path / "text.csv").write_text("a,b\n1,2\n")
    np.save(tmp_path / "nan.npy", np.full((20, 2), np.nan))
    np.save(tmp_path / "few.npy", np.zeros((3, 2)))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}] * 20, dtype=object), allow_pickle=True)
    np.save(tmp_path / "cplx.npy", np.ones((20, 2), dtype=complex))
    (tmp_path / "junk.npy").write_bytes(b"not a numpy file")
    (tmp_path / "x.json").write_text("[]")
    return ["text.csv", "nan.npy", "few.npy", "obj.npy", "cplx.npy", "junk.npy", "x.json", "missing.csv"]


def test_untrusted_data_files_fail_cleanly(capsys, tmp_path):
    for name in _bad_files(tmp_path):
        code = main(["train", "--data", str(tmp_path / name), *FAST])
        err = capsys.readouterr().err
        assert code == 2, name
        assert err.count("\n") == 1 and err.startswith("thermolearn train: error:"), (name, err)


@pytest.mark.parametrize("argv", [
    ["--steps", "0"], ["--chains", "1"], ["--dt", "-0.1"], ["--dt", "nan"], ["--eta", "0"], ["--lr", "inf"],
    ["--block", "3"], ["--warmup", "-1"], ["--grid", "2"], ["--heldout-fraction", "1.5"], ["--degree", "7"],
    ["--batch-size", "0"], ["--schedule", "slow-driving", "--warmup", "4", "--block", "10"], ["--hidden", "0"],
    ["--schedule", "bogus"], ["--model", "bogus"], ["--data", "no-such-dataset"], ["--ais", "1"],
    ["--ais-particles", "1"], ["--metric", "block"],
])
def test_bad_options_exit_2(capsys, argv):
    base = ["train", "--data", "iris-2d", "--model", "exponential"]
    with pytest.raises(SystemExit) as exc:  # argparse choices exit directly
        code = main(base + argv)
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
