"""Long commands: percentage and ETA on a terminal, nothing in a pipe; cost refused up front in one line."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest

from ._harness import check_contract, run_cli

QUAD = "(x-theta)**2/2"

RUNS = {
    "simulate": ["simulate", QUAD, "--target", "1", "--theta0", "0", "--particles", "20", "--steps", "30",
                 "--replicas", "2"],
    "simulate-fp": ["simulate", QUAD, "--target", "1", "--theta0", "0", "--steps", "30", "--method", "fokker-planck"],
    "infoflow-gaussian": ["infoflow", "gaussian", "--steps", "20"],
    "infoflow-two-state": ["infoflow", "two-state", "--steps", "20"],
    "train": ["train", "--data", "iris-2d", "--model", "gaussian", "--steps", "20", "--chains", "10", "--warmup", "4",
              "--block", "2", "--grid", "0"],
}


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("name", list(RUNS))
def test_bar_on_a_terminal_only(name, monkeypatch):
    from thermolearn.cli import main

    monkeypatch.setitem(sys.modules, "tqdm", None)  # the built-in bar (tqdm is optional)
    err, out = Terminal(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(RUNS[name])
    assert code == 0, err.getvalue()
    shown = err.getvalue()
    assert "100%" in shown and "ETA" in shown, shown  # the last redraw is at 100 %
    # in a pipe (StringIO without a terminal): stderr stays empty
    code, stdout, stderr, _ = run_cli(RUNS[name])
    assert code == 0 and stderr == "", stderr


TOO_BIG = [
    (["simulate", QUAD, "--target", "1", "--theta0", "0", "--particles", "1000000", "--steps", "1000"],
     "particle-steps exceeds"),
    (["simulate", QUAD, "--target", "1", "--theta0", "0", "--particles", "200000", "--steps", "10", "--replicas",
      "1000"], "--replicas"),
    (["simulate", QUAD, "--target", "1", "--theta0", "0", "--steps", "100000", "--method", "fokker-planck"],
     "fokker-planck in 1-D exceeds"),
    (["simulate", "(x-theta)**2/2 + (y-theta2)**2/2", "--x", "x,y", "--theta", "theta,theta2", "--target", "1,1",
      "--theta0", "0,0", "--method", "fokker-planck"], "fokker-planck in 2-D exceeds"),
    # --substeps auto: the count is known once the chains exist; the trainer refuses before stepping
    (["simulate", "cosh(x-theta)", "--schedule", "constant", "--theta0", "0", "--target", "1", "--tau", "1e5",
      "--mu", "1e6", "--steps", "1", "--substeps", "auto", "--particles", "100", "--replicas", "2"],
     "substeps='auto'"),
    (["train", "--data", "iris-2d", "--steps", "10000000", "--chains", "1000"], "exceeds"),
    (["train", "--data", "iris-2d", "--model", "rbm", "--hidden", "100000", "--metric", "full", "--steps", "2",
      "--warmup", "2", "--block", "2", "--chains", "2", "--schedule", "constant"], "GiB of memory"),
]


@pytest.mark.parametrize("argv, fragment", TOO_BIG, ids=[" ".join(a[:1] + a[-4:]) for a, _ in TOO_BIG])
def test_cost_refused_in_one_line_before_work(argv, fragment):
    code, out, err, seconds = run_cli(argv)
    check_contract(argv, code, out, err)
    assert code == 2 and fragment in err, err
    assert seconds < 5  # refused from the sizes, before the run (generous: model building included)


def test_memory_estimate_refuses_beyond_the_machine(monkeypatch):
    """With little memory available the same legal sizes are refused, naming them."""
    from thermolearn._cli import _common

    monkeypatch.setattr(_common, "available_memory", lambda: 2**20)
    argv = ["infoflow", "gaussian", "--steps", "100"]
    code, out, err, _ = run_cli(argv)
    check_contract(argv, code, out, err)
    assert code == 2 and "--steps 100" in err and "GiB of memory" in err
