"""Early stopping's choice among tied checks: the lower validation loss (today's
rule) against the first check of the best balanced accuracy (the rule before).

On small validation sets balanced accuracy takes few values and often
saturates, so several checks tie for the best (issue 21). For each dataset and
seed of ``training_length.py`` (the imbalanced digits and the 16 KEEL tables),
``GAMOClassifier(early_stopping=True)`` is fitted at its defaults; its networks
are those of the best check under today's rule. The previous rule kept the
first check of the highest accuracy: refitting with ``max_iter`` set to that
check's iteration replays the same game (same seed, rows and schedule) and
ends there, so its networks are the previous rule's, and both are scored on
the same test rows. Finished runs are appended to ``runs.csv`` in
``--output-dir`` and skipped when the script runs again.

Run: ``python benchmarks/early_stopping_ties.py --seeds 0 1 2``; ``--summary``
prints the table of ``docs/results.md`` from the CSV.
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
from training_length import split

from gamo_sampler import GAMOClassifier
from gamo_sampler.datasets import KEEL_SUITE

FIELDS = (
    "dataset",
    "seed",
    "n_train",
    "n_checks",
    "n_tied",
    "n_iter",
    "best_iteration",
    "first_best_iteration",
    "acsa",
    "gm",
    "acsa_first_best",
    "gm_first_best",
    "fit_seconds",
)


def scores(clf, X_test, y_test):
    y_pred = clf.predict(X_test)
    return balanced_accuracy_score(y_test, y_pred), geometric_mean_score(y_test, y_pred)


def run(dataset, seed):
    X_train, y_train, X_test, y_test = split(dataset, seed)
    clf = GAMOClassifier(random_state=seed, early_stopping=True)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    acsa, gm = scores(clf, X_test, y_test)
    accuracy = clf.validation_scores_
    first = int(clf.validation_iterations_[np.argmax(accuracy)])
    acsa_first, gm_first = acsa, gm
    if first != clf.best_iteration_:
        replay = GAMOClassifier(random_state=seed, early_stopping=True, max_iter=first)
        replay.fit(X_train, y_train)
        n = len(replay.validation_scores_)
        # The replay is the same game up to its end.
        np.testing.assert_array_equal(replay.validation_scores_, accuracy[:n])
        assert replay.best_iteration_ == first
        acsa_first, gm_first = scores(replay, X_test, y_test)
    return {
        "dataset": dataset,
        "seed": seed,
        "n_train": len(y_train),
        "n_checks": len(accuracy),
        "n_tied": int(np.sum(accuracy == accuracy.max())),
        "n_iter": clf.n_iter_,
        "best_iteration": clf.best_iteration_,
        "first_best_iteration": first,
        "acsa": acsa,
        "gm": gm,
        "acsa_first_best": acsa_first,
        "gm_first_best": gm_first,
        "fit_seconds": seconds,
    }


def summary(path):
    """Per dataset, the mean over seeds of both rules' kept iteration and ACSA."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    print(
        "| dataset | seeds | checks tied for the best | kept: first best | "
        "kept: lowest loss | ACSA first best | ACSA lowest loss |"
    )
    print("|---|---|---|---|---|---|---|")
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        part = [r for r in rows if r["dataset"] == dataset]

        def mean(key, part=part):
            return np.mean([float(r[key]) for r in part])

        print(
            f"| {dataset} | {len(part)} | {mean('n_tied'):.1f} of "
            f"{mean('n_checks'):.1f} | {mean('first_best_iteration'):.0f} | "
            f"{mean('best_iteration'):.0f} | {mean('acsa_first_best'):.3f} | "
            f"{mean('acsa'):.3f} |"
        )
    new = np.array([float(r["acsa"]) for r in rows])
    old = np.array([float(r["acsa_first_best"]) for r in rows])
    gm_new = np.array([float(r["gm"]) for r in rows])
    gm_old = np.array([float(r["gm_first_best"]) for r in rows])
    differ = np.array([r["best_iteration"] != r["first_best_iteration"] for r in rows])
    diff = new - old
    tied = np.array([int(r["n_tied"]) for r in rows])
    checks = np.array([int(r["n_checks"]) for r in rows])
    seconds = np.array([float(r["fit_seconds"]) for r in rows])
    print(
        f"\nSeveral checks tied for the best in {np.sum(tied > 1)} of {len(rows)} "
        f"fits, every check in {np.sum(tied == checks)}. Fit time (the rule's "
        f"fit, without the replay): {seconds.sum():.0f} s in all, "
        f"{seconds.mean():.0f} s per fit."
    )
    print(
        f"\n{len(rows)} fits; the rules kept different iterations in "
        f"{differ.sum()}. Mean ACSA: lowest loss {new.mean():.3f}, first best "
        f"{old.mean():.3f} (difference {diff.mean():+.3f}, standard error "
        f"{diff.std(ddof=1) / np.sqrt(len(diff)):.3f}); better on "
        f"{np.sum(diff > 0)}, equal on {np.sum(diff == 0)}, worse on "
        f"{np.sum(diff < 0)}. Mean G-mean: {gm_new.mean():.3f} against "
        f"{gm_old.mean():.3f}. Mean iteration kept: "
        f"{np.mean([float(r['best_iteration']) for r in rows]):.0f} against "
        f"{np.mean([float(r['first_best_iteration']) for r in rows]):.0f}."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--datasets", nargs="+", default=["digits", *KEEL_SUITE], metavar="NAME"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("docs/_static/results/early-stopping-ties"),
    )
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    path = args.output_dir / "runs.csv"
    if args.summary:
        summary(path)
        return
    torch.set_num_threads(1)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    done = set()
    if path.exists():
        with open(path) as f:
            done = {(r["dataset"], r["seed"]) for r in csv.DictReader(f)}
    for seed in args.seeds:
        for dataset in args.datasets:
            if (dataset, str(seed)) in done:
                continue
            row = run(dataset, seed)
            append_rows(path, [row], FIELDS)
            print(row, flush=True)


if __name__ == "__main__":
    main()
