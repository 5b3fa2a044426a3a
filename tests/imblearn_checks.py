"""The check suites' ``parametrize_with_checks`` decorators, with their checks
in a list."""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as _parametrize_with_checks,
)


def listed(mark):
    """A check suite's ``parametrize`` mark with its checks collected into a list.

    imbalanced-learn, and scikit-learn before 1.7, hand pytest a generator of
    checks, which pytest 9.2 deprecates (``PytestRemovedIn10Warning``: a
    non-Collection iterable passed to ``parametrize``). The checks, ids and
    marks are the same.
    """
    names, values = mark.args
    return pytest.mark.parametrize(names, list(values), **mark.kwargs)


def parametrize_with_checks(estimators, **kwargs):
    """imbalanced-learn's decorator, its checks collected into a list."""
    return listed(_parametrize_with_checks(estimators, **kwargs))
