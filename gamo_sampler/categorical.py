"""Categorical features: which columns they are, their one-hot code in the game,
and the real categories of generated rows.

GAMO writes a synthetic row as a convex combination ``alpha @ rows`` of real rows
of its class. A category has no convex combination, but its one-hot code has
one: for each categorical feature, ``alpha`` applied to the one-hot rows of the
class's anchors is a probability vector over the categories those rows hold. The
game trains on these soft vectors next to the standardised numeric features, so
it stays differentiable. The rows handed back carry one real category per
feature, drawn from the same weights (:func:`draw_categories`).
"""

from numbers import Number

import numpy as np
from scipy import sparse
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, column_or_1d, validate_data

from ._validation import (
    FLOAT_DTYPES,
    check_consistent_rows,
    check_finite,
    check_n_classes,
    check_numeric_features,
    holds_categories,
    holds_text,
)

# pandas dtypes that categorical_features='auto' takes for categories.
AUTO_KINDS = (
    "category, object and string, with NumPy, pandas or Arrow storage, and "
    "Arrow dictionary"
)


def n_columns(X):
    """Number of columns of a 2-D array-like, or None when X is not 2-D."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.asarray(X, dtype=object).shape
        except (TypeError, ValueError):  # ragged rows: the input checks explain
            return None
    return shape[1] if len(shape) == 2 else None


def is_auto_categorical(dtype):
    """Whether ``categorical_features='auto'`` takes a column of this pandas
    dtype: categories or text, whatever the backend (``pd.read_csv(...,
    dtype_backend='pyarrow')`` gives Arrow strings)."""
    return holds_categories(dtype) or holds_text(dtype)


def resolve_categorical_features(categorical_features, X):
    """Indices of the categorical columns of ``X``.

    Parameters
    ----------
    categorical_features : None, 'auto' or array-like
        None (no categorical column), ``'auto'`` (the category, object and string
        columns of a DataFrame), column indices, column names, or a boolean mask
        of shape ``(n_features,)``.
    X : array-like of shape (n_samples, n_features)
        The raw input.

    Returns
    -------
    indices : ndarray of int
        Sorted, without repeats; empty when no column is categorical.

    Raises
    ------
    ValueError
        For names that are not columns of ``X``, indices out of range, a mask of
        the wrong length, or ``'auto'`` or names without a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.categorical import resolve_categorical_features
    >>> X = pd.DataFrame({"age": [30.0, 40.0], "colour": ["red", "blue"]})
    >>> resolve_categorical_features("auto", X).tolist()
    [1]
    >>> resolve_categorical_features([False, True], X).tolist()
    [1]
    >>> resolve_categorical_features(["size"], X)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: categorical_features names columns that X does not have: ['size']...
    """
    empty = np.empty(0, dtype=np.intp)
    if categorical_features is None:
        return empty
    n_features = n_columns(X)
    columns = getattr(X, "columns", None) if hasattr(X, "iloc") else None
    if isinstance(categorical_features, str) and categorical_features == "auto":
        if columns is None:
            raise ValueError(
                "categorical_features='auto' finds the categorical columns of a "
                f"pandas DataFrame by their dtype ({AUTO_KINDS}), but X is a "
                f"{type(X).__name__}. Pass the column indices or a boolean mask "
                "instead, e.g. categorical_features=[0, 3]."
            )
        return np.flatnonzero([is_auto_categorical(dtype) for dtype in X.dtypes])
    values = np.asarray(categorical_features)
    if values.ndim != 1:
        raise ValueError(
            "categorical_features must be a 1-D list of column indices, column "
            f"names or booleans, got an array of shape {values.shape}."
        )
    if values.size == 0 or not n_features:
        # Without 2-D X, the input checks explain what is wrong with X.
        return empty
    if values.dtype.kind == "b":
        return _from_mask(values, n_features)
    if values.dtype.kind in "iu":
        return _from_indices(values, n_features)
    if values.dtype.kind in "OUS" and all(isinstance(v, str) for v in values):
        return _from_names(values, columns)
    raise ValueError(
        "categorical_features must hold column indices (int), column names (str) "
        f"or a boolean mask, got {categorical_features!r}."
    )


def _from_mask(mask, n_features):
    if len(mask) != n_features:
        raise ValueError(
            f"categorical_features is a boolean mask of length {len(mask)}, but X "
            f"has {n_features} features. Give one boolean per column of X (True "
            "for a categorical column), or give the column indices instead."
        )
    return np.flatnonzero(mask)


def _from_indices(indices, n_features):
    bad = indices[(indices < -n_features) | (indices >= n_features)]
    if bad.size:
        raise ValueError(
            f"categorical_features has column indices out of range: {bad.tolist()}. "
            f"X has {n_features} features, so indices go from 0 to "
            f"{n_features - 1} (or from -{n_features} to -1 from the end)."
        )
    return np.unique(np.where(indices < 0, indices + n_features, indices))


def _from_names(names, columns):
    if columns is None:
        raise ValueError(
            f"categorical_features names columns ({names.tolist()!r}), but X has no "
            "column names. Pass X as a pandas DataFrame, or give column indices or "
            "a boolean mask instead."
        )
    positions = columns.get_indexer(names)
    unknown = names[positions < 0].tolist()
    if unknown:
        raise ValueError(
            f"categorical_features names columns that X does not have: {unknown!r}. "
            f"The columns of X are {list(columns)[:20]!r}"
            f"{' and more' if len(columns) > 20 else ''}; mind the spelling and "
            "the case."
        )
    return np.unique(positions)


def validate_mixed_input(estimator, X, y, categorical, reset=True):
    """Check and convert rows whose ``categorical`` columns hold categories.

    The numeric columns get the checks of the numeric input (float, finite); the
    categorical columns may hold any values of one type per column, but no
    missing ones.

    Parameters
    ----------
    estimator : BaseEstimator
        Records ``n_features_in_`` and ``feature_names_in_`` (``reset=True``), or
        checks X against them.
    X : array-like of shape (n_samples, n_features)
        Rows: a DataFrame, an array or a list of rows.
    y : array-like of shape (n_samples,) or None
        Labels, checked against X when given.
    categorical : ndarray of int
        Indices of the categorical columns.
    reset : bool, default=True
        Fit (record the features) rather than predict (check them).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Of X's float dtype when X was a float array (its categories are
        numbers), else of object dtype, holding floats in the numeric columns
        and the categories as given in the others (integer codes exactly).
    y : ndarray of shape (n_samples,) or None
        The labels as a 1-D array.
    """
    if sparse.issparse(X):
        raise TypeError(
            "Sparse data was passed for X, but GAMO needs dense rows when "
            "categorical_features is set. Use X.toarray() to convert to a dense "
            "numpy array."
        )
    frame = X if hasattr(X, "iloc") else None
    if frame is not None:
        # Sparse columns of a DataFrame are read dense, as their values. Column
        # by column, by position: before pandas 2, astype to the subtype kept a
        # column sparse.
        dtypes = [str(dtype) for dtype in frame.dtypes]
        positions = [i for i, dtype in enumerate(dtypes) if dtype.startswith("Sparse[")]
        if positions:
            frame = frame.copy()
            for i in positions:
                frame.isetitem(i, frame.iloc[:, i].sparse.to_dense().to_numpy())
        X = frame
    else:
        if not (hasattr(X, "dtype") and X.dtype.kind in "bf"):
            # Keep the type of each category: a list or object array of mixed
            # values would become strings in an array of str, and integer codes
            # above 2**53 would merge in float64.
            X = np.asarray(X, dtype=object)
        X = check_array(X, dtype=None, ensure_all_finite=False)
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    check_numeric_features(X, categorical)
    if y is not None:
        check_consistent_rows(X, y)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        check_n_classes(np.unique(y), type(estimator).__name__)
    names = getattr(estimator, "feature_names_in_", None)
    numeric = numeric_columns(X.shape[1], categorical)
    if frame is not None:  # convert the numeric columns alone
        numeric_part = frame.iloc[:, numeric]
        category_part = frame.iloc[:, categorical].to_numpy(dtype=object)
        X = frame.to_numpy(dtype=object)
    else:
        numeric_part, category_part = X[:, numeric], X[:, categorical]
    numbers = np.empty((len(X), 0))  # every feature categorical
    if len(numeric):
        numbers = check_array(numeric_part, dtype=FLOAT_DTYPES, ensure_all_finite=False)
    check_finite(numbers, None if names is None else names[numeric])
    check_no_missing_categories(
        category_part, categorical if names is None else names[categorical]
    )
    if X.dtype.kind in "bf":
        # A float array: its categories are numbers too (codes), exact in it.
        return check_array(X, dtype=FLOAT_DTYPES, ensure_all_finite=False), y
    X = X.copy()
    X[:, numeric] = numbers
    return X, y


def numeric_columns(n_features, categorical):
    """Indices of the columns that are not ``categorical``."""
    return np.setdiff1d(np.arange(n_features), categorical)


def is_missing(values):
    """Element-wise: None, NaN, infinity, pandas.NA or NaT (infinity is no
    category, but a number gone wrong)."""
    flat = np.ravel(values)
    missing = np.fromiter(
        (
            v is None
            or (isinstance(v, float | np.floating) and not np.isfinite(v))
            or type(v).__name__ in ("NAType", "NaTType")
            for v in flat
        ),
        bool,
        len(flat),
    )
    return missing.reshape(np.shape(values))


def check_no_missing_categories(categories, columns):
    """Refuse missing values (None, NaN, pandas.NA) in categorical columns.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.categorical import check_no_missing_categories
    >>> categories = np.array([["a"], [None]], dtype=object)
    >>> check_no_missing_categories(categories, ["c"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Categorical column(s) ['c'] have missing values (None, NaN or ...
    """
    missing = is_missing(categories)
    if missing.any():
        where = np.asarray(columns)[missing.any(axis=0)].tolist()
        raise ValueError(
            f"Categorical column(s) {where[:10]!r} have missing values (None, NaN "
            "or infinity). A generated row takes the category of a real row, so "
            "it needs one in every row. Fill them with a category of their own (e.g. "
            "X[column] = X[column].fillna('missing'), after adding it to the "
            "categories of a pandas categorical column), impute them with "
            "sklearn.impute.SimpleImputer(strategy='most_frequent'), or drop those "
            "rows."
        )


class CategoricalCoder:
    """Split rows into numeric and categorical parts, and one-hot the categories.

    Parameters
    ----------
    categorical : ndarray of int
        Indices of the categorical columns.
    n_features : int
        Number of columns of the rows.
    encoder : OneHotEncoder, optional
        A fitted encoder of the categorical columns; fit one with :meth:`fit`
        otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.categorical import CategoricalCoder
    >>> X = np.array([[1.5, "red"], [2.5, "blue"]], dtype=object)
    >>> coder = CategoricalCoder(np.array([1]), 2).fit(X)
    >>> coder.encode(X)
    array([[1.5, 0. , 1. ],
           [2.5, 1. , 0. ]])
    >>> coder.encode(np.array([[0.5, "green"]], dtype=object))  # unknown: zeros
    array([[0.5, 0. , 0. ]])
    """

    def __init__(self, categorical, n_features, encoder=None):
        self.categorical = np.asarray(categorical)
        self.numeric = numeric_columns(n_features, self.categorical)
        self.encoder = encoder

    def fit(self, X, feature_names=None):
        """Learn each categorical column's categories from rows ``X``
        (``feature_names``, if given, name the columns in errors)."""
        # Unknown categories at predict time get an all-zero code, as in SMOTENC.
        self.encoder = OneHotEncoder(
            handle_unknown="ignore", sparse_output=False, dtype=np.float64
        )
        categories = self.categories(X)
        try:
            self.encoder.fit(categories)
        except TypeError as error:
            column = self.categorical[_first_mixed_column(categories)]
            name = column if feature_names is None else feature_names[column]
            raise TypeError(
                f"Categorical column {name!r} mixes types ({error}); its "
                "categories have no common order. Convert each categorical column "
                "to one type, e.g. X[column] = X[column].astype(str)."
            ) from error
        return self

    def numbers(self, X):
        """The numeric columns of ``X`` as float64."""
        return X[:, self.numeric].astype(np.float64)

    def categories(self, X):
        """The categorical columns of ``X``, as given, in an object array: the
        categories of a numeric array are then of one type whether it came as
        an array or a list."""
        return X[:, self.categorical].astype(object)

    def encode(self, X):
        """Numeric columns, then the one-hot code of the categorical ones
        (all zeros for a category not seen in :meth:`fit`), as float64."""
        return np.hstack([self.numbers(X), self.encoder.transform(self.categories(X))])

    @property
    def scaled(self):
        """Which encoded columns the standardiser scales: the numeric ones. The
        one-hot columns stay 0 or 1, so a soft code is a probability vector."""
        n_codes = sum(len(c) for c in self.encoder.categories_)
        return np.r_[np.ones(len(self.numeric), bool), np.zeros(n_codes, bool)]


def _first_mixed_column(categories):
    """Index of the first column whose values are not all strings or all
    numbers (0 when there is none)."""
    for i, column in enumerate(categories.T):
        texts = {isinstance(v, str) for v in column}
        odd = any(not isinstance(v, str | Number) for v in column)
        if len(texts) > 1 or odd:
            return i
    return 0


def categorical_coder(estimator):
    """The :class:`CategoricalCoder` of a fitted estimator, or None when it has no
    categorical features."""
    encoder = getattr(estimator, "categorical_encoder_", None)
    if encoder is None:
        return None
    return CategoricalCoder(
        estimator.categorical_features_, estimator.n_features_in_, encoder
    )


def fit_coder(estimator, X):
    """Fit and record ``categorical_encoder_`` on validated rows ``X``; return the
    coder, or None (and ``categorical_encoder_ = None``) without categorical
    features."""
    if len(estimator.categorical_features_) == 0:
        estimator.categorical_encoder_ = None
        return None
    coder = CategoricalCoder(estimator.categorical_features_, X.shape[1])
    coder.fit(X, getattr(estimator, "feature_names_in_", None))
    estimator.categorical_encoder_ = coder.encoder
    return coder


def _pick_by_weight(alpha, u):
    """Index of an anchor drawn with probability ``alpha`` (rows), from uniform
    draws ``u``. Only anchors of positive weight can be picked, whatever the
    rounding of the cumulative sums."""
    cumulative = np.cumsum(alpha, axis=1)
    threshold = u * cumulative[:, -1]
    return (cumulative <= threshold[:, None]).sum(axis=1)


def draw_sample(alpha, categories, rng):
    """Per row and feature, the category of an anchor drawn with probability
    ``alpha``: a draw from the feature's soft one-hot vector, each feature on its
    own."""
    n_rows, n_features = len(alpha), categories.shape[1]
    u = rng.random((n_features, n_rows))
    picks = [_pick_by_weight(alpha, u[f]) for f in range(n_features)]
    return np.stack([categories[p, f] for f, p in enumerate(picks)], axis=1)


def draw_joint(alpha, categories, rng):
    """Per row, one anchor drawn with probability ``alpha``; all its categories."""
    return categories[_pick_by_weight(alpha, rng.random(len(alpha)))]


def draw_heaviest(alpha, categories, rng):
    """Per row, the categories of the anchor of largest weight."""
    return categories[np.argmax(alpha, axis=1)]


def draw_mode(alpha, categories, rng):
    """Per row and feature, the category of largest weight in the soft vector."""
    columns = []
    for f in range(categories.shape[1]):
        values, codes = np.unique(categories[:, f], return_inverse=True)
        soft = np.zeros((len(alpha), len(values)))
        for code in range(len(values)):
            soft[:, code] = alpha[:, codes == code].sum(axis=1)
        columns.append(values[np.argmax(soft, axis=1)])
    return np.stack(columns, axis=1)


CATEGORY_DRAWS = {
    "sample": draw_sample,
    "joint": draw_joint,
    "heaviest": draw_heaviest,
    "mode": draw_mode,
}


def draw_categories(alpha, categories, rule, rng):
    """One real category per categorical feature for each generated row.

    Parameters
    ----------
    alpha : ndarray of shape (n_rows, n_anchors)
        Convex weights of the rows over their class's anchor rows.
    categories : ndarray of shape (n_anchors, n_categorical)
        The anchors' categories.
    rule : {'joint', 'sample', 'heaviest', 'mode'}
        ``'joint'`` (what :class:`~gamo_sampler.GAMOSampler` uses): all
        categories of one anchor drawn by weight; ``'sample'``: each feature's
        category drawn from its soft one-hot vector (an anchor drawn by weight,
        per feature); ``'heaviest'``: those of the anchor of largest weight;
        ``'mode'``: each feature's category of largest weight.
    rng : numpy.random.Generator
        Source of the draws.

    Returns
    -------
    drawn : ndarray of shape (n_rows, n_categorical)
        Categories of the anchors, so of the class.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.categorical import draw_categories
    >>> alpha = np.array([[0.7, 0.2, 0.1]])
    >>> categories = np.array([["red"], ["blue"], ["blue"]], dtype=object)
    >>> rng = np.random.default_rng(0)
    >>> draw_categories(alpha, categories, "heaviest", rng).tolist()
    [['red']]
    >>> draw_categories(alpha, categories, "mode", rng).tolist()
    [['red']]
    """
    return CATEGORY_DRAWS[rule](alpha, categories, rng)
