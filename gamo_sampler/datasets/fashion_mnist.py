"""Fashion-MNIST with the GAMO paper's imbalance-ratio-100 protocol, read
from local idx files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .idx import read_idx

__all__ = [
    "FASHION_MNIST_DEFAULT_DIR",
    "FASHION_MNIST_ENV_VAR",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_IR100_COUNTS",
    "load_fashion_mnist_ir100",
]

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
