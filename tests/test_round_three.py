"""Defects of the third adversarial sweep (issue 20, library items 1 to 6) and
issue 21's early stopping and integer-array items; each test failed before its
fix. The property tests of the caller's data are in ``test_properties.py``."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from gamo_sampler import GAMO2PixSampler, GAMOClassifier, GAMOSampler
from gamo_sampler.early_stopping import NoValidationCheckWarning, split_validation

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 4),
    latent_dim=4,
    random_state=0,
    device="cpu",
)


def rows(counts, n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    return rng.randn(len(y), n_features) + y[:, None], y


# Item 3: the validation split scores every class.


@pytest.mark.parametrize("counts", [(97, 3), (40, 3, 3), (1000, 5, 20)])
@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.5, 0.9])
def test_validation_split_holds_out_a_row_of_every_class(counts, fraction):
    y = np.repeat(np.arange(len(counts)), counts)
    min_train = np.array([1] + [2] * (len(counts) - 1))
    train, validation = split_validation(y, np.unique(y), fraction, 0, min_train)
    held = np.bincount(y[validation], minlength=len(counts))
    kept = np.bincount(y[train], minlength=len(counts))
    assert (held >= 1).all() and (kept >= min_train).all()
    assert sorted(np.r_[train, validation].tolist()) == list(range(len(y)))
    # About the fraction of each class that can spare it.
    share = np.rint(fraction * np.array(counts))
    assert (held == np.clip(share, 1, np.array(counts) - min_train)).all()


@pytest.mark.parametrize("form", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("Estimator", [GAMOClassifier, GAMOSampler])
def test_early_stopping_validates_on_minority_rows_too(form, Estimator):
    # 97 + 3 rows: the stratified split held out 10 majority rows and no
    # minority one, so "balanced" accuracy was majority recall.
    X, y = rows((97, 3))
    estimator = Estimator(early_stopping=True, max_iter=100, **TINY)
    getattr(estimator, "fit_resample", estimator.fit)(form(X), y)
    anchors = getattr(estimator, "anchor_indices_", None)
    n_anchors = (estimator.anchor_rows_ if anchors is None else anchors)[0].shape[0]
    assert n_anchors == 2  # one of the three minority rows is held out


def test_classes_too_small_to_split_are_refused_before_training():
    X, y = rows((40, 2, 2))
    with pytest.raises(ValueError, match="class 1 has 2 and needs 3"):
        GAMOSampler(early_stopping=True, **TINY).fit_resample(X, y)


# Item 4: a fit that never reaches a check reports the networks it keeps.


def fit_without_a_check(make, X, y, **params):
    estimator = make(early_stopping=True, **TINY, **params)
    with pytest.warns(NoValidationCheckWarning, match="before the first"):
        getattr(estimator, "fit_resample", getattr(estimator, "fit", None))(X, y)
    return estimator


@pytest.mark.parametrize("Estimator", [GAMOClassifier, GAMOSampler])
def test_no_check_reached_reports_the_last_networks(Estimator):
    X, y = rows((70, 30))
    estimator = fit_without_a_check(Estimator, X, y, max_iter=50)
    assert estimator.n_iter_ == estimator.best_iteration_ == 50
    assert estimator.validation_iterations_.tolist() == [50]
    assert estimator.best_validation_score_ == estimator.validation_scores_[0]
    assert np.isfinite(estimator.best_validation_score_)


def test_no_check_reached_with_max_time():
    X, y = rows((70, 30))
    clf = fit_without_a_check(GAMOClassifier, X, y, max_time=1e-9)
    assert clf.n_iter_ == clf.best_iteration_ == clf.validation_iterations_[-1] == 1


def test_no_check_reached_in_gamo2pix():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 16).astype(np.float32)
    y = np.repeat([0, 1], [45, 15])
    pix = dict(image_shape=(1, 4, 4), decoder_max_iter=2, decoder_latent_dim=2)
    sampler = fit_without_a_check(GAMO2PixSampler, X, y, max_iter=30, **pix)
    assert sampler.n_iter_ == sampler.best_iteration_ == 30


def test_iterations_after_the_last_check_are_a_candidate():
    X, y = rows((70, 30))
    clf = GAMOClassifier(early_stopping=True, max_iter=250, **TINY).fit(X, y)
    assert clf.validation_iterations_.tolist() == [100, 200, 250]
    assert len(clf.validation_losses_) == 3


# Issue 21: the progress bar says how training ended.


def test_verbose_bar_says_training_stopped_early_and_what_was_kept(capsys):
    X, y = rows((70, 30))
    clf = GAMOClassifier(
        early_stopping=True, n_iter_no_change=1, max_iter=5000, verbose=True, **TINY
    ).fit(X, y)
    assert clf.n_iter_ < 5000
    err = capsys.readouterr().err
    assert f"stopped early at iteration {clf.n_iter_}" in err
    assert f"kept iteration {clf.best_iteration_}" in err
    assert f"{clf.n_iter_}/5000" in err


def test_verbose_bar_says_max_time_ended_training(capsys):
    X, y = rows((70, 30))
    GAMOSampler(max_time=1e-9, max_iter=100, verbose=True, **TINY).fit_resample(X, y)
    assert "max_time ended training at iteration 1" in capsys.readouterr().err


# Item 1: sample() rounds integer columns with categorical features too.


def mixed(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(
        {"x": rng.randn(n), "i": rng.randint(0, 5, n), "k": rng.choice(["p", "q"], n)}
    )
    return X, np.r_[np.zeros(n - 10, int), np.ones(10, int)]


@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint8", "int64[pyarrow]"])
def test_sample_rounds_integer_columns_beside_categories(dtype):
    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")
    X, y = mixed()
    X = X.astype({"i": dtype})
    sampler = GAMOSampler(categorical_features=["k"], max_iter=20, **TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    X_new, _ = sampler.sample(200, random_state=0)
    assert (X_new.dtypes == X.dtypes).all() and (X_res.dtypes == X.dtypes).all()
    # Rounded, not truncated: the float game's values, to the nearest integer.
    floats = GAMOSampler(categorical_features=["k"], max_iter=20, **TINY)
    floats.fit_resample(X.astype({"i": float}), y)
    expected = floats.sample(200, random_state=0)[0]["i"].to_numpy(float)
    np.testing.assert_array_equal(X_new["i"].to_numpy(float), np.round(expected))


# Item 2: 'auto' finds text and categories whatever the backend.


@pytest.mark.parametrize(
    "arrow_type", ["string", "large_string", "dictionary", "string[pyarrow]"]
)
@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier])
def test_auto_takes_arrow_text_and_dictionary_columns(arrow_type, Estimator):
    pa = pytest.importorskip("pyarrow")
    X, y = mixed()
    dtype = {
        "string": pd.ArrowDtype(pa.string()),
        "large_string": pd.ArrowDtype(pa.large_string()),
        "dictionary": pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
        "string[pyarrow]": "string[pyarrow]",
    }[arrow_type]
    if arrow_type == "dictionary":
        column = pa.array(X["k"]).dictionary_encode()
        X["k"] = pd.Series(column, dtype=dtype)
    else:
        X = X.astype({"k": dtype})
    estimator = Estimator(categorical_features="auto", max_iter=20, **TINY)
    if Estimator is GAMOClassifier:
        estimator.fit(X, y)
        assert estimator.categorical_features_.tolist() == [2]
        assert set(estimator.predict(X)) <= {0, 1}
        return
    X_res, _ = estimator.fit_resample(X, y)
    assert estimator.categorical_features_.tolist() == [2]
    assert (X_res.dtypes == X.dtypes).all()
    assert set(X_res["k"].astype(str)) <= {"p", "q"}


# Item 6 and its siblings: integers beyond float64's 2**53 stay exact.


def test_integer_category_codes_above_2_to_the_53_stay_distinct():
    ids = np.array([2**53 + 1, 2**53 + 3, 2**53 + 5])
    X = np.c_[np.arange(40), ids[np.arange(40) % 3]]
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    sampler = GAMOSampler(categorical_features=[1], max_iter=5, **TINY)
    X_res, _ = sampler.fit_resample(X, y)
    assert X_res.dtype == X.dtype
    assert (X_res[:40] == X).all()  # compared as int64, exactly
    assert set(X_res[40:, 1].tolist()) <= set(ids[[0, 1, 2]].tolist())
    X_new, _ = sampler.sample(30, random_state=0)
    assert X_new.dtype == X.dtype and set(X_new[:, 1].tolist()) <= set(ids.tolist())
    clf = GAMOClassifier(categorical_features=[1], max_iter=5, **TINY).fit(X, y)
    assert len(clf.categorical_encoder_.categories_[0]) == 3


@pytest.mark.parametrize("form", ["array", "frame"])
def test_original_integer_rows_above_2_to_the_53_come_back_exact(form):
    X = np.c_[np.arange(40), 2**60 + np.arange(40) * 3]
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    if form == "frame":
        X = pd.DataFrame(X, columns=["a", "b"])
    X_res, _ = GAMOSampler(max_iter=5, **TINY).fit_resample(X, y)
    original = X_res[:40] if form == "array" else X_res.iloc[:40]
    assert np.asarray(original).dtype == np.int64
    assert (np.asarray(original) == np.asarray(X)).all()


def test_integers_at_the_top_of_int64_do_not_wrap_around():
    top = np.iinfo(np.int64).max
    X = np.c_[np.arange(40), top - np.arange(40) % 2]
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    X_res, _ = GAMOSampler(max_iter=5, **TINY).fit_resample(X, y)
    assert (X_res[40:, 1] > 2**62).all()


# Issue 21: integer arrays come back integer, rounded.


@pytest.mark.parametrize("form", [sp.csr_matrix, sp.csc_array])
def test_sparse_integer_matrices_come_back_integer(form):
    X, y = rows((30, 10))
    X = form(np.round(np.abs(X) * 3).astype(np.int32))
    sampler = GAMOSampler(max_iter=5, **TINY)
    X_res, _ = sampler.fit_resample(X, y)
    assert type(X_res) is type(X) and X_res.format == X.format
    assert X_res.dtype == np.int32
    assert (X_res[:40] != X).nnz == 0
    assert sampler.sample(5, random_state=0)[0].dtype == np.int32


@pytest.mark.parametrize("form", ["coo_matrix", "lil_matrix", "dok_array", "bsr_array"])
def test_every_sparse_format_comes_back_in_its_format(form):
    # The game reads CSR or CSC; other formats came back as CSR.
    X, y = rows((30, 10))
    X = getattr(sp, form)(np.where(np.abs(X) < 1, 0, X))
    sampler = GAMOSampler(max_iter=5, **TINY)
    X_res, _ = sampler.fit_resample(X, y)
    X_new, _ = sampler.sample(5, random_state=0)
    for out in (X_res, X_new):
        assert type(out) is type(X) and out.format == X.format
    assert (sp.csr_matrix(X_res)[:40] != sp.csr_matrix(X)).nnz == 0


def test_a_dataframe_of_labels_is_accepted_beside_a_dataframe_of_rows():
    # imbalanced-learn's check_samplers_pandas passes y as a DataFrame.
    X, y = mixed()
    y_frame = pd.DataFrame({"target": y})
    X_res, y_res = GAMOSampler(
        categorical_features=["k"], max_iter=5, **TINY
    ).fit_resample(X.astype({"i": "Int64"}), y_frame)
    assert len(X_res) == len(y_res) == 60 and X_res["i"].dtype == "Int64"
