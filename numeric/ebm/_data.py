"""Training data for the EBM trainer: untrusted CSV/NPY files and bundled real datasets.

Bundled (scikit-learn's packaged data, no download): ``digits`` (1797 × 64,
8×8 images), ``digits-2d``, ``iris-2d``, ``wine-2d`` (the first two
principal components).  Every set is standardised per coordinate (zero
mean, unit variance on the training split) and split into training and
held-out rows with a seeded permutation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermolearn.theory import ParameterError

from .._sklearn_tables import sklearn_table

__all__ = ["EBMData", "load_ebm_data", "read_array", "BUNDLED"]

#: Bundled dataset name -> (sklearn loader name, PCA components or None).
BUNDLED = {"digits": ("load_digits", None), "digits-2d": ("load_digits", 2), "iris-2d": ("load_iris", 2),
           "wine-2d": ("load_wine", 2)}

MAX_ROWS = 10_000_000
MAX_COLUMNS = 4096


@dataclass(frozen=True)
class EBMData:
    """Standardised training and held-out rows (shapes (N, d), (M, d))."""

    name: str
    train: np.ndarray
    heldout: np.ndarray

    @property
    def dim(self) -> int:
        return self.train.shape[1]


def _check_size_before_reading(p: Path) -> None:
    """Untrusted files: an NPY header must match the file size, a CSV must be of plausible size,
    before anything is allocated (a header may declare terabytes)."""
    size = p.stat().st_size
    if p.suffix.lower() == ".npy":
        try:
            with open(p, "rb") as fh:
                version = np.lib.format.read_magic(fh)
                reader = {(1, 0): np.lib.format.read_array_header_1_0,
                          (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if reader is None:
                    raise ParameterError(f"data file {str(p)!r}: unsupported .npy version {version}")
                shape, _, dtype = reader(fh)
                head = fh.tell()
        except ParameterError:
            raise
        except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
            raise ParameterError(f"data file {str(p)!r} has a corrupt .npy header: {' '.join(str(exc).split())[:200]}") from None
        if dtype.hasobject:
            raise ParameterError(f"data file {str(p)!r}: object arrays are not accepted")
        import math

        need = math.prod(shape) * dtype.itemsize
        if need != size - head:
            raise ParameterError(f"data file {str(p)!r} is corrupt: header shape {shape} needs {need} bytes, "
                                 f"found {size - head}")
        if math.prod(shape) > MAX_ROWS * MAX_COLUMNS:
            raise ParameterError(f"data file {str(p)!r}: shape {shape} exceeds {MAX_ROWS} rows x {MAX_COLUMNS} columns")
    elif size > 64 * MAX_ROWS * MAX_COLUMNS:
        raise ParameterError(f"data file {str(p)!r} is {size} bytes; at most {MAX_ROWS} rows x {MAX_COLUMNS} "
                             "columns of numbers are accepted")


def read_array(path) -> np.ndarray:
    """Read a numeric 2-D array from ``.npy`` (no pickles) or ``.csv``/``.txt`` (commas), validated.

    Raises :class:`ParameterError` naming the file and the defect (missing,
    unreadable, not numeric, wrong shape, non-finite values, too large).
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"data file {str(p)!r} does not exist")
    _check_size_before_reading(p)
    try:
        if p.suffix.lower() == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif p.suffix.lower() in (".csv", ".txt"):
            arr = np.loadtxt(p, delimiter=",", ndmin=2, dtype=float)
        else:
            raise ParameterError(f"data file {str(p)!r}: expected a .npy or .csv file")
    except ParameterError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        raise ParameterError(f"data file {str(p)!r} is not a numeric array: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise ParameterError(f"data file {str(p)!r}: expected real numbers, got dtype {getattr(arr, 'dtype', type(arr))}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 10 or not (1 <= arr.shape[1] <= MAX_COLUMNS) or arr.shape[0] > MAX_ROWS:
        raise ParameterError(f"data file {str(p)!r}: expected a (rows >= 10, 1..{MAX_COLUMNS} columns) array, "
                             f"got shape {arr.shape}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"data file {str(p)!r} contains NaN or infinite values")
    return arr


def _bundled(name: str) -> np.ndarray:
    loader, comps = BUNDLED[name]
    x = np.array(sklearn_table(loader)[0])
    if comps is not None:
        x = x - x.mean(axis=0)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        x = x @ vt[:comps].T
    return x


def load_ebm_data(source: str, *, heldout_fraction: float = 0.2, seed: int = 0) -> EBMData:
    """A bundled dataset by name or a CSV/NPY file, standardised and split.

    >>> d = load_ebm_data("iris-2d", seed=1)
    >>> d.train.shape, d.heldout.shape
    ((120, 2), (30, 2))
    """
    if not (0.0 <= heldout_fraction < 1.0):
        raise ParameterError(f"heldout fraction must lie in [0, 1), got {heldout_fraction!r}")
    x = _bundled(source) if source in BUNDLED else read_array(source)
    name = source if source in BUNDLED else Path(source).name
    perm = np.random.default_rng(seed).permutation(x.shape[0])
    n_held = int(round(heldout_fraction * x.shape[0]))
    if x.shape[0] - n_held < 2:
        raise ParameterError(f"too few training rows ({x.shape[0] - n_held}) after holding out {n_held}")
    tr, he = x[perm[n_held:]], x[perm[:n_held]]
    mu, sd = tr.mean(axis=0), tr.std(axis=0)
    sd = np.where(sd > 1e-12 * max(1.0, float(np.max(sd))), sd, 1.0)  # constant pixels stay 0
    return EBMData(name, (tr - mu) / sd, (he - mu) / sd)
