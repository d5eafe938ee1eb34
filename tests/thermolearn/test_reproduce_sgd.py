"""`thermolearn reproduce --paper sgd-thermodynamics --quick` and `thermolearn sgd-noise`."""

import json

import numpy as np
import pytest

from thermolearn.numeric.sgd import write_idx
from thermolearn.cli import main
from thermolearn.reproduce import PAPERS


def test_registered():
    assert PAPERS["sgd-thermodynamics"][0] == "thermolearn.reproduce.sgd_thermodynamics"


def test_quick_reproduction_passes_its_checks_and_draws_the_figures(quick_reproduction):
    names = quick_reproduction.checks()
    failed = [c for c in names.values() if c["name"].startswith("fig4.1/") and not c["passed"]]
    assert not failed, failed
    for m in (1, 10, 100):
        assert f"fig4.1/m={m}/variance_vs_trSigma1" in names
        assert f"fig4.1/m={m}/white_noise_rho_lags>=1" in names
        assert names[f"fig4.1/m={m}/final_test_accuracy"]["measured"] > 0.9
    assert "fig4.1/epoch_shuffling_rho_lags>=1" in names
    assert names["fig4.1/epoch_shuffling_rho_lags>=1"]["expected"] == pytest.approx(-1 / 19)
    for png in ("fig4_1_sgd_noise.png", "fig4_1_reservoir.png"):
        assert (quick_reproduction.out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _mnist(tmp_path, n_train=40, n_labels=None):
    rng = np.random.default_rng(0)
    # synthetic "MNIST": class c lights up row 2c, so a small net can learn it
    labels = rng.integers(0, 10, n_train).astype(np.uint8)
    imgs = rng.integers(0, 40, (n_train, 28, 28)).astype(np.uint8)
    imgs[np.arange(n_train), 2 * labels.astype(int)] = 255
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", imgs, compress=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels if n_labels is None else labels[:n_labels],
              compress=True)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", imgs[:20])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:20])


def test_sgd_noise_cli_on_mnist_folder(tmp_path, capsys):
    _mnist(tmp_path)
    code = main(["sgd-noise", "--mnist", str(tmp_path), "--batch-sizes", "1,4", "--trials", "3", "--steps", "20",
                 "--width", "8", "--measure-every", "2", "--max-lag", "3", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["data"] == "mnist" and out["n_train"] == 40 and set(out["batch_sizes"]) == {"1", "4"}
    s = out["batch_sizes"]["4"]
    assert len(s["autocorrelation"]) == 4 and s["autocorrelation"][0] == pytest.approx(1.0)
    assert s["diverged"] is False and s["ratio"] > 0
    # trials advanced one at a time: the same numbers up to float32 rounding
    main(["sgd-noise", "--mnist", str(tmp_path), "--batch-sizes", "1,4", "--trials", "3", "--steps", "20",
          "--width", "8", "--measure-every", "2", "--max-lag", "3", "--format", "json", "--group-size", "1"])
    one = json.loads(capsys.readouterr().out)["batch_sizes"]["4"]
    assert one["variance"] == pytest.approx(s["variance"], rel=1e-4)


@pytest.mark.parametrize("argv, message", [
    (["--batch-sizes", "1,100"], "batch size 100 must lie in 1..40"),
    (["--group-size", "0"], "argument --group-size: expected an integer in 1..1000000, got '0'"),
    (["--batch-sizes", "a,b"], "--batch-sizes expects comma-separated integers"),
])
def test_sgd_noise_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, message):
    _mnist(tmp_path)
    code = main(["sgd-noise", "--mnist", str(tmp_path), "--trials", "2", "--steps", "10", "--width", "4",
                 "--max-lag", "2", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_sgd_noise_cli_mismatched_labels_and_missing_folder(tmp_path, capsys):
    _mnist(tmp_path, n_labels=39)
    assert main(["sgd-noise", "--mnist", str(tmp_path)]) == 2
    assert "mismatched labels" in capsys.readouterr().err
    assert main(["sgd-noise", "--mnist", str(tmp_path / "none")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_sgd_noise_cli_divergence_is_reported_with_exit_1(capsys):
    code = main(["sgd-noise", "--batch-sizes", "10", "--trials", "2", "--steps", "20", "--width", "8",
                 "--max-lag", "2", "--lr", "100"])  # the largest accepted --lr diverges
    out = capsys.readouterr().out
    assert code == 1 and "diverged at step" in out


def test_sgd_noise_cli_process_executor_matches_inline(capsys):
    argv = ["sgd-noise", "--batch-sizes", "5", "--trials", "3", "--steps", "12", "--width", "8",
            "--measure-every", "3", "--max-lag", "2", "--format", "json"]
    assert main(argv) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(argv + ["--executor", "process"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a["batch_sizes"]["5"]["variance"] == b["batch_sizes"]["5"]["variance"]


def test_reproduce_passes_the_mnist_folder_to_the_sgd_section_only(tmp_path, monkeypatch, capsys):
    """``reproduce --mnist DIR`` reaches the SGD section's run(mnist=DIR); other sections never see it."""
    import thermolearn.reproduce.infoflow_learning as other
    from thermolearn.reproduce import _pool
    import thermolearn.reproduce.sgd_thermodynamics as sec

    _mnist(tmp_path)
    seen = {}

    def fake_run(out, *, quick, seed, mnist=None, executor=None):
        seen["mnist"] = mnist
        return []

    def fake_other(out, *, quick, seed, **kwargs):  # the real section runs in the shared quick run
        seen["other"] = kwargs
        return []

    monkeypatch.setattr(sec, "run", fake_run)
    monkeypatch.setattr(other, "run", fake_other)
    monkeypatch.setattr(_pool, "workers", lambda max_workers=None: 1)  # in-process, so the fakes are the ones run
    code = main(["reproduce", "--paper", "sgd-thermodynamics", "--quick", "--mnist", str(tmp_path),
                 "--out", str(tmp_path / "out"), "--format", "json"])
    assert code == 0 and seen["mnist"] == str(tmp_path)
    assert "other" in seen and "mnist" not in seen["other"]
    assert json.loads(capsys.readouterr().out)["meta"]["mnist"] == str(tmp_path)


def test_reproduce_mnist_errors_exit_2_before_any_work(tmp_path, capsys):
    assert main(["reproduce", "--paper", "sgd-thermodynamics", "--mnist", str(tmp_path / "none")]) == 2
    assert "does not exist" in capsys.readouterr().err
    _mnist(tmp_path, n_labels=39)
    assert main(["reproduce", "--paper", "sgd-thermodynamics", "--mnist", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "mismatched labels" in err and err.count("\n") == 1
    assert main(["reproduce", "--paper", "minimal-dissipation", "--mnist", str(tmp_path)]) == 2
    assert "--mnist applies to --paper sgd-thermodynamics" in capsys.readouterr().err


def test_figure_and_checks_survive_a_diverged_batch_size(tmp_path):
    """A batch size that diverges before t₀ is a failed check with its message, not a crash."""
    from dataclasses import replace

    from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, make_dataset, run_batch_sizes, run_ensemble
    from thermolearn.reproduce import sgd_thermodynamics as sec
    from thermolearn.reproduce._sgd_figure import draw

    data = load_digits(seed=0)
    good = SGDNoiseConfig(batch_size=10, learning_rate=0.05, steps=30, trials=3, width=8, t0=20, max_lag=3,
                          measure_every=5, eval_every=10)
    results = run_batch_sizes(data, {1: replace(good, batch_size=1, learning_rate=1e4), 10: good}, seed=1)
    assert results[1].diverged and results[1].lag_products.shape[1] == 0 and not results[10].diverged
    small = make_dataset(data.x_train[:125], data.y_train[:125], test_fraction=0.2, seed=0, n_classes=10)
    epoch = run_ensemble(small, replace(sec._epoch_config(True), trials=4, width=8), seed=2)
    # every panel is laid out and drawn; raster only, at low resolution (the shared quick run writes the pdf)
    draw(tmp_path / "a.png", tmp_path / "b.png", results, dpi=40, formats=("png",))
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    checks = {c.name: c for c in sec._checks(results, epoch, "digits", quick=True)}
    bad = checks["fig4.1/m=1/no_divergence"]
    assert not bad.passed and "diverged at step" in bad.reason
    assert "fig4.1/m=10/variance_vs_trSigma1" in checks
