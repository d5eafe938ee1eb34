"""``thermolearn simulate``: CLI.md keys, closed-form predictions, errors (exit 2)."""

import json

import pytest

from thermolearn.cli import main

KEYS = ("theta_final", "sample_mean_final", "work", "free_energy_change", "excess_work", "bias",
        "predicted_excess_work", "minimal_excess_work", "trajectory")


def _json(capsys, argv):
    code = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def test_discontinuous_keys_and_minimal_work(capsys):
    d = _json(capsys, ["simulate", "k*(x - theta)**2/2", "--set", "k=2", "--mu", "0.7", "--beta", "2",
                       "--tau", "2.5", "--target", "-0.5", "--theta0", "1.5", "--particles", "400",
                       "--steps", "100", "--schedule", "discontinuous"])
    for key in KEYS:
        assert key in d
    wmin = 2 * 2.0**2 / (0.7 * 2 * 2.5 + 2)  # kΔ²/(μkτ+2), arXiv 2510.03137, discontinuous optimum
    assert d["minimal_excess_work"] == pytest.approx(wmin, rel=1e-12)
    assert d["predicted_excess_work"] == pytest.approx(wmin, rel=1e-12)
    assert d["bias"] == pytest.approx(2 * d["excess_work"], rel=1e-12)
    assert set(d["trajectory"]) >= {"times", "theta", "sample_mean", "work"}


def test_constant_prediction_and_2d_trap(capsys):
    d = _json(capsys, ["simulate", "(x - theta)**2/2", "--schedule", "constant", "--eta", "10", "--mu", "100",
                       "--target", "0", "--theta0", "-10", "--particles", "200", "--steps", "200"])
    # arXiv 2510.03137, Fig. 5 / Fig. 2 values: Fig. 2 continuous-time work 5.000 = βηΔ²/(2μ)
    assert d["predicted_excess_work"] == pytest.approx(5.0, abs=2e-3)
    assert d["predicted_excess_work_infinity"] == pytest.approx(5.0, rel=1e-12)
    d = _json(capsys, ["simulate", "(x1-a)**2 + (x1-a)*(x2-b)/2 + (x2-b)**2/2", "--x", "x1,x2", "--theta", "a,b",
                       "--target=-1,3", "--theta0=1,-2", "--mu", "0.8", "--particles", "200", "--steps", "50"])
    assert isinstance(d["theta_final"], list) and len(d["theta_final"]) == 2
    assert d["minimal_excess_work"] is not None


@pytest.mark.parametrize("argv,match", [
    (["x**4/4 - theta*x", "--target", "0", "--theta0", "-1", "--schedule", "discontinuous"], "closed form only"),
    (["(x-theta)**2/2", "--target", "zero", "--theta0", "-1"], "--target"),
    (["(x-theta)**2/2", "--target", "0,1", "--theta0", "-1"], "target"),
    (["(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--particles", "1"], "particles"),
    (["(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--tau", "-1"], "tau"),
    (["(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--method", "euler", "--mu", "100",
      "--steps", "20", "--schedule", "constant"], "unstable"),
    (["x**4/4 - theta*x", "--target", "0", "--theta0", "-1", "--method", "exact"], "quadratic"),
])
def test_errors_are_one_line_exit_2(capsys, argv, match):
    code = main(["simulate", *argv])
    err = capsys.readouterr().err
    assert code == 2 and match in err and err.count("\n") == 1


def test_non_trap_metric_schedules_run(capsys):
    import importlib.util

    code = main(["simulate", "x**4/4 - theta*x", "--target", "1", "--theta0", "0", "--schedule", "geodesic",
                 "--particles", "50", "--steps", "20"])
    if importlib.util.find_spec("thermolearn.numeric.metric") is None:
        assert code == 2 and "thermolearn.numeric.metric" in capsys.readouterr().err
    else:  # numeric.metric is part of the package: the schedule must run
        assert code == 0


def test_text_output(capsys):
    assert main(["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--particles", "50",
                 "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "excess work" in out and "minimal W_ex" in out


def test_fokker_planck_method_runs(capsys):
    import importlib.util

    code = main(["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--method", "fokker-planck",
                 "--steps", "50", "--format", "json"])
    captured = capsys.readouterr()
    if importlib.util.find_spec("thermolearn.numeric.fokker_planck") is None:
        assert code == 2 and "thermolearn.numeric.fokker_planck" in captured.err
    else:  # the density solver runs and fills the same keys
        assert code == 0
        d = json.loads(captured.out)
        for key in KEYS:
            assert key in d


def test_continuous_prelagged_uses_closed_form(capsys):
    # Fig. 3 (arXiv 2510.03137, continuous optimum): theta0 = -5, u0 = -10, mu = 1, tau = 1 -> W = c^2 tau/mu = 25
    d = _json(capsys, ["simulate", "(x-theta)**2/2", "--schedule", "continuous", "--target", "0", "--theta0", "-5",
                       "--u0", "-10", "--particles", "300", "--steps", "100"])
    assert d["predicted_excess_work"] == 25.0 and "closed form" in d["prediction_source"]
    # the bound from a displaced chain: (theta* - u0)^2/3 - (theta0 - u0)^2/2 = 100/3 - 12.5
    assert d["minimal_excess_work"] == pytest.approx(100 / 3 - 12.5, rel=1e-12)
    assert d["predicted_excess_work"] > d["minimal_excess_work"]


def test_discontinuous_from_displaced_chains_reaches_the_optimum(capsys):
    # theta0 = -10, u0 = -12, mu = tau = 1: the first kick re-centres on u0 and W_min = 144/3 - 2 = 46
    d = _json(capsys, ["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-10", "--u0", "-12",
                       "--particles", "500", "--steps", "100"])
    assert d["minimal_excess_work"] == pytest.approx(46.0, rel=1e-12)
    assert d["predicted_excess_work"] == pytest.approx(46.0, rel=1e-12)
    assert abs(d["theta_final"]) < 0.5 and abs(d["excess_work"] - 46.0) < 2.0


def test_plot_option_draws_any_energy(tmp_path, capsys):
    # the quartic x^4/4 - theta x (not a trap): ridges from KDEs of the chains, p_m from the normalised Boltzmann weight
    path = tmp_path / "run.svg"
    d = _json(capsys, ["simulate", "x**4/4 - theta*x", "--schedule", "constant", "--eta", "0.5", "--target", "1",
                       "--theta0", "0", "--particles", "200", "--steps", "40", "--plot", str(path)])
    assert d["plot"] == str(path) and path.stat().st_size > 10_000 and path.read_text().lstrip().startswith("<?xml")


def test_plot_option_rejects_unknown_suffix_before_running(tmp_path, capsys):
    from thermolearn.cli import main

    code = main(["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--plot", str(tmp_path / "a.jpg")])
    err = capsys.readouterr().err
    assert code == 2 and "--plot FILE must end in .png, .pdf or .svg" in err and len(err.strip().splitlines()) == 1


def _run(capsys, argv):
    code = main(["simulate", *argv])
    captured = capsys.readouterr()
    return code, captured


def test_divergence_exits_2_unless_allowed(capsys):
    # η = 1e4 with dt = 1/50: βη·dt = 200 ≫ 2, θ explodes at the first step as at 1e6; the smaller
    # rate keeps the closed-form moment ODEs (explicit RK45) from taking 5 000 stiff steps (3 CPU-s)
    argv = ["(x-theta)**2/2", "--target", "0", "--theta0", "-10", "--schedule", "constant", "--eta", "1e4",
            "--particles", "50", "--steps", "50", "--replicas", "2"]
    code, cap = _run(capsys, argv)
    assert code == 2 and "diverged" in cap.err and "--allow-divergence" in cap.err and cap.err.count("\n") == 1
    code, cap = _run(capsys, [*argv, "--allow-divergence", "--format", "json"])
    d = json.loads(cap.out)
    assert code == 0 and d["diverged"] is True and d["minimal_excess_work"] is None
    assert d["minimal_excess_work_reason"] == "the run diverged"


def test_every_stochastic_number_has_a_standard_error(capsys):
    d = _json(capsys, ["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-3", "--mu", "1.7", "--beta", "0.8",
                       "--particles", "200", "--steps", "50", "--replicas", "4"])
    for key in ("theta_final", "sample_mean_final", "sample_variance_final", "work", "excess_work", "bias",
                "free_energy_change"):
        assert f"{key}_se" in d
    assert d["replicas"] == 4 and d["work_se"] > 0
    # the standard error is the spread of the replicas / sqrt(R): it matches a z-score of O(1) against the closed form
    assert abs(d["z_scores"]["excess_work_vs_predicted_excess_work"]) < 4
    assert d["minimal_excess_work"] is not None


def test_fokker_planck_keys_are_noise_free(capsys):
    d = _json(capsys, ["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-1", "--method", "fokker-planck",
                       "--steps", "50"])
    assert not any(k.endswith("_se") for k in d) and "noise" in d["standard_errors"]


def test_missed_target_warns_and_drops_the_bound(capsys):
    # constant eta over a short tau leaves theta(tau) far from theta*: W_min does not apply
    d = _json(capsys, ["simulate", "(x-theta)**2/2", "--target", "0", "--theta0", "-10", "--schedule", "constant",
                       "--eta", "0.1", "--particles", "100", "--steps", "50", "--replicas", "2"])
    assert any("misses the target" in w for w in d["warnings"])
    assert d["minimal_excess_work"] is None and "misses" in d["minimal_excess_work_reason"]
