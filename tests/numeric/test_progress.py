"""The progress= helper: callback, terminal bar with percentage and ETA, silence elsewhere."""

import io
import sys

import pytest

from thermolearn.numeric.progress import Reporter, format_eta, progress_reporter
from thermolearn.theory import ParameterError


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_callback_sees_every_update():
    seen = []
    with progress_reporter(lambda *a: seen.append(a), total=2, desc="a") as bar:
        bar.update()
        bar.set_description("b")
        bar.update()
    assert seen == [(1, 2, "a"), (2, 2, "b")]


def test_silent_when_not_a_terminal(monkeypatch):
    stream = io.StringIO()
    with progress_reporter(True, total=3, desc="x", stream=stream) as bar:
        for _ in range(3):
            bar.update()
    assert stream.getvalue() == ""


def test_terminal_bar_shows_percentage_and_eta(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the built-in bar (tqdm optional)
    stream = Terminal()
    ticks = iter([0.0, 10.0, 20.0, 20.0])
    bar = Reporter(None, 4, "fig 1", stream=stream, clock=lambda: next(ticks))
    bar.update()  # 1/4 after 10 s: 30 s to go
    assert stream.getvalue() == "\rfig 1   25%  1/4  ETA 0:30"
    bar.update()  # 2/4 after 20 s
    assert stream.getvalue().endswith("\rfig 1   50%  2/4  ETA 0:20")
    bar.close()
    assert stream.getvalue().endswith("\r")


def test_true_draws_on_a_terminal(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    stream = Terminal()
    with progress_reporter(True, total=2, desc="run", stream=stream) as bar:
        bar.update(2)
    assert "100%  2/2" in stream.getvalue()


def test_format_eta():
    assert [format_eta(s) for s in (0, 59.6, 61, 3600)] == ["0:00", "1:00", "1:01", "1:00:00"]


@pytest.mark.parametrize("bad", ["yes", 3, 1.5])
def test_bad_progress_value(bad):
    with pytest.raises(ParameterError, match="progress must be"):
        progress_reporter(bad, total=1)


def test_reproduce_reports_percentage_and_eta_per_section(monkeypatch, tmp_path):
    import thermolearn.reproduce as R
    from thermolearn.cli import main

    def fake_run_papers(names, out, *, progress=None, **kw):
        for name in names:
            for m in R.PAPERS[name]:
                progress(f"{name}: {m.rsplit('.', 1)[-1]}")
        return []

    monkeypatch.setattr(R, "run_papers", fake_run_papers)
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    main(["reproduce", "--paper", "minimal-dissipation", "--out", str(tmp_path / "out")])
    lines = [l for l in err.getvalue().splitlines() if l.startswith("[thermolearn]")]
    assert lines[0].startswith("[thermolearn]   0%  0/2  ETA ?  minimal-dissipation: minimal_dissipation")
    assert "50%  1/2  ETA" in lines[1] and lines[1].endswith("general_potentials")


@pytest.mark.parametrize("use_executor", [False, True])
def test_sgd_ensemble_reports_finished_chunks(use_executor):
    from concurrent.futures import ThreadPoolExecutor

    from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, run_batch_sizes

    cfg = SGDNoiseConfig(batch_size=10, steps=4, trials=3, width=8, measure_every=2, t0=0, max_lag=1)
    seen = []
    kw = {"executor": ThreadPoolExecutor(2), "chunks": 2} if use_executor else {}
    res = run_batch_sizes(load_digits(), cfg, (1, 10), seed=1, progress=lambda *a: seen.append(a), **kw)
    total = 4 if use_executor else 2
    assert [d for d, _, _ in seen] == list(range(1, total + 1)) and {t for _, t, _ in seen} == {total}
    assert sorted(res) == [1, 10]


def test_sgd_noise_command_shows_a_bar_on_a_terminal_only(monkeypatch, capsys):
    from thermolearn.cli import main

    argv = ["sgd-noise", "--batch-sizes", "1,10", "--trials", "2", "--steps", "4", "--width", "8",
            "--measure-every", "2", "--max-lag", "1", "--format", "json"]
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert main(argv) == 0
    assert "ETA" not in capsys.readouterr().err  # captured stderr is not a terminal
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(argv) == 0
    assert "sgd-noise  100%  2/2  ETA 0:00" in err.getvalue()


def test_inner_calls_count_into_the_outer_bar():
    """A Reporter passed as progress= (replicas, several integrals): one bar, units add up."""
    seen = []
    with progress_reporter(lambda d, t, s: seen.append((d, t)), total=5, desc="outer") as outer:
        for _ in range(2):
            with progress_reporter(outer, total=99, desc="inner") as inner:  # inner total ignored
                inner.update()
                inner.update()
        outer.update()
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_built_in_bar_is_throttled(monkeypatch):
    """Millions of cheap steps redraw a few times a second at most, and always at the end."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    stream = Terminal()
    clock = iter([0.0] + [0.001 * i for i in range(1, 1001)])
    bar = Reporter(None, 1000, "run", stream=stream, clock=lambda: next(clock))
    for _ in range(1000):
        bar.update()
    draws = stream.getvalue().count("\r")
    assert 1 + 1000 * 0.001 / Reporter.REDRAW <= draws <= 2 + 1000 * 0.001 / Reporter.REDRAW
    assert stream.getvalue().endswith("100%  1000/1000  ETA 0:00")
