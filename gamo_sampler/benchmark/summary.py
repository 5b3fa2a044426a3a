"""Summaries of a run's results: per-dataset means and ranks, mean ranks over
datasets, GAMO's wins-ties-losses and the one-line verdict."""

from __future__ import annotations

from .metrics import METRICS
from .models import CLASSIFIERS, SAMPLERS

__all__ = ["head_to_head", "mean_ranks", "summarize", "verdict"]


def summarize(results, *, rank_by="balanced_accuracy"):
    """Mean and standard deviation per dataset and model, with ranks.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`run_benchmark`.
    rank_by : str, default="balanced_accuracy"
        Metric that orders the models within a dataset.

    Returns
    -------
    summary : pandas.DataFrame
        One row per (dataset, model), in run order of the models within each
        dataset: ``<metric>_mean`` and ``<metric>_std`` for each metric and
        for ``fit_time``, ``rank_<metric>`` (1 = best; ties share the average
        rank; a model that failed on some split ranks last), ``sampler``,
        ``classifier``, ``n_splits``, ``n_seeds`` (when ``results`` has a
        ``seed`` column: the splits are ``n_seeds`` repetitions of
        ``n_splits / n_seeds`` folds, or of one holdout split) and
        ``n_failed`` (splits where it failed; the means are over the others).

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import summarize
    >>> results = pd.DataFrame({
    ...     "dataset": ["d"] * 4, "model": ["a", "a", "b", "b"],
    ...     "balanced_accuracy": [0.75, 0.85, 0.5, 0.5],
    ...     "geometric_mean": [0.75, 0.85, 0.5, 0.5],
    ...     "f1_macro": [0.75, 0.85, 0.5, 0.5], "fit_time": [1.0, 1.0, 2.0, 2.0],
    ...     "sampler": ["none"] * 4, "classifier": ["logreg"] * 4,
    ...     "error": ["", "", "", ""]})
    >>> summarize(results)[["model", "balanced_accuracy_mean",
    ...                     "rank_balanced_accuracy"]].values.tolist()
    [['a', 0.8, 1.0], ['b', 0.5, 2.0]]
    """
    if rank_by not in METRICS:
        raise ValueError(f"rank_by must be one of {list(METRICS)}, got {rank_by!r}.")
    keys = ["dataset", "model"]
    grouped = results.groupby(keys, sort=False)
    columns = [*METRICS, "fit_time"]
    summary = grouped[columns].agg(["mean", "std"])
    summary.columns = [f"{metric}_{stat}" for metric, stat in summary.columns]
    summary.insert(0, "classifier", grouped["classifier"].first())
    summary.insert(0, "sampler", grouped["sampler"].first())
    summary["n_splits"] = grouped.size()
    if "seed" in results:
        summary["n_seeds"] = grouped["seed"].nunique()
    # A model that failed on a split has no comparable mean: rank it last.
    summary["n_failed"] = grouped["error"].agg(
        lambda errors: int((errors.fillna("").astype(str) != "").sum())
    )
    for metric in METRICS:
        score = summary[f"{metric}_mean"].where(summary["n_failed"] == 0)
        summary[f"rank_{metric}"] = score.groupby(level="dataset").rank(
            ascending=False, method="average", na_option="bottom"
        )
    return summary.reset_index()


def mean_ranks(summary, *, rank_by="balanced_accuracy"):
    """Average each model over datasets: metric means, fit time and ranks.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize`.
    rank_by : str, default="balanced_accuracy"
        Metric whose mean rank sorts the rows (best first).

    Returns
    -------
    ranks : pandas.DataFrame
        One row per model: ``<metric>`` (mean over datasets of the per-dataset
        means), ``fit_time`` (mean seconds per fit), ``rank_<metric>`` (mean
        rank), ``n_datasets`` and ``n_failed``.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import mean_ranks
    >>> summary = pd.DataFrame({
    ...     "dataset": ["d", "d", "e", "e"], "model": ["a", "b", "a", "b"],
    ...     "balanced_accuracy_mean": [0.9, 0.8, 0.6, 0.7],
    ...     "geometric_mean_mean": [0.9, 0.8, 0.6, 0.7],
    ...     "f1_macro_mean": [0.9, 0.8, 0.6, 0.7],
    ...     "fit_time_mean": [1.0, 2.0, 1.0, 2.0],
    ...     "rank_balanced_accuracy": [1.0, 2.0, 2.0, 1.0],
    ...     "rank_geometric_mean": [1.0, 2.0, 2.0, 1.0],
    ...     "rank_f1_macro": [1.0, 2.0, 2.0, 1.0], "n_failed": [0, 0, 0, 0]})
    >>> mean_ranks(summary)["rank_balanced_accuracy"].tolist()
    [1.5, 1.5]
    """
    grouped = summary.groupby("model", sort=False)
    ranks = grouped[[f"{m}_mean" for m in METRICS] + ["fit_time_mean"]].mean()
    ranks.columns = [c.removesuffix("_mean") for c in ranks.columns]
    for metric in METRICS:
        ranks[f"rank_{metric}"] = grouped[f"rank_{metric}"].mean()
    ranks["n_datasets"] = grouped.size()
    ranks["n_failed"] = grouped["n_failed"].sum()
    return ranks.sort_values(f"rank_{rank_by}", kind="stable").reset_index()


def head_to_head(summary, metric="balanced_accuracy"):
    """Wins, ties and losses of GAMO against every other sampler, over datasets.

    For each downstream classifier, ``GAMOSampler + c`` is compared with
    ``X + c`` for every other sampler X on the mean of ``metric`` per
    dataset; GAMOClassifier is compared with ``X + MLP`` (the same network
    trained on X's resampled rows, GAMOSampler's included). Means that agree
    to three decimals tie.

    Returns
    -------
    table : dict
        ``{column: {opponent sampler: (wins, ties, losses)}}``; columns are
        the classifiers' display names and ``"GAMOClassifier"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import head_to_head
    >>> summary = pd.DataFrame({
    ...     "dataset": ["d", "d", "e", "e"], "sampler": ["smote", "gamo"] * 2,
    ...     "classifier": ["logreg"] * 4,
    ...     "balanced_accuracy_mean": [0.7, 0.8, 0.9, 0.9]})
    >>> head_to_head(summary)
    {'LogReg': {'SMOTE': (1, 1, 0)}}
    """
    means = summary.pivot_table(
        index="dataset", columns=["sampler", "classifier"], values=f"{metric}_mean"
    )
    pairs = [
        (CLASSIFIERS[c], ("gamo", c), c)
        for c in dict.fromkeys(summary["classifier"])
        if c != "gamo"
    ]
    if "gamo" in set(summary["classifier"]):
        pairs.append((CLASSIFIERS["gamo"], ("gamo (joint)", "gamo"), "mlp"))
    table = {}
    for column, gamo, classifier in pairs:
        if gamo not in means:
            continue
        cells = {}
        for sampler in dict.fromkeys(summary["sampler"]):
            other = (sampler, classifier)
            if other == gamo or other not in means:
                continue
            diff = (means[gamo] - means[other]).round(3).dropna()
            cells[SAMPLERS[sampler]] = (
                int((diff > 0).sum()),
                int((diff == 0).sum()),
                int((diff < 0).sum()),
            )
        if cells:
            table[column] = cells
    return table


def verdict(summary, ranks, *, rank_by="balanced_accuracy"):
    """One line that sums up a run: the model ranked first, and GAMO vs SMOTE.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize`.
    ranks : pandas.DataFrame
        Output of :func:`mean_ranks`.
    rank_by : str, default="balanced_accuracy"
        Metric of the ranks and of the comparisons.

    Returns
    -------
    line : str
        The model(s) with the best mean rank on ``rank_by``, then, when both
        were run, GAMOSampler's wins, ties and losses against SMOTE with the
        same classifier on the same dataset (summed over classifiers; see
        :func:`head_to_head`), and GAMOClassifier's against SMOTE + MLP.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import mean_ranks, summarize, verdict
    >>> results = pd.DataFrame({
    ...     "dataset": ["d", "d", "e", "e"], "sampler": ["smote", "gamo"] * 2,
    ...     "model": ["SMOTE + LogReg", "GAMOSampler + LogReg"] * 2,
    ...     "classifier": ["logreg"] * 4, "fit_time": [1.0] * 4, "error": [""] * 4,
    ...     "balanced_accuracy": [0.7, 0.8, 0.9, 0.9],
    ...     "geometric_mean": [0.7, 0.8, 0.9, 0.9],
    ...     "f1_macro": [0.7, 0.8, 0.9, 0.9]})
    >>> summary = summarize(results)
    >>> print(verdict(summary, mean_ranks(summary)))  # doctest: +NORMALIZE_WHITESPACE
    Verdict on ACSA over 2 datasets: GAMOSampler + LogReg ranks first (mean rank
    1.25); GAMOSampler vs SMOTE, same classifier and dataset: 1 win, 1 tie,
    0 losses.
    """
    column = f"rank_{rank_by}"
    best = ranks[column].min()
    first = ranks.loc[ranks[column] == best, "model"].tolist()
    if len(first) == 1:
        who = f"{first[0]} ranks first"
    else:
        who = f"{', '.join(first[:-1])} and {first[-1]} tie for first"
    n_datasets = summary["dataset"].nunique()
    line = (
        f"Verdict on {METRICS[rank_by]} over {_plural(n_datasets, 'dataset')}: "
        f"{who} (mean rank {best:.2f})"
    )
    duel = head_to_head(summary, rank_by)
    joint = CLASSIFIERS["gamo"]
    against_smote = [
        cells[SAMPLERS["smote"]]
        for name, cells in duel.items()
        if name != joint and SAMPLERS["smote"] in cells
    ]
    if against_smote:
        record = _record(*map(sum, zip(*against_smote, strict=True)))
        line += f"; GAMOSampler vs SMOTE, same classifier and dataset: {record}"
    if SAMPLERS["smote"] in duel.get(joint, {}):
        record = _record(*duel[joint][SAMPLERS["smote"]])
        line += f"; GAMOClassifier vs SMOTE + MLP: {record}"
    return line + "."


def _plural(count, noun):
    plural = "losses" if noun == "loss" else f"{noun}s"
    return f"{count} {noun if count == 1 else plural}"


def _record(wins, ties, losses):
    return ", ".join(
        _plural(n, noun)
        for n, noun in zip((wins, ties, losses), ("win", "tie", "loss"), strict=True)
    )
