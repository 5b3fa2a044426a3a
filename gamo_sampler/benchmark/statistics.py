"""Rank statistics over datasets (Demšar, JMLR 2006): the Friedman test, the
Nemenyi post-hoc test and its critical-difference diagram, and GAMO's paired
comparisons with every other model (wins, ties, losses and a Wilcoxon
signed-rank test, Holm-corrected).

The tests come from kept libraries: SciPy (Friedman, Wilcoxon), scikit-posthocs
(Nemenyi, the diagram) and statsmodels (Holm's correction, a requirement of
scikit-posthocs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import METRICS

__all__ = [
    "RankTests",
    "draw_cd_diagram",
    "gamo_comparisons",
    "gamo_firsts",
    "holm",
    "paired_test",
    "rank_tests",
    "ranks_by_trait",
    "score_matrix",
]

ALPHA = 0.05
TIE_DIGITS = 3  # means that agree to three decimals tie, as in head_to_head


def score_matrix(summary, metric="balanced_accuracy"):
    """Datasets x models of the mean ``metric``, on the datasets where every
    model ran without failing (a test needs complete blocks).

    Returns
    -------
    scores : pandas.DataFrame
        Index ``dataset``, one column per model in run order.
    """
    ok = summary[summary["n_failed"] == 0]
    scores = ok.pivot_table(
        index="dataset", columns="model", values=f"{metric}_mean", sort=False
    )
    models = list(dict.fromkeys(summary["model"]))
    return scores.reindex(columns=models).dropna()


def _ranks(scores):
    """Rank of each model on each dataset (1 = best; means that agree to
    three decimals share their average rank)."""
    return scores.round(TIE_DIGITS).rank(axis=1, ascending=False, method="average")


def _gamo_models(summary):
    """The GAMO models of ``summary`` in run order: GAMOSampler + a classifier
    (sampler ``"gamo"``) and GAMOClassifier (``"gamo (joint)"``)."""
    rows = summary["sampler"].isin(["gamo", "gamo (joint)"])
    return list(dict.fromkeys(summary.loc[rows, "model"]))


@dataclass(frozen=True)
class RankTests:
    """The Friedman test and the Nemenyi post-hoc test over datasets.

    Attributes
    ----------
    mean_ranks : pandas.Series
        Mean rank per model over the complete datasets (1 = best), sorted.
    n_datasets : int
    friedman_statistic, friedman_p : float
        SciPy's Friedman chi-square and its p-value.
    nemenyi_p : pandas.DataFrame
        Pairwise p-values of the Nemenyi test (scikit-posthocs).
    critical_difference : float
        Nemenyi's critical difference of mean ranks at ``ALPHA``.
    """

    mean_ranks: object
    n_datasets: int
    friedman_statistic: float
    friedman_p: float
    nemenyi_p: object
    critical_difference: float


def rank_tests(summary, metric="balanced_accuracy"):
    """Friedman and Nemenyi tests of the models of ``summary`` on ``metric``.

    Returns None when fewer than 3 datasets or 3 models are complete.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark.statistics import rank_tests
    >>> rows = [(f"d{i}", m, s) for i in range(6)
    ...         for m, s in [("a", 0.9), ("b", 0.8), ("c", 0.7 + i / 100)]]
    >>> summary = pd.DataFrame(rows, columns=["dataset", "model",
    ...                                       "balanced_accuracy_mean"])
    >>> summary["n_failed"] = 0
    >>> tests = rank_tests(summary)
    >>> tests.mean_ranks.to_dict(), round(tests.friedman_p, 4)
    ({'a': 1.0, 'b': 2.0, 'c': 3.0}, 0.0025)
    """
    import scikit_posthocs
    from scipy.stats import friedmanchisquare, studentized_range

    scores = score_matrix(summary, metric)
    n_datasets, n_models = scores.shape
    if n_datasets < 3 or n_models < 3:
        return None
    ranks = _ranks(scores)
    statistic, p_value = friedmanchisquare(*scores.to_numpy().T)
    nemenyi = scikit_posthocs.posthoc_nemenyi_friedman(scores.to_numpy())
    nemenyi.index = nemenyi.columns = scores.columns
    q_alpha = studentized_range.ppf(1 - ALPHA, n_models, np.inf) / np.sqrt(2)
    cd = q_alpha * np.sqrt(n_models * (n_models + 1) / (6 * n_datasets))
    return RankTests(
        mean_ranks=ranks.mean().sort_values(kind="stable"),
        n_datasets=n_datasets,
        friedman_statistic=float(statistic),
        friedman_p=float(p_value),
        nemenyi_p=nemenyi,
        critical_difference=float(cd),
    )


def paired_test(first, second):
    """``first`` against ``second``, two per-dataset scores, paired over the
    datasets where both have one.

    Means that agree to three decimals tie. The p-value is the two-sided
    Wilcoxon signed-rank test of the differences that are not ties (NaN when
    every dataset ties).

    Returns
    -------
    record : dict
        ``n_datasets``, ``wins``, ``ties`` and ``losses`` of ``first``,
        ``median_difference`` and ``p_wilcoxon``.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark.statistics import paired_test
    >>> a = pd.Series([0.9, 0.8, 0.7, 0.6]); b = pd.Series([0.8, 0.8, 0.6, 0.5])
    >>> record = paired_test(a, b)
    >>> record["wins"], record["ties"], record["losses"], record["p_wilcoxon"]
    (3, 1, 0, 0.25)
    """
    from scipy.stats import wilcoxon

    pair = np.column_stack([first, second])
    pair = pair[~np.isnan(pair).any(axis=1)]
    diff = np.round(pair[:, 0] - pair[:, 1], TIE_DIGITS)
    nonzero = diff[diff != 0]
    p_value = np.nan
    if len(nonzero):
        p_value = float(wilcoxon(nonzero, zero_method="wilcox").pvalue)
    return {
        "n_datasets": len(diff),
        "wins": int((diff > 0).sum()),
        "ties": int((diff == 0).sum()),
        "losses": int((diff < 0).sum()),
        "median_difference": float(np.median(diff)) if len(diff) else np.nan,
        "p_wilcoxon": p_value,
    }


def holm(p_values):
    """Holm's correction of ``p_values`` (array-like); NaN entries, pairs that
    were not tested, stay NaN and do not count."""
    from statsmodels.stats.multitest import multipletests

    p_values = np.asarray(p_values, dtype=float)
    corrected = np.full(len(p_values), np.nan)
    tested = np.isfinite(p_values)
    if tested.any():
        corrected[tested] = multipletests(p_values[tested], method="holm")[1]
    return corrected


def gamo_comparisons(summary, metric="balanced_accuracy"):
    """Every GAMO model against every other model, paired over datasets.

    The GAMO models are the rows of sampler ``"gamo"`` (GAMOSampler + a
    classifier) and ``"gamo (joint)"`` (GAMOClassifier). For each pair, on
    the datasets where both ran without failing: the wins, ties and losses
    of GAMO, the median difference and the Wilcoxon p-value
    (:func:`paired_test`), corrected for the number of opponents of each GAMO
    model by Holm's method.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``gamo``, ``opponent``, ``n_datasets``, ``wins``, ``ties``,
        ``losses``, ``median_difference``, ``p_wilcoxon``, ``p_holm``; empty
        when no GAMO model ran.
    """
    import pandas as pd

    columns = ["gamo", "opponent", "n_datasets", "wins", "ties", "losses",
               "median_difference", "p_wilcoxon", "p_holm"]  # fmt: skip
    ok = summary[summary["n_failed"] == 0]
    means = ok.pivot_table(
        index="dataset", columns="model", values=f"{metric}_mean", sort=False
    )
    blocks = []
    for gamo in _gamo_models(summary):
        block = pd.DataFrame(
            [
                {
                    "gamo": gamo,
                    "opponent": opponent,
                    **paired_test(means[gamo], means[opponent]),
                }
                for opponent in dict.fromkeys(summary["model"])
                if opponent != gamo and gamo in means and opponent in means
            ]  # fmt: skip
        )
        if len(block):
            block["p_holm"] = holm(block["p_wilcoxon"])
            blocks.append(block)
    if not blocks:
        return pd.DataFrame(columns=columns)
    return pd.concat(blocks, ignore_index=True).reindex(columns=columns)


TRAITS = {
    "rows": "rows",
    "features": "features",
    "imbalance_ratio": "imbalance ratio",
}
"""The dataset traits that :func:`ranks_by_trait` groups by, with their names."""


def ranks_by_trait(summary, traits, metric="balanced_accuracy", *, n_groups=3):
    """Mean ranks of the models within groups of datasets of similar size,
    width or imbalance.

    Each model's rank on each complete dataset is the one :func:`rank_tests`
    averages; here it is averaged within the groups that split the datasets
    into ``n_groups`` quantiles of each trait of :data:`TRAITS`.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`~gamo_sampler.benchmark.summarize`.
    traits : pandas.DataFrame
        Output of :func:`~gamo_sampler.benchmark.data.dataset_traits`: index
        ``dataset``, one column per trait.
    metric : str, default="balanced_accuracy"
    n_groups : int, default=3
        Quantile groups per trait (fewer when values repeat across a cut).

    Returns
    -------
    table : pandas.DataFrame
        One row per trait, group and model: ``trait``, ``group`` (the
        smallest and largest value of the group's datasets), ``n_datasets``,
        ``model``, ``mean_rank`` and ``place`` (1 = the best mean rank of the
        group), sorted by trait, group and place. Empty when fewer than 3
        datasets with known traits are complete.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark.statistics import ranks_by_trait
    >>> rows = [(f"d{i}", m, s + (i > 2) * (m == "c") * 0.3)
    ...         for i in range(6) for m, s in [("a", 0.8), ("b", 0.7), ("c", 0.6)]]
    >>> summary = pd.DataFrame(rows, columns=["dataset", "model",
    ...                                       "balanced_accuracy_mean"])
    >>> summary["n_failed"] = 0
    >>> traits = pd.DataFrame({"rows": [100, 200, 300, 4000, 5000, 6000]},
    ...                       index=[f"d{i}" for i in range(6)])
    >>> table = ranks_by_trait(summary, traits, n_groups=2)
    >>> table[table["place"] == 1][["group", "model", "mean_rank"]]
    ... # doctest: +NORMALIZE_WHITESPACE
               group model  mean_rank
    0     100 to 300     a        1.0
    3  4000 to 6000     c        1.0
    """
    import pandas as pd

    columns = ["trait", "group", "n_datasets", "model", "mean_rank", "place"]
    scores = score_matrix(summary, metric)
    scores = scores[scores.index.isin(traits.index)]
    if len(scores) < 3:
        return pd.DataFrame(columns=columns)
    ranks = _ranks(scores)
    frames = []
    for trait in (t for t in TRAITS if t in traits.columns):
        values = traits.loc[ranks.index, trait]
        groups = pd.Series(0, index=values.index)  # one value: one group
        if values.nunique() > 1:
            groups = pd.qcut(values, n_groups, labels=False, duplicates="drop")
        for group in sorted(groups.unique()):
            members = values[groups == group]
            mean = ranks.loc[members.index].mean().sort_values(kind="stable")
            frames.append(
                pd.DataFrame({
                    "trait": trait,
                    "group": f"{members.min():.4g} to {members.max():.4g}",
                    "n_datasets": len(members),
                    "model": mean.index,
                    "mean_rank": mean.to_numpy(),
                    "place": np.arange(1, len(mean) + 1),
                })
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns]


def gamo_firsts(summary, metric="balanced_accuracy"):
    """The complete datasets on which a GAMO model has the best mean
    ``metric`` of all models: alone, or tied (to three decimals) with a model
    that is not GAMO's.

    Returns
    -------
    alone, tied : list of str
        The datasets where a GAMO model is first alone (GAMO models tied with
        each other count as alone), and where it shares first place with
        another model.
    n_datasets : int
        The number of complete datasets.
    """
    scores = score_matrix(summary, metric)
    gamo = [model for model in _gamo_models(summary) if model in scores]
    others = [model for model in scores if model not in gamo]
    if not gamo:
        return [], [], len(scores)
    rounded = scores.round(TIE_DIGITS)
    best_gamo = rounded[gamo].max(axis=1)
    best_other = rounded[others].max(axis=1)
    alone = best_gamo.index[best_gamo > best_other].tolist()
    tied = best_gamo.index[best_gamo == best_other].tolist()
    return alone, tied, len(scores)


def draw_cd_diagram(tests, path, *, metric="balanced_accuracy", title=None):
    """Draw the critical-difference diagram of ``tests`` (a :class:`RankTests`)
    to ``path``: models on a mean-rank axis, joined by a bar where the Nemenyi
    test finds no difference at ``ALPHA``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import scikit_posthocs

    n_models = len(tests.mean_ranks)
    figure, axes = plt.subplots(figsize=(11, 1.2 + 0.22 * n_models))
    scikit_posthocs.critical_difference_diagram(
        tests.mean_ranks, tests.nemenyi_p, alpha=ALPHA, ax=axes,
        label_fmt_left="{label} ({rank:.1f})", label_fmt_right="({rank:.1f}) {label}",
        label_props={"fontsize": 8},
    )  # fmt: skip
    axes.set_title(
        title
        or (
            f"Mean rank on {METRICS[metric]} over {tests.n_datasets} datasets "
            f"(Friedman p = {tests.friedman_p:.1e}; bars join models that the "
            f"Nemenyi test does not separate at {ALPHA}; CD = "
            f"{tests.critical_difference:.2f})"
        ),
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
