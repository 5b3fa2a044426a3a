"""GAMO paper protocol on Fashion-MNIST with imbalance ratio 100 (dense variant).

Trains, on flattened pixels of the Fashion-MNIST IR-100 training set
(:func:`gamo_sampler.datasets.load_fashion_mnist_ir100`: 4000, 2000, 1000,
750, 500, 350, 200, 100, 60, 40 images of classes 0..9), the four models of
the paper's ablation:

- ``baseline``: the classifier alone, ``GAMOClassifier(sampling_strategy={})``
  (GAMO's classifier network, loss and optimiser, no oversampling);
- ``smote``: SMOTE, then the same classifier;

As in the reference, the two give M as many updates as GAMO gives it (GAMO
updates M twice per iteration, on real rows and on fakes), so they run
``2 * max_iter`` iterations: 50,000 updates at the reference's schedule.

- ``gamo-no-d``: GAMO without the discriminator,
  ``GAMOClassifier(use_discriminator=False)``;
- ``gamo``: GAMO, ``GAMOClassifier()``.

Each is scored on the balanced test set (100 images per class) with ACSA
(balanced accuracy) and GM (geometric mean of per-class recalls), once per
seed. The seed draws the training and test images (``random_state`` of the
loader) and seeds the model, so the spread covers both.

The paper trains for 25,000 iterations (batch 32) with a convolutional
feature extractor; this script runs the dense variant (no convolutions) and
takes the number of iterations as ``--max-iter``. Completed (seed, method)
pairs are appended to ``runs.csv`` in the output folder and skipped when the
command is run again, so a long schedule can be split across several runs.

Usage::

    python benchmarks/paper_fmnist.py --max-iter 3000 --seeds 0 1 2 \\
        --output-dir docs/_static/results/fmnist

It writes ``runs.csv`` (one row per seed and method), ``table.md`` and
``fmnist.png`` in the output folder and prints the table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

METHODS = {
    "baseline": "Baseline (classifier alone)",
    "smote": "SMOTE + classifier",
    "gamo-no-d": "GAMO without D",
    "gamo": "GAMO",
    "gamo-summed": "GAMO, summed G step (before)",
}
# Rows of this method were run on the code before the reference's per-composite
# G updates (one Adam step on the summed G loss), for comparison.
SUMMED_STEP_COMMIT = "7de4b562b694047ab5495c35249adbbe933b89ff"
REFERENCE_ITERATIONS = 25_000
# M's updates per GAMO iteration: the plain classifiers run twice as many
# iterations, so that every model's M gets the same number of updates.
M_UPDATES_PER_ITERATION = {"baseline": 2, "smote": 2, "gamo-no-d": 1, "gamo": 1}
RUNNABLE = list(M_UPDATES_PER_ITERATION)
RUN_COLUMNS = [
    "seed",
    "method",
    "max_iter",
    "m_updates",
    "acsa",
    "gm",
    "f1_macro",
    "fit_time",
    "n_train",
    "n_test",
]


def build_model(method, *, max_iter, seed, device, standardize=True):
    """Return ``(sampler or None, classifier)`` for one of :data:`RUNNABLE`."""
    from imblearn.over_sampling import SMOTE

    from gamo_sampler import GAMOClassifier

    if method == "gamo-summed":
        raise ValueError(
            "gamo-summed is the game before the reference's G updates: run "
            "'--methods gamo' on a worktree of commit "
            f"{SUMMED_STEP_COMMIT} and rename its rows."
        )

    common = {
        "max_iter": max_iter * M_UPDATES_PER_ITERATION[method],
        "random_state": seed,
        "device": device,
        "standardize": standardize,
    }
    if method == "baseline":
        return None, GAMOClassifier(sampling_strategy={}, **common)
    if method == "smote":
        return SMOTE(random_state=seed), GAMOClassifier(sampling_strategy={}, **common)
    if method == "gamo-no-d":
        return None, GAMOClassifier(use_discriminator=False, **common)
    if method == "gamo":
        return None, GAMOClassifier(**common)
    raise ValueError(f"Unknown method {method!r}; choose among {', '.join(METHODS)}.")


def run_one(data, method, *, max_iter, seed, device="auto", standardize=True):
    """Train one method on ``data`` (a Bunch with X_train, ...) and score it.

    Returns
    -------
    row : dict
        The columns of :data:`RUN_COLUMNS`.
    """
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import balanced_accuracy_score, f1_score

    sampler, classifier = build_model(
        method, max_iter=max_iter, seed=seed, device=device, standardize=standardize
    )
    start = time.perf_counter()
    X, y = data.X_train, data.y_train
    if sampler is not None:
        X, y = sampler.fit_resample(X, y)
    classifier.fit(X, y)
    fit_time = time.perf_counter() - start
    y_pred = classifier.predict(data.X_test)
    return {
        "seed": seed,
        "method": method,
        "max_iter": max_iter,
        "m_updates": 2 * max_iter,
        "acsa": balanced_accuracy_score(data.y_test, y_pred),
        "gm": geometric_mean_score(data.y_test, y_pred),
        "f1_macro": f1_score(data.y_test, y_pred, average="macro"),
        "fit_time": fit_time,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
    }


def summary_table(runs, *, markdown=True):
    """ACSA and GM as mean ± std over seeds, one row per method.

    Only rows of the largest ``max_iter`` in ``runs`` are used.
    """
    from gamo_sampler.benchmark import format_table

    runs = runs[runs["max_iter"] == runs["max_iter"].max()]
    rows = []
    for method, label in METHODS.items():
        part = runs[runs["method"] == method]
        if part.empty:
            continue
        cells = [
            f"{part[c].mean():.3f} ± {part[c].std(ddof=1):.3f}"
            if len(part) > 1
            else f"{part[c].iloc[0]:.3f}"
            for c in ("acsa", "gm")
        ]
        seeds = ", ".join(str(s) for s in sorted(part["seed"]))
        rows.append([label, *cells, f"{part['fit_time'].mean():.0f}", seeds])
    header = ["method", "ACSA", "GM", "fit s", "seeds"]
    return format_table(header, rows, markdown=markdown)


def plot(runs, path):
    """Bar chart of ACSA and GM, mean ± std over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = runs[runs["max_iter"] == runs["max_iter"].max()]
    methods = [m for m in METHODS if (runs["method"] == m).any()]
    grouped = runs.groupby("method")
    figure, axis = plt.subplots(figsize=(6.4, 3.8))
    x = np.arange(len(methods))
    for offset, (column, label) in zip(
        (-0.2, 0.2), (("acsa", "ACSA"), ("gm", "GM")), strict=True
    ):
        means = [grouped[column].mean()[m] for m in methods]
        stds = [grouped[column].std()[m] for m in methods]
        axis.bar(x + offset, means, width=0.4, yerr=stds, capsize=3, label=label)
    axis.set_xticks(x, [METHODS[m].replace(" (", "\n(") for m in methods], fontsize=8)
    low = float(runs[["acsa", "gm"]].min().min())
    axis.set_ylim(max(0.0, low - 0.1), 1.0)
    axis.grid(axis="y", alpha=0.3)
    axis.legend()
    axis.set_title(
        f"Fashion-MNIST IR-100, dense, {int(runs['max_iter'].max())} iterations, "
        f"{runs['seed'].nunique()} seeds"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def merge_summed(records, summed):
    """``records`` plus the ``gamo`` rows of ``summed`` as ``gamo-summed`` rows,
    except those already there."""
    done = {(r["seed"], r["method"], r["max_iter"]) for r in records}
    for row in summed[summed["method"] == "gamo"].to_dict("records"):
        row.update(method="gamo-summed", m_updates=2 * row["max_iter"])
        if (row["seed"], row["method"], row["max_iter"]) not in done:
            records.append({c: row[c] for c in RUN_COLUMNS})
    return records


def build_parser():
    parser = argparse.ArgumentParser(
        description="GAMO's Fashion-MNIST IR-100 ablation (dense variant)."
    )
    parser.add_argument("--max-iter", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=RUNNABLE, choices=RUNNABLE)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="standardise each pixel inside the models (the default); "
        "--no-standardize trains on the [-1, 1] pixels as the reference does.",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch and BLAS threads (default 1)."
    )
    parser.add_argument(
        "--data-home",
        default=None,
        help="folder of the Fashion-MNIST idx files (default: "
        "/usr/share/datasets/fashion-mnist or $GAMO_FASHION_MNIST_DIR).",
    )
    parser.add_argument("--output-dir", default="paper-fmnist-results")
    parser.add_argument(
        "--merge-summed",
        metavar="RUNS_CSV",
        help="add the 'gamo' rows of a runs.csv written by this script on commit "
        f"{SUMMED_STEP_COMMIT[:7]} (the summed G step) as 'gamo-summed' rows, "
        "then train what is left to train.",
    )
    return parser


def main(argv=None):
    import pandas as pd
    import torch
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    from gamo_sampler.datasets import load_fashion_mnist_ir100

    args = build_parser().parse_args(argv)
    output = Path(args.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    runs_path = output / "runs.csv"
    records = pd.read_csv(runs_path).to_dict("records") if runs_path.exists() else []
    if args.merge_summed:
        records = merge_summed(records, pd.read_csv(args.merge_summed))
        pd.DataFrame(records, columns=RUN_COLUMNS).to_csv(runs_path, index=False)
    done = {(int(r["seed"]), r["method"], int(r["max_iter"])) for r in records}
    todo = [
        (seed, method)
        for seed in args.seeds
        for method in args.methods
        if (seed, method, args.max_iter) not in done
    ]
    print(
        f"Fashion-MNIST IR-100, dense: {args.max_iter} iterations "
        f"({args.max_iter / REFERENCE_ITERATIONS:.0%} of the reference "
        f"{REFERENCE_ITERATIONS}), seeds {args.seeds}, {len(todo)} fit(s) to run, "
        f"{len(args.seeds) * len(args.methods) - len(todo)} already in {runs_path}.",
        flush=True,
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    data_by_seed = {}
    with threadpool_limits(limits=args.threads or None):
        for seed, method in tqdm(todo, desc="paper_fmnist", unit="fit"):
            if seed not in data_by_seed:
                data_by_seed = {
                    seed: load_fashion_mnist_ir100(args.data_home, random_state=seed)
                }
            row = run_one(
                data_by_seed[seed],
                method,
                max_iter=args.max_iter,
                seed=seed,
                device=args.device,
                standardize=args.standardize,
            )
            tqdm.write(
                f"seed {seed} {method}: ACSA {row['acsa']:.3f} GM {row['gm']:.3f} "
                f"({row['fit_time']:.0f} s)"
            )
            # Appended after every fit, so that an interrupted run can resume
            # and runs of other seeds in other processes are kept.
            pd.DataFrame([row], columns=RUN_COLUMNS).to_csv(
                runs_path, mode="a", header=not runs_path.exists(), index=False
            )
    if not runs_path.exists():
        return 0
    runs = pd.read_csv(runs_path)
    table = summary_table(runs)
    command = "python benchmarks/paper_fmnist.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    (output / "table.md").write_text(f"`{command}`\n\n{table}\n")
    plot(runs, output / "fmnist.png")
    print(summary_table(runs, markdown=False))
    print(f"Wrote runs.csv, table.md and fmnist.png to {output}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
