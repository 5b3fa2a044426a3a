"""Model selection over GAMO in parallel: joblib's loky processes and a Dask cluster.

The estimators pickle across processes, every fit runs in a worker, and the scores
are bit-identical to a sequential run with the workers' number of torch threads.

Threads: each fit runs torch with ``n_threads`` threads (default 1) and restores
the previous count afterwards, so parallel fits never oversubscribe the cores.
Outside fit (``predict_proba``, a user's own torch code), process-based workers
are capped anyway: loky sets ``OMP_NUM_THREADS`` to cores // n_jobs and Dask's
nanny sets it to 1, and torch reads it at start-up. The tests check both.
"""

import importlib.util
import os
from contextlib import contextmanager

import joblib
import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from gamo_sampler import GAMOClassifier, GAMOSampler, game

TINY = dict(
    max_iter=20,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 4),
    latent_dim=4,
    random_state=0,
)
CV = StratifiedKFold(3, shuffle=True, random_state=0)
needs_distributed = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="needs dask.distributed (pip install dask distributed)",
)


def data():
    rng = np.random.RandomState(0)
    X = rng.randn(90, 4)
    y = np.repeat([0, 1], [72, 18])
    X[y == 1] += 1.0
    return X, y


def torch_threads(estimator, X, y):
    """A 'scorer' that reports the torch thread count where the fit ran."""
    return torch.get_num_threads()


def worker_pid(estimator, X, y):
    """A 'scorer' that reports which process fitted the estimator."""
    return os.getpid()


SCORING = {"nll": "neg_log_loss", "threads": torch_threads, "pid": worker_pid}


def sampler_pipeline():
    return Pipeline([("gamo", GAMOSampler(**TINY)), ("lr", LogisticRegression())])


@contextmanager
def torch_thread_count(n_threads):
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def loky_worker_threads(n_jobs):
    """The OpenMP thread cap joblib's loky backend gives each worker."""
    default = max(joblib.cpu_count() // n_jobs, 1)
    return int(os.environ.get("OMP_NUM_THREADS", default))


def assert_ran_in(results, pids, n_threads):
    assert set(np.asarray(results["pid"]).tolist()) <= pids
    assert set(np.asarray(results["threads"]).tolist()) == {n_threads}


@pytest.mark.parametrize("n_threads", [1, 2, None])
def test_fit_runs_torch_with_n_threads_and_restores_the_count(n_threads, monkeypatch):
    from gamo_sampler import _base

    seen = []

    def play_game(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return game.play_game(*args, **kwargs)

    monkeypatch.setattr(_base, "play_game", play_game)
    X, y = data()
    with torch_thread_count(3):
        GAMOClassifier(**TINY, n_threads=n_threads).fit(X, y)
        GAMOSampler(**TINY, n_threads=n_threads).fit_resample(X, y)
        assert torch.get_num_threads() == 3
    assert seen == [3 if n_threads is None else n_threads] * 2


def test_cross_validate_with_loky_processes():
    X, y = data()
    parallel = {
        name: cross_validate(
            estimator, X, y, cv=CV, scoring=SCORING, n_jobs=2, error_score="raise"
        )
        for name, estimator in [
            ("classifier", GAMOClassifier(**TINY)),
            ("sampler", sampler_pipeline()),
        ]
    }
    n_threads = loky_worker_threads(n_jobs=2)
    with torch_thread_count(n_threads):
        sequential = {
            name: cross_validate(estimator, X, y, cv=CV, scoring="neg_log_loss")
            for name, estimator in [
                ("classifier", GAMOClassifier(**TINY)),
                ("sampler", sampler_pipeline()),
            ]
        }
    for name, result in parallel.items():
        pids = set(result["test_pid"].tolist())
        assert os.getpid() not in pids
        assert_ran_in({k[5:]: v for k, v in result.items()}, pids, n_threads)
        np.testing.assert_array_equal(
            result["test_nll"], sequential[name]["test_score"]
        )


@needs_distributed
def test_grid_search_and_cross_validate_on_a_dask_cluster():
    from distributed import Client, LocalCluster

    X, y = data()
    grid = {"learning_rate": [1e-3, 1e-2], "use_discriminator": [True, False]}

    def search():
        return GridSearchCV(
            GAMOClassifier(**TINY),
            grid,
            cv=CV,
            scoring=SCORING,
            refit="nll",
            n_jobs=-1,
            error_score="raise",
        ).fit(X, y)

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        worker_pids = set(client.run(os.getpid).values())
        # One thread here too, for the refit on the best parameters.
        with joblib.parallel_backend("dask"), torch_thread_count(1):
            on_dask = search()
            cv_on_dask = cross_validate(
                sampler_pipeline(), X, y, cv=CV, scoring=SCORING, n_jobs=-1
            )

    results = on_dask.cv_results_
    for split in range(CV.get_n_splits()):
        assert_ran_in(
            {
                "pid": results[f"split{split}_test_pid"],
                "threads": results[f"split{split}_test_threads"],
            },
            worker_pids,
            n_threads=1,  # the nanny sets OMP_NUM_THREADS=1
        )
    assert_ran_in({k[5:]: v for k, v in cv_on_dask.items()}, worker_pids, 1)

    # The same numbers as a sequential run with one torch thread.
    with torch_thread_count(1):
        local = search()
        cv_local = cross_validate(
            sampler_pipeline(), X, y, cv=CV, scoring="neg_log_loss"
        )
    np.testing.assert_array_equal(
        results["mean_test_nll"], local.cv_results_["mean_test_nll"]
    )
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_array_equal(cv_on_dask["test_nll"], cv_local["test_score"])
    np.testing.assert_array_equal(on_dask.predict_proba(X), local.predict_proba(X))
