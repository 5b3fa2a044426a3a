"""The printed tables of a run, as aligned text or Markdown."""

from __future__ import annotations

import numpy as np

from ..peers import PEERS, missing_requirements
from .metrics import METRICS
from .models import CLASSIFIERS, CORE_SAMPLERS, SAMPLER_GROUPS, SAMPLERS, unavailable
from .summary import head_to_head

__all__ = [
    "LEGEND",
    "dataset_table",
    "format_table",
    "head_to_head_table",
    "ranks_table",
    "report",
    "sampler_listing",
    "sampler_pivot_table",
    "statistics_report",
    "trait_ranks_table",
]

LEGEND = (
    "ACSA: average class-specific accuracy (balanced accuracy), the mean of "
    "per-class recalls; GM: geometric mean of per-class recalls (0 when a class "
    "is never recognised); F1 macro: unweighted mean of per-class F1; ± is the "
    "standard deviation over seeds (and folds under CV); rank 1 = best."
)
"""What the metric names of the tables mean, printed after them."""


def _mean_std(mean, std, digits=3):
    if not np.isfinite(mean):
        return "failed"
    if not np.isfinite(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def format_table(header, rows, *, markdown=False, align="numbers"):
    """Align ``rows`` under ``header`` as plain text or as a Markdown table.

    Cells are printed as given (``str`` of each), never re-formatted as
    numbers.

    Parameters
    ----------
    header : sequence
        Column titles.
    rows : sequence of sequences
        One sequence of cells per row, as long as ``header``.
    markdown : bool, default=False
        A Markdown pipe table instead of plain text.
    align : {"numbers", "left"}, default="numbers"
        ``"numbers"``: the first column left-aligned, the others right-aligned;
        ``"left"``: every column left-aligned.

    Returns
    -------
    table : str

    Examples
    --------
    >>> from gamo_sampler.benchmark import format_table
    >>> print(format_table(["model", "ACSA"], [["a", "0.9"], ["bb", "0.85"]]))
    model      ACSA
    a           0.9
    bb         0.85
    >>> print(format_table(["model", "ACSA"], [["a", "0.9"]], markdown=True))
    | model   |   ACSA |
    |:--------|-------:|
    | a       |    0.9 |
    """
    try:
        from tabulate import tabulate
    except ImportError as error:
        raise ImportError(
            "The benchmark's tables need tabulate: pip install tabulate, or from "
            'a clone of gamo-sampler, pip install -e ".[benchmark]".'
        ) from error

    header = [str(cell) for cell in header]
    other = "left" if align == "left" else "right"
    return tabulate(
        [[str(cell) for cell in row] for row in rows],
        header,
        tablefmt="pipe" if markdown else "plain",
        colalign=["left"] + [other] * (len(header) - 1),
        disable_numparse=True,
    )


def dataset_table(summary, dataset, *, rank_by="balanced_accuracy", markdown=False):
    """Table of one dataset: metrics as mean ± std, fit time and rank.

    Rows are sorted by ``rank_<rank_by>``, best first.
    """
    part = summary[summary["dataset"] == dataset]
    part = part.sort_values(f"rank_{rank_by}", kind="stable")
    header = ["model", *METRICS.values(), "fit s", "rank"]
    rows = [
        [
            record["model"],
            *(_mean_std(record[f"{m}_mean"], record[f"{m}_std"]) for m in METRICS),
            f"{record['fit_time_mean']:.2f}",
            f"{record[f'rank_{rank_by}']:g}",
        ]
        for record in part.to_dict("records")
    ]
    if part["n_failed"].any():
        header.append("failed")
        for row, record in zip(rows, part.to_dict("records"), strict=True):
            row.append(f"{record['n_failed']}/{record['n_splits']}")
    return format_table(header, rows, markdown=markdown)


def ranks_table(ranks, *, markdown=False):
    """Table of :func:`mean_ranks`: averages over datasets and mean ranks."""
    header = [
        "model",
        *(f"mean {short}" for short in METRICS.values()),
        *(f"rank {short}" for short in METRICS.values()),
        "fit s",
    ]
    rows = [
        [
            record["model"],
            *(f"{record[m]:.3f}" for m in METRICS),
            *(f"{record[f'rank_{m}']:.2f}" for m in METRICS),
            f"{record['fit_time']:.2f}",
        ]
        for record in ranks.to_dict("records")
    ]
    return format_table(header, rows, markdown=markdown)


def sampler_pivot_table(summary, metric, *, classifier="mlp", markdown=False):
    """Datasets as rows, samplers as columns: mean ``metric`` with one classifier.

    A last column holds GAMOClassifier when it was run.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark import sampler_pivot_table
    >>> summary = pd.DataFrame({
    ...     "dataset": ["d", "d", "d"], "sampler": ["none", "gamo", "gamo (joint)"],
    ...     "classifier": ["mlp", "mlp", "gamo"],
    ...     "balanced_accuracy_mean": [0.7, 0.8, 0.9]})
    >>> print(sampler_pivot_table(summary, "balanced_accuracy"))
    dataset   none  GAMOSampler  GAMOClassifier
    d        0.700        0.800           0.900
    """
    part = summary[summary["classifier"].isin([classifier, "gamo"])]
    column = part["sampler"].map(lambda s: SAMPLERS.get(s, CLASSIFIERS["gamo"]))
    pivot = part.assign(column=column).pivot(
        index="dataset", columns="column", values=f"{metric}_mean"
    )
    datasets = list(dict.fromkeys(part["dataset"]))
    columns = list(dict.fromkeys(column))
    rows = [
        [dataset, *(f"{pivot.loc[dataset, c]:.3f}" for c in columns)]
        for dataset in datasets
    ]
    return format_table(["dataset", *columns], rows, markdown=markdown)


def head_to_head_table(summary, metric="balanced_accuracy", *, markdown=False):
    """:func:`head_to_head` as a table of "wins-ties-losses" cells."""
    table = head_to_head(summary, metric)
    if not table:
        return ""
    opponents = list(dict.fromkeys(o for cells in table.values() for o in cells))
    header = [
        "X",
        *(
            f"GAMOSampler + {c} vs X + {c}"
            if c != CLASSIFIERS["gamo"]
            else "GAMOClassifier vs X + MLP"
            for c in table
        ),
    ]
    rows = [
        [
            opponent,
            *(
                "-".join(map(str, cells[opponent])) if opponent in cells else ""
                for cells in table.values()
            ),
        ]
        for opponent in opponents
    ]
    return format_table(header, rows, markdown=markdown)


def report(summary, ranks, *, rank_by="balanced_accuracy", markdown=False):
    """All tables of a run: one per dataset, then, with several datasets, the
    mean ranks, GAMO's wins-ties-losses and per-dataset scores with the MLP."""
    title = "### {}" if markdown else "== {} =="
    blocks = []
    for dataset in dict.fromkeys(summary["dataset"]):
        blocks.append(title.format(dataset))
        blocks.append(
            dataset_table(summary, dataset, rank_by=rank_by, markdown=markdown)
        )
    if summary["dataset"].nunique() > 1:
        short = METRICS[rank_by]
        blocks.append(title.format("mean over datasets (rank: 1 = best)"))
        blocks.append(ranks_table(ranks, markdown=markdown))
        duel = head_to_head_table(summary, rank_by, markdown=markdown)
        if duel:
            blocks.append(title.format(f"GAMO wins-ties-losses over datasets, {short}"))
            blocks.append(duel)
        if "mlp" in set(summary["classifier"]):
            for metric in ("balanced_accuracy", "geometric_mean"):
                blocks.append(title.format(f"{METRICS[metric]} per dataset, with MLP"))
                blocks.append(sampler_pivot_table(summary, metric, markdown=markdown))
    return "\n\n".join(blocks)


def sampler_listing():
    """What ``--samplers list`` prints: every sampler, the package it comes from,
    and whether it is ready to run (or the command that installs it).

    Examples
    --------
    >>> from gamo_sampler.benchmark.tables import sampler_listing
    >>> print(sampler_listing().splitlines()[0])
    key            name               package                 status
    """
    rows = [
        [key, name, "imbalanced-learn", "ready"] for key, name in CORE_SAMPLERS.items()
    ]
    rows[0][2] = "-"
    rows[-1][2] = "gamo-sampler"
    for key, peer in PEERS.items():
        status = "ready" if not missing_requirements(key) else unavailable(key)
        rows.append([key, peer.name, peer.package, status])
    table = format_table(["key", "name", "package", "status"], rows, align="left")
    groups = ", ".join(f"{group}" for group in SAMPLER_GROUPS)
    return (
        f"{table}\n\nGroups: {groups} (core is the default; all and peers run "
        "the ready peers and skip the others with a note)."
    )


def trait_ranks_table(by_trait, models, *, top=3):
    """:func:`~gamo_sampler.benchmark.statistics.ranks_by_trait` as a Markdown
    table per trait: for each group, its ``top`` models and the best of
    ``models`` (the GAMO models; no such column when it is empty), each with
    its mean rank.

    Examples
    --------
    >>> import pandas as pd
    >>> from gamo_sampler.benchmark.tables import trait_ranks_table
    >>> by_trait = pd.DataFrame({
    ...     "trait": "rows", "group": "100 to 300", "n_datasets": 3,
    ...     "model": ["a", "b", "c"], "mean_rank": [1.0, 2.0, 3.0],
    ...     "place": [1, 2, 3]})
    >>> print(trait_ranks_table(by_trait, ["b", "c"], top=1))
    | rows       |   tables |   first |   best GAMO model (place) |
    |:-----------|---------:|--------:|--------------------------:|
    | 100 to 300 |        3 |   a 1.0 |            b 2.0 (2 of 3) |
    """
    from .statistics import TRAITS

    blocks = []
    for trait, part in by_trait.groupby("trait", sort=False):
        header = [TRAITS[trait], "tables", *("first", "second", "third")[:top]]
        if models:
            header.append("best GAMO model (place)")
        rows = []
        for group, members in part.groupby("group", sort=False):
            members = members.sort_values("place")
            leaders = members.head(top)
            row = [
                group, str(members["n_datasets"].iloc[0]),
                *(f"{m} {r:.1f}" for m, r in zip(leaders["model"],
                                                 leaders["mean_rank"], strict=True)),
            ]  # fmt: skip
            if models:
                gamo = members[members["model"].isin(models)].iloc[0]
                row.append(
                    f"{gamo['model']} {gamo['mean_rank']:.1f} "
                    f"({gamo['place']} of {len(members)})"
                )
            rows.append(row)
        blocks.append(format_table(header, rows, markdown=True))
    return "\n\n".join(blocks)


def statistics_report(
    tests,
    comparisons,
    *,
    rank_by="balanced_accuracy",
    by_trait=None,
    firsts=None,
):
    """The rank tests and GAMO's paired comparisons, as Markdown.

    Parameters
    ----------
    tests : RankTests or None
        Output of :func:`~gamo_sampler.benchmark.statistics.rank_tests`.
    comparisons : pandas.DataFrame
        Output of :func:`~gamo_sampler.benchmark.statistics.gamo_comparisons`.
    rank_by : str, default="balanced_accuracy"
        The metric of both.
    by_trait : pandas.DataFrame, optional
        Output of :func:`~gamo_sampler.benchmark.statistics.ranks_by_trait`.
    firsts : tuple, optional
        Output of :func:`~gamo_sampler.benchmark.statistics.gamo_firsts`.

    Returns
    -------
    text : str
    """
    from .statistics import ALPHA

    short = METRICS[rank_by]
    if tests is None:
        return (
            f"Rank tests on {short}: fewer than 3 datasets (or models) where "
            "every model ran; none computed."
        )
    ranks = [[model, f"{rank:.2f}"] for model, rank in tests.mean_ranks.items()]
    lines = [
        f"Rank tests on {short} over {tests.n_datasets} datasets where every model "
        f"ran: Friedman chi-square {tests.friedman_statistic:.1f}, p = "
        f"{tests.friedman_p:.2g}; Nemenyi critical difference of mean ranks at "
        f"{ALPHA}: {tests.critical_difference:.2f}.",
        "",
        format_table(["model", f"mean rank {short}"], ranks, markdown=True),
    ]
    if len(comparisons):
        rows = [
            [
                record["gamo"],
                record["opponent"],
                f"{record['wins']}-{record['ties']}-{record['losses']}",
                f"{record['median_difference']:+.3f}",
                f"{record['p_wilcoxon']:.2g}",
                f"{record['p_holm']:.2g}",
            ]
            for record in comparisons.to_dict("records")
        ]
        header = ["GAMO model", "vs", "W-T-L", f"median diff {short}",
                  "p Wilcoxon", "p Holm"]  # fmt: skip
        lines += [
            "",
            f"GAMO against each model, paired over datasets ({short}; W-T-L: "
            "wins, ties and losses of GAMO, ties to three decimals; two-sided "
            "Wilcoxon signed-rank test, Holm-corrected over each GAMO model's "
            "opponents):",
            "",
            format_table(header, rows, markdown=True),
        ]
    if firsts is not None and len(comparisons):
        alone, tied, n_datasets = firsts
        lines += [
            "",
            f"A GAMO model has the best {short} of all models on {len(alone)} of "
            f"{n_datasets} datasets"
            + (f" ({', '.join(alone)})" if alone else "")
            + f", and shares the best with another model on {len(tied)}"
            + (f" ({', '.join(tied)})." if tied else "."),
        ]
    if by_trait is not None and len(by_trait):
        gamo = list(dict.fromkeys(comparisons["gamo"])) if len(comparisons) else []
        lines += [
            "",
            f"Mean ranks on {short} within thirds of the datasets by size, width "
            "and imbalance (the three best models of each group"
            + (", and the best GAMO model with its place):" if gamo else "):"),
            "",
            trait_ranks_table(by_trait, gamo),
        ]
    return "\n".join(lines)
