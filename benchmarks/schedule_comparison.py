"""What GAMO's own schedule buys: a run at ``max_iter='auto'`` against the same
splits at a fixed number of iterations.

Both runs are ``gamo-benchmark`` results of the same tables and folds (the fixed
run's rows of ``--seed``, the seed of the 'auto' run). For each model of the
'auto' run, over the tables where both ran without failing, the script gives
the mean balanced accuracy of each run, the wins, ties and losses of 'auto'
(per-table means that agree to three decimals tie), the two-sided Wilcoxon
signed-rank p-value, Holm-corrected over the models, and the mean fit time of
each. Models that do not train for ``max_iter`` iterations (logistic
regression, the forests, gradient boosting behind no sampler) are controls:
their two runs should agree.

Example
-------
    python benchmarks/schedule_comparison.py \
        docs/_static/results/common/results.csv \
        docs/_static/results/common-auto/results.csv \
        --output docs/_static/results/common-auto/schedule_comparison
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from gamo_sampler.benchmark import summarize
from gamo_sampler.benchmark.statistics import holm, paired_test
from gamo_sampler.benchmark.store import read_results
from gamo_sampler.early_stopping import resolve_max_iter
from gamo_sampler.game import GameConfig

BATCH_SIZE = GameConfig.batch_size  # GAMO's default, which sets 'auto'


def compare(fixed, auto, *, seed=0, metric="balanced_accuracy"):
    """One row per model of ``auto``: its scores and times in both runs.

    Parameters
    ----------
    fixed, auto : pandas.DataFrame
        ``results.csv`` of the fixed-length run and of the 'auto' run.
    seed : int, default=0
        The repetition of ``fixed`` that shares its splits with ``auto``.
    metric : str, default="balanced_accuracy"

    Returns
    -------
    table : pandas.DataFrame
    """
    fixed = fixed[fixed["seed"] == seed]
    fixed = fixed[fixed["model"].isin(set(auto["model"]))]
    means = {}
    for name, results in (("fixed", fixed), ("auto", auto)):
        summary = summarize(results)
        summary = summary[summary["n_failed"] == 0]
        means[name] = summary.set_index(["dataset", "model"])
    rows = []
    for model in dict.fromkeys(auto["model"]):
        if not all(model in frame.index.get_level_values("model") for frame in
                   means.values()):  # fmt: skip
            continue
        per_run = {
            name: frame.xs(model, level="model") for name, frame in means.items()
        }
        pair = pd.DataFrame(
            {name: part[f"{metric}_mean"] for name, part in per_run.items()}
        ).dropna()
        # A table the 'auto' run has not finished has fewer splits: left out.
        splits = per_run["auto"]["n_splits"].reindex(pair.index)
        pair = pair[splits == per_run["fixed"]["n_splits"].reindex(pair.index)]
        if pair.empty:
            continue
        record = paired_test(pair["auto"], pair["fixed"])
        rows.append(
            {
                "model": model,
                "n_datasets": record["n_datasets"],
                f"{metric}_fixed": pair["fixed"].mean(),
                f"{metric}_auto": pair["auto"].mean(),
                "wins": record["wins"],
                "ties": record["ties"],
                "losses": record["losses"],
                "p_wilcoxon": record["p_wilcoxon"],
                **{
                    f"fit_seconds_{name}": part.loc[pair.index, "fit_time_mean"].mean()
                    for name, part in per_run.items()
                },
            }
        )
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p_wilcoxon"])
    return table


def auto_iterations(auto):
    """GAMO's iterations under 'auto' on each table's training rows: the
    quartiles over the tables' mean training rows."""
    rows = auto.groupby("dataset")["n_train"].mean().round().astype(int)
    iterations = [resolve_max_iter("auto", n, BATCH_SIZE) for n in rows]
    return np.percentile(iterations, [0, 25, 50, 75, 100]).astype(int).tolist()


def markdown(table, metric="balanced_accuracy"):
    """The table in Markdown, scores to three decimals."""
    lines = [
        f"| model | tables | {metric} fixed | {metric} auto | auto W-T-L | "
        "p (Holm) | s per fit fixed | s per fit auto |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in table.itertuples(index=False):
        p_value = "" if np.isnan(row.p_holm) else f"{row.p_holm:.2g}"
        lines.append(
            f"| {row.model} | {row.n_datasets} | {getattr(row, f'{metric}_fixed'):.3f}"
            f" | {getattr(row, f'{metric}_auto'):.3f} | "
            f"{row.wins}-{row.ties}-{row.losses} | {p_value} | "
            f"{row.fit_seconds_fixed:.2f} | {row.fit_seconds_auto:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixed", type=Path, help="results.csv of the fixed run")
    parser.add_argument("auto", type=Path, help="results.csv of the 'auto' run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output", type=Path, help="write OUTPUT.csv and OUTPUT.md as well"
    )
    args = parser.parse_args(argv)
    fixed, auto = read_results(args.fixed), read_results(args.auto)
    table = compare(fixed, auto, seed=args.seed)
    text = (
        f"{markdown(table)}\n\nGAMO's iterations under 'auto' over the tables "
        f"(minimum, quartiles, maximum): {auto_iterations(auto)}\n"
    )
    print(text, end="")
    if args.output:
        table.to_csv(args.output.with_suffix(".csv"), index=False)
        args.output.with_suffix(".md").write_text(text)


if __name__ == "__main__":
    main()
