"""The protocol: one task is one split of one dataset, keyed by (dataset,
seed, fold); it resamples the training part and fits and scores every model on
it. All its randomness comes from that key, so any engine and any resume gives
the same rows."""

from __future__ import annotations

import contextlib
import functools
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .data import categorical_mask, load_dataset
from .metrics import METRICS, scores
from .models import (
    BINARY_ONLY_CLASSIFIERS,
    CATEGORICAL_SAMPLERS,
    make_classifier,
    make_sampler,
)

__all__ = ["COLUMNS", "KEY", "Task", "evaluate_task", "limited_threads"]

KEY = ("dataset", "seed", "fold", "model")
"""The columns that identify a row of ``results.csv``."""

COLUMNS = (
    "dataset", "protocol", "seed", "fold", "model", "sampler", "classifier",
    "n_train", "n_fit", *METRICS, "resample_time", "train_time", "fit_time",
    "error",
)  # fmt: skip
"""The columns of ``results.csv``, in order."""


@dataclass(frozen=True)
class Task:
    """One split of one dataset and the models to fit on it.

    ``protocol`` is ``"cv"`` (``fold`` of a stratified k-fold shuffled by
    ``seed``) or ``"holdout"`` (the dataset's own test set, drawn with
    ``random_state=seed``; ``fold`` is 0); ``seeded_draw`` says whether the
    dataset's rows are themselves drawn with ``random_state=seed``.
    """

    dataset: str
    protocol: str
    seed: int
    fold: int
    models: tuple
    seeded_draw: bool = False


def uses_holdout(data, protocol):
    """Whether ``data`` is scored on its own test set under ``protocol``."""
    return protocol != "cv" and data.X_test is not None


def plan_tasks(name, data, config):
    """The tasks of one loaded dataset, in run order, and the samplers that
    its categorical columns leave out.

    Parameters
    ----------
    name : str
        The dataset's name, as :func:`~gamo_sampler.datasets.load_dataset`
        takes it.
    data : Bunch
        The dataset, loaded with its default draw.
    config : BenchmarkConfig

    Returns
    -------
    tasks : list of Task
    skipped : tuple of str
        Sampler keys that do not run on this dataset's categorical columns.
    """
    categorical = categorical_mask(data.X)
    models, skipped = config.models, ()
    if categorical is not None:
        models = tuple(m for m in models if m.sampler in CATEGORICAL_SAMPLERS)
        skipped = tuple(s for s in config.samplers if s not in CATEGORICAL_SAMPLERS)
    if len(np.unique(data.y)) > 2:
        models = tuple(m for m in models if m.classifier not in BINARY_ONLY_CLASSIFIERS)
    holdout = uses_holdout(data, config.protocol)
    protocol = "holdout" if holdout else "cv"
    folds = range(1) if holdout else range(config.folds)
    seeded = bool(data.get("seeded_draw"))
    tasks = [
        Task(name, protocol, seed, fold, models, seeded)
        for seed in config.seeds
        for fold in folds
        if models
    ]
    return tasks, skipped


def _rows(X, indices):
    return X.iloc[indices] if hasattr(X, "iloc") else X[indices]


@functools.lru_cache(maxsize=2)
def _load(name, seed=None):
    """A dataset, loaded once per process (and per seed when it is drawn)."""
    return load_dataset(name) if seed is None else load_dataset(name, random_state=seed)


def forget_datasets():
    """Drop the tables this process has cached for its tasks."""
    _load.cache_clear()


def split_of(task, n_folds):
    """``(X_train, y_train, X_test, y_test)`` of ``task``.

    Under the holdout protocol the dataset is loaded with
    ``random_state=task.seed``; so it is under cross-validation when its rows
    are themselves a seeded draw (the mixed-type tables given an imbalance
    profile). Cross-validation takes fold ``task.fold`` of a stratified
    ``n_folds``-fold shuffled with ``task.seed``.
    """
    from sklearn.model_selection import StratifiedKFold

    redraw = task.protocol == "holdout" or task.seeded_draw
    data = _load(task.dataset, task.seed if redraw else None)
    if task.protocol == "holdout":
        return data.X, data.y, data.X_test, data.y_test
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=task.seed)
    train, test = list(folds.split(data.X, data.y))[task.fold]
    return _rows(data.X, train), data.y[train], _rows(data.X, test), data.y[test]


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


def evaluate_task(task, config):
    """Resample the task's training part once per sampler, fit and score
    every model of the task on it.

    Torch and the BLAS libraries run with ``config.threads`` threads. A model
    that fails gets a row with NaN metrics and its ``error``; it never ends
    the task.

    Returns
    -------
    rows : list of dict
        One per model of ``task.models``, in order, with the keys of
        :data:`COLUMNS`.
    """
    with limited_threads(config.threads):
        return _evaluate(task, config)


def _evaluate(task, config):
    X_train, y_train, X_test, y_test = split_of(task, config.folds)
    categorical = categorical_mask(X_train)
    X_train, X_test = _standardise(X_train, X_test, categorical)
    model_seed = task.seed * 1000 + task.fold
    rows = []
    resampled = {}
    for model in task.models:
        row = dict.fromkeys(COLUMNS, math.nan)
        row.update(
            dataset=task.dataset,
            protocol=task.protocol,
            seed=task.seed,
            fold=task.fold,
            model=model.name,
            sampler=model.sampler_label,
            classifier=model.classifier,
            n_train=len(y_train),
            error="",
        )
        try:
            if model.standalone:
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning)
                _, train_time = _timed(classifier.fit, X_fit, y_fit)
            row.update(scores(y_test, classifier.predict(X_test)))
            row.update(
                n_fit=len(y_fit),
                resample_time=resample_time,
                train_time=train_time,
                fit_time=resample_time + train_time,
            )
        except Exception as error:  # noqa: BLE001 - one failure must not end a run
            row["error"] = f"{type(error).__name__}: {error}"
            if not model.standalone:
                # Remember a failed resampling so it is not retried per classifier.
                resampled.setdefault(model.sampler, error)
        rows.append(row)
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
