"""The compared estimators: sampler and classifier keys, and their builders."""

from __future__ import annotations

import numpy as np

__all__ = ["CLASSIFIERS", "SAMPLERS", "make_classifier", "make_sampler"]

SAMPLERS = {
    "none": "none",
    "ros": "RandomOverSampler",
    "smote": "SMOTE",
    "bsmote": "BorderlineSMOTE",
    "adasyn": "ADASYN",
    "gamo": "GAMOSampler",
}
"""Sampler keys of the command line, mapped to display names."""

CLASSIFIERS = {
    "mlp": "MLP",
    "logreg": "LogReg",
    "forest": "RF",
    "gamo": "GAMOClassifier",
}
"""Classifier keys of the command line, mapped to display names.

- ``mlp``: ``GAMOClassifier(sampling_strategy={})``, GAMO's own classifier
  network (256-128, LeakyReLU, softmax, MSE loss, Adam 2e-4) trained without
  any oversampling: the same network, loss and optimiser as inside GAMO;
- ``logreg``: ``LogisticRegression(max_iter=1000)``;
- ``forest``: ``RandomForestClassifier(n_estimators=100)``;
- ``gamo``: ``GAMOClassifier()``, the classifier trained in GAMO's game. It
  does its own oversampling, so it is not combined with the samplers.
"""

NEIGHBOURS = 5  # k of SMOTE, BorderlineSMOTE and ADASYN, as in imbalanced-learn


def _neighbours(y):
    """k for the k-NN samplers: 5, or fewer if a minority class is too small.

    With the default ``sampling_strategy='auto'`` every class but the largest is
    oversampled, and each needs k + 1 members.
    """
    counts = np.sort(np.unique(y, return_counts=True)[1])
    smallest = int(counts[0]) if len(counts) else 0
    k = min(NEIGHBOURS, smallest - 1)
    if k < 1:
        raise ValueError(
            f"A class has only {smallest} training row(s); k-NN samplers need 2."
        )
    return k


def make_sampler(name, *, y, random_state=None, max_iter=500, device="auto"):
    """Build the sampler ``name`` for training labels ``y``.

    Parameters
    ----------
    name : str
        A key of :data:`SAMPLERS`.
    y : array-like of shape (n_samples,)
        Training labels; they set k of the k-NN samplers (5, or the size of
        the smallest class minus one when that is smaller).
    random_state : int or None, default=None
        Seed of the sampler.
    max_iter : int, default=500
        Iterations of GAMOSampler's game.
    device : str, default="auto"
        Torch device of GAMOSampler.

    Returns
    -------
    sampler : imblearn sampler or None
        None for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.benchmark import make_sampler
    >>> make_sampler("smote", y=np.array([0] * 20 + [1] * 4), random_state=0)
    SMOTE(k_neighbors=3, random_state=0)
    """
    from imblearn.over_sampling import (
        ADASYN,
        SMOTE,
        BorderlineSMOTE,
        RandomOverSampler,
    )

    from ..sampler import GAMOSampler

    if name == "none":
        return None
    if name == "ros":
        return RandomOverSampler(random_state=random_state)
    if name == "gamo":
        return GAMOSampler(max_iter=max_iter, device=device, random_state=random_state)
    k = _neighbours(y)
    if name == "smote":
        return SMOTE(k_neighbors=k, random_state=random_state)
    if name == "bsmote":
        return BorderlineSMOTE(k_neighbors=k, random_state=random_state)
    if name == "adasyn":
        return ADASYN(n_neighbors=k, random_state=random_state)
    raise ValueError(f"Unknown sampler {name!r}; choose among {', '.join(SAMPLERS)}.")


def make_classifier(name, *, random_state=None, max_iter=500, device="auto"):
    """Build the classifier ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`CLASSIFIERS`.
    random_state : int or None, default=None
        Seed of the classifier.
    max_iter : int, default=500
        Training iterations of the MLP and of GAMOClassifier.
    device : str, default="auto"
        Torch device of the MLP and of GAMOClassifier.

    Returns
    -------
    classifier : scikit-learn classifier

    Examples
    --------
    >>> from gamo_sampler.benchmark import make_classifier
    >>> make_classifier("mlp", max_iter=100, random_state=0)
    GAMOClassifier(max_iter=100, random_state=0, sampling_strategy={})
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    from ..classifier import GAMOClassifier

    torch_params = {"max_iter": max_iter, "device": device}
    if name == "mlp":
        return GAMOClassifier(
            sampling_strategy={}, random_state=random_state, **torch_params
        )
    if name == "gamo":
        return GAMOClassifier(random_state=random_state, **torch_params)
    if name == "logreg":
        return LogisticRegression(max_iter=1000)
    if name == "forest":
        return RandomForestClassifier(
            n_estimators=100, n_jobs=1, random_state=random_state
        )
    raise ValueError(
        f"Unknown classifier {name!r}; choose among {', '.join(CLASSIFIERS)}."
    )
