"""scikit-learn's bundled tables read from its data files: the same numbers as its loaders.

Mutants that fail here: dropping the label column's removal (``table[:, :-1]`` ->
``table``) fails the equality for all three tables; skipping no header row
fails iris and wine; a wrong digits shape test (64 instead of 65) makes every
digits read fall back, which the no-import subprocess test catches.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from thermolearn.numeric import _sklearn_tables as tables


@pytest.mark.parametrize("loader", sorted(tables.FILES))
def test_bundled_table_equals_the_scikit_learn_loader(loader):
    skd = pytest.importorskip("sklearn.datasets")
    ref = getattr(skd, loader)()
    got = tables._read(loader)
    assert got is not None, "the data file was not read directly"
    np.testing.assert_array_equal(got[0], ref.data)
    np.testing.assert_array_equal(got[1], ref.target)
    x, y = tables.sklearn_table(loader)
    np.testing.assert_array_equal(x, ref.data)
    np.testing.assert_array_equal(y, ref.target)
    assert not x.flags.writeable and y.dtype == np.int64


def test_a_missing_data_file_falls_back_to_the_loader(monkeypatch):
    pytest.importorskip("sklearn.datasets")
    monkeypatch.setitem(tables.FILES, "load_iris", ("no_such_file.csv", 1))
    assert tables._read("load_iris") is None
    tables.sklearn_table.cache_clear()
    try:
        x, y = tables.sklearn_table("load_iris")
    finally:
        tables.sklearn_table.cache_clear()
    assert x.shape == (150, 4) and y.shape == (150,)


def test_digits_and_ebm_data_do_not_import_scikit_learn():
    code = ("import sys; from thermolearn.numeric.sgd import load_digits; from thermolearn.numeric.ebm import "
            "load_ebm_data; d = load_digits(); e = load_ebm_data('digits-2d'); "
            "print(d.n_train, e.train.shape[1], 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1438", "2", "False"]
