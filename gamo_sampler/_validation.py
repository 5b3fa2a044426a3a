"""Input checks shared by GAMOSampler and GAMOClassifier.

scikit-learn's ``validate_data`` converts the input; the checks here run around it
for the cases where its messages name the problem but not the fix, or where the
conversion would silently accept data that convex combinations cannot handle
(categorical columns). Every error names the problem and the way out.
"""

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

FLOAT_DTYPES = (np.float64, np.float32)
ENCODER_HINT = (
    "GAMO writes synthetic rows as convex combinations of numeric features, which "
    "has no meaning for categories or text. Declare categorical columns with "
    "categorical_features (their indices, names or a boolean mask, or 'auto' for "
    "a DataFrame's category and text columns), encode such columns "
    "first, e.g. with sklearn.preprocessing.OneHotEncoder or OrdinalEncoder in a "
    "sklearn.compose.ColumnTransformer (dates as numbers, such as days since a "
    "fixed day), or drop them."
)


def holds_categories(dtype):
    """Whether a pandas column of this dtype holds categories: pandas'
    ``category``, or Arrow's dictionary type, its counterpart."""
    return dtype.name == "category" or str(dtype).startswith("dictionary<")


def holds_text(dtype):
    """Whether a pandas column of this dtype can hold text, whatever its
    backend: NumPy's object, str and bytes, pandas' ``string`` (Python or
    Arrow storage), and Arrow's string, large string and binary types, which
    pandas gives the kinds 'O' and 'U'."""
    return dtype.kind in "OSU" and not holds_categories(dtype)


# Sparse formats the dense (non-image, non-categorical) game reads as they are.
SPARSE_FORMATS = ("csr", "csc")


def validate_fit_input(estimator, X, y, allow_nd=False, accept_sparse=False):
    """Check and convert training data.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted; records ``n_features_in_`` and
        ``feature_names_in_``.
    X : array-like of shape (n_samples, n_features)
        Training rows.
    y : array-like of shape (n_samples,)
        Class labels.
    allow_nd : bool, default=False
        Accept X with more than two dimensions (images).
    accept_sparse : False or tuple of str, default=False
        Sparse formats kept as they are (scikit-learn's ``accept_sparse``).

    Returns
    -------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        float64, or float32 when X was float32.
    y : ndarray of shape (n_samples,)
        The labels.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler import GAMOClassifier
    >>> from gamo_sampler._validation import validate_fit_input
    >>> X, y = validate_fit_input(GAMOClassifier(), [[1, 2], [3, 4]], [0, 1])
    >>> X.dtype
    dtype('float64')
    """
    check_raw_input(X, y)
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse=accept_sparse,
        dtype=FLOAT_DTYPES,
        ensure_all_finite=False,
        allow_nd=allow_nd,
    )
    check_classification_targets(y)
    check_finite(X, getattr(estimator, "feature_names_in_", None))
    check_n_classes(np.unique(y), type(estimator).__name__)
    return X, y


def validate_predict_input(estimator, X, allow_nd=False, accept_sparse=False):
    """Check and convert rows given to a fitted estimator.

    Examples
    --------
    >>> from gamo_sampler import GAMOClassifier
    >>> from gamo_sampler._validation import validate_predict_input
    >>> clf = GAMOClassifier(max_iter=1).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> validate_predict_input(clf, [[0.5]]).shape
    (1, 1)
    """
    check_numeric_features(X)
    X = validate_data(
        estimator,
        X,
        reset=False,
        accept_sparse=accept_sparse,
        dtype=FLOAT_DTYPES,
        ensure_all_finite=False,
        allow_nd=allow_nd,
    )
    check_finite(X, getattr(estimator, "feature_names_in_", None))
    return X


def check_raw_input(X, y, categorical=None):
    """Checks on the raw input, before any conversion: feature types, lengths and
    missing labels. The columns of indices ``categorical`` may hold categories.

    Examples
    --------
    >>> from gamo_sampler._validation import check_raw_input
    >>> check_raw_input([[0.0], [1.0]], [0, 1])
    >>> check_raw_input([[0.0, "red"], [1.0, "blue"]], [0, 1], categorical=[1])
    """
    check_numeric_features(X, categorical)
    check_not_empty(X)
    if y is not None:  # validate_data says that y is required
        check_consistent_rows(X, y)
        check_no_missing_labels(y)


def check_numeric_features(X, categorical=None):
    """Refuse categorical columns and text that is not a number, outside the
    columns of indices ``categorical`` (declared categorical).

    Text made of numbers (``'1.5'``) and object arrays of numbers are converted,
    as scikit-learn does. pandas categorical columns are refused even when their
    categories are numbers: interpolating between category codes is meaningless.

    Raises
    ------
    TypeError
        Naming the offending columns and pointing to an encoder.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler._validation import check_numeric_features
    >>> check_numeric_features(pd.DataFrame({"a": [1.0, 2.0]}))
    >>> colours = pd.DataFrame({"a": pd.Categorical(["x", "y"])})
    >>> check_numeric_features(colours)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: X has non-numeric columns: 'a' (categorical). GAMO writes ...
    """
    if sparse.issparse(X):
        return
    skip = set() if categorical is None else set(np.asarray(categorical).tolist())
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # a pandas DataFrame
        problems, categories = [], []
        for i, (name, dtype) in enumerate(X.dtypes.items()):
            if i in skip:
                continue
            if holds_categories(dtype):
                problems.append(f"{name!r} (categorical)")
                categories.append(name)
            elif dtype.kind in "mM":
                problems.append(f"{name!r} (date or time)")
            elif holds_text(dtype):
                column = np.asarray(X.iloc[:, i], dtype=object)
                if _first_non_number(column) is not None:
                    problems.append(f"{name!r} (text)")
                    categories.append(name)
        if problems:
            example = (
                f" For categories: categorical_features={categories[:10]!r}."
                if categories
                else ""
            )
            raise TypeError(
                f"X has non-numeric columns: {', '.join(problems[:10])}"
                f"{' and more' if len(problems) > 10 else ''}. {ENCODER_HINT}"
                f"{example}"
            )
        return
    array = X if hasattr(X, "dtype") else _as_array_or_none(X)
    if skip and array is not None and array.ndim == 2:
        kept = [i for i in range(array.shape[1]) if i not in skip]
        array = array[:, kept]
    if array is not None and array.dtype.kind in "mM":
        raise TypeError(f"X holds dates or times ({array.dtype}). {ENCODER_HINT}")
    if array is None or array.dtype.kind not in "OSU":
        return
    value = _first_non_number(array)
    if value is not None:
        raise TypeError(
            f"X contains text that is not a number: {value!r}. {ENCODER_HINT}"
        )


def check_no_bool_columns(X, categorical=None):
    """Refuse bool columns of a DataFrame given to a sampler, unless declared
    categorical (columns of indices ``categorical``).

    imbalanced-learn casts a DataFrame's output back to the input dtypes, and a
    convex combination of 0 and 1 cast to bool is True unless every weight falls
    on a 0: nearly every synthetic row would be True.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler._validation import check_no_bool_columns
    >>> flags = pd.DataFrame({"flag": [True, False]})
    >>> check_no_bool_columns(flags)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: X has bool columns: ['flag']. ...
    """
    if not (hasattr(X, "columns") and hasattr(X, "iloc")):
        return
    skip = set() if categorical is None else set(np.asarray(categorical).tolist())
    flags = [
        name
        for i, (name, dtype) in enumerate(X.dtypes.items())
        if dtype.kind == "b" and i not in skip
    ]
    if flags:
        raise TypeError(
            f"X has bool columns: {flags!r}. The resampled DataFrame keeps the input "
            "dtypes, and a convex combination of False and True cast back to bool "
            "is nearly always True. Declare them categorical (categorical_features="
            f"{flags!r}) to get True or False of a real row, or convert them to "
            f"float first (X.astype({{{flags[0]!r}: float}})) to keep the "
            "interpolated values."
        )


def _as_array_or_none(X):
    try:
        return np.asarray(X)
    except (ValueError, TypeError):  # ragged lists: validate_data explains
        return None


def _first_non_number(array):
    """Return the first string value that ``float`` cannot parse, or None.

    Other objects (a dict, say) are left to ``validate_data``, whose TypeError is
    what scikit-learn's estimator checks expect.
    """
    try:
        np.asarray(array, dtype=np.float64)
        return None
    except ValueError:
        pass
    except TypeError:
        return None
    for value in np.ravel(array):
        if isinstance(value, str | bytes | np.str_ | np.bytes_):
            try:
                float(value)
            except ValueError:
                return value.item() if isinstance(value, np.generic) else value
    return None


def _n_rows(data):
    """Number of rows of an array-like, or None when it has no clear length."""
    shape = getattr(data, "shape", None)
    if shape is not None:
        return shape[0] if len(shape) else None
    try:
        return len(data)
    except TypeError:
        return None


def check_consistent_rows(X, y):
    """Require one label per row.

    Examples
    --------
    >>> from gamo_sampler._validation import check_consistent_rows
    >>> check_consistent_rows([[0.0], [1.0]], [0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Found input variables with inconsistent numbers of samples: ...
    """
    n_X, n_y = _n_rows(X), _n_rows(y)
    if n_X is not None and n_y is not None and n_X != n_y:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: X has "
            f"{n_X} rows but y has {n_y} labels. Pass exactly one label per row of "
            "X; check that X and y were filtered, shuffled or split together."
        )


def check_not_empty(X):
    """Refuse an X without rows.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler._validation import check_not_empty
    >>> check_not_empty(np.empty((0, 3)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Found array with 0 sample(s): X is empty. ...
    """
    if _n_rows(X) == 0:
        raise ValueError(
            "Found array with 0 sample(s): X is empty. GAMO needs rows of at least "
            "two classes to learn from; check the step that produced X (a filter or "
            "a split may have removed every row)."
        )


def _is_missing(value):
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return not np.isfinite(value)
    # pandas.NA and pandas.NaT, recognised without importing pandas.
    return type(value).__name__ in ("NAType", "NaTType")


def check_no_missing_labels(y):
    """Refuse NaN, None, pandas.NA or infinite labels.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler._validation import check_no_missing_labels
    >>> check_no_missing_labels(["a", "b"])
    >>> check_no_missing_labels([0.0, np.nan])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Input y contains NaN or other missing labels ...
    """
    labels = np.asarray(y)
    if labels.dtype.kind == "f":
        missing = ~np.isfinite(labels)
    elif labels.dtype.kind == "O":
        missing = np.fromiter(map(_is_missing, labels.ravel()), bool, labels.size)
    else:
        return
    if missing.any():
        first = int(np.flatnonzero(missing.ravel())[0])
        raise ValueError(
            f"Input y contains NaN or other missing labels (NaN, None, inf): "
            f"{int(missing.sum())} of them, the first at position {first}. A row "
            "without a class cannot be learned from or oversampled. Drop those rows "
            "from X and y before fitting, e.g. keep = pandas.notna(y); "
            "X, y = X[keep], y[keep]."
        )


def check_finite(X, feature_names=None):
    """Refuse NaN and infinite feature values, naming the columns.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler._validation import check_finite
    >>> check_finite(np.array([[0.0, np.inf]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Input X contains infinity in column(s) [1]. ...
    """
    if sparse.issparse(X):
        # Only stored values can be NaN or infinite: two rows stand in for X,
        # one with its NaNs and one with its infinities, in their columns.
        stored = X.tocoo()
        nan, inf = np.isnan(stored.data), np.isinf(stored.data)
        X = np.zeros((2, X.shape[1]))
        X[0, stored.col[nan]] = np.nan
        X[1, stored.col[inf]] = stored.data[inf]
    with np.errstate(over="ignore", invalid="ignore"):
        # Cheap test first; a sum that overflows only sends us to the exact test.
        if np.isfinite(X.sum(dtype=np.float64)):
            return
    problems = []
    nan = np.isnan(X)
    if nan.any():
        problems.append(
            f"Input X contains NaN in column(s) {_columns(nan, feature_names)}. "
            "GAMO cannot interpolate missing values: impute them first, e.g. with "
            "sklearn.impute.SimpleImputer before the sampler in an "
            "imblearn.pipeline.Pipeline, or drop those rows."
        )
    inf = np.isinf(X)
    if inf.any():
        problems.append(
            f"Input X contains infinity in column(s) {_columns(inf, feature_names)}. "
            "Replace or drop the infinite values first, e.g. clip them to a finite "
            "range, or mark them missing (X[np.isinf(X)] = np.nan) and impute."
        )
    if problems:
        raise ValueError(" ".join(problems))


def _columns(mask, feature_names):
    columns = np.flatnonzero(mask.any(axis=0))
    names = columns if feature_names is None else feature_names[columns]
    more = " and more" if len(names) > 10 else ""
    return f"{names[:10].tolist()}{more}"


def check_n_classes(classes, estimator_name):
    """Require at least two classes.

    Examples
    --------
    >>> from gamo_sampler._validation import check_n_classes
    >>> check_n_classes([0], "GAMOSampler")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: GAMOSampler needs at least 2 classes, but y contains only one ...
    """
    if len(classes) < 2:
        raise ValueError(
            f"{estimator_name} needs at least 2 classes, but y contains only one "
            f"class: {np.asarray(classes).tolist()!r}. GAMO oversamples a class "
            "relative to the others. Pass rows of at least two classes; if a split "
            "removed a class, split with stratify=y or use StratifiedKFold."
        )


def check_sampling_strategy_dict(sampling_strategy, y):
    """Explain the two common mistakes in a dict ``sampling_strategy``.

    Unknown class labels, and targets below a class's current count (an
    over-sampler cannot remove rows). Other forms are left to imbalanced-learn.

    Examples
    --------
    >>> from gamo_sampler._validation import check_sampling_strategy_dict
    >>> check_sampling_strategy_dict({1: 1}, [0, 0, 0, 1, 1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: sampling_strategy asks for 1 rows of class 1, which has 2. ...
    """
    if not isinstance(sampling_strategy, dict):
        return
    classes, counts = np.unique(y, return_counts=True)
    count_of = dict(zip(classes.tolist(), counts.tolist(), strict=True))
    unknown = [label for label in sampling_strategy if label not in count_of]
    if unknown:
        raise ValueError(
            f"sampling_strategy names classes that are not in y: {unknown!r}. The "
            f"classes in y are {list(count_of)!r}; use those labels as keys (mind "
            "the type: 1 and '1' are different labels)."
        )
    for label, target in sampling_strategy.items():
        if not isinstance(target, Integral) or isinstance(target, bool):
            raise ValueError(
                f"sampling_strategy asks for {target!r} rows of class {label!r}: "
                "the values of a dict are numbers of rows, so they must be whole "
                f"numbers, such as {{{label!r}: {count_of[label]}}}."
            )
        if target < count_of[label]:
            raise ValueError(
                f"sampling_strategy asks for {target} rows of class {label!r}, "
                f"which has {count_of[label]}. With over-sampling the value is the "
                "number of rows after resampling, and GAMO only adds rows: ask for "
                f"at least {count_of[label]}, or remove rows with an under-sampler "
                "such as imblearn.under_sampling.RandomUnderSampler."
            )


def check_sample_counts(n_samples, allow_dict=True):
    """Validate the ``n_samples`` argument of the samplers' ``sample`` methods.

    Examples
    --------
    >>> from gamo_sampler._validation import check_sample_counts
    >>> check_sample_counts(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n_samples must be a non-negative integer or a dict ...
    """
    if isinstance(n_samples, dict) and allow_dict:
        counts = n_samples.values()
    else:
        counts = [n_samples]
    if not all(
        isinstance(c, Integral) and not isinstance(c, bool) and c >= 0 for c in counts
    ):
        kinds = "a non-negative integer"
        if allow_dict:
            kinds += " or a dict mapping class labels to non-negative integers"
        raise ValueError(f"n_samples must be {kinds}, got {n_samples!r}.")
