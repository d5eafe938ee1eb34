"""Classification data for the SGD-noise experiment: bundled digits and MNIST IDX.

Nothing is downloaded at run time.  The default data set is scikit-learn's
bundled 8×8 handwritten digits (1,797 images, 10 classes; installed with the
package).  Users who already have MNIST point :func:`load_mnist` at the
folder holding the four IDX files (raw or gzip-compressed).

The IDX format (LeCun et al., the MNIST distribution) is a big-endian
header ``0x00 0x00 <dtype code> <ndim>`` followed by ``ndim`` 32-bit sizes and
the data in C order.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermolearn.theory import ParameterError

from .._sklearn_tables import sklearn_table

__all__ = ["Dataset", "load_digits", "load_mnist", "read_idx", "write_idx", "make_dataset", "DataError", "MAX_IDX_BYTES"]

# Type codes of the IDX format -> big-endian numpy dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_CODES = {(np.dtype(v).kind, np.dtype(v).itemsize): k for k, v in _IDX_TYPES.items()}


class DataError(ParameterError):
    """A data file is missing, corrupt or inconsistent with its partner.

    A :class:`theory.ParameterError` (hence a ``ValueError``), so the CLI
    reports it on one line with exit status 2.
    """


@dataclass(frozen=True)
class Dataset:
    """A train/test split with features scaled to [0, 1] and integer labels.

    Attributes
    ----------
    x_train, x_test : ndarray, shape (N, d), float64
    y_train, y_test : ndarray, shape (N,), int64, values in ``range(n_classes)``
    n_classes : int
    name : str
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str = "data"

    def __post_init__(self):
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
                raise DataError(
                    f"x_{part} must be (N, d) and y_{part} (N,) with the same N, "
                    f"got {x.shape} and {y.shape}"
                )
            if x.shape[0] == 0:
                raise DataError(f"x_{part} is empty; expected at least one example")
            if y.size and (y.min() < 0 or y.max() >= self.n_classes):
                raise DataError(f"y_{part} labels must lie in 0..{self.n_classes - 1}, got {y.min()}..{y.max()}")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise DataError(f"train and test features differ: {self.x_train.shape[1]} vs {self.x_test.shape[1]}")

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])


def make_dataset(x, y, *, test_fraction=0.2, seed=0, n_classes=None, name="data") -> Dataset:
    """Seeded shuffled train/test split of ``(x, y)`` (features already scaled).

    >>> import numpy as np
    >>> d = make_dataset(np.eye(10), np.arange(10), test_fraction=0.3, seed=1)
    >>> d.x_train.shape, d.x_test.shape
    ((7, 10), (3, 10))
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise DataError(f"x must be (N, d) and y (N,) with the same N, got {x.shape} and {y.shape}")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ParameterError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    n = x.shape[0]
    n_test = int(round(n * test_fraction))
    if n_test < 1 or n_test >= n:
        raise ParameterError(f"test_fraction={test_fraction} leaves no train or no test example of {n}")
    perm = np.random.default_rng(seed).permutation(n)
    te, tr = perm[:n_test], perm[n_test:]
    y = y.astype(np.int64)
    k = int(n_classes) if n_classes is not None else int(y.max()) + 1
    return Dataset(x[tr], y[tr], x[te], y[te], k, name)


def load_digits(*, test_fraction=0.2, seed=0) -> Dataset:
    """scikit-learn's bundled 8×8 digits, pixels scaled from 0..16 to [0, 1].

    >>> d = load_digits()
    >>> d.n_train + d.x_test.shape[0], d.n_features, d.n_classes
    (1797, 64, 10)
    """
    x, y = sklearn_table("load_digits")
    x = x / 16.0
    x.setflags(write=False)
    return make_dataset(x, y, test_fraction=test_fraction, seed=seed, n_classes=10, name="digits")


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


#: Largest payload an IDX file may declare (bytes); MNIST's largest file is 47 MB.
MAX_IDX_BYTES = 2**31


def read_idx(path, *, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read one IDX file (raw or gzip) into a native-endian array.

    The file is untrusted: the header is read and checked first (magic
    number, type code, dimensions, declared size against ``max_bytes`` and,
    for raw files, against the file size) before anything is allocated;
    the payload must have exactly the declared length; floating-point
    payloads must be finite.

    Raises
    ------
    DataError
        One line naming the file and what is wrong with it.
    """
    import math
    import os

    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError(f"IDX file {name!r} does not exist")
    try:
        with _open(path) as fh:
            magic = fh.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES or magic[3] == 0:
                raise DataError(f"IDX file {name!r} is corrupt: bad magic number {magic!r}")
            ndim = magic[3]
            dims = fh.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise DataError(f"IDX file {name!r} is corrupt: header truncated")
            shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(ndim))
            dtype = np.dtype(_IDX_TYPES[magic[2]])
            expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if expected > max_bytes:
                raise DataError(
                    f"IDX file {name!r} declares shape {shape} ({expected:.3g} bytes); at most {max_bytes:.3g} are accepted"
                )
            is_gzip = isinstance(fh, gzip.GzipFile)
            if not is_gzip and os.path.getsize(path) - 4 - 4 * ndim != expected:
                raise DataError(
                    f"IDX file {name!r} is corrupt: header shape {shape} needs {expected} bytes, "
                    f"found {os.path.getsize(path) - 4 - 4 * ndim}"
                )
            payload = fh.read(expected + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:  # truncated gzip stream, unreadable file
        raise DataError(f"IDX file {name!r} is corrupt: {' '.join(str(exc).split())}") from None
    if len(payload) != expected:
        raise DataError(
            f"IDX file {name!r} is corrupt: header shape {shape} needs {expected} bytes, "
            f"found {len(payload) if len(payload) <= expected else 'more'}"
        )
    array = np.frombuffer(payload, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise DataError(f"IDX file {name!r} contains NaN or infinite values")
    return array


def write_idx(path, array, *, compress=False) -> Path:
    """Write ``array`` as an IDX file (used by tests and to export subsets)."""
    array = np.ascontiguousarray(array)
    code = _IDX_CODES.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ParameterError(f"array dtype {array.dtype} has no IDX type code")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + array.astype(np.dtype(_IDX_TYPES[code])).tobytes()
    path = Path(path)
    opener = gzip.open if compress else open
    with opener(path, "wb") as fh:
        fh.write(payload)
    return path


_MNIST = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find(folder: Path, stem: str) -> Path:
    for cand in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / cand).is_file():
            return folder / cand
    raise DataError(f"MNIST file {stem}[.gz] not found in {str(folder)!r}")


def _images_labels(folder: Path, part: str, limit):
    img_path, lab_path = (_find(folder, s) for s in _MNIST[part])
    images, labels = read_idx(img_path), read_idx(lab_path)
    if images.ndim != 3:
        raise DataError(f"{img_path.name}: expected a 3-D image array (N, rows, cols), got shape {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{lab_path.name}: expected a 1-D label array, got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"mismatched labels: {img_path.name} has {images.shape[0]} images but "
            f"{lab_path.name} has {labels.shape[0]} labels"
        )
    if labels.dtype.kind not in "iu":
        raise DataError(f"{lab_path.name}: labels must be integers, got IDX type {labels.dtype}")
    if images.size and (images.min() < 0 or images.max() > 255):
        raise DataError(f"{img_path.name}: pixel values must lie in 0..255, got {images.min()}..{images.max()}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{lab_path.name}: MNIST labels must be 0..9, got {labels.min()}..{labels.max()}")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    return x, labels.astype(np.int64)


def load_mnist(folder, *, n_train=None, n_test=None) -> Dataset:
    """MNIST from the four IDX files in ``folder`` (raw or ``.gz``).

    Pixels are scaled from 0..255 to [0, 1]; ``n_train``/``n_test`` keep the
    first examples of each split (the full gradient at every step costs
    O(N), so subsets keep the experiment fast).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"--mnist folder {str(folder)!r} does not exist")
    for name, val in (("n_train", n_train), ("n_test", n_test)):
        if val is not None and (isinstance(val, bool) or int(val) < 1):
            raise ParameterError(f"{name} must be a positive integer, got {val!r}")
    xtr, ytr = _images_labels(folder, "train", n_train)
    xte, yte = _images_labels(folder, "test", n_test)
    return Dataset(xtr, ytr, xte, yte, 10, "mnist")
