"""scikit-learn's bundled tables (digits, iris, wine), read from its data files.

Importing ``sklearn.datasets`` costs 1–2 CPU-s per process (it imports most of
scikit-learn and scipy.stats), while each table is one CSV file inside the
installed scikit-learn package: rows of features followed by the class, with a
header row ``n_samples,n_features,...`` for iris and wine.  The file is read
directly when it is there and of that shape; otherwise scikit-learn's own
loader is used — the same numbers either way.  Both the SGD experiment
(Entropy 26, 112 (2024), Sec. 4: the digits) and the real-EBM trainer's
bundled datasets read their tables here.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["FILES", "sklearn_table"]

#: scikit-learn loader -> (its data file in ``sklearn/datasets/data``, header rows).
FILES = {"load_digits": ("digits.csv.gz", 0), "load_iris": ("iris.csv", 1), "load_wine": ("wine_data.csv", 1)}


def _read(loader: str):
    """(features, labels) from the data file, or None when it is absent or not of the expected shape."""
    import importlib.util

    fname, header = FILES[loader]
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / fname
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=header, ndmin=2)
        if header:
            with open(path) as fh:
                n, f = (int(v) for v in fh.readline().split(",")[:2])
            shape = (n, f + 1)
        else:
            shape = (table.shape[0], 65)  # the digits: 8 x 8 pixels and the label
    except (OSError, ValueError):
        return None
    if table.shape != shape:
        return None
    return table[:, :-1], table[:, -1]


@functools.lru_cache(maxsize=None)
def sklearn_table(loader: str):
    """Features (n, f) and integer labels (n,) of a scikit-learn bundled table, read-only.

    Parameters
    ----------
    loader : {"load_digits", "load_iris", "load_wine"}
        The name of scikit-learn's loader whose table is wanted.

    >>> x, y = sklearn_table("load_iris")
    >>> x.shape, int(y.max())
    ((150, 4), 2)
    """
    got = _read(loader)
    if got is None:
        import sklearn.datasets as skd

        bunch = getattr(skd, loader)()
        got = bunch.data, bunch.target
    x, y = np.asarray(got[0], dtype=float), np.asarray(got[1]).astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y
