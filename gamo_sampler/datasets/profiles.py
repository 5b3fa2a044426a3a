"""Per-class counts and the balanced-test / imbalanced-train draws of the
protocol loaders."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["MIN_SAMPLES_PER_CLASS", "geometric_profile"]

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
