"""The benchmark's statistics over datasets: the rank tests against SciPy and
Demšar's critical values, GAMO's paired comparisons, the ranks within groups
of datasets by size, width and imbalance, and where a GAMO model comes first."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import friedmanchisquare, wilcoxon

from gamo_sampler.benchmark.statistics import (
    gamo_comparisons,
    gamo_firsts,
    rank_tests,
    ranks_by_trait,
)
from gamo_sampler.benchmark.tables import statistics_report

pytest.importorskip("scikit_posthocs")

SAMPLER = {"GAMO": "gamo", "GAMOClassifier": "gamo (joint)"}


def summary_of(scores):
    """A summary frame from ``{dataset: {model: mean score}}``."""
    rows = [
        (dataset, model, SAMPLER.get(model, "smote"), score)
        for dataset, models in scores.items()
        for model, score in models.items()
    ]
    summary = pd.DataFrame(
        rows, columns=["dataset", "model", "sampler", "balanced_accuracy_mean"]
    )
    summary["n_failed"] = 0
    return summary


def test_rank_tests_agree_with_scipy_and_demsars_critical_difference():
    rng = np.random.default_rng(0)
    models = ["a", "b", "c", "d"]
    scores = {
        f"t{i}": dict(zip(models, 0.6 + 0.1 * np.arange(4)[::-1]
                          + rng.normal(0, 0.08, 4), strict=True))
        for i in range(12)
    }  # fmt: skip
    tests = rank_tests(summary_of(scores))

    matrix = pd.DataFrame(scores).T[models]
    by_hand = matrix.round(3).rank(axis=1, ascending=False).mean()
    assert tests.mean_ranks.to_dict() == pytest.approx(by_hand.to_dict())
    assert list(tests.mean_ranks) == sorted(by_hand)
    statistic, p_value = friedmanchisquare(*matrix.to_numpy().T)
    assert tests.friedman_statistic == pytest.approx(statistic)
    assert tests.friedman_p == pytest.approx(p_value)
    # Demšar (2006), table 5(a): q_0.05 = 2.569 for 4 classifiers.
    assert tests.critical_difference == pytest.approx(
        2.569 * np.sqrt(4 * 5 / (6 * 12)), abs=1e-3
    )
    assert tests.nemenyi_p.shape == (4, 4)


def test_rank_tests_need_three_complete_datasets():
    scores = {f"t{i}": {"a": 0.9, "b": 0.8, "c": 0.7} for i in range(2)}
    assert rank_tests(summary_of(scores)) is None


def test_gamo_comparisons_count_wins_ties_losses_and_correct_with_holm():
    differences = {
        "x": [0.1, 0.2, 0.05, -0.01, 0.0, 0.3, 0.15, 0.02],
        "y": [-0.1, 0.01, -0.2, -0.3, 0.0004, -0.05, 0.02, -0.4],
    }
    scores = {
        f"t{i}": {"GAMO": 0.8, "x": 0.8 - differences["x"][i],
                  "y": 0.8 - differences["y"][i]}
        for i in range(8)
    }  # fmt: skip
    table = gamo_comparisons(summary_of(scores)).set_index("opponent")

    assert table.loc["x", ["wins", "ties", "losses"]].tolist() == [6, 1, 1]
    assert table.loc["y", ["wins", "ties", "losses"]].tolist() == [2, 1, 5]
    assert table.loc["x", "median_difference"] == pytest.approx(0.075)
    p_x = wilcoxon([d for d in differences["x"] if d != 0]).pvalue
    p_y = wilcoxon([d for d in differences["y"] if round(d, 3) != 0]).pvalue
    assert table.loc["x", "p_wilcoxon"] == pytest.approx(p_x)
    assert table.loc["y", "p_wilcoxon"] == pytest.approx(p_y)
    # Holm over the two opponents: the smaller p doubled, the larger kept
    # (but never below the smaller's corrected value).
    low, high = sorted([p_x, p_y])
    corrected = sorted(table["p_holm"])
    assert corrected == pytest.approx([min(1, 2 * low), max(min(1, 2 * low), high)])


def test_ranks_by_trait_average_the_ranks_within_thirds_of_the_datasets():
    # Model "big" wins on the three largest tables, "small" on the others.
    scores = {
        f"t{i}": {"small": 0.9 - 0.3 * (i >= 6), "big": 0.7 + 0.25 * (i >= 6),
                  "GAMO": 0.8}
        for i in range(9)
    }  # fmt: skip
    traits = pd.DataFrame(
        {"rows": [100 * (i + 1) for i in range(9)], "features": 5,
         "imbalance_ratio": np.linspace(1, 50, 9)},
        index=[f"t{i}" for i in range(9)],
    )  # fmt: skip
    table = ranks_by_trait(summary_of(scores), traits)

    rows = table[table["trait"] == "rows"]
    assert list(dict.fromkeys(rows["group"])) == ["100 to 300", "400 to 600",
                                                   "700 to 900"]  # fmt: skip
    assert set(rows["n_datasets"]) == {3}
    first = rows[rows["place"] == 1].set_index("group")["model"]
    assert first.to_dict() == {"100 to 300": "small", "400 to 600": "small",
                               "700 to 900": "big"}  # fmt: skip
    gamo = rows[rows["model"] == "GAMO"]
    assert gamo["mean_rank"].tolist() == [2.0, 2.0, 2.0]
    # One value for every table: one group, holding them all.
    features = table[table["trait"] == "features"]
    assert set(features["group"]) == {"5 to 5"}
    assert set(features["n_datasets"]) == {9}


def test_ranks_by_trait_leave_out_datasets_without_traits():
    scores = {f"t{i}": {"a": 0.9, "b": 0.8, "c": 0.7} for i in range(4)}
    traits = pd.DataFrame({"rows": [10, 20, 30]}, index=["t0", "t1", "t2"])
    table = ranks_by_trait(summary_of(scores), traits)
    assert table["n_datasets"].sum() == 3 * 3  # three models, t3 left out
    assert ranks_by_trait(summary_of(scores), traits.iloc[:2]).empty


def test_gamo_firsts_name_the_datasets_where_a_gamo_model_is_best():
    scores = {
        "won": {"GAMO": 0.9, "GAMOClassifier": 0.7, "x": 0.8},
        "joint": {"GAMO": 0.6, "GAMOClassifier": 0.9, "x": 0.8},
        "both": {"GAMO": 0.9, "GAMOClassifier": 0.9, "x": 0.8},
        "tied": {"GAMO": 0.8001, "GAMOClassifier": 0.7, "x": 0.8},
        "lost": {"GAMO": 0.7, "GAMOClassifier": 0.7, "x": 0.8},
    }
    alone, tied, n_datasets = gamo_firsts(summary_of(scores))
    assert sorted(alone) == ["both", "joint", "won"]
    assert tied == ["tied"] and n_datasets == 5


def test_the_report_of_a_run_without_gamo_has_no_gamo_column():
    scores = {f"t{i}": {"a": 0.9, "b": 0.8 + 0.02 * i, "c": 0.7} for i in range(6)}
    summary = summary_of(scores)
    traits = pd.DataFrame({"rows": range(100, 700, 100)}, index=list(scores))
    text = statistics_report(
        rank_tests(summary),
        gamo_comparisons(summary),
        by_trait=ranks_by_trait(summary, traits),
        firsts=gamo_firsts(summary),
    )
    assert "| rows " in text and "GAMO" not in text
