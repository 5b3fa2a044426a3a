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

Schedule: the reference trains 25,000 iterations (about 89 epochs). That takes
about an hour per GAMO run on one CPU core, so ``--epochs`` (default 6, i.e.
1,692 iterations, 6.8% of 25,000) shortens it; each epoch is one pass of 282
batches of 32 over the 9,000 images, preceded by F's training epoch.

Run: ``python benchmarks/paper_fmnist_conv.py --seeds 0 1 2 --epochs 6``
"""

import argparse
import csv
import math
import time

import numpy as np
import torch
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


def run_seed(seed, iterations, device):
    """Fit the four models on one draw; yield (method, acsa, gm, seconds)."""
    data = load_fashion_mnist_ir100(random_state=seed)
    common = dict(image_shape=IMAGE_SHAPE, device=device, random_state=seed)

    start = time.perf_counter()
    baseline = GAMOClassifier(
        sampling_strategy={}, max_iter=2 * iterations, **common
    ).fit(data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    yield "Baseline", *scores(data.y_test, baseline.predict(data.X_test)), seconds

    start = time.perf_counter()
    train_features = features_of(baseline, data.X_train)
    smote = SMOTE(random_state=seed)
    F_res, y_res = smote.fit_resample(train_features, data.y_train)
    head = GAMOClassifier(
        sampling_strategy={},
        max_iter=2 * iterations,
        device=device,
        random_state=seed,
    ).fit(F_res, y_res)
    y_pred = head.predict(features_of(baseline, data.X_test))
    # The SMOTE+CN run also needs the Baseline's fit: count both.
    seconds += time.perf_counter() - start
    yield "SMOTE+CN", *scores(data.y_test, y_pred), seconds

    for name, use_d in (("GAMO\\D", False), ("GAMO", True)):
        start = time.perf_counter()
        gamo = GAMOClassifier(
            max_iter=iterations, use_discriminator=use_d, **common
        ).fit(data.X_train, data.y_train)
        seconds = time.perf_counter() - start
        yield name, *scores(data.y_test, gamo.predict(data.X_test)), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", help="CSV file for the per-run results")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    iterations = args.epochs * math.ceil(9000 / BATCH_SIZE)
    print(
        f"{iterations} GAMO iterations ({args.epochs} epochs, "
        f"{100 * iterations / 25000:.1f}% of the reference's 25,000); "
        f"{args.threads} torch thread(s), device {args.device}",
        flush=True,
    )
    rows = []
    for seed in args.seeds:
        for method, acsa, gm, seconds in run_seed(seed, iterations, args.device):
            rows.append((method, seed, acsa, gm, seconds))
            print(
                f"seed {seed} {method:9} ACSA {acsa:.4f} GM {gm:.4f} {seconds:7.1f} s",
                flush=True,
            )
    if args.output:
        with open(args.output, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["method", "seed", "acsa", "gm", "fit_seconds"])
            writer.writerows(rows)

    print(f"\n| Method | ACSA | GM | fit s / run | ({len(args.seeds)} seeds)")
    print("|---|---|---|---|")
    for method in dict.fromkeys(r[0] for r in rows):
        table = np.array([r[2:] for r in rows if r[0] == method])
        mean, std = table.mean(axis=0), table.std(axis=0)
        print(
            f"| {method} | {mean[0]:.3f} ± {std[0]:.3f} | "
            f"{mean[1]:.3f} ± {std[1]:.3f} | {mean[2]:.0f} |"
        )


if __name__ == "__main__":
    main()
