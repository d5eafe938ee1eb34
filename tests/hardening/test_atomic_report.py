"""Reproduction output is atomic: never a report that mixes runs or looks valid after a failure."""

from __future__ import annotations

import json
import os

import pytest

from thermolearn import _report
from thermolearn._report import Check, staged_output, write_report

OK = [Check("a", 1.0, 1.0, 0.1, True)]


def test_report_json_is_written_last(tmp_path, monkeypatch):
    real = _report.atomic_write_text

    def failing(path, text):
        if path.name == "report.md":
            raise OSError("disk full")
        return real(path, text)

    monkeypatch.setattr(_report, "atomic_write_text", failing)
    with pytest.raises(OSError):
        write_report(tmp_path, OK, {})
    assert not (tmp_path / "report.json").exists()


def test_failed_run_leaves_the_folder_as_it_was(tmp_path):
    write_report(tmp_path, OK, {"run": "old"})
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RuntimeError):
        with staged_output(tmp_path) as run:
            (run.stage / "fig.png").write_bytes(b"new")
            raise RuntimeError("section failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no staging folder, no new figure
    assert json.loads((tmp_path / "report.json").read_text())["meta"]["run"] == "old"


def test_interrupted_commit_leaves_no_report(tmp_path, monkeypatch):
    write_report(tmp_path, OK, {"run": "old"})
    with staged_output(tmp_path) as run:
        (run.stage / "fig.png").write_bytes(b"new")
        monkeypatch.setattr(_report, "write_report", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            run.commit(OK, {"run": "new"})
    assert not (tmp_path / "report.json").exists() and not (tmp_path / "report.md").exists()
    assert not (tmp_path / staged_output.LOCK).exists()


def test_two_runs_commit_one_after_the_other(tmp_path):
    with staged_output(tmp_path) as first, staged_output(tmp_path) as second:
        (first.stage / "a.png").write_bytes(b"first")
        (second.stage / "a.png").write_bytes(b"second")
        (second.stage / "b.png").write_bytes(b"second")
        first.commit(OK, {"run": 1})
        second.commit([Check("b", 1.0, 2.0, 0.1, False)], {"run": 2})
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["meta"]["run"] == 2 and report["meta"]["run_id"] == second.run_id
    assert sorted(report["meta"]["files"]) == ["a.png", "b.png"]
    assert (tmp_path / "a.png").read_bytes() == b"second" and report["passed"] is False
    assert not any(p.name.startswith(".partial-") for p in tmp_path.iterdir())


def test_stale_lock_is_taken_over(tmp_path):
    (tmp_path / staged_output.LOCK).write_text("999999999\n")  # no such process
    with staged_output(tmp_path) as run:
        run.commit(OK, {})
    assert (tmp_path / "report.json").exists() and not (tmp_path / staged_output.LOCK).exists()


def test_live_lock_times_out_with_one_clear_error(tmp_path):
    (tmp_path / staged_output.LOCK).write_text(f"{os.getpid()}\n")
    with staged_output(tmp_path, lock_timeout=0.3) as run:
        with pytest.raises(OSError, match="another reproduction"):
            run.commit(OK, {})


def test_strict_json_in_the_report(tmp_path):
    write_report(tmp_path, [Check("nan", 1.0, float("nan"), 0.1, False)], {})
    text = (tmp_path / "report.json").read_text()
    assert "NaN" not in text and json.loads(text)["checks"][0]["measured"] == "nan"
