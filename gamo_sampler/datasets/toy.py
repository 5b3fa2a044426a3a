"""The generated 2-D toy problem: a majority ring and a minority blob."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from .profiles import _check_int

__all__ = ["make_toy_2d"]


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
