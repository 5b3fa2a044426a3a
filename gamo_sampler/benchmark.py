"""Compare GAMO with other over-samplers on imbalanced data: ``gamo-benchmark``.

Every sampler is evaluated with the same downstream classifiers. Datasets
without a test set of their own (the KEEL tables) are evaluated by repeated
stratified k-fold cross-validation; datasets that come with a balanced
protocol test set (the imbalanced digits, Fashion-MNIST IR-100) are by default
trained on their imbalanced training set and scored on that test set, once
per seed (``--protocol cv`` cross-validates them too).

Within each split the features are standardised with statistics of the
training part, the training part is resampled, and the classifiers are fitted
on the resampled rows; the test part is never resampled. This is what
``imblearn.pipeline.Pipeline([("scale", StandardScaler()), ("sampler", s),
("clf", c)])`` does inside ``cross_validate``, with one saving: each training
part is resampled once per sampler and the resampled rows are reused for
every classifier, instead of being resampled again for each (sampler,
classifier) pair. Since the sampler gets the same seed either way, the
results are the same; only time is saved.

Run ``gamo-benchmark --help`` (or ``python -m gamo_sampler.benchmark
--help``) for the options. The command writes, in ``--output-dir``:

- ``results.csv``: one row per dataset, repetition, fold and model;
- ``summary.csv``: mean and standard deviation per dataset and model, with the
  rank of each model within its dataset;
- ``ranks.csv``: per model, averages over datasets and the mean rank;
- ``tables.md``: the printed tables, in Markdown;
- ``benchmark.png``: a chart of balanced accuracy and G-mean (and mean rank
  when there are several datasets);
- ``config.json``: the settings and library versions of the run, with the
  device that ran (``device``) and the one asked for (``device_requested``).

After the tables it prints a one-line verdict (:func:`verdict`) and
:data:`LEGEND`. A rerun into a folder that holds results replaces them, and
says so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import platform
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .datasets import DATASETS, KEEL_PREFIX, KEEL_SUITE, load_dataset

__all__ = [
    "CLASSIFIERS",
    "DEFAULT_CONFIG",
    "LEGEND",
    "METRICS",
    "SAMPLERS",
    "BenchmarkConfig",
    "limited_threads",
    "main",
    "make_classifier",
    "make_sampler",
    "mean_ranks",
    "plot_results",
    "run_benchmark",
    "head_to_head",
    "sampler_pivot_table",
    "summarize",
    "verdict",
]

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

METRICS = {
    "balanced_accuracy": "ACSA",
    "geometric_mean": "GM",
    "f1_macro": "F1 macro",
}
"""Metric columns, mapped to short names.

``balanced_accuracy`` is the mean per-class recall, the paper's ACSA;
``geometric_mean`` is :func:`imblearn.metrics.geometric_mean_score`, the
geometric mean of per-class recalls, the paper's GM; ``f1_macro`` is the
unweighted mean of per-class F1 scores.
"""

LEGEND = (
    "ACSA: average class-specific accuracy (balanced accuracy), the mean of "
    "per-class recalls; GM: geometric mean of per-class recalls (0 when a class "
    "is never recognised); F1 macro: unweighted mean of per-class F1; ± is the "
    "standard deviation over seeds (and folds under CV); rank 1 = best."
)
"""What the metric names of the tables mean, printed after them."""

KEEL_ALIAS = "keel"
DEFAULT_OUTPUT_DIR = "gamo-benchmark-results"
OUTPUT_FILES = (
    "results.csv",
    "summary.csv",
    "ranks.csv",
    "tables.md",
    "benchmark.png",
    "config.json",
)
PROTOCOLS = ("auto", "cv", "holdout")
NEIGHBOURS = 5  # k of SMOTE, BorderlineSMOTE and ADASYN, as in imbalanced-learn


def _check_datasets(names):
    """Refuse a dataset name that neither the registry nor KEEL knows."""
    for name in names:
        known = name in DATASETS or name in KEEL_SUITE or name == KEEL_ALIAS
        if not (known or name.startswith(KEEL_PREFIX)):
            raise ValueError(
                f"Unknown dataset {name!r}; choose among {', '.join(DATASETS)}, "
                f"{KEEL_ALIAS} (the {len(KEEL_SUITE)} datasets of the KEEL suite) "
                f"or {KEEL_PREFIX}<name> for one KEEL dataset (e.g. "
                f"{KEEL_PREFIX}yeast4)."
            )
    if not names:
        raise ValueError("At least one dataset is needed.")


def _check_keys(keys, known, what):
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValueError(f"Unknown {what} {unknown}; choose among {', '.join(known)}.")
    if not keys:
        raise ValueError(f"At least one {what} is needed.")


@dataclass(frozen=True)
class BenchmarkConfig:
    """Settings of a benchmark run.

    Parameters
    ----------
    datasets : tuple of str
        Dataset names understood by :func:`gamo_sampler.datasets.load_dataset`
        (``"digits"``, ``"keel:yeast4"``, ...).
    samplers : tuple of str
        Keys of :data:`SAMPLERS`.
    classifiers : tuple of str
        Keys of :data:`CLASSIFIERS`.
    folds : int
        Number of folds of the stratified k-fold.
    seeds : tuple of int
        One repetition per seed. Under cross-validation the seed shuffles the
        folds; under the holdout protocol it draws the dataset's
        train / test split (``random_state`` of its loader). It also seeds
        every sampler and model of that repetition.
    max_iter : int
        Training iterations of every GAMO game and of the MLP.
    device : str
        Torch device of GAMO and the MLP: ``"auto"``, ``"cpu"`` or ``"cuda"``.
    threads : int
        Threads of torch and of the BLAS libraries during the run; 0 leaves
        the libraries' own choice. The default, 1, is fastest for these small
        networks on a few cores, and much faster when the cores are shared.
    protocol : {"auto", "cv", "holdout"}
        ``"cv"``: stratified k-fold cross-validation on the training data of
        every dataset. ``"holdout"``: datasets that come with a protocol test
        set (``digits``, ``fmnist-ir100``, ``mnist``, all class-balanced) are
        trained on their whole imbalanced training set and scored on that
        test set, once per seed; datasets without one (KEEL, ``toy2d``) fall
        back to cross-validation. ``"auto"`` (default) is ``"holdout"``:
        small minority classes leave too few rows in a k-fold test part for
        G-mean to be stable (one error on a 2-row class zeroes it), and the
        balanced test set is the paper's protocol.
    """

    datasets: tuple = ("digits",)
    samplers: tuple = tuple(SAMPLERS)
    classifiers: tuple = tuple(CLASSIFIERS)
    folds: int = 5
    seeds: tuple = (0, 1, 2)
    max_iter: int = 500
    device: str = "auto"
    threads: int = 1
    protocol: str = "auto"
    models: tuple = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "datasets", tuple(self.datasets))
        object.__setattr__(self, "samplers", tuple(self.samplers))
        object.__setattr__(self, "classifiers", tuple(self.classifiers))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        _check_datasets(self.datasets)
        _check_keys(self.samplers, SAMPLERS, "sampler")
        _check_keys(self.classifiers, CLASSIFIERS, "classifier")
        if self.folds < 2:
            raise ValueError(f"folds must be >= 2, got {self.folds}.")
        if self.max_iter < 1:
            raise ValueError(f"max_iter must be >= 1, got {self.max_iter}.")
        if not self.seeds:
            raise ValueError("At least one seed is needed.")
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}."
            )
        object.__setattr__(self, "models", _model_plan(self))


@dataclass(frozen=True)
class Model:
    """One compared model: a sampler feeding a classifier."""

    sampler: str
    classifier: str

    @property
    def name(self):
        if self.classifier == "gamo":
            return CLASSIFIERS["gamo"]
        return f"{SAMPLERS[self.sampler]} + {CLASSIFIERS[self.classifier]}"


def _model_plan(config):
    """Models in run order: per sampler, every classifier; then GAMOClassifier."""
    downstream = [c for c in config.classifiers if c != "gamo"]
    models = [Model(s, c) for s in config.samplers for c in downstream]
    if "gamo" in config.classifiers:
        models.append(Model("none", "gamo"))
    return tuple(models)


DEFAULT_CONFIG = BenchmarkConfig()
"""The run of ``gamo-benchmark`` without arguments: imbalanced digits scored on
its balanced test set, every sampler and classifier, seeds 0, 1, 2, 500
iterations for GAMO and the MLP (about a minute on two CPU cores).
KEEL datasets get stratified 5-fold cross-validation, repeated per seed."""

QUICK_SETTINGS = {"folds": 2, "max_iter": 100, "seeds": (0,)}
"""What ``--quick`` changes: a smoke run, a few times faster than the default."""


# ---------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------


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

    from .sampler import GAMOSampler

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

    from .classifier import GAMOClassifier

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


def _scores(y_true, y_pred):
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import balanced_accuracy_score, f1_score

    return {
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "geometric_mean": geometric_mean_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, average="macro", zero_division=0),
    }


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def expand_datasets(names):
    """Replace ``"keel"`` by the names of :data:`~gamo_sampler.datasets.KEEL_SUITE`.

    Examples
    --------
    >>> from gamo_sampler.benchmark import expand_datasets
    >>> expand_datasets(["digits", "keel"])[:3]
    ['digits', 'keel:glass1', 'keel:pima']
    """
    expanded = []
    for name in names:
        if name == KEEL_ALIAS:
            expanded.extend(KEEL_PREFIX + keel for keel in KEEL_SUITE)
        elif name in KEEL_SUITE:
            expanded.append(KEEL_PREFIX + name)
        else:
            expanded.append(name)
    return expanded


def _uses_holdout(data, config):
    return config.protocol != "cv" and data.X_test is not None


def _splits(name, data, config):
    """Yield ``(protocol, seed, fold, X_train, y_train, X_test, y_test)``.

    ``data`` is the dataset loaded with its default draw; the holdout protocol
    loads it again with ``random_state=seed``.
    """
    from sklearn.model_selection import StratifiedKFold

    if _uses_holdout(data, config):
        for seed in config.seeds:
            drawn = load_dataset(name, random_state=seed)
            yield "holdout", seed, 0, drawn.X, drawn.y, drawn.X_test, drawn.y_test
        return
    for seed in config.seeds:
        folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(folds.split(data.X, data.y)):
            yield (
                "cv",
                seed,
                fold,
                data.X[train],
                data.y[train],
                data.X[test],
                data.y[test],
            )


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


def _evaluate_split(split, dataset, config, bar):
    """Resample one training part per sampler, fit and score every model on it."""
    from sklearn.preprocessing import StandardScaler

    protocol, seed, fold, X_train, y_train, X_test, y_test = split
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model_seed = seed * 1000 + fold
    rows = []
    resampled = {}
    for model in config.models:
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
                        model.sampler, X_train, y_train, model_seed, config
                    )
                if isinstance(resampled[model.sampler], Exception):
                    raise resampled[model.sampler]
                X_fit, y_fit, resample_time = resampled[model.sampler]
            classifier = make_classifier(
                model.classifier,
                random_state=model_seed,
                max_iter=config.max_iter,
                device=config.device,
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


def _resample(name, X, y, seed, config):
    sampler = make_sampler(
        name, y=y, random_state=seed, max_iter=config.max_iter, device=config.device
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
        Called with a line of text when a dataset is loaded.

    Returns
    -------
    results : pandas.DataFrame
        Columns ``dataset``, ``protocol`` (``"cv"`` or ``"holdout"``),
        ``seed``, ``fold``, ``model``, ``sampler``, ``classifier``,
        ``n_train``, ``n_fit`` (rows after resampling), the metrics of
        :data:`METRICS`, ``resample_time``, ``train_time``, ``fit_time``
        (seconds) and ``error`` (empty unless the model failed, in which case
        its metrics are NaN).

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
    for name in names:
        data = load_dataset(name)
        loaded.append(data)
        counts = np.unique(data.y, return_counts=True)[1]
        protocol = (
            f"train, scored on its balanced test set of {len(data.y_test)} rows"
            if _uses_holdout(data, config)
            else f"stratified {config.folds}-fold CV"
        )
        log(
            f"  {name}: {data.X.shape[0]} rows x {data.X.shape[1]} features, "
            f"{len(counts)} classes, imbalance ratio "
            f"{counts.max() / counts.min():.1f}; {protocol}"
        )
    total = sum(_n_splits(data, config) for data in loaded) * len(config.models)
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


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


def summarize(results, *, rank_by="balanced_accuracy"):
    """Mean and standard deviation per dataset and model, with ranks.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`run_benchmark`.
    rank_by : str, default="balanced_accuracy"
        Metric that orders the models within a dataset.

    Returns
    -------
    summary : pandas.DataFrame
        One row per (dataset, model), in run order of the models within each
        dataset: ``<metric>_mean`` and ``<metric>_std`` for each metric and
        for ``fit_time``, ``rank_<metric>`` (1 = best; ties share the average
        rank; a model that failed on some split ranks last), ``sampler``,
        ``classifier``, ``n_splits``, ``n_seeds`` (when ``results`` has a
        ``seed`` column: the splits are ``n_seeds`` repetitions of
        ``n_splits / n_seeds`` folds, or of one holdout split) and
        ``n_failed`` (splits where it failed; the means are over the others).

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import summarize
    >>> results = pd.DataFrame({
    ...     "dataset": ["d"] * 4, "model": ["a", "a", "b", "b"],
    ...     "balanced_accuracy": [0.75, 0.85, 0.5, 0.5],
    ...     "geometric_mean": [0.75, 0.85, 0.5, 0.5],
    ...     "f1_macro": [0.75, 0.85, 0.5, 0.5], "fit_time": [1.0, 1.0, 2.0, 2.0],
    ...     "sampler": ["none"] * 4, "classifier": ["logreg"] * 4,
    ...     "error": ["", "", "", ""]})
    >>> summarize(results)[["model", "balanced_accuracy_mean",
    ...                     "rank_balanced_accuracy"]].values.tolist()
    [['a', 0.8, 1.0], ['b', 0.5, 2.0]]
    """
    if rank_by not in METRICS:
        raise ValueError(f"rank_by must be one of {list(METRICS)}, got {rank_by!r}.")
    keys = ["dataset", "model"]
    grouped = results.groupby(keys, sort=False)
    columns = [*METRICS, "fit_time"]
    summary = grouped[columns].agg(["mean", "std"])
    summary.columns = [f"{metric}_{stat}" for metric, stat in summary.columns]
    summary.insert(0, "classifier", grouped["classifier"].first())
    summary.insert(0, "sampler", grouped["sampler"].first())
    summary["n_splits"] = grouped.size()
    if "seed" in results:
        summary["n_seeds"] = grouped["seed"].nunique()
    # A model that failed on a split has no comparable mean: rank it last.
    summary["n_failed"] = grouped["error"].agg(
        lambda errors: int((errors.fillna("").astype(str) != "").sum())
    )
    for metric in METRICS:
        score = summary[f"{metric}_mean"].where(summary["n_failed"] == 0)
        summary[f"rank_{metric}"] = score.groupby(level="dataset").rank(
            ascending=False, method="average", na_option="bottom"
        )
    return summary.reset_index()


def mean_ranks(summary, *, rank_by="balanced_accuracy"):
    """Average each model over datasets: metric means, fit time and ranks.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize`.
    rank_by : str, default="balanced_accuracy"
        Metric whose mean rank sorts the rows (best first).

    Returns
    -------
    ranks : pandas.DataFrame
        One row per model: ``<metric>`` (mean over datasets of the per-dataset
        means), ``fit_time`` (mean seconds per fit), ``rank_<metric>`` (mean
        rank), ``n_datasets`` and ``n_failed``.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import mean_ranks
    >>> summary = pd.DataFrame({
    ...     "dataset": ["d", "d", "e", "e"], "model": ["a", "b", "a", "b"],
    ...     "balanced_accuracy_mean": [0.9, 0.8, 0.6, 0.7],
    ...     "geometric_mean_mean": [0.9, 0.8, 0.6, 0.7],
    ...     "f1_macro_mean": [0.9, 0.8, 0.6, 0.7],
    ...     "fit_time_mean": [1.0, 2.0, 1.0, 2.0],
    ...     "rank_balanced_accuracy": [1.0, 2.0, 2.0, 1.0],
    ...     "rank_geometric_mean": [1.0, 2.0, 2.0, 1.0],
    ...     "rank_f1_macro": [1.0, 2.0, 2.0, 1.0], "n_failed": [0, 0, 0, 0]})
    >>> mean_ranks(summary)["rank_balanced_accuracy"].tolist()
    [1.5, 1.5]
    """
    grouped = summary.groupby("model", sort=False)
    ranks = grouped[[f"{m}_mean" for m in METRICS] + ["fit_time_mean"]].mean()
    ranks.columns = [c.removesuffix("_mean") for c in ranks.columns]
    for metric in METRICS:
        ranks[f"rank_{metric}"] = grouped[f"rank_{metric}"].mean()
    ranks["n_datasets"] = grouped.size()
    ranks["n_failed"] = grouped["n_failed"].sum()
    return ranks.sort_values(f"rank_{rank_by}", kind="stable").reset_index()


# ---------------------------------------------------------------------------
# Text tables
# ---------------------------------------------------------------------------


def _mean_std(mean, std, digits=3):
    if not np.isfinite(mean):
        return "failed"
    if not np.isfinite(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def format_table(header, rows, *, markdown=False):
    """Align ``rows`` under ``header`` as plain text or as a Markdown table.

    The first column is left-aligned, the others right-aligned.

    Examples
    --------
    >>> from gamo_sampler.benchmark import format_table
    >>> print(format_table(["model", "ACSA"], [["a", "0.9"], ["bb", "0.85"]]))
    model  ACSA
    a       0.9
    bb     0.85
    """
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        parts = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(parts) + " |" if markdown else "  ".join(parts)

    lines = [line(cells[0])]
    if markdown:
        rule = [
            "-" * w if i == 0 else "-" * (w - 1) + ":" for i, w in enumerate(widths)
        ]
        lines.append("| " + " | ".join(rule) + " |")
    lines.extend(line(row) for row in cells[1:])
    return "\n".join(line.rstrip() for line in lines)


def dataset_table(summary, dataset, *, rank_by="balanced_accuracy", markdown=False):
    """Table of one dataset: metrics as mean ± std, fit time and rank.

    Rows are sorted by ``rank_<rank_by>``, best first.
    """
    part = summary[summary["dataset"] == dataset]
    part = part.sort_values(f"rank_{rank_by}", kind="stable")
    header = ["model", *METRICS.values(), "fit s", "rank"]
    rows = [
        [
            record["model"],
            *(_mean_std(record[f"{m}_mean"], record[f"{m}_std"]) for m in METRICS),
            f"{record['fit_time_mean']:.2f}",
            f"{record[f'rank_{rank_by}']:g}",
        ]
        for record in part.to_dict("records")
    ]
    if part["n_failed"].any():
        header.append("failed")
        for row, record in zip(rows, part.to_dict("records"), strict=True):
            row.append(f"{record['n_failed']}/{record['n_splits']}")
    return format_table(header, rows, markdown=markdown)


def ranks_table(ranks, *, markdown=False):
    """Table of :func:`mean_ranks`: averages over datasets and mean ranks."""
    header = [
        "model",
        *(f"mean {short}" for short in METRICS.values()),
        *(f"rank {short}" for short in METRICS.values()),
        "fit s",
    ]
    rows = [
        [
            record["model"],
            *(f"{record[m]:.3f}" for m in METRICS),
            *(f"{record[f'rank_{m}']:.2f}" for m in METRICS),
            f"{record['fit_time']:.2f}",
        ]
        for record in ranks.to_dict("records")
    ]
    return format_table(header, rows, markdown=markdown)


def sampler_pivot_table(summary, metric, *, classifier="mlp", markdown=False):
    """Datasets as rows, samplers as columns: mean ``metric`` with one classifier.

    A last column holds GAMOClassifier when it was run.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import sampler_pivot_table
    >>> summary = pd.DataFrame({
    ...     "dataset": ["d", "d", "d"], "sampler": ["none", "gamo", "gamo (joint)"],
    ...     "classifier": ["mlp", "mlp", "gamo"],
    ...     "balanced_accuracy_mean": [0.7, 0.8, 0.9]})
    >>> print(sampler_pivot_table(summary, "balanced_accuracy"))
    dataset   none  GAMOSampler  GAMOClassifier
    d        0.700        0.800           0.900
    """
    part = summary[summary["classifier"].isin([classifier, "gamo"])]
    column = part["sampler"].map(lambda s: SAMPLERS.get(s, CLASSIFIERS["gamo"]))
    pivot = part.assign(column=column).pivot(
        index="dataset", columns="column", values=f"{metric}_mean"
    )
    datasets = list(dict.fromkeys(part["dataset"]))
    columns = list(dict.fromkeys(column))
    rows = [
        [dataset, *(f"{pivot.loc[dataset, c]:.3f}" for c in columns)]
        for dataset in datasets
    ]
    return format_table(["dataset", *columns], rows, markdown=markdown)


def head_to_head(summary, metric="balanced_accuracy"):
    """Wins, ties and losses of GAMO against every other sampler, over datasets.

    For each downstream classifier, ``GAMOSampler + c`` is compared with
    ``X + c`` for every other sampler X on the mean of ``metric`` per
    dataset; GAMOClassifier is compared with ``X + MLP`` (the same network
    trained on X's resampled rows, GAMOSampler's included). Means that agree
    to three decimals tie.

    Returns
    -------
    table : dict
        ``{column: {opponent sampler: (wins, ties, losses)}}``; columns are
        the classifiers' display names and ``"GAMOClassifier"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import head_to_head
    >>> summary = pd.DataFrame({
    ...     "dataset": ["d", "d", "e", "e"], "sampler": ["smote", "gamo"] * 2,
    ...     "classifier": ["logreg"] * 4,
    ...     "balanced_accuracy_mean": [0.7, 0.8, 0.9, 0.9]})
    >>> head_to_head(summary)
    {'LogReg': {'SMOTE': (1, 1, 0)}}
    """
    means = summary.pivot_table(
        index="dataset", columns=["sampler", "classifier"], values=f"{metric}_mean"
    )
    pairs = [
        (CLASSIFIERS[c], ("gamo", c), c)
        for c in dict.fromkeys(summary["classifier"])
        if c != "gamo"
    ]
    if "gamo" in set(summary["classifier"]):
        pairs.append((CLASSIFIERS["gamo"], ("gamo (joint)", "gamo"), "mlp"))
    table = {}
    for column, gamo, classifier in pairs:
        if gamo not in means:
            continue
        cells = {}
        for sampler in dict.fromkeys(summary["sampler"]):
            other = (sampler, classifier)
            if other == gamo or other not in means:
                continue
            diff = (means[gamo] - means[other]).round(3).dropna()
            cells[SAMPLERS[sampler]] = (
                int((diff > 0).sum()),
                int((diff == 0).sum()),
                int((diff < 0).sum()),
            )
        if cells:
            table[column] = cells
    return table


def head_to_head_table(summary, metric="balanced_accuracy", *, markdown=False):
    """:func:`head_to_head` as a table of "wins-ties-losses" cells."""
    table = head_to_head(summary, metric)
    if not table:
        return ""
    opponents = list(dict.fromkeys(o for cells in table.values() for o in cells))
    header = [
        "X",
        *(
            f"GAMOSampler + {c} vs X + {c}"
            if c != CLASSIFIERS["gamo"]
            else "GAMOClassifier vs X + MLP"
            for c in table
        ),
    ]
    rows = [
        [
            opponent,
            *(
                "-".join(map(str, cells[opponent])) if opponent in cells else ""
                for cells in table.values()
            ),
        ]
        for opponent in opponents
    ]
    return format_table(header, rows, markdown=markdown)


def verdict(summary, ranks, *, rank_by="balanced_accuracy"):
    """One line that sums up a run: the model ranked first, and GAMO vs SMOTE.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize`.
    ranks : pandas.DataFrame
        Output of :func:`mean_ranks`.
    rank_by : str, default="balanced_accuracy"
        Metric of the ranks and of the comparisons.

    Returns
    -------
    line : str
        The model(s) with the best mean rank on ``rank_by``, then, when both
        were run, GAMOSampler's wins, ties and losses against SMOTE with the
        same classifier on the same dataset (summed over classifiers; see
        :func:`head_to_head`), and GAMOClassifier's against SMOTE + MLP.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import mean_ranks, summarize, verdict
    >>> results = pd.DataFrame({
    ...     "dataset": ["d", "d", "e", "e"], "sampler": ["smote", "gamo"] * 2,
    ...     "model": ["SMOTE + LogReg", "GAMOSampler + LogReg"] * 2,
    ...     "classifier": ["logreg"] * 4, "fit_time": [1.0] * 4, "error": [""] * 4,
    ...     "balanced_accuracy": [0.7, 0.8, 0.9, 0.9],
    ...     "geometric_mean": [0.7, 0.8, 0.9, 0.9],
    ...     "f1_macro": [0.7, 0.8, 0.9, 0.9]})
    >>> summary = summarize(results)
    >>> print(verdict(summary, mean_ranks(summary)))  # doctest: +NORMALIZE_WHITESPACE
    Verdict on ACSA over 2 datasets: GAMOSampler + LogReg ranks first (mean rank
    1.25); GAMOSampler vs SMOTE, same classifier and dataset: 1 win, 1 tie,
    0 losses.
    """
    column = f"rank_{rank_by}"
    best = ranks[column].min()
    first = ranks.loc[ranks[column] == best, "model"].tolist()
    if len(first) == 1:
        who = f"{first[0]} ranks first"
    else:
        who = f"{', '.join(first[:-1])} and {first[-1]} tie for first"
    n_datasets = summary["dataset"].nunique()
    line = (
        f"Verdict on {METRICS[rank_by]} over {_plural(n_datasets, 'dataset')}: "
        f"{who} (mean rank {best:.2f})"
    )
    duel = head_to_head(summary, rank_by)
    joint = CLASSIFIERS["gamo"]
    against_smote = [
        cells[SAMPLERS["smote"]]
        for name, cells in duel.items()
        if name != joint and SAMPLERS["smote"] in cells
    ]
    if against_smote:
        record = _record(*map(sum, zip(*against_smote, strict=True)))
        line += f"; GAMOSampler vs SMOTE, same classifier and dataset: {record}"
    if SAMPLERS["smote"] in duel.get(joint, {}):
        record = _record(*duel[joint][SAMPLERS["smote"]])
        line += f"; GAMOClassifier vs SMOTE + MLP: {record}"
    return line + "."


def _plural(count, noun):
    plural = "losses" if noun == "loss" else f"{noun}s"
    return f"{count} {noun if count == 1 else plural}"


def _record(wins, ties, losses):
    return ", ".join(
        _plural(n, noun)
        for n, noun in zip((wins, ties, losses), ("win", "tie", "loss"), strict=True)
    )


def report(summary, ranks, *, rank_by="balanced_accuracy", markdown=False):
    """All tables of a run: one per dataset, then, with several datasets, the
    mean ranks, GAMO's wins-ties-losses and per-dataset scores with the MLP."""
    title = "### {}" if markdown else "== {} =="
    blocks = []
    for dataset in dict.fromkeys(summary["dataset"]):
        blocks.append(title.format(dataset))
        blocks.append(
            dataset_table(summary, dataset, rank_by=rank_by, markdown=markdown)
        )
    if summary["dataset"].nunique() > 1:
        short = METRICS[rank_by]
        blocks.append(title.format("mean over datasets (rank: 1 = best)"))
        blocks.append(ranks_table(ranks, markdown=markdown))
        duel = head_to_head_table(summary, rank_by, markdown=markdown)
        if duel:
            blocks.append(title.format(f"GAMO wins-ties-losses over datasets, {short}"))
            blocks.append(duel)
        if "mlp" in set(summary["classifier"]):
            for metric in ("balanced_accuracy", "geometric_mean"):
                blocks.append(title.format(f"{METRICS[metric]} per dataset, with MLP"))
                blocks.append(sampler_pivot_table(summary, metric, markdown=markdown))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------------
# Chart
# ---------------------------------------------------------------------------


def plot_results(summary, ranks, path, *, rank_by="balanced_accuracy"):
    """Save a PNG chart: grouped bars of ACSA and GM, plus mean ranks.

    Bars are grouped by classifier and coloured by sampler. With one dataset
    the bars are means over its splits (one per seed under the holdout
    protocol, seeds × folds under cross-validation) with their standard
    deviation; with several they are means over datasets, and a third panel
    shows mean ranks.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize`.
    ranks : pandas.DataFrame
        Output of :func:`mean_ranks`.
    path : str or path-like
        Where to write the PNG.
    rank_by : str, default="balanced_accuracy"
        Metric of the mean-rank panel.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    several = summary["dataset"].nunique() > 1
    by_model = summary.groupby("model", sort=False)
    means = by_model[[f"{m}_mean" for m in METRICS]].mean()
    # With several datasets the spread across them says little about a model:
    # no error bars then.
    errors = by_model[[f"{m}_std" for m in METRICS]].mean()
    errors.columns = [c.replace("_std", "_mean") for c in errors.columns]
    layout = _bar_layout(summary)
    spread = _spread(summary)

    panels = ["balanced_accuracy", "geometric_mean"] + (["rank"] if several else [])
    figure, axes = plt.subplots(
        1, len(panels), figsize=(5.2 * len(panels), 4.2), squeeze=False
    )
    colours = plt.get_cmap("tab10")
    for axis, panel in zip(axes[0], panels, strict=True):
        for model, (x, sampler) in layout.positions.items():
            colour = colours(layout.samplers.index(sampler) % 10)
            if panel == "rank":
                value = ranks.set_index("model").loc[model, f"rank_{rank_by}"]
                error = None
            else:
                value = means.loc[model, f"{panel}_mean"]
                error = None if several else errors.loc[model, f"{panel}_mean"]
            axis.bar(x, value, width=layout.width, color=colour, yerr=error,
                     capsize=2, error_kw={"linewidth": 0.8})  # fmt: skip
        axis.set_xticks(layout.group_centres, layout.groups)
        if panel == "rank":
            axis.set_title(f"mean rank on {METRICS[rank_by]} (lower is better)")
        else:
            what = "mean over datasets" if several else f"mean ± std over {spread}"
            axis.set_title(f"{METRICS[panel]} ({what})")
            low = np.nanmin(means[f"{panel}_mean"].to_numpy())
            margin = 0.05 if several else 0.1
            axis.set_ylim(max(0.0, low - margin) if np.isfinite(low) else 0.0, 1.0)
        axis.grid(axis="y", alpha=0.3)
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=colours(i % 10))
        for i in range(len(layout.samplers))
    ]
    labels = [
        SAMPLERS.get(name, "GAMOClassifier (own game)") for name in layout.samplers
    ]
    ncol = len(labels) if several else min(len(labels), 4)
    figure.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False)
    datasets = ", ".join(dict.fromkeys(summary["dataset"]))
    if len(datasets) > 80:
        datasets = f"{summary['dataset'].nunique()} datasets"
    figure.suptitle(f"gamo-benchmark: {datasets}")
    legend_rows = -(-len(labels) // ncol)
    figure.tight_layout(rect=(0, 0.06 * legend_rows + 0.02, 1, 0.95))
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _spread(summary):
    """What one dataset's standard deviations are over: "3 seeds", "2 seeds × 5
    folds", or "10 splits" when the seeds are not known."""
    n_splits = int(summary["n_splits"].max())
    if "n_seeds" not in summary:
        return f"{n_splits} splits"
    n_seeds = int(summary["n_seeds"].max())
    seeds = f"{n_seeds} seed{'s' if n_seeds != 1 else ''}"
    folds = n_splits // n_seeds
    return seeds if folds == 1 else f"{seeds} × {folds} folds"


@dataclass
class _BarLayout:
    positions: dict
    groups: list
    group_centres: list
    samplers: list
    width: float


def _bar_layout(summary):
    """x position of each model's bar: one group per classifier."""
    models = summary.drop_duplicates("model")[["model", "sampler", "classifier"]]
    samplers = list(dict.fromkeys(models["sampler"]))
    classifiers = list(dict.fromkeys(models["classifier"]))
    width = 0.8 / max(models.groupby("classifier")["sampler"].nunique().max(), 1)
    positions, centres = {}, []
    for g, classifier in enumerate(classifiers):
        members = models[models["classifier"] == classifier]
        offsets = (np.arange(len(members)) - (len(members) - 1) / 2) * width
        for offset, record in zip(offsets, members.to_dict("records"), strict=True):
            positions[record["model"]] = (g + offset, record["sampler"])
        centres.append(g)
    labels = [CLASSIFIERS.get(c, c) for c in classifiers]
    return _BarLayout(positions, labels, centres, samplers, width)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def build_parser():
    """The ``gamo-benchmark`` argument parser."""
    default = DEFAULT_CONFIG
    parser = argparse.ArgumentParser(
        prog="gamo-benchmark",
        description=(
            "Compare GAMO with RandomOverSampler, SMOTE, BorderlineSMOTE and ADASYN "
            "with the same downstream classifiers, resampling only the training "
            "part of each split. Without arguments: imbalanced digits (trained on "
            "its imbalanced training set, scored on its balanced test set), every "
            "sampler and classifier, seeds 0 1 2, max_iter=500 (about a minute on "
            "2 CPU cores). KEEL datasets: stratified k-fold CV, repeated per seed."
        ),
    )
    known = ", ".join([*DATASETS, KEEL_ALIAS, KEEL_PREFIX + "<name>"])
    parser.add_argument(
        "--datasets", nargs="+", default=list(default.datasets), metavar="NAME",
        help=f"datasets to run ({known}; 'keel' is the {len(KEEL_SUITE)}-dataset "
        "KEEL suite). Default: digits.",
    )  # fmt: skip
    parser.add_argument(
        "--samplers", nargs="+", default=list(default.samplers),
        choices=list(SAMPLERS), metavar="NAME",
        help=f"samplers ({', '.join(SAMPLERS)}). Default: all.",
    )  # fmt: skip
    parser.add_argument(
        "--classifiers", nargs="+", default=list(default.classifiers),
        choices=list(CLASSIFIERS), metavar="NAME",
        help="downstream classifiers (mlp = GAMO's own network without "
        "oversampling, logreg, forest) and gamo = GAMOClassifier. Default: all.",
    )  # fmt: skip
    parser.add_argument(
        "--folds", type=int, default=None,
        help=f"folds of the stratified k-fold (default {default.folds}).",
    )  # fmt: skip
    parser.add_argument(
        "--repeats", type=int, default=None,
        help="repetitions (seeds 0..R-1): of the k-fold, or of the holdout "
        "draw and training (default 3).",
    )  # fmt: skip
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=None,
        help="seeds, one repetition each (instead of --repeats).",
    )  # fmt: skip
    parser.add_argument(
        "--max-iter", type=int, default=None,
        help=f"iterations of GAMO and the MLP (default {default.max_iter}; the "
        "estimators' own default is 2000).",
    )  # fmt: skip
    parser.add_argument(
        "--device", default=default.device,
        help="torch device of GAMO and the MLP: auto, cpu or cuda (default auto).",
    )  # fmt: skip
    parser.add_argument(
        "--protocol", default=default.protocol, choices=PROTOCOLS,
        help="cv: stratified k-fold on every dataset; holdout: datasets with a "
        "balanced protocol test set (digits, fmnist-ir100, mnist) train on their "
        "training set and are scored on it, once per seed (the others use CV); "
        "auto (default) = holdout.",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true",
        help=f"smoke run: seed {QUICK_SETTINGS['seeds'][0]} only, max_iter="
        f"{QUICK_SETTINGS['max_iter']}, and {QUICK_SETTINGS['folds']} folds on "
        "cross-validated datasets (those with a holdout test set keep their "
        "split), unless given explicitly.",
    )  # fmt: skip
    parser.add_argument(
        "--rank-by", default="balanced_accuracy", choices=list(METRICS),
        help="metric that ranks the models (default balanced_accuracy).",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch and BLAS threads (default 1: the small networks gain little "
        "from more, and lose much when cores are shared; 0 = the libraries' "
        "choice).",
    )  # fmt: skip
    parser.add_argument(
        "--output-dir", default=None,
        help="folder for results.csv, summary.csv, ranks.csv, tables.md, "
        "benchmark.png and config.json (default ./gamo-benchmark-results, or the "
        "folder of --from-results).",
    )  # fmt: skip
    parser.add_argument(
        "--from-results", default=None, metavar="CSV",
        help="run nothing: rebuild the tables and chart from a results.csv of an "
        "earlier run (or several concatenated).",
    )  # fmt: skip
    parser.add_argument("--no-plot", action="store_true", help="do not draw the chart.")
    parser.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar."
    )
    return parser


def config_from_args(args):
    """Turn parsed arguments into a :class:`BenchmarkConfig`."""
    quick = QUICK_SETTINGS if args.quick else {}
    default = DEFAULT_CONFIG
    if args.seeds is not None:
        if args.repeats is not None and args.repeats != len(args.seeds):
            raise ValueError("--repeats and --seeds disagree; give one of them.")
        seeds = tuple(args.seeds)
    elif args.repeats is not None:
        seeds = tuple(range(args.repeats))
    else:
        seeds = quick.get("seeds", default.seeds)
    return BenchmarkConfig(
        datasets=tuple(args.datasets),
        samplers=tuple(dict.fromkeys(args.samplers)),
        classifiers=tuple(dict.fromkeys(args.classifiers)),
        folds=_first(args.folds, quick.get("folds"), default.folds),
        seeds=seeds,
        max_iter=_first(args.max_iter, quick.get("max_iter"), default.max_iter),
        device=args.device,
        threads=args.threads,
        protocol=args.protocol,
    )


def _first(*values):
    return next(value for value in values if value is not None)


def _describe(config):
    from .game import resolve_device

    protocol = {
        "cv": f"stratified {config.folds}-fold CV",
        "auto": f"holdout test set where the dataset has one, else stratified "
        f"{config.folds}-fold CV",
    }
    protocol["holdout"] = protocol["auto"]
    seeds = ", ".join(map(str, config.seeds))
    return (
        f"gamo-benchmark: {len(expand_datasets(config.datasets))} dataset(s), "
        f"{len(config.models)} models; {protocol[config.protocol]}; "
        f"{len(config.seeds)} repetition(s) (seeds {seeds}); "
        f"max_iter={config.max_iter} for GAMO and the MLP; "
        f"device={resolve_device(config.device)}"
    )


def _versions():
    import imblearn
    import sklearn
    import torch

    from ._version import __version__

    return {
        "gamo_sampler": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def main(argv=None):
    """Entry point of ``gamo-benchmark``; returns the exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 when the run completed (a model that fails on a split is recorded
        in ``results.csv`` and reported, not fatal), 2 on a usage or data
        error.

    Examples
    --------
    >>> from gamo_sampler.benchmark import main
    >>> main(["--samplers", "none", "smote", "--classifiers", "logreg",
    ...       "--folds", "2", "--no-plot", "--no-progress",
    ...       "--output-dir", "/tmp/gamo-doctest"])  # doctest: +SKIP
    0
    """
    from .game import resolve_device

    args = build_parser().parse_args(argv)
    if args.from_results:
        return _resummarize(args)
    try:
        config = config_from_args(args)
        device = str(resolve_device(config.device))
    except ValueError as error:
        print(f"gamo-benchmark: error: {error}", file=sys.stderr)
        return 2
    print(_describe(config), flush=True)
    output = Path(args.output_dir or DEFAULT_OUTPUT_DIR)
    earlier = [name for name in OUTPUT_FILES if (output / name).exists()]
    if earlier:
        print(
            f"Overwriting the results in {output}/ ({', '.join(earlier)} of an "
            "earlier run) when this run ends.",
            flush=True,
        )
    start = time.perf_counter()
    try:
        results = run_benchmark(
            config,
            progress=not args.no_progress,
            log=lambda line: print(line, flush=True),
        )
    except (ImportError, FileNotFoundError, KeyError, ValueError) as error:
        # str() of a KeyError is the repr of its message, quotes included.
        message = error.args[0] if isinstance(error, KeyError) else error
        print(f"gamo-benchmark: error: {message}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start

    output.mkdir(parents=True, exist_ok=True)
    results.to_csv(output / "results.csv", index=False)
    description = f"{_describe(config)}; wall time {elapsed:.0f} s"
    settings = asdict(config)
    settings["models"] = [model.name for model in config.models]
    settings.update(device=device, device_requested=config.device)
    settings.update(
        description=description,
        wall_time_s=round(elapsed, 1),
        versions=_versions(),
        argv=sys.argv[1:] if argv is None else list(argv),
    )
    (output / "config.json").write_text(json.dumps(settings, indent=2) + "\n")
    written = _write_summaries(results, output, description, args)
    written = ["results.csv", "config.json", *written]
    print(f"Wrote {', '.join(written)} to {output}/ (wall time {elapsed:.0f} s).")
    return 0


def _resummarize(args):
    """``--from-results``: tables and chart again from a saved results.csv."""
    import pandas as pd

    path = Path(args.from_results)
    if not path.is_file():
        print(f"gamo-benchmark: error: {path} does not exist.", file=sys.stderr)
        return 2
    results = pd.read_csv(path)
    results["error"] = results["error"].fillna("").astype(str)
    output = Path(args.output_dir) if args.output_dir else path.parent
    output.mkdir(parents=True, exist_ok=True)
    settings_path = path.parent / "config.json"
    description = f"Summary of {path}"
    if settings_path.is_file():
        description = json.loads(settings_path.read_text()).get(
            "description", description
        )
    written = _write_summaries(results, output, description, args)
    print(f"Wrote {', '.join(written)} to {output}/.")
    return 0


def _write_summaries(results, output, description, args):
    """Write summary.csv, ranks.csv, tables.md and the chart; print the tables."""
    summary = summarize(results, rank_by=args.rank_by)
    ranks = mean_ranks(summary, rank_by=args.rank_by)
    summary.to_csv(output / "summary.csv", index=False)
    ranks.to_csv(output / "ranks.csv", index=False)
    tables = report(summary, ranks, rank_by=args.rank_by, markdown=True)
    conclusion = verdict(summary, ranks, rank_by=args.rank_by)
    (output / "tables.md").write_text(
        f"{description}\n\n{tables}\n\n{conclusion}\n\n{LEGEND}\n"
    )
    print()
    print(report(summary, ranks, rank_by=args.rank_by))
    print()
    written = ["summary.csv", "ranks.csv", "tables.md"]
    if not args.no_plot:
        try:
            plot_results(summary, ranks, output / "benchmark.png", rank_by=args.rank_by)
            written.append("benchmark.png")
        except ImportError:
            print("matplotlib is not installed: no chart (pip install matplotlib).")
    failures = results[results["error"] != ""]
    if len(failures):
        print(
            f"{len(failures)} of {len(results)} fits failed (their metrics are NaN, "
            "the means are over the other splits, and a model that failed on a "
            "split ranks last on that dataset). One error per sampler:"
        )
        for record in failures.drop_duplicates("sampler").to_dict("records"):
            print(f"  {record['dataset']} {record['model']}: {record['error']}")
    print(conclusion)
    print(LEGEND)
    return written


if __name__ == "__main__":
    sys.exit(main())
