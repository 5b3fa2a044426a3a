"""The chart of a run: grouped bars of ACSA and GM, and mean ranks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .metrics import METRICS
from .models import CLASSIFIERS, SAMPLERS

__all__ = ["plot_results"]


def plot_results(summary, ranks, path, *, rank_by="balanced_accuracy"):
    """Save a PNG chart: grouped bars of ACSA and GM, plus mean ranks.

    Bars are grouped by classifier and coloured by sampler. With one dataset
    the bars are means over its splits (one per seed under the holdout
    protocol, seeds × folds under cross-validation) with their standard
    deviation; with several they are means over datasets, and a third panel
    shows mean ranks.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize`.
    ranks : pandas.DataFrame
        Output of :func:`mean_ranks`.
    path : str or path-like
        Where to write the PNG.
    rank_by : str, default="balanced_accuracy"
        Metric of the mean-rank panel.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    several = summary["dataset"].nunique() > 1
    by_model = summary.groupby("model", sort=False)
    means = by_model[[f"{m}_mean" for m in METRICS]].mean()
    # With several datasets the spread across them says little about a model:
    # no error bars then.
    errors = by_model[[f"{m}_std" for m in METRICS]].mean()
    errors.columns = [c.replace("_std", "_mean") for c in errors.columns]
    layout = _bar_layout(summary)
    spread = _spread(summary)

    panels = ["balanced_accuracy", "geometric_mean"] + (["rank"] if several else [])
    figure, axes = plt.subplots(
        1, len(panels), figsize=(5.2 * len(panels), 4.2), squeeze=False
    )
    # tab10 while it has a colour per sampler; tab20 with the peers.
    n_colours = 10 if len(layout.samplers) <= 10 else 20
    colours = plt.get_cmap(f"tab{n_colours}")
    for axis, panel in zip(axes[0], panels, strict=True):
        for model, (x, sampler) in layout.positions.items():
            colour = colours(layout.samplers.index(sampler) % n_colours)
            if panel == "rank":
                value = ranks.set_index("model").loc[model, f"rank_{rank_by}"]
                error = None
            else:
                value = means.loc[model, f"{panel}_mean"]
                error = None if several else errors.loc[model, f"{panel}_mean"]
            axis.bar(x, value, width=layout.width, color=colour, yerr=error,
                     capsize=2, error_kw={"linewidth": 0.8})  # fmt: skip
        axis.set_xticks(layout.group_centres, layout.groups)
        if panel == "rank":
            axis.set_title(f"mean rank on {METRICS[rank_by]} (lower is better)")
        else:
            what = "mean over datasets" if several else f"mean ± std over {spread}"
            axis.set_title(f"{METRICS[panel]} ({what})")
            low = np.nanmin(means[f"{panel}_mean"].to_numpy())
            margin = 0.05 if several else 0.1
            axis.set_ylim(max(0.0, low - margin) if np.isfinite(low) else 0.0, 1.0)
        axis.grid(axis="y", alpha=0.3)
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=colours(i % n_colours))
        for i in range(len(layout.samplers))
    ]
    labels = [
        SAMPLERS.get(name, "GAMOClassifier (own game)") for name in layout.samplers
    ]
    ncol = min(len(labels), 7) if several else min(len(labels), 4)
    figure.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False)
    datasets = ", ".join(dict.fromkeys(summary["dataset"]))
    if len(datasets) > 80:
        datasets = f"{summary['dataset'].nunique()} datasets"
    figure.suptitle(f"gamo-benchmark: {datasets}")
    legend_rows = -(-len(labels) // ncol)
    figure.tight_layout(rect=(0, 0.06 * legend_rows + 0.02, 1, 0.95))
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _spread(summary):
    """What one dataset's standard deviations are over: "3 seeds", "2 seeds × 5
    folds", or "10 splits" when the seeds are not known."""
    n_splits = int(summary["n_splits"].max())
    if "n_seeds" not in summary:
        return f"{n_splits} splits"
    n_seeds = int(summary["n_seeds"].max())
    seeds = f"{n_seeds} seed{'s' if n_seeds != 1 else ''}"
    folds = n_splits // n_seeds
    return seeds if folds == 1 else f"{seeds} × {folds} folds"


@dataclass
class _BarLayout:
    positions: dict
    groups: list
    group_centres: list
    samplers: list
    width: float


def _bar_layout(summary):
    """x position of each model's bar: one group per classifier."""
    models = summary.drop_duplicates("model")[["model", "sampler", "classifier"]]
    samplers = list(dict.fromkeys(models["sampler"]))
    classifiers = list(dict.fromkeys(models["classifier"]))
    width = 0.8 / max(models.groupby("classifier")["sampler"].nunique().max(), 1)
    positions, centres = {}, []
    for g, classifier in enumerate(classifiers):
        members = models[models["classifier"] == classifier]
        offsets = (np.arange(len(members)) - (len(members) - 1) / 2) * width
        for offset, record in zip(offsets, members.to_dict("records"), strict=True):
            positions[record["model"]] = (g + offset, record["sampler"])
        centres.append(g)
    labels = [CLASSIFIERS.get(c, c) for c in classifiers]
    return _BarLayout(positions, labels, centres, samplers, width)
