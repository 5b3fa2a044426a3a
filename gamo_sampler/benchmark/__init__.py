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

Tables with categorical columns (``--datasets mixed``, the KEEL tables of
:data:`~gamo_sampler.datasets.MIXED_SUITE`, or ``mixed:<table>``) go through the
same protocol with the changes that categories need (see
:func:`run_benchmark`): only the numeric columns are standardised, ``smote``
runs as ``SMOTENC`` (``SMOTEN`` when every column is categorical), GAMO gets
``categorical_features='auto'``, the logistic regression and the random forest
get the categories one-hot encoded, and the samplers that take numbers only
are skipped with a note (:data:`CATEGORICAL_SAMPLERS` lists those that run).

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

from ..datasets import KEEL_SUITE
from .chart import plot_results
from .cli import build_parser, config_from_args, main
from .config import DEFAULT_CONFIG, QUICK_SETTINGS, BenchmarkConfig, Model
from .data import expand_datasets
from .metrics import METRICS
from .models import (
    CATEGORICAL_SAMPLERS,
    CLASSIFIERS,
    SAMPLERS,
    make_classifier,
    make_sampler,
)
from .protocol import limited_threads
from .runner import run_benchmark
from .summary import head_to_head, mean_ranks, summarize, verdict
from .tables import (
    LEGEND,
    dataset_table,
    format_table,
    head_to_head_table,
    ranks_table,
    report,
    sampler_pivot_table,
)

__all__ = [
    "CATEGORICAL_SAMPLERS",
    "CLASSIFIERS",
    "DEFAULT_CONFIG",
    "KEEL_SUITE",
    "LEGEND",
    "METRICS",
    "QUICK_SETTINGS",
    "SAMPLERS",
    "BenchmarkConfig",
    "Model",
    "build_parser",
    "config_from_args",
    "dataset_table",
    "expand_datasets",
    "format_table",
    "head_to_head",
    "head_to_head_table",
    "limited_threads",
    "main",
    "make_classifier",
    "make_sampler",
    "mean_ranks",
    "plot_results",
    "ranks_table",
    "report",
    "run_benchmark",
    "sampler_pivot_table",
    "summarize",
    "verdict",
]
