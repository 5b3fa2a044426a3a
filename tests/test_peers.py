"""Tests of the peer over-samplers (``gamo_sampler.peers``) and of their place in
``gamo-benchmark``, on cheap settings. A peer's tests skip when its package is
not installed (``pip install -e ".[peers]"``, then ``pip install --no-deps
smote-variants==1.0.1``)."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils.estimator_checks import (
    check_samplers_fit,
    check_samplers_one_label,
    check_target_type,
)
from imblearn_checks import parametrize_with_checks

from gamo_sampler.benchmark import BenchmarkConfig, main, make_sampler, run_benchmark
from gamo_sampler.benchmark.models import (
    CORE_SAMPLERS,
    SAMPLERS,
    resolve_samplers,
)
from gamo_sampler.benchmark.tables import sampler_listing
from gamo_sampler.peers import (
    PEERS,
    CTGANSampler,
    SmoteVariantsSampler,
    missing_requirements,
)
from gamo_sampler.peers.ctgan import auto_epochs
from gamo_sampler.peers.smote_variants import _synthetic_rows

CHEAP_CTGAN = dict(
    epochs=1,
    batch_size=20,
    pac=2,
    embedding_dim=4,
    generator_dim=(8,),
    discriminator_dim=(8,),
    device="cpu",
    random_state=0,
)
# Fast enough for the default run: polynomial fit (no neighbours) and ProWSyn.
FAST_VARIANTS = [
    SmoteVariantsSampler("polynom_fit_SMOTE_star", random_state=0),
    SmoteVariantsSampler("ProWSyn", random_state=0),
]
# SMOTE-IPF refits its filter's trees until few rows go (~27 s for the checks).
SLOW_VARIANTS = [
    SmoteVariantsSampler("SMOTE_IPF", random_state=0),
    SmoteVariantsSampler("Lee", random_state=0),
]


def imbalanced(n_per_class=(30, 20, 10), n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    X = rng.normal(size=(len(y), n_features)) + y[:, None]
    return X, y


def extra_samplers():
    """imbalanced-learn-extra's samplers, when it is installed."""
    if missing_requirements("gsmote"):
        return []
    from imblearn_extra.clover.over_sampling import KMeansSMOTE
    from imblearn_extra.gsmote import GeometricSMOTE

    return [GeometricSMOTE(random_state=0), KMeansSMOTE(random_state=0)]


EXPECTED_FAILURES = {
    # imbalanced-learn-extra 0.2.10, used as it is: its samplers claim sparse
    # support, but G-SMOTE's sparse output differs from its dense one, and
    # k-means SMOTE densifies badly. k-means SMOTE also fails on a dict
    # sampling_strategy that leaves a class out (KeyError) and on data where
    # no cluster qualifies (it raises "No samples were generated"). The
    # benchmark passes dense rows and sampling_strategy="auto".
    "GeometricSMOTE": {
        "check_samplers_sparse": "sparse output differs from the dense one",
    },
    "KMeansSMOTE": {
        "check_samplers_sparse": "fails on sparse input",
        "check_samplers_pandas_sparse": "fails on sparse input",
        "check_samplers_sampling_strategy_fit_resample": "KeyError on a dict "
        "that leaves a class out",
        "check_sampler_get_feature_names_out": "no cluster qualifies",
        "check_sampler_get_feature_names_out_pandas": "no cluster qualifies",
    },
    # As GAMOSampler: dense rows only, so a DataFrame of sparse columns is
    # refused with scikit-learn's error that says to densify it.
    "CTGANSampler": {
        "check_samplers_pandas_sparse": "sparse input is refused with a clear error",
    },
}


def expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


# ---------------------------------------------------------------------------
# imbalanced-learn's sampler checks
# ---------------------------------------------------------------------------


@parametrize_with_checks(FAST_VARIANTS, expected_failed_checks=expected_failures)
def test_smote_variants_sampler_checks(estimator, check):
    pytest.importorskip("smote_variants")
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(SLOW_VARIANTS, expected_failed_checks=expected_failures)
def test_smote_variants_sampler_checks_slow_variants(estimator, check):
    pytest.importorskip("smote_variants")
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    [CTGANSampler(**CHEAP_CTGAN)], expected_failed_checks=expected_failures
)
def test_ctgan_sampler_checks(estimator, check, one_torch_thread):
    # Each check fits CTGAN on 1,000 rows x 20 columns: its per-column Gaussian
    # mixtures alone take seconds, however few the epochs.
    pytest.importorskip("ctgan")
    check(estimator)


@pytest.mark.parametrize(
    "check", [check_target_type, check_samplers_one_label, check_samplers_fit]
)
def test_ctgan_sampler_cheap_checks(check, one_torch_thread):
    pytest.importorskip("ctgan")
    check("CTGANSampler", CTGANSampler(**CHEAP_CTGAN))


def test_imbalanced_learn_extra_samplers_need_no_wrapper():
    pytest.importorskip("imblearn_extra")
    samplers = extra_samplers()
    assert all(isinstance(sampler, BaseOverSampler) for sampler in samplers)
    for key in ("gsmote", "kmeans-smote"):
        sampler = make_sampler(key, y=np.array([0] * 9 + [1] * 3))
        assert isinstance(sampler, BaseOverSampler)


@pytest.mark.slow
@parametrize_with_checks(extra_samplers(), expected_failed_checks=expected_failures)
def test_imbalanced_learn_extra_sampler_checks(estimator, check):
    pytest.importorskip("imblearn_extra")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        check(estimator)


# ---------------------------------------------------------------------------
# SmoteVariantsSampler
# ---------------------------------------------------------------------------


def test_smote_variants_imports_without_the_heavy_frameworks():
    pytest.importorskip("smote_variants")
    script = textwrap.dedent(
        """
        import sys
        for heavy in ("tensorflow", "keras", "mkl"):
            sys.modules[heavy] = None  # any import of them now fails
        import numpy as np
        from gamo_sampler.peers import SmoteVariantsSampler
        X = np.random.RandomState(0).normal(size=(40, 3))
        y = np.array([0] * 30 + [1] * 10)
        for variant in ("polynom_fit_SMOTE_star", "ProWSyn", "SMOTE_IPF", "Lee"):
            _, y_res = SmoteVariantsSampler(variant, random_state=0).fit_resample(X, y)
            assert np.bincount(y_res).tolist() == [30, 30], variant
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "INFO" not in done.stderr  # smote-variants' log lines are silenced


def test_smote_variants_rows_are_exact_and_follow_the_training_rows():
    pytest.importorskip("smote_variants")
    # The star topology makes round(deficit / n_minority) rows per minority row:
    # 20 rows for a deficit of 25 at first, so the wrapper asks again and keeps
    # 25 of what it got.
    X, y = imbalanced((45, 20), n_features=2)
    sampler = SmoteVariantsSampler("polynom_fit_SMOTE_star", random_state=0)
    X_res, y_res = sampler.fit_resample(X.astype(np.float32), y)
    assert np.bincount(y_res).tolist() == [45, 45]
    assert X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[: len(X)], X.astype(np.float32))
    assert sampler.sampling_strategy_ == {1: 25}
    again = SmoteVariantsSampler("polynom_fit_SMOTE_star", random_state=0)
    np.testing.assert_array_equal(again.fit_resample(X.astype(np.float32), y)[0], X_res)


def test_smote_variants_errors_name_the_fix():
    pytest.importorskip("smote_variants")
    X, y = imbalanced()
    with pytest.raises(ValueError, match="no over-sampler 'SMOTE_Typo'.*ProWSyn"):
        SmoteVariantsSampler("SMOTE_Typo").fit_resample(X, y)
    with pytest.raises(ValueError, match=r"has no parameter\(s\) \['k'\]"):
        SmoteVariantsSampler("ProWSyn", variant_params={"k": 3}).fit_resample(X, y)
    # SMOBD gives up on data whose density it cannot use: say why, do not
    # return the training rows as if they were balanced.
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=600, n_features=20, weights=[0.85], random_state=0
    )
    made_none = "made no rows for class 1.*returning copies"
    with pytest.raises(RuntimeError, match=made_none):
        SmoteVariantsSampler("SMOBD", random_state=0).fit_resample(X, y)


def test_synthetic_rows_of_a_variant_that_filtered_training_rows():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 1, 1])
    new = np.array([[50.0, 51.0], [60.0, 61.0], [70.0, 71.0]])
    # Training rows 1 and 4 were filtered out, and so was one new row.
    X_out = np.vstack([X[[0, 2, 3, 5]], new[[0, 2]]])
    y_out = np.array([0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(_synthetic_rows(X, y, X_out, y_out), new[[0, 2]])
    with pytest.raises(ValueError, match="transform the features"):
        _synthetic_rows(X, y, X_out[:, :1], y_out)


# ---------------------------------------------------------------------------
# CTGANSampler
# ---------------------------------------------------------------------------


def test_ctgan_grows_each_class_by_its_deficit(one_torch_thread):
    pytest.importorskip("ctgan")
    X, y = imbalanced()
    sampler = CTGANSampler(**CHEAP_CTGAN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # untrained: relabelled rows
        X_res, y_res = sampler.fit_resample(X.astype(np.float32), y)
    assert np.bincount(y_res).tolist() == [30, 30, 30]
    assert X_res.dtype == np.float32 and np.isfinite(X_res).all()
    np.testing.assert_array_equal(X_res[: len(X)], X.astype(np.float32))
    assert set(sampler.n_relabelled_) == {1, 2}
    assert all(0 <= n <= 20 for n in sampler.n_relabelled_.values())
    assert sampler.synthesizer_ is not None and sampler.epochs_ == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = CTGANSampler(**CHEAP_CTGAN).fit_resample(X.astype(np.float32), y)
    np.testing.assert_array_equal(again[0], X_res)  # seeded


def test_ctgan_auto_epochs_give_about_300_updates(one_torch_thread):
    # An epoch is max(rows // batch_size, 1) updates, so 300 epochs cost more
    # the more rows a table has; "auto" keeps the updates at about 300.
    assert [auto_epochs(n, 500) for n in (10, 999, 1000, 1499, 5148)] == [
        300, 300, 150, 150, 30,
    ]  # fmt: skip
    assert auto_epochs(10**6, 500) == 1
    pytest.importorskip("ctgan")
    X, y = imbalanced(n_per_class=(150, 50), n_features=2)
    sampler = CTGANSampler(**{**CHEAP_CTGAN, "epochs": "auto"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sampler.fit_resample(X, y)
    assert sampler.epochs_ == 30  # 200 rows in batches of 20: 10 updates each
    assert sampler.synthesizer_.loss_values["Epoch"].nunique() == 30


def test_ctgan_batch_size_must_suit_pac():
    pytest.importorskip("ctgan")
    X, y = imbalanced()
    with pytest.raises(ValueError, match="multiple of pac=10"):
        CTGANSampler(batch_size=24).fit_resample(X, y)


# ---------------------------------------------------------------------------
# In gamo-benchmark
# ---------------------------------------------------------------------------


def test_samplers_list_shows_every_sampler_and_its_status(capsys):
    assert main(["--samplers", "list"]) == 0
    out = capsys.readouterr().out
    for key in SAMPLERS:
        assert f"\n{key} " in out
    assert out.count("ready") >= len(CORE_SAMPLERS)
    assert out == sampler_listing() + "\n"


def test_all_is_the_core_samplers_and_the_installed_peers():
    installed = [key for key in PEERS if not missing_requirements(key)]
    assert resolve_samplers(["all"]) == (*CORE_SAMPLERS, *installed)
    assert resolve_samplers(["peers", "smote"]) == (*installed, "smote")
    with pytest.raises(ValueError, match="Unknown sampler 'tomek'; choose among"):
        resolve_samplers(["tomek"])


def test_a_missing_peer_is_skipped_with_a_note(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "ctgan", None)  # as if not installed
    assert missing_requirements("ctgan") == ["ctgan"]
    notes = []
    assert "ctgan" not in resolve_samplers(["all"], note=notes.append)
    # Other peers may be missing too (a plain test install has none of them).
    ctgan_note = (
        f"gamo-benchmark: skipping ctgan (CTGAN needs ctgan: {PEERS['ctgan'].install})"
    )
    assert ctgan_note in notes
    with pytest.raises(ImportError, match="pip install"):
        make_sampler("ctgan", y=np.array([0, 0, 1, 1]))
    status = main(
        [
            "--datasets", "toy2d", "--samplers", "none", "ctgan",
            "--classifiers", "logreg", "--folds", "2", "--seeds", "0",
            "--no-plot", "--no-progress", "--output-dir", str(tmp_path),
        ]
    )  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ctgan_note
    assert "ctgan" not in (tmp_path / "results.csv").read_text()
    assert "CTGAN needs ctgan" in sampler_listing()


def test_every_installed_peer_runs_in_the_benchmark(one_torch_thread):
    peers = [key for key in PEERS if not missing_requirements(key)]
    if not peers:
        pytest.skip("no peer is installed")
    config = BenchmarkConfig(
        datasets=["toy2d"],
        samplers=peers,
        classifiers=["logreg"],
        folds=2,
        seeds=(0,),
        protocol="cv",
        ctgan_epochs=1,
    )
    results = run_benchmark(config, progress=False)
    assert results["error"].eq("").all(), results["error"].tolist()
    assert list(dict.fromkeys(results["sampler"])) == peers
    # Every peer raised the minority (25 of 525 rows) to the majority, give or
    # take k-means SMOTE's rounding.
    assert results["n_fit"].between(999, 1001).all()
