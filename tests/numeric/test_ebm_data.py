"""The bundled tables are read from scikit-learn's data files: the same numbers as its loaders."""

from __future__ import annotations

import numpy as np
import pytest

from thermolearn.numeric.ebm import _data


@pytest.mark.parametrize("loader", sorted(_data._FILES))
def test_bundled_table_equals_the_scikit_learn_loader(loader):
    skd = pytest.importorskip("sklearn.datasets")
    ref = getattr(skd, loader)().data
    got = _data._sklearn_features(loader)
    assert got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


def test_a_missing_data_file_falls_back_to_the_loader(monkeypatch):
    pytest.importorskip("sklearn.datasets")
    monkeypatch.setitem(_data._FILES, "load_iris", ("no_such_file.csv", 1))
    assert _data._sklearn_features("load_iris").shape == (150, 4)
