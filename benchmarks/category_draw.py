"""How should a generated row get its categories from GAMO's convex weights?

GAMO's generator gives each synthetic row convex weights ``alpha`` over real
rows of its class. Numeric features are ``alpha @ rows``; a categorical feature
needs one real category. This script compares four rules
(:func:`gamo_sampler.categorical.draw_categories`):

- ``sample``: per feature, the category of an anchor row drawn with
  probability ``alpha`` (a draw from the feature's soft one-hot vector);
- ``joint``: one anchor row drawn with probability ``alpha``, all its
  categories;
- ``heaviest``: the categories of the anchor row of largest weight;
- ``mode``: per feature, the category of largest total weight.

The rules only differ after training, so each training fold trains GAMO once
and draws the synthetic rows with each rule from the same generator and the
same noise; downstream classifiers then train on each resampled fold. The
tables, imbalance profile, folds and classifiers are those of
``benchmarks/mixed_types.py``. It also records how peaked the soft vectors are
(the mean weight of the top category, over generated rows and categorical
features; 1 = one-hot), and, per rule, how the synthetic rows' categories
compare with the real rows of their class:

- ``marginal_tv``: total variation distance between the shares of each
  category among synthetic and among real rows, averaged over features (0 =
  same shares);
- ``real_tuples``: share of synthetic rows whose categories, all features
  together, are those of some real row of the class;
- ``tuple_diversity``: distinct category tuples among the synthetic rows, over
  those among the real rows of the class.

Usage::

    python benchmarks/category_draw.py              # crx and german, seeds 0-2
    python benchmarks/category_draw.py --summary
    python benchmarks/category_draw.py --peaks      # top weight: D, no D, start
"""

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows  # noqa: E402
from mixed_types import (  # noqa: E402
    CLASSIFIERS,
    N_FOLDS,
    OUT,
    fit_and_score,
    load_table,
)

from gamo_sampler import GAMOSampler  # noqa: E402
from gamo_sampler.categorical import CATEGORY_DRAWS, categorical_coder  # noqa: E402

FIELDS = (
    "table",
    "seed",
    "fold",
    "rule",
    "classifier",
    "balanced_accuracy",
    "g_mean",
    "f1_minority",
    "top_category_weight",
    "marginal_tv",
    "real_tuples",
    "tuple_diversity",
)


def top_category_weight(sampler, n_rows=2000, seed=0):
    """Mean weight of the top category of each soft one-hot vector, over
    ``n_rows`` generated rows per class and every categorical feature."""
    coder = categorical_coder(sampler)
    generator = sampler.generator_.eval()
    rng = torch.Generator().manual_seed(seed)
    tops = []
    for j, anchors in enumerate(sampler.anchor_rows_):
        z = torch.randn(n_rows, generator.latent_dim, generator=rng)
        with torch.no_grad():
            alpha = generator.class_weights(z, j).double().numpy()
        for column in coder.categories(anchors).T:
            _, codes = np.unique(column.astype(str), return_inverse=True)
            soft = np.stack(
                [alpha[:, codes == c].sum(axis=1) for c in range(codes.max() + 1)],
                axis=1,
            )
            tops.append(soft.max(axis=1).mean())
    return float(np.mean(tops))


def category_fidelity(real, synthetic):
    """``marginal_tv``, ``real_tuples`` and ``tuple_diversity`` of the synthetic
    rows' categories against the real rows' (DataFrames of the categorical
    columns of one class)."""
    tv = [
        0.5
        * real[c]
        .value_counts(normalize=True)
        .sub(synthetic[c].value_counts(normalize=True), fill_value=0)
        .abs()
        .sum()
        for c in real.columns
    ]
    real_tuples = set(map(tuple, real.astype(str).to_numpy()))
    new_tuples = list(map(tuple, synthetic.astype(str).to_numpy()))
    return {
        "marginal_tv": round(float(np.mean(tv)), 4),
        "real_tuples": round(float(np.mean([t in real_tuples for t in new_tuples])), 4),
        "tuple_diversity": round(len(set(new_tuples)) / len(real_tuples), 4),
    }


def run(out, tables, seeds, n_folds):
    out.mkdir(parents=True, exist_ok=True)
    path = out / "category-draw.csv"
    done = set()
    if path.exists():
        done = {
            (r["table"], int(r["seed"]), int(r["fold"]))
            for r in csv.DictReader(open(path, newline=""))
        }
    for table in tables:
        for seed in seeds:
            X, y = load_table(table, seed)
            labels, counts = np.unique(y, return_counts=True)
            minority = labels[counts.argmin()]
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
            for fold, (train, test) in enumerate(folds.split(X, y)):
                if (table, seed, fold) in done:
                    continue
                X_train, y_train = X.iloc[train], y[train]
                sampler = GAMOSampler(categorical_features="auto", random_state=seed)
                sampler.fit_resample(X_train, y_train)
                peak = top_category_weight(sampler, seed=seed)
                rows = []
                for rule in CATEGORY_DRAWS:
                    sampler._category_draw = rule
                    X_new, y_new = sampler.sample(
                        dict(sampler.sampling_strategy_), random_state=seed
                    )
                    X_res = pd.concat([X_train, X_new], ignore_index=True)
                    y_res = np.r_[y_train, np.asarray(y_new)]
                    categories = X.columns[sampler.categorical_features_]
                    fidelity = category_fidelity(
                        X_train.loc[y_train == minority, categories],
                        X_new.loc[np.asarray(y_new) == minority, categories],
                    )
                    for r in fit_and_score(
                        CLASSIFIERS, X_res, y_res, X.iloc[test], y[test], minority, seed
                    ):
                        rows.append(
                            {
                                "table": table,
                                "seed": seed,
                                "fold": fold,
                                "rule": rule,
                                "classifier": r["classifier"],
                                "balanced_accuracy": round(r["balanced_accuracy"], 4),
                                "g_mean": round(r["g_mean"], 4),
                                "f1_minority": round(r["f1_minority"], 4),
                                "top_category_weight": round(peak, 4),
                                **fidelity,
                            }
                        )
                append_rows(path, rows, FIELDS)
                print(
                    f"{table} seed {seed} fold {fold}: top weight {peak:.3f}; "
                    + ", ".join(
                        f"{r['rule']}/{r['classifier']} {r['balanced_accuracy']:.3f}"
                        for r in rows
                    ),
                    flush=True,
                )


def print_summary(out):
    runs = pd.read_csv(out / "category-draw.csv")
    table = runs.pivot_table(
        index=["table", "classifier"],
        columns="rule",
        values="balanced_accuracy",
        aggfunc="mean",
    )[list(CATEGORY_DRAWS)]
    table.loc[("all", "mean"), :] = table.mean()
    print("balanced accuracy, mean over seeds and folds\n")
    print(table.round(3).to_markdown())
    print("\nmean rank of each rule over (table, seed, fold, classifier), 1 = best:")
    ranks = runs.pivot_table(
        index=["table", "seed", "fold", "classifier"],
        columns="rule",
        values="balanced_accuracy",
    ).rank(axis=1, ascending=False)
    print(ranks.mean()[list(CATEGORY_DRAWS)].round(2).to_string())
    print("\nmean weight of the top category of the soft vectors:")
    print(runs.groupby("table")["top_category_weight"].mean().round(3).to_string())
    print("\ncategories of the synthetic rows against the real rows of the class:")
    fidelity = runs[runs.classifier == CLASSIFIERS[0]].groupby(["table", "rule"])[
        ["marginal_tv", "real_tuples", "tuple_diversity"]
    ]
    print(fidelity.mean().round(3).unstack("table").to_markdown())


def print_peaks(tables, seeds, n_folds):
    """Mean top-category weight of the soft vectors after one iteration (about
    the weights at the start), after training with D, and after training
    without D, per table (over ``seeds`` and folds)."""
    settings = {
        "after 1 iteration": {"max_iter": 1},
        "trained, with D": {},
        "trained, without D": {"use_discriminator": False},
    }
    rows = []
    for table in tables:
        for seed in seeds:
            X, y = load_table(table, seed)
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
            for fold, (train, _) in enumerate(folds.split(X, y)):
                for name, params in settings.items():
                    sampler = GAMOSampler(
                        categorical_features="auto", random_state=seed, **params
                    )
                    sampler.fit_resample(X.iloc[train], y[train])
                    peak = top_category_weight(sampler, seed=seed)
                    rows.append({"table": table, "setting": name, "top": peak})
                    print(f"{table} seed {seed} fold {fold} {name}: {peak:.3f}")
    peaks = pd.DataFrame(rows).groupby(["table", "setting"], sort=False)["top"]
    print(peaks.mean().unstack().round(3).to_markdown())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tables", nargs="+", default=["crx", "german"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=N_FOLDS)
    parser.add_argument("--summary", action="store_true")
    parser.add_argument(
        "--peaks", action="store_true", help="top category weight with and without D"
    )
    args = parser.parse_args(argv)
    if args.summary:
        print_summary(args.out)
        return
    if args.peaks:
        with threadpool_limits(limits=1):
            print_peaks(args.tables, args.seeds, args.folds)
        return
    with threadpool_limits(limits=1):
        run(args.out, args.tables, args.seeds, args.folds)


if __name__ == "__main__":
    main()
