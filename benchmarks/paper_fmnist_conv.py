"""GAMO's conv variant on the Fashion-MNIST IR-100 protocol, with its baselines.

Protocol (``gamo_sampler.datasets.load_fashion_mnist_ir100``): 9,000 training
images (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40 per class, drawn with
replacement as in the reference) and a balanced test set of 100 images per
class. For each seed (which seeds both the draw and the training), four models
with the reference feature extractor F and classifier M:

- **Baseline**: ``GAMOClassifier(sampling_strategy={}, image_shape=...)``: F and
  M trained on real images only, with the same epoch prologue, loss and Adam.
  As in the reference, it gets as many M updates as GAMO (GAMO updates M twice
  per iteration, on real and fake rows), so it runs twice as many iterations;
- **SMOTE+CN**: the Baseline's F extracts features of the training images,
  SMOTE balances them, and a fresh M (same network, loss, optimizer and number
  of updates) is trained on them; predictions are M(F(x));
- **GAMO\\D**: GAMO without the discriminator (``use_discriminator=False``);
- **GAMO**: the full game.

Metrics on the test set: ACSA (balanced accuracy) and GM (geometric mean of the
per-class recalls, ``imblearn.metrics.geometric_mean_score``), final model, no
selection. Printed as mean ± standard deviation over the seeds, with the mean
fit time of one run.

Schedule: the reference trains 25,000 iterations (about 89 epochs); each epoch
is one pass of 282 batches of 32 over the 9,000 images, preceded by F's
training epoch. ``--max-iter`` sets it (default 1,692, 6 epochs, for a quick
look). Each finished (method, seed) run is appended to ``runs.csv`` in
``--output-dir`` and skipped when the command runs again, so a long schedule
can be spread over several sessions.

Run: ``python benchmarks/paper_fmnist_conv.py --seeds 0 --max-iter 25000
--output-dir docs/_static/results/fmnist-conv-25000``
"""

import argparse
import csv
import math
import pickle
import time
from pathlib import Path

import numpy as np
import torch
from _common import append_rows
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE
from sklearn.metrics import balanced_accuracy_score

from gamo_sampler import GAMOClassifier
from gamo_sampler.datasets import load_fashion_mnist_ir100
from gamo_sampler.image import extract_features

IMAGE_SHAPE = (1, 28, 28)
BATCH_SIZE = 32


def scores(y_true, y_pred):
    return balanced_accuracy_score(y_true, y_pred), geometric_mean_score(y_true, y_pred)


def features_of(clf, X):
    images = clf.standardizer_.transform(X).reshape(-1, *IMAGE_SHAPE)
    return extract_features(clf.feature_extractor_, torch.as_tensor(images)).numpy()


METHODS = {
    "gamo": "GAMO",
    "baseline": "Baseline",
    "gamo-no-d": "GAMO\\D",
    "smote": "SMOTE+CN",
}
COLUMNS = ["method", "seed", "max_iter", "acsa", "gm", "fit_seconds"]


def fit_baseline(data, seed, iterations, device):
    """F and M on real images only, with as many M updates as GAMO makes."""
    return GAMOClassifier(
        sampling_strategy={},
        max_iter=2 * iterations,
        image_shape=IMAGE_SHAPE,
        device=device,
        random_state=seed,
    ).fit(data.X_train, data.y_train)


def run_one(method, data, seed, iterations, device, output):
    """Fit one method on one draw; return ``(acsa, gm, seconds)``.

    The Baseline's fitted model is pickled to ``output`` for SMOTE+CN, whose time
    counts the Baseline's fit too.
    """
    baseline_path = output / f"baseline-seed{seed}-{iterations}.pkl"
    start = time.perf_counter()
    if method == "baseline":
        model = fit_baseline(data, seed, iterations, device)
        seconds = time.perf_counter() - start
        with open(baseline_path, "wb") as f:
            pickle.dump((model, seconds), f)
        return *scores(data.y_test, model.predict(data.X_test)), seconds
    if method == "smote":
        if baseline_path.exists():
            with open(baseline_path, "rb") as f:
                baseline, baseline_seconds = pickle.load(f)
        else:
            baseline = fit_baseline(data, seed, iterations, device)
            baseline_seconds = time.perf_counter() - start
        start = time.perf_counter()
        train_features = features_of(baseline, data.X_train)
        F_res, y_res = SMOTE(random_state=seed).fit_resample(
            train_features, data.y_train
        )
        head = GAMOClassifier(
            sampling_strategy={},
            max_iter=2 * iterations,
            device=device,
            random_state=seed,
        ).fit(F_res, y_res)
        y_pred = head.predict(features_of(baseline, data.X_test))
        seconds = baseline_seconds + time.perf_counter() - start
        return *scores(data.y_test, y_pred), seconds
    gamo = GAMOClassifier(
        max_iter=iterations,
        use_discriminator=method == "gamo",
        image_shape=IMAGE_SHAPE,
        device=device,
        random_state=seed,
    ).fit(data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    return *scores(data.y_test, gamo.predict(data.X_test)), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--max-iter",
        type=int,
        default=1692,
        help="GAMO iterations (the reference: 25000; default 1692, 6 epochs)",
    )
    parser.add_argument(
        "--methods", nargs="+", default=list(METHODS), choices=list(METHODS)
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--output-dir",
        default="paper-fmnist-conv-results",
        help="folder of runs.csv (finished runs, skipped when run again)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    output = Path(args.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    runs_path = output / "runs.csv"
    rows = []
    if runs_path.exists():
        with open(runs_path, newline="") as f:
            rows = list(csv.DictReader(f))
    done = {(r["method"], int(r["seed"]), int(r["max_iter"])) for r in rows}
    iterations = args.max_iter
    print(
        f"{iterations} GAMO iterations ({iterations / math.ceil(9000 / BATCH_SIZE):.1f}"
        f" epochs, {100 * iterations / 25000:.1f}% of the reference's 25,000); "
        f"{args.threads} torch thread(s), device {args.device}; "
        f"finished runs in {runs_path} are skipped",
        flush=True,
    )
    for seed in args.seeds:
        data = None
        for method in args.methods:
            if (method, seed, iterations) in done:
                continue
            if data is None:
                data = load_fashion_mnist_ir100(random_state=seed)
            acsa, gm, seconds = run_one(
                method, data, seed, iterations, args.device, output
            )
            row = dict(
                zip(COLUMNS, (method, seed, iterations, acsa, gm, seconds), strict=True)
            )
            print(
                f"seed {seed} {METHODS[method]:9} ACSA {acsa:.4f} GM {gm:.4f} "
                f"{seconds:7.1f} s",
                flush=True,
            )
            # Appended after every fit, so that an interrupted run can resume
            # and runs of other seeds in other processes are kept.
            append_rows(runs_path, [row], COLUMNS)

    with open(runs_path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if int(r["max_iter"]) == iterations]
    print(f"\n| Method | ACSA | GM | fit s / run | seeds | ({iterations} iterations)")
    print("|---|---|---|---|---|")
    for method, label in METHODS.items():
        part = [r for r in rows if r["method"] == method]
        if not part:
            continue
        table = np.array([[float(r[c]) for c in COLUMNS[3:]] for r in part])
        mean, std = (
            table.mean(axis=0),
            table.std(axis=0, ddof=1 if len(part) > 1 else 0),
        )
        seeds = ", ".join(sorted(str(r["seed"]) for r in part))
        print(
            f"| {label} | {mean[0]:.3f} ± {std[0]:.3f} | "
            f"{mean[1]:.3f} ± {std[1]:.3f} | {mean[2]:.0f} | {seeds} |"
        )


if __name__ == "__main__":
    main()
