"""Result objects in notebooks: short summaries, strict-JSON/npz export and a lossless load path."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from thermolearn.numeric.results import ResultMixin, load_result, summarise
from thermolearn.theory import ParameterError


@dataclass(frozen=True)
class Sample(ResultMixin):  # a result class defined outside the package: saved, never re-imported
    values: np.ndarray
    label: str = ""


@pytest.fixture(scope="module")
def training():
    from thermolearn.numeric.langevin import discontinuous_schedule, train
    from thermolearn.theory.models import harmonic_trap

    return train(harmonic_trap(k=1, beta=1, mu=1), discontinuous_schedule(beta=1, mu=1, k=1, tau=1),
                 theta0=-10, target=0, particles=500, steps=400, rng=np.random.default_rng(3), snapshots=3)


@pytest.fixture(scope="module")
def infoflow_result():
    from thermolearn.infoflow import TwoStateLearner

    return TwoStateLearner().analyse(5)


def _strict_json(text):
    def refuse(name):
        raise AssertionError(f"bare {name} in JSON")

    return json.loads(text, parse_constant=refuse)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
            a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return type(a) is type(b) and a == b


def _assert_fields_equal(a, b):
    assert type(a) is type(b)
    for name in a.__dataclass_fields__:
        if name.startswith("_"):
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, tuple):
            assert isinstance(y, tuple) and len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y)), name
        else:
            assert _same(x, y), name


def test_repr_is_short_and_names_every_field(training):
    text = repr(training)
    full = sum(np.asarray(getattr(training, f)).nbytes for f in training.__dataclass_fields__
               if isinstance(getattr(training, f), np.ndarray))
    assert full > 10_000 and len(text) < 2_500
    assert text.splitlines()[0] == "TrainingResult"
    for name in ("times", "theta", "excess_work", "snapshots", "method", "warnings"):
        assert any(line.split()[0] == name for line in text.splitlines()[1:]), name
    assert f"float64 {training.samples.shape}" in text


def test_html_summary_is_a_table_and_escaped():
    html = Sample(np.arange(3.0), "<b>x</b>")._repr_html_()
    assert html.startswith("<table>") and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html.replace(
        "<b>Sample</b>", "")


def test_summarise_arrays_by_shape_and_range():
    assert summarise(np.array([[np.nan, 1.0], [2.0, np.inf]] * 3)) == "float64 (6, 2) in [1, 2], 6 non-finite"
    assert summarise(np.arange(1000)) == "int64 (1000,) in [0, 999]"


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_training_result_round_trip(training, tmp_path, suffix):
    path = training.save(tmp_path / f"run{suffix}")
    back = load_result(path)
    _assert_fields_equal(training, back)
    assert type(back).load(path) is not None
    if suffix == ".json":
        _strict_json(path.read_text())


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_infoflow_result_round_trip(infoflow_result, tmp_path, suffix):
    back = load_result(infoflow_result.save(tmp_path / f"flow{suffix}"))
    _assert_fields_equal(infoflow_result, back)
    assert back.interval_entropy_production(1, 3) == infoflow_result.interval_entropy_production(1, 3)


def test_nested_dataclass_and_tuple_round_trip(tmp_path):
    from thermolearn.numeric.schedule import Kick
    from thermolearn.numeric.langevin import discontinuous_schedule

    sched = discontinuous_schedule(beta=1, mu=2, k=1, tau=1)
    assert "rate" not in sched.to_dict() and len(sched.to_dict()["kicks"]) == 2
    path = sched.save(tmp_path / "schedule.json")
    with pytest.raises(ParameterError, match="needs \\['rate'\\].*as_dict=True"):
        load_result(path)
    data = load_result(path, as_dict=True)
    assert isinstance(data["kicks"], tuple) and isinstance(data["kicks"][0], Kick)
    assert data["kicks"][0].time == sched.kicks[0].time and data["tau"] == 1.0


def test_to_dict_is_plain_python(infoflow_result):
    d = infoflow_result.to_dict()
    assert isinstance(d["M"], list) and isinstance(d["N"], int)
    json.dumps(d)  # finite numbers: the plain dict serialises as it is


def test_load_refuses_foreign_classes_and_bad_files(tmp_path, infoflow_result):
    path = infoflow_result.save(tmp_path / "r.json")
    meta = json.loads(path.read_text())
    meta["class"] = "os:system"
    path.write_text(json.dumps(meta))
    with pytest.raises(ParameterError, match="not a thermolearn class"):
        load_result(path)
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(ParameterError, match="not a saved thermolearn result"):
        load_result(tmp_path / "junk.json")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ParameterError, match="not a saved thermolearn result"):
        load_result(tmp_path / "junk.npz")
    with pytest.raises(ParameterError, match="no such file"):
        load_result(tmp_path / "missing.npz")
    with pytest.raises(ParameterError, match=r"\.npz or \.json"):
        infoflow_result.save(tmp_path / "r.csv")


def test_load_checks_the_class(tmp_path, infoflow_result, training):
    path = infoflow_result.save(tmp_path / "r.npz")
    with pytest.raises(ParameterError, match="holds a InfoflowAnalysis, expected TrainingResult"):
        type(training).load(path)


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=40, deadline=None)
@given(values=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=finite_or_not),
       suffix=st.sampled_from([".npz", ".json"]))
def test_any_float_array_survives_both_formats(tmp_path_factory, values, suffix):
    from thermolearn.numeric.langevin import TrainingResult

    z = np.zeros((2, 1))
    r = TrainingResult(np.array([0.0, 1.0]), z, z, z + 1, np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
                       np.zeros(2), np.zeros(2), "exact", "constant", float("nan"), values, ("w",))
    path = r.save(tmp_path_factory.mktemp("h") / f"r{suffix}")
    if suffix == ".json":
        _strict_json(path.read_text())
    _assert_fields_equal(r, load_result(path))
