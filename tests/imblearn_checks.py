"""imbalanced-learn's ``parametrize_with_checks``, with its checks in a list."""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as _parametrize_with_checks,
)


def parametrize_with_checks(estimators, **kwargs):
    """imbalanced-learn's decorator, its checks collected into a list.

    imbalanced-learn hands pytest a generator of checks, which pytest 9.2
    deprecates (``PytestRemovedIn10Warning``: a non-Collection iterable passed to
    ``parametrize``). The checks, ids and marks are the same.
    """
    mark = _parametrize_with_checks(estimators, **kwargs)
    names, values = mark.args
    return pytest.mark.parametrize(names, list(values), **mark.kwargs)
