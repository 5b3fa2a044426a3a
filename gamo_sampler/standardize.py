"""Per-feature centring and scaling of the game's rows, dense or sparse.

The game runs on standardised float32 rows. A convex combination commutes with
this affine map, so generated rows mapped back are convex combinations of the
original rows.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs import mean_variance_axis


def largest_magnitudes(X):
    """The largest absolute value of each column of ``X``, dense or sparse.

    For sparse ``X`` only the stored values are read, and ``X`` is left as it
    is: scipy's ``abs`` and ``max`` sum duplicate entries in place, which would
    change a caller's matrix (and its arrays, shared by any view of it).
    """
    if not sparse.issparse(X):
        return np.abs(X).max(axis=0)
    stored = sparse.coo_matrix(X)
    largest = np.zeros(X.shape[1])
    np.maximum.at(largest, stored.col, np.abs(stored.data))
    return largest


class Standardizer:
    """Per-feature centring and scaling, computed in float64.

    ``enabled=False`` keeps the rows as they are (only cast to float32), after
    checking that float32 can hold them. ``scaled``, a boolean mask over the
    columns, scales those columns only (the others are one-hot codes).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The training rows; never modified.
    enabled : bool, default=True
        Centre and scale (``standardize``).
    scaled : ndarray of bool of shape (n_features,), optional
        The columns to scale; all of them by default.

    Attributes
    ----------
    mean, scale : ndarray of shape (n_features,)
        ``transform`` computes ``(X - mean) / scale``.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.standardize import Standardizer
    >>> scaling = Standardizer(np.array([[0.0, 10.0], [2.0, 10.0]]))
    >>> scaling.mean.tolist(), scaling.scale.tolist()
    ([1.0, 10.0], [1.0, 1.0])
    >>> scaling.transform(np.array([[2.0, 11.0]])).tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, X, enabled=True, scaled=None):
        if scaled is not None:
            self._init_columns(X, enabled, scaled)
            return
        is_sparse = sparse.issparse(X)
        largest = largest_magnitudes(X)
        if not enabled:
            if largest.max() > np.finfo(np.float32).max:
                raise ValueError(
                    "X has values too large for float32, the precision of "
                    "training. Use standardize=True, or rescale X."
                )
            self.mean, self.scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
            return
        # Dividing each feature by a power of two is exact in floating point, so
        # ordinary data gets bit-identical statistics, while the squares inside the
        # standard deviation of huge values (|x| > 1e154) no longer overflow. The
        # power is at most 2**1023, which a float64 holds.
        unit = np.ldexp(1.0, np.frexp(largest)[1] - 1)
        if is_sparse:
            # From the stored values only: no dense copy of X. The product is a
            # new matrix, so X itself is not touched.
            scaled = sparse.csr_matrix(X, dtype=np.float64) @ sparse.diags(1.0 / unit)
            mean, variance = mean_variance_axis(scaled, axis=0)
            self.mean, scale = mean * unit, np.sqrt(variance) * unit
        else:
            scaled = X / unit
            self.mean = scaled.mean(axis=0, dtype=np.float64) * unit
            scale = scaled.std(axis=0, dtype=np.float64) * unit
        self.scale = np.where(scale > 0, scale, 1.0)
        if is_sparse:
            return
        with np.errstate(over="ignore", invalid="ignore"):
            huge = ~np.isfinite(X - self.mean).all(axis=0)
        if huge.any():
            raise ValueError(
                f"X has values too large to standardise in features "
                f"{np.flatnonzero(huge)[:10].tolist()}: they span more than the "
                "largest float64 (about 1.8e308). Rescale those features."
            )

    def _init_columns(self, X, enabled, scaled):
        """Scale only the columns where ``scaled`` is True; leave the others
        (one-hot codes) as they are."""
        self.mean, self.scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        if scaled.any():  # not when every feature is categorical
            part = Standardizer(X[:, scaled], enabled)
            self.mean[scaled], self.scale[scaled] = part.mean, part.scale

    def transform(self, X, dtype=np.float32):
        """Return standardised rows of ``dtype`` (float32, the precision of
        training, by default), C-contiguous: the memory layout of X must not
        change which kernels torch runs, nor the bits they return."""
        with np.errstate(over="ignore"):
            return ((X - self.mean) / self.scale).astype(dtype, order="C")
