"""Training length: early stopping and ``max_iter='auto'`` against fixed schedules.

For each dataset and seed, ``GAMOClassifier`` is fitted on a stratified training
split and scored on the held-out test rows (balanced accuracy, G-mean), with:

- ``fixed``: the default, ``max_iter='auto'``, no early stopping (the last M);
- ``early``: the same cap with ``early_stopping=True`` (the best M on 10% of the
  training rows, held out of the game);
- ``fixed-2000``: the previous default of 2,000 iterations, only where ``'auto'``
  differs from it (training sets above 1,280 rows).

Datasets: the imbalanced digits (their own balanced test set) and the 16 tables
of the KEEL suite (70/30 stratified split per seed); ``--datasets fmnist`` adds
dense Fashion-MNIST IR-100 (9,000 training rows of 784 pixels, its own test
set), a table large enough for ``'auto'`` to mean 14,100 iterations. Finished
runs are appended to ``runs.csv`` in ``--output-dir`` and skipped when the
script runs again.

Run: ``python benchmarks/training_length.py --seeds 0 1 2``; ``--summary`` prints
the tables of ``docs/results.md`` from the CSV.
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import torch
from _common import append_rows
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from gamo_sampler import GAMOClassifier
from gamo_sampler.datasets import (
    KEEL_SUITE,
    load_fashion_mnist_ir100,
    load_imbalanced_digits,
    load_keel,
)
from gamo_sampler.early_stopping import resolve_max_iter

FIELDS = (
    "dataset",
    "seed",
    "mode",
    "n_train",
    "max_iter",
    "n_iter",
    "best_iteration",
    "acsa",
    "gm",
    "fit_seconds",
)
MODES = {
    "fixed": {},
    "early": {"early_stopping": True},
    "fixed-2000": {"max_iter": 2000},
}


def load_fmnist(random_state):
    """Fashion-MNIST IR-100 (9,000 training images of 784 pixels): a large table."""
    return load_fashion_mnist_ir100(random_state=random_state)


def split(dataset, seed):
    if dataset in ("digits", "fmnist"):
        load = load_imbalanced_digits if dataset == "digits" else load_fmnist
        d = load(random_state=seed)
        return d.X_train, d.y_train, d.X_test, d.y_test
    X, y = load_keel(dataset)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    return X_train, y_train, X_test, y_test


def run(dataset, seed, mode):
    X_train, y_train, X_test, y_test = split(dataset, seed)
    clf = GAMOClassifier(random_state=seed, **MODES[mode])
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    y_pred = clf.predict(X_test)
    return {
        "dataset": dataset,
        "seed": seed,
        "mode": mode,
        "n_train": len(y_train),
        "max_iter": resolve_max_iter(clf.max_iter, len(y_train), clf.batch_size),
        "n_iter": clf.n_iter_,
        "best_iteration": clf.best_iteration_ or "",
        "acsa": balanced_accuracy_score(y_test, y_pred),
        "gm": geometric_mean_score(y_test, y_pred),
        "fit_seconds": seconds,
    }


def finished(path):
    if not path.exists():
        return set()
    with open(path) as f:
        return {(r["dataset"], r["seed"], r["mode"]) for r in csv.DictReader(f)}


def summary(path):
    """Per dataset: mean ACSA and fit time of each mode, and the totals."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    print(
        "| dataset | train rows | fixed ACSA | early ACSA | fixed-2000 ACSA "
        "| fixed s | early s | early iterations (best) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    totals = {mode: [] for mode in MODES}
    for dataset in datasets:
        by_mode = {
            mode: [r for r in rows if r["dataset"] == dataset and r["mode"] == mode]
            for mode in MODES
        }
        seeds = {r["seed"] for r in by_mode["fixed"]} & {
            r["seed"] for r in by_mode["early"]
        }
        if not seeds:
            continue

        def mean(mode, key, by_mode=by_mode, seeds=seeds):
            values = [float(r[key]) for r in by_mode[mode] if r["seed"] in seeds]
            return np.mean(values) if values else np.nan

        for mode in MODES:
            totals[mode] += [r for r in by_mode[mode] if r["seed"] in seeds]
        iters = f"{mean('early', 'n_iter'):.0f} ({mean('early', 'best_iteration'):.0f})"
        f2000 = mean("fixed-2000", "acsa")
        print(
            f"| {dataset} | {by_mode['fixed'][0]['n_train']} "
            f"| {mean('fixed', 'acsa'):.3f} | {mean('early', 'acsa'):.3f} "
            f"| {'' if np.isnan(f2000) else f'{f2000:.3f}'} "
            f"| {mean('fixed', 'fit_seconds'):.0f} "
            f"| {mean('early', 'fit_seconds'):.0f} "
            f"| {iters} |"
        )
    fixed = np.array([float(r["acsa"]) for r in totals["fixed"]])
    early = np.array([float(r["acsa"]) for r in totals["early"]])
    seconds = {m: sum(float(r["fit_seconds"]) for r in totals[m]) for m in MODES}
    print(
        f"\n{len(fixed)} fits per mode: mean ACSA fixed {fixed.mean():.3f}, early "
        f"{early.mean():.3f}; early better on {np.sum(early > fixed)}, equal on "
        f"{np.sum(early == fixed)}, worse on {np.sum(early < fixed)} (pairs by "
        f"dataset and seed); total fit time fixed {seconds['fixed']:.0f} s, early "
        f"{seconds['early']:.0f} s ({seconds['early'] / seconds['fixed']:.2f}x)."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--datasets", nargs="+", default=["digits", *KEEL_SUITE], metavar="NAME"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=Path("docs/_static/results/training-length")
    )
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    path = args.output_dir / "runs.csv"
    if args.summary:
        summary(path)
        return
    torch.set_num_threads(1)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    done = finished(path)
    for seed in args.seeds:
        for dataset in args.datasets:
            for mode in MODES:
                if (dataset, str(seed), mode) in done:
                    continue
                if mode == "fixed-2000":
                    n_train = len(split(dataset, seed)[1])
                    if resolve_max_iter("auto", n_train, 32) == 2000:
                        continue
                row = run(dataset, seed, mode)
                append_rows(path, [row], FIELDS)
                print(row, flush=True)


if __name__ == "__main__":
    main()
