"""Data for the SGD experiment: digits, the IDX reader, MNIST folders, bad files."""

import gzip

import numpy as np
import pytest

from thermolearn.numeric.sgd import DataError, load_digits, load_mnist, make_dataset, read_idx, write_idx
from thermolearn.theory import ParameterError


def _mnist_folder(tmp_path, rng, n_train=30, n_test=12, compress=False, n_labels=None):
    suffix = ".gz" if compress else ""
    imgs = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    labs = rng.integers(0, 10, n_train if n_labels is None else n_labels, dtype=np.uint8)
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", imgs, compress=compress)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labs, compress=compress)
    timgs = rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    tlabs = rng.integers(0, 10, n_test, dtype=np.uint8)
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", timgs, compress=compress)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", tlabs, compress=compress)
    return imgs, labs, timgs, tlabs


def test_idx_header_is_written_as_the_mnist_format_specifies(tmp_path):
    # IDX spec (yann.lecun.com/exdb/mnist): 0x00 0x00, type 0x08 = ubyte, ndim, big-endian sizes
    path = write_idx(tmp_path / "a", np.arange(6, dtype=np.uint8).reshape(2, 3))
    raw = path.read_bytes()
    assert raw[:4] == bytes([0, 0, 0x08, 2])
    assert raw[4:12] == (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    assert raw[12:] == bytes(range(6))


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, rng, dtype, compress):
    a = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    back = read_idx(write_idx(tmp_path / "x.idx", a, compress=compress))
    assert back.dtype == np.dtype(dtype) and back.shape == a.shape
    np.testing.assert_array_equal(back, a)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_small_folder(tmp_path, rng, compress):
    imgs, labs, timgs, tlabs = _mnist_folder(tmp_path, rng, compress=compress)
    d = load_mnist(tmp_path)
    assert d.x_train.shape == (30, 784) and d.x_test.shape == (12, 784)
    np.testing.assert_array_equal(d.y_train, labs)
    np.testing.assert_allclose(d.x_train, imgs.reshape(30, -1) / 255.0)
    d2 = load_mnist(tmp_path, n_train=10, n_test=5)
    assert d2.n_train == 10 and d2.x_test.shape[0] == 5


def test_missing_folder_and_missing_file(tmp_path, rng):
    with pytest.raises(DataError, match="does not exist"):
        load_mnist(tmp_path / "nope")
    _mnist_folder(tmp_path, rng)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.*not found"):
        load_mnist(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        read_idx(tmp_path / "missing.idx")


def test_corrupt_idx_files(tmp_path, rng):
    _mnist_folder(tmp_path, rng)
    bad = tmp_path / "train-images-idx3-ubyte"
    raw = bad.read_bytes()
    bad.write_bytes(b"PK\x03\x04" + raw[4:])  # wrong magic
    with pytest.raises(DataError, match="bad magic"):
        load_mnist(tmp_path)
    bad.write_bytes(raw[:-100])  # truncated payload
    with pytest.raises(DataError, match="corrupt.*bytes"):
        load_mnist(tmp_path)
    bad.write_bytes(raw[:6])  # truncated header
    with pytest.raises(DataError, match="header truncated"):
        read_idx(bad)
    gz = tmp_path / "g.gz"
    gz.write_bytes(gzip.compress(raw)[:50])  # truncated gzip stream
    with pytest.raises(DataError, match="corrupt"):
        read_idx(gz)


def test_mismatched_labels(tmp_path, rng):
    _mnist_folder(tmp_path, rng, n_train=30, n_labels=29)
    with pytest.raises(DataError, match="mismatched labels: .* 30 images .* 29 labels"):
        load_mnist(tmp_path)


def test_labels_out_of_range_and_wrong_rank(tmp_path, rng):
    _mnist_folder(tmp_path, rng)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.full(30, 12, dtype=np.uint8))
    with pytest.raises(DataError, match="labels must be 0..9"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros((30, 2), dtype=np.uint8))
    with pytest.raises(DataError, match="1-D label"):
        load_mnist(tmp_path)


def test_digits_split_is_seeded_and_disjoint():
    a, b, c = load_digits(seed=3), load_digits(seed=3), load_digits(seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.y_train, c.y_train)
    assert a.n_train == 1797 - round(0.2 * 1797) and a.x_train.max() <= 1.0 and a.x_train.min() >= 0.0
    # train and test rows are disjoint images of the 1797 (no example in both)
    tr = {r.tobytes() for r in a.x_train}
    assert sum(r.tobytes() in tr for r in a.x_test) <= 5  # the digits set has a few exact duplicate images


def test_make_dataset_rejects_bad_input():
    with pytest.raises(ParameterError, match="test_fraction"):
        make_dataset(np.eye(4), np.arange(4), test_fraction=1.5)
    with pytest.raises(DataError, match="same N"):
        make_dataset(np.eye(4), np.arange(3))
