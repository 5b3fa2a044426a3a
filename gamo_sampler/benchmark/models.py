"""The compared estimators: sampler and classifier keys, and their builders."""

from __future__ import annotations

import numpy as np

from ..peers import PEERS, missing_requirements

__all__ = [
    "CATEGORICAL_SAMPLERS",
    "CLASSIFIERS",
    "CLASSIFIER_GROUPS",
    "STANDALONE_CLASSIFIERS",
    "CORE_SAMPLERS",
    "SAMPLER_GROUPS",
    "SAMPLERS",
    "categorical_skip_reason",
    "make_classifier",
    "make_sampler",
    "resolve_classifiers",
    "resolve_samplers",
    "smote_variant",
    "unavailable",
]

CORE_SAMPLERS = {
    "none": "none",
    "ros": "RandomOverSampler",
    "smote": "SMOTE",
    "bsmote": "BorderlineSMOTE",
    "adasyn": "ADASYN",
    "gamo": "GAMOSampler",
}
"""Samplers that need nothing beyond gamo-sampler, mapped to display names:
the default of ``gamo-benchmark``."""

SAMPLERS = {**CORE_SAMPLERS, **{key: peer.name for key, peer in PEERS.items()}}
"""Sampler keys of the command line, mapped to display names: the core
samplers, then the peers of :data:`gamo_sampler.peers.PEERS`, which need
optional packages."""

CATEGORICAL_SAMPLERS = ("none", "ros", "smote", "gamo")
"""Sampler keys that run on tables with categorical columns.

On such a table ``"smote"`` is ``SMOTENC``, or ``SMOTEN`` when every column is
categorical, and ``"gamo"`` is ``GAMOSampler(categorical_features='auto')``;
``"none"`` and ``"ros"`` are as on numeric tables. The other samplers
(BorderlineSMOTE, ADASYN and the peers) interpolate numbers only: the
benchmark skips them on such tables, with a note."""

SAMPLER_GROUPS = {
    "core": tuple(CORE_SAMPLERS),
    "peers": tuple(PEERS),
    "all": tuple(SAMPLERS),
}
"""Names that stand for several samplers on the command line."""

# The smote-variants peers: class name, and whether it takes n_neighbors.
SMOTE_VARIANTS = {
    "polyfit-smote": ("polynom_fit_SMOTE_star", False),
    "prowsyn": ("ProWSyn", True),
    "smote-ipf": ("SMOTE_IPF", True),
    "lee": ("Lee", True),
}

CLASSIFIERS = {
    "mlp": "MLP",
    "logreg": "LogReg",
    "forest": "RF",
    "hgb": "HGB",
    "gamo": "GAMOClassifier",
    "hgb-balanced": "HGB balanced",
    "hgb-tuned": "HGB tuned",
    "brf": "BalancedRF",
    "easy-ensemble": "EasyEnsemble",
}
"""Classifier keys of the command line, mapped to display names.

Downstream classifiers, fitted on the rows of every sampler:

- ``mlp``: ``GAMOClassifier(sampling_strategy={})``, GAMO's own classifier
  network (256-128, LeakyReLU, softmax, MSE loss, Adam 2e-4) trained without
  any oversampling: the same network, loss and optimiser as inside GAMO;
- ``logreg``: ``LogisticRegression(max_iter=1000)``;
- ``forest``: ``RandomForestClassifier(n_estimators=100)``;
- ``hgb``: ``HistGradientBoostingClassifier()``, scikit-learn's gradient-boosted
  trees at their defaults.

Models that handle the imbalance themselves (:data:`STANDALONE_CLASSIFIERS`),
fitted once per split on the original rows:

- ``gamo``: ``GAMOClassifier()``, the classifier trained in GAMO's game;
- ``hgb-balanced``: ``HistGradientBoostingClassifier(class_weight='balanced')``;
- ``hgb-tuned``: ``HistGradientBoostingClassifier()`` inside
  ``TunedThresholdClassifierCV(scoring='balanced_accuracy')``, whose decision
  threshold is tuned by an inner 5-fold cross-validation (binary tables only:
  skipped, with a note, on more classes);
- ``brf``: imbalanced-learn's ``BalancedRandomForestClassifier`` (each tree on
  a random under-sample of the majority class);
- ``easy-ensemble``: imbalanced-learn's ``EasyEnsembleClassifier`` (AdaBoost
  learners, each on a balanced random under-sample).
"""

STANDALONE_CLASSIFIERS = ("gamo", "hgb-balanced", "hgb-tuned", "brf", "easy-ensemble")
"""Classifier keys that take no over-sampler: each runs once per split."""

BINARY_ONLY_CLASSIFIERS = ("hgb-tuned",)
"""Classifier keys that run on two-class datasets only."""

PRACTITIONERS = ("hgb", "hgb-balanced", "hgb-tuned", "brf", "easy-ensemble")

CLASSIFIER_GROUPS = {
    "default": ("mlp", "logreg", "forest", "gamo"),
    "practitioners": PRACTITIONERS,
    "all": tuple(CLASSIFIERS),
}
"""Names that stand for several classifiers on the command line: ``default``
(today's MLP, LogReg, RF and GAMOClassifier), ``practitioners`` (gradient
boosting, with class weights or a tuned threshold, and the under-sampling
ensembles) and ``all``."""


def resolve_classifiers(names):
    """Expand the group names of :data:`CLASSIFIER_GROUPS` and drop repeats.

    Examples
    --------
    >>> from gamo_sampler.benchmark.models import resolve_classifiers
    >>> resolve_classifiers(["logreg", "practitioners", "hgb"])
    ('logreg', 'hgb', 'hgb-balanced', 'hgb-tuned', 'brf', 'easy-ensemble')
    """
    return _expand(names, CLASSIFIERS, CLASSIFIER_GROUPS, "classifier")


def _expand(names, keys, groups, what):
    """``names`` with each group of ``groups`` replaced by its keys, each key
    once, in order; an unknown name is refused."""
    expanded = []
    for name in names:
        if name not in keys and name not in groups:
            known = ", ".join([*keys, *groups])
            raise ValueError(f"Unknown {what} {name!r}; choose among {known}.")
        expanded.extend(groups.get(name, (name,)))
    return tuple(dict.fromkeys(expanded))


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


def make_sampler(
    name,
    *,
    y,
    random_state=None,
    max_iter=500,
    device="auto",
    ctgan_epochs=300,
    categorical=None,
):
    """Build the sampler ``name`` for training labels ``y``.

    Parameters
    ----------
    name : str
        A key of :data:`SAMPLERS`.
    y : array-like of shape (n_samples,)
        Training labels; they set k of the k-NN samplers (5, or the size of
        the smallest class minus one when that is smaller), peers included.
    random_state : int or None, default=None
        Seed of the sampler.
    max_iter : int or "auto", default=500
        Iterations of GAMOSampler's game.
    device : str, default="auto"
        Torch device of GAMOSampler and of CTGAN.
    ctgan_epochs : int or "auto", default=300
        Training epochs of the CTGAN peer (CTGAN's default), or ``"auto"``.
    categorical : array-like of bool or None, default=None
        Which columns of the training rows are categorical, when some are:
        the rows are then a DataFrame whose categorical columns have a
        ``category``, ``object`` or ``string`` dtype. ``"smote"`` becomes
        ``SMOTENC(categorical_features='auto')``, or ``SMOTEN`` when every
        column is categorical, and ``"gamo"`` gets
        ``categorical_features='auto'``; only the keys of
        :data:`CATEGORICAL_SAMPLERS` are accepted. None, or no True value:
        numeric rows.

    Returns
    -------
    sampler : imblearn sampler or None
        None for ``"none"``.

    Raises
    ------
    ImportError
        If ``name`` is a peer whose package is not installed; the message
        says how to install it.
    ValueError
        If ``name`` is unknown, or cannot take the ``categorical`` columns.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.benchmark import make_sampler
    >>> make_sampler("smote", y=np.array([0] * 20 + [1] * 4), random_state=0)
    SMOTE(k_neighbors=3, random_state=0)
    >>> make_sampler("prowsyn", y=np.array([0] * 20 + [1] * 4),
    ...              random_state=0)  # doctest: +SKIP
    SmoteVariantsSampler(random_state=0, variant='ProWSyn',
                         variant_params={'n_neighbors': 3})
    >>> make_sampler("smote", y=np.array([0] * 20 + [1] * 4), random_state=0,
    ...              categorical=[False, True])
    SMOTENC(categorical_features='auto', k_neighbors=3, random_state=0)
    """
    from imblearn.over_sampling import (
        ADASYN,
        SMOTE,
        SMOTEN,
        SMOTENC,
        BorderlineSMOTE,
        RandomOverSampler,
    )

    from ..peers import CTGANSampler, SmoteVariantsSampler
    from ..sampler import GAMOSampler

    if name not in SAMPLERS:
        raise ValueError(
            f"Unknown sampler {name!r}; choose among {', '.join(SAMPLERS)}."
        )
    has_categories = categorical is not None and np.any(categorical)
    if has_categories and name not in CATEGORICAL_SAMPLERS:
        raise ValueError(categorical_skip_reason(name))
    if name in PEERS and missing_requirements(name):
        raise ImportError(unavailable(name))
    if name == "none":
        return None
    if name == "ros":
        return RandomOverSampler(random_state=random_state)
    if name == "gamo":
        categories = {"categorical_features": "auto"} if has_categories else {}
        return GAMOSampler(
            max_iter=max_iter, device=device, random_state=random_state, **categories
        )
    if name == "ctgan":
        return CTGANSampler(
            epochs=ctgan_epochs, device=device, random_state=random_state
        )
    k = _neighbours(y)
    if name == "smote":
        variant = smote_variant(categorical)
        if variant == "SMOTENC":
            return SMOTENC(
                categorical_features="auto", k_neighbors=k, random_state=random_state
            )
        smote = SMOTEN if variant == "SMOTEN" else SMOTE
        return smote(k_neighbors=k, random_state=random_state)
    if name == "bsmote":
        return BorderlineSMOTE(k_neighbors=k, random_state=random_state)
    if name == "adasyn":
        return ADASYN(n_neighbors=k, random_state=random_state)
    if name == "gsmote":
        from imblearn_extra.gsmote import GeometricSMOTE

        return GeometricSMOTE(k_neighbors=k, random_state=random_state)
    if name == "kmeans-smote":
        from imblearn_extra.clover.over_sampling import KMeansSMOTE

        return KMeansSMOTE(k_neighbors=k, random_state=random_state)
    variant, takes_neighbours = SMOTE_VARIANTS[name]
    return SmoteVariantsSampler(
        variant,
        variant_params={"n_neighbors": k} if takes_neighbours else None,
        random_state=random_state,
    )


def categorical_skip_reason(*names):
    """Why the samplers ``names`` do not run on rows with categorical columns.

    Examples
    --------
    >>> from gamo_sampler.benchmark.models import categorical_skip_reason
    >>> categorical_skip_reason("adasyn")  # doctest: +NORMALIZE_WHITESPACE
    "ADASYN interpolates numeric columns only and cannot take categorical
    ones (on such tables 'smote' runs as SMOTENC or SMOTEN)"
    """
    who = [SAMPLERS[name] for name in names]
    who = " and ".join([", ".join(who[:-1]), who[-1]] if len(who) > 1 else who)
    verb = "interpolates" if len(names) == 1 else "interpolate"
    return (
        f"{who} {verb} numeric columns only and cannot take categorical ones (on "
        "such tables 'smote' runs as SMOTENC or SMOTEN)"
    )


def smote_variant(categorical):
    """The class that ``"smote"`` builds for rows with the ``categorical``
    columns (a boolean mask, or None for numeric rows)."""
    if categorical is None or not np.any(categorical):
        return "SMOTE"
    return "SMOTEN" if np.all(categorical) else "SMOTENC"


def unavailable(name):
    """Why peer ``name`` cannot run, and the command that fixes it, in a line."""
    missing = ", ".join(missing_requirements(name))
    return f"{SAMPLERS[name]} needs {missing}: {PEERS[name].install}"


def resolve_samplers(names, *, note=None):
    """Expand group names, drop repeats, and skip peers that cannot run.

    Parameters
    ----------
    names : iterable of str
        Keys of :data:`SAMPLERS` or of :data:`SAMPLER_GROUPS` (``"core"``,
        ``"peers"``, ``"all"``).
    note : callable or None, default=None
        Called with one line per skipped peer, which names the command that
        installs it.

    Returns
    -------
    keys : tuple of str
        Sampler keys in order, each once, the uninstalled peers left out.

    Examples
    --------
    >>> from gamo_sampler.benchmark.models import resolve_samplers
    >>> resolve_samplers(["none", "smote", "core"])
    ('none', 'smote', 'ros', 'bsmote', 'adasyn', 'gamo')
    """
    kept = []
    for key in _expand(names, SAMPLERS, SAMPLER_GROUPS, "sampler"):
        if key in PEERS and missing_requirements(key):
            if note is not None:
                note(f"gamo-benchmark: skipping {key} ({unavailable(key)})")
            continue
        kept.append(key)
    return tuple(kept)


def make_classifier(
    name, *, random_state=None, max_iter=500, device="auto", categorical=False
):
    """Build the classifier ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`CLASSIFIERS`.
    random_state : int or None, default=None
        Seed of the classifier.
    max_iter : int or "auto", default=500
        Training iterations of the MLP and of GAMOClassifier.
    device : str, default="auto"
        Torch device of the MLP and of GAMOClassifier.
    categorical : bool, default=False
        Whether the rows are a DataFrame with categorical columns (of a
        ``category``, ``object`` or ``string`` dtype). The MLP and
        GAMOClassifier then get ``categorical_features='auto'`` (they one-hot
        code the categories themselves and standardise the numbers only); the
        other models get a pipeline that one-hot encodes the categorical
        columns (``OneHotEncoder(
        handle_unknown='ignore')``) and passes the numeric ones through, as
        the benchmark has standardised them.

    Returns
    -------
    classifier : scikit-learn classifier

    Examples
    --------
    >>> from gamo_sampler.benchmark import make_classifier
    >>> make_classifier("mlp", max_iter=100, random_state=0)
    GAMOClassifier(max_iter=100, random_state=0, sampling_strategy={})
    >>> make_classifier("gamo", max_iter=100, categorical=True)
    GAMOClassifier(categorical_features='auto', max_iter=100)
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import TunedThresholdClassifierCV

    from ..classifier import GAMOClassifier

    if categorical and name not in ("mlp", "gamo"):
        classifier = make_classifier(name, random_state=random_state)
        return _one_hot_in_front(classifier)
    torch_params = {"max_iter": max_iter, "device": device}
    if categorical:
        torch_params["categorical_features"] = "auto"
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
    if name in ("hgb", "hgb-balanced"):
        weights = "balanced" if name == "hgb-balanced" else None
        return HistGradientBoostingClassifier(
            class_weight=weights, random_state=random_state
        )
    if name == "hgb-tuned":
        return TunedThresholdClassifierCV(
            HistGradientBoostingClassifier(random_state=random_state),
            scoring="balanced_accuracy",
            random_state=random_state,
        )
    if name == "brf":
        from imblearn.ensemble import BalancedRandomForestClassifier

        return BalancedRandomForestClassifier(
            sampling_strategy="all",
            replacement=True,
            bootstrap=False,
            n_jobs=1,
            random_state=random_state,
        )
    if name == "easy-ensemble":
        from imblearn.ensemble import EasyEnsembleClassifier

        return EasyEnsembleClassifier(n_jobs=1, random_state=random_state)
    raise ValueError(
        f"Unknown classifier {name!r}; choose among {', '.join(CLASSIFIERS)}."
    )


def _one_hot_in_front(classifier):
    """``classifier`` behind a one-hot encoder of the categorical columns."""
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    encode = make_column_transformer(
        (
            OneHotEncoder(handle_unknown="ignore"),
            make_column_selector(dtype_include=["category", "object", "string"]),
        ),
        remainder="passthrough",
    )
    return make_pipeline(encode, classifier)
