"""Pickling that records which gamo_sampler version saved a model.

scikit-learn records its own version in pickles of its estimators only; a GAMO model
also depends on this library's networks and fitted attributes, so it records
``gamo_sampler.__version__`` as well and warns when another version loads it.
The fitted networks are kept on the CPU, so a model trained on a GPU loads on a
machine without one.
"""

import warnings

from ._version import __version__

VERSION_KEY = "_gamo_version"


class InconsistentGAMOVersionWarning(UserWarning):
    """A model is loaded with a gamo_sampler version other than the one that saved it.

    Such a model may fail or give different results. Refit it with the installed
    version, or install the version that saved it.

    Attributes
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    current_version : str
        The installed gamo_sampler version.
    original_version : str or None
        The version that saved the model, None when the pickle predates version
        recording.
    """

    def __init__(self, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version
        saved = (
            "an unknown gamo_sampler version (older than 0.1.0)"
            if original_version is None
            else f"gamo_sampler {original_version}"
        )
        super().__init__(
            f"Loading a {estimator_name} saved by {saved} with gamo_sampler "
            f"{current_version}. It may fail or give different results: refit it, "
            "or install the version that saved it."
        )


class VersionedPickleMixin:
    """Record ``gamo_sampler.__version__`` in pickles and check it on loading.

    Put it before scikit-learn's bases, so it wraps their ``__getstate__`` and
    ``__setstate__``.

    Examples
    --------
    >>> import pickle
    >>> from gamo_sampler import GAMOClassifier, __version__
    >>> clf = GAMOClassifier()
    >>> clf.__getstate__()["_gamo_version"] == __version__
    True
    >>> pickle.loads(pickle.dumps(clf)).get_params() == clf.get_params()
    True
    """

    def __getstate__(self):
        state = super().__getstate__()
        return {**state, VERSION_KEY: __version__}

    def __setstate__(self, state):
        state = dict(state)
        original = state.pop(VERSION_KEY, None)
        if original != __version__:
            warnings.warn(
                InconsistentGAMOVersionWarning(
                    type(self).__name__, __version__, original
                ),
                stacklevel=2,
            )
        super().__setstate__(state)
