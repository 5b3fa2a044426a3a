"""Imbalanced digits: scikit-learn's 8x8 digits with a balanced test set."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from .profiles import _profiled_split, _protocol_bunch

__all__ = ["DIGITS_TEST_SIZE_PER_CLASS", "load_imbalanced_digits"]

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
