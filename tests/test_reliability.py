"""Defects found by an adversarial sweep; each test failed before its fix.

The last test states the rule behind several of them, for all three estimators:
every input problem that can be detected before training is detected before
training, so that bad input never costs a user a full fit.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from gamo_sampler import (
    GAMO2PixSampler,
    GAMOClassifier,
    GAMOSampler,
    game,
    gamo2pix,
    image,
)

TINY = dict(
    max_iter=5,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 4),
    latent_dim=4,
    random_state=0,
)
PIX = dict(TINY, image_shape=(1, 4, 4), decoder_max_iter=2, decoder_latent_dim=2)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def data(n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(75, n_features), np.repeat([0, 1], [50, 25])


def images():
    rng = np.random.RandomState(0)
    return rng.rand(30, 16) * 255, np.repeat([0, 1], [22, 8])


# --- 1. no NaN probabilities, no arbitrary class --------------------------------


@pytest.mark.parametrize("value", [1e39, -1e39, 1e300])
def test_far_out_values_give_valid_probabilities(value):
    X, y = data()
    clf = GAMOClassifier(**TINY).fit(X, y)
    rows = X[:3].copy()
    rows[0, 1] = value
    proba = clf.predict_proba(rows)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.predict(rows), clf.classes_[proba.argmax(1)])
    # The rows that float32 holds are computed as before.
    np.testing.assert_array_equal(proba[1:], clf.predict_proba(X[1:3]))


def test_feature_of_tiny_training_scale_seen_large_at_predict_time():
    X, y = data()
    X[:, 2] *= 1e-30
    clf = GAMOClassifier(**TINY).fit(X, y)
    rows = X[:2].copy()
    rows[0, 2] = 1e10  # 1e40 standard deviations out
    assert np.isfinite(clf.predict_proba(rows)).all()


def test_values_beyond_float64_after_scaling_name_the_feature():
    X, y = data()
    X[:, 2] *= 1e-30
    frame = pd.DataFrame(X, columns=["a", "b", "tiny", "d"])
    clf = GAMOClassifier(**TINY).fit(frame, y)
    rows = frame.iloc[:2].copy()
    rows.iloc[0, 2] = 1e300
    with pytest.raises(ValueError, match=r"too far outside.*\['tiny'\]"):
        clf.predict_proba(rows)


# --- 3. a failed GAMO2PixSampler refit leaves it unfitted -----------------------


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_gamo2pix_failed_refit_leaves_it_unfitted(failure, monkeypatch):
    X, y = images()
    sampler = GAMO2PixSampler(**PIX)
    sampler.fit_resample(X, y)

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(gamo2pix, "train_class_vae", fail)
    with pytest.raises(failure):
        sampler.fit_resample(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(sampler)
    monkeypatch.undo()
    sampler.fit_resample(X, y)
    check_is_fitted(sampler)


# --- 4 and 5. errors that came only after training ------------------------------


@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier])
def test_float_count_in_sampling_strategy(Estimator):
    X, y = data()
    with pytest.raises(ValueError, match=r"30\.5 rows of class 1.*whole numbers"):
        estimator = Estimator(sampling_strategy={1: 30.5}, **TINY)
        if isinstance(estimator, GAMOSampler):
            estimator.fit_resample(X, y)
        else:
            estimator.fit(X, y)


def test_values_from_2_to_the_1023_are_standardised():
    # They overflowed the standardiser's scale, and the user was told that
    # training diverged.
    X, y = data()
    X[:, 1] = np.ldexp(1.0 + np.abs(X[:, 1]) / 10, 1023)
    clf = GAMOClassifier(**TINY).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    X_res, _ = GAMOSampler(**TINY).fit_resample(X, y)
    assert np.isfinite(X_res).all()


def overflowing(n):
    """A feature whose distance from its mean overflows float64."""
    return np.where(np.arange(n) % 4 == 0, -1.7e308, 1.7e308)


def test_values_whose_spread_overflows_float64_get_a_clear_error():
    X, y = data()
    X[:, 1] = overflowing(len(X))
    with pytest.raises(ValueError, match=r"too large to standardise in features \[1\]"):
        GAMOClassifier(**TINY).fit(X, y)


# --- 6. GAMO2PixSampler's counts and shapes ------------------------------------


def fitted_pix():
    X, y = images()
    sampler = GAMO2PixSampler(**PIX)
    sampler.fit_resample(X, y)
    return sampler


@pytest.mark.parametrize("n_samples", [-5, 2.9, {1: -1}, {1: 1.5}])
def test_gamo2pix_sample_images_checks_its_counts(n_samples):
    with pytest.raises(ValueError, match="n_samples must be a non-negative integer"):
        fitted_pix().sample_images(n_samples)


def test_gamo2pix_sample_features_and_decode_check_their_input():
    sampler = fitted_pix()
    with pytest.raises(ValueError, match="n_samples must be a non-negative integer"):
        sampler.sample_features(-1, 1)
    features, _ = sampler.sample_features(2, 1, random_state=0)
    assert sampler.decode(features, 1).shape == (2, 1, 4, 4)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 512\).*sample_features"):
        sampler.decode(features[:, :10], 1)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 512\)"):
        sampler.decode(features[0], 1)


# --- 7. smaller defects -----------------------------------------------------------


def test_refit_on_balanced_data_keeps_nothing_of_the_earlier_fit():
    X, y = data()
    sampler = GAMOSampler(**TINY)
    sampler.fit_resample(X, y)
    assert sampler.device_ is not None and sampler.standardizer_ is not None
    balanced = np.repeat([0, 1], [25, 25])
    sampler.fit_resample(X[:50], balanced)
    assert sampler.device_ is None and sampler.standardizer_ is None


@pytest.mark.parametrize("Sampler", [GAMOSampler, GAMO2PixSampler])
def test_sampling_after_fit_alone_says_to_call_fit_resample(Sampler):
    X, y = images()
    sampler = Sampler(**(PIX if Sampler is GAMO2PixSampler else TINY)).fit(X, y)
    draw = sampler.sample if Sampler is GAMOSampler else sampler.sample_images
    with pytest.raises(NotFittedError, match="call fit_resample"):
        draw(3)


@pytest.mark.parametrize("device", ["mps", "meta", torch.device("meta")])
def test_unsupported_devices(device):
    X, y = data()
    with pytest.raises(ValueError, match="not supported.*'cpu', 'cuda'"):
        GAMOClassifier(device=device, **TINY).fit(X, y)


@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier])
def test_datetime_columns(Estimator):
    X, y = data()
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["when"] = pd.date_range("2020-01-01", periods=len(frame))
    with pytest.raises(TypeError, match=r"'when' \(date or time\).*days since"):
        Estimator(**TINY).fit(frame, y)
    with pytest.raises(TypeError, match="dates or times"):
        Estimator(**TINY).fit(frame[["when"]].to_numpy(), y)


@pytest.mark.parametrize("random_state", [-1, 2**40, "seed"])
def test_sample_with_an_invalid_random_state(random_state):
    X, y = data()
    sampler = GAMOSampler(**TINY)
    sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match="not a valid seed"):
        sampler.sample(3, random_state=random_state)


# --- the rule -----------------------------------------------------------------


BAD_INPUTS = {
    "float count": ({"sampling_strategy": {1: 30.5}}, None),
    "unknown class": ({"sampling_strategy": {7: 30}}, None),
    "fewer rows than now": ({"sampling_strategy": {1: 3}}, None),
    "unsupported device": ({"device": "meta"}, None),
    "NaN in X": ({}, lambda X: np.where(X > 1.5, np.nan, X)),
    "text in X": ({}, lambda X: np.where(X > 1.5, "x", X.astype(str))),
    "overflowing spread": (
        {},
        lambda X: np.column_stack([X, overflowing(len(X))]),
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier, GAMO2PixSampler])
def test_every_detectable_problem_is_found_before_training(
    Estimator, case, monkeypatch
):
    def training(*args, **kwargs):
        raise AssertionError("training started")

    for module in (game, image):
        monkeypatch.setattr(module, "train_loop", training)
    params, corrupt = BAD_INPUTS[case]
    X, y = images() if Estimator is GAMO2PixSampler else data()
    if Estimator is GAMO2PixSampler and case == "overflowing spread":
        pytest.skip("image mode scales pixels with one map, not per feature")
    if corrupt is not None:
        X = corrupt(X)
    base = PIX if Estimator is GAMO2PixSampler else TINY
    estimator = Estimator(**base, **params)
    with pytest.raises((ValueError, TypeError)):
        if hasattr(estimator, "fit_resample"):
            estimator.fit_resample(X, y)
        else:
            estimator.fit(X, y)
