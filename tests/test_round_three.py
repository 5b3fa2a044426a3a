"""Defects of the third adversarial sweep (issue 20, library items 1 to 6) and
issue 21's early stopping and integer-array items; each test failed before its
fix. The property tests of the caller's data are in ``test_properties.py``."""

import numpy as np
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
