"""The image variant (conv feature extractor F) and GAMO2pix, on tiny images."""

import functools
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

from gamo_sampler import GAMO2PixSampler, GAMOClassifier
from gamo_sampler.composites import FusedAdam
from gamo_sampler.gamo2pix import (
    ImageDecoder,
    kl_divergence,
    reparameterize,
    vae_loss,
)
from gamo_sampler.image import (
    ConvFeatures,
    ImageScaler,
    class_anchors,
    extract_features,
    train_features_epoch,
)

SHAPE = (1, 8, 8)
FAST = dict(
    max_iter=6,
    batch_size=16,
    hidden_layer_sizes=(16,),
    generator_hidden_sizes=(16, 8),
    latent_dim=8,
    random_state=0,
    device="cpu",
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def images():
    """Three classes of 8x8 images (30, 10 and 6), in [0, 255]."""
    rng = np.random.RandomState(0)
    counts = (30, 10, 6)
    X = np.concatenate(
        [rng.rand(n, *SHAPE) * 120 + 60 * k for k, n in enumerate(counts)]
    ).astype(np.float32)
    y = np.repeat(np.arange(3), counts)
    order = rng.permutation(len(y))
    return X[order], y[order]


@pytest.fixture(scope="module")
def fitted(images):
    X, y = images
    return GAMOClassifier(image_shape=SHAPE, **FAST).fit(X.reshape(len(X), -1), y)


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (2, 7, 9), (1, 1, 1)])
def test_conv_features_any_image_size(shape):
    net = ConvFeatures(shape)
    out = net(torch.zeros(3, *shape))
    assert out.shape == (3, 512)
    if shape == (1, 28, 28):
        # The reference fMnistGamoConvCreate has 829,792 parameters.
        assert sum(p.numel() for p in net.parameters()) == 829_792


def test_flat_rows_and_4d_images_train_the_same_model(images, fitted):
    X, y = images
    from_4d = GAMOClassifier(**FAST).fit(X, y)
    assert from_4d.image_shape_ == SHAPE == fitted.image_shape_
    for key in fitted.history_:
        np.testing.assert_array_equal(fitted.history_[key], from_4d.history_[key])
    np.testing.assert_array_equal(
        fitted.predict_proba(X.reshape(len(X), -1)), from_4d.predict_proba(X)
    )


def test_estimator_contract_in_image_mode(images, fitted):
    X, y = images
    flat = X.reshape(len(X), -1)
    labels = np.array(["ant", "bee", "cow"], dtype=object)[y]
    clf = GAMOClassifier(image_shape=SHAPE, **FAST).fit(flat, labels)
    assert set(clf.predict(flat)) <= {"ant", "bee", "cow"}
    proba = clf.predict_proba(flat)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Same random_state, same model; clone and pickle keep it.
    np.testing.assert_array_equal(
        proba, clone(clf).fit(flat, labels).predict_proba(flat)
    )
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(flat), proba)
    assert fitted.n_iter_ == len(fitted.history_["classifier"]) == FAST["max_iter"]
    # 46 images in batches of 16: 3 iterations per epoch, so 2 prologues.
    assert fitted.feature_history_.shape == (2,)


def test_anchors_are_the_current_features_in_a_fixed_order(images, fitted):
    X, y = images
    scaled = torch.as_tensor(fitted.standardizer_.transform(X))
    features = extract_features(fitted.feature_extractor_, scaled)
    for j, code in enumerate(fitted.generator_.class_codes.tolist()):
        torch.testing.assert_close(
            class_anchors(fitted.generator_, j), features[torch.as_tensor(y == code)]
        )


def test_max_anchors_picks_a_fixed_subset_of_each_class(images):
    X, y = images
    clf = GAMOClassifier(image_shape=SHAPE, max_anchors=4, **FAST).fit(X, y)
    scaled = torch.as_tensor(clf.standardizer_.transform(X))
    features = extract_features(clf.feature_extractor_, scaled)
    for j, code in enumerate(clf.generator_.class_codes.tolist()):
        index = clf.anchor_indices_[j]
        assert len(index) == 4 and np.all(y[index] == code)
        torch.testing.assert_close(class_anchors(clf.generator_, j), features[index])
    pix = GAMO2PixSampler(
        max_anchors=4, decoder_max_iter=2, decoder_latent_dim=4, **FAST
    ).fit(X, y)
    pix.fit_resample(X, y)
    scaled = torch.as_tensor(pix.gamo_.standardizer_.transform(X))
    for j, label in enumerate(pix.oversampled_classes_):
        index = pix.anchor_indices_[j]
        np.testing.assert_array_equal(index, pix.gamo_.anchor_indices_[j])
        assert len(index) == 4 and np.all(y[index] == label)
        features = extract_features(pix.feature_extractor_, scaled[index])
        torch.testing.assert_close(class_anchors(pix.generator_, j), features)
        _, weights = pix.sample_features(3, label, random_state=0)
        assert weights.shape == (3, 4)


def test_feature_epoch_trains_f_through_a_frozen_classifier(fitted, images):
    X, y = images
    extractor = pickle.loads(pickle.dumps(fitted.feature_extractor_))
    classifier = pickle.loads(pickle.dumps(fitted.classifier_))
    m_before = [p.detach().clone() for p in classifier.parameters()]
    f_before = [p.detach().clone() for p in extractor.parameters()]
    optimizer = FusedAdam(extractor.parameters())
    targets = torch.eye(3)[torch.as_tensor(y)]
    scaled = torch.as_tensor(fitted.standardizer_.transform(X))
    train_features_epoch(
        extractor, classifier, scaled, targets, optimizer, 1e-2, 16, torch.Generator()
    )
    for before, p in zip(m_before, classifier.parameters(), strict=True):
        assert torch.equal(before, p) and p.grad is None
    assert any(
        not torch.equal(b, p)
        for b, p in zip(f_before, extractor.parameters(), strict=True)
    )


def test_features_do_not_depend_on_the_chunk_size():
    # Chunks are sized for the cache (FEATURE_CHUNK); each image's features
    # are its own, within rounding (the kernels may differ by batch size).
    extractor = ConvFeatures((1, 28, 28), n_features=16).eval()
    images = torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        extract_features(extractor, images, chunk=7),
        extract_features(extractor, images, chunk=1024),
    )


class TinyNet(nn.Module):
    def __init__(self, width=5):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, width), nn.Tanh())

    def forward(self, x):
        return self.net(x)


@pytest.mark.parametrize(
    "extractor", [TinyNet, functools.partial(TinyNet, width=3), TinyNet(4)]
)
def test_custom_feature_extractor(images, extractor):
    X, y = images
    clf = GAMOClassifier(feature_extractor=extractor, **FAST).fit(X, y)
    assert isinstance(clf.feature_extractor_, TinyNet)
    assert clf.feature_extractor_ is not extractor
    width = clf.feature_extractor_.net[1].out_features
    assert clf.generator_.class_sizes.tolist() == [10, 6]
    assert class_anchors(clf.generator_, 0).shape == (10, width)
    assert clf.predict(X).shape == (len(X),)
    # The same factory and seed give the same model.
    again = GAMOClassifier(feature_extractor=extractor, **FAST).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))


def test_plain_network_baseline_in_image_mode(images):
    X, y = images
    clf = GAMOClassifier(sampling_strategy={}, **FAST).fit(X, y)
    assert clf.generator_ is None
    assert np.isnan(clf.history_["generator"]).all()
    assert clf.feature_extractor_ is not None


@pytest.mark.parametrize(
    "params, X_shape, message",
    [
        (dict(image_shape=(1, 8, 9)), (46, 64), "needs 72 features"),
        (dict(image_shape=(8, 8)), (46, 64), "three positive integers"),
        (dict(image_shape=(1, 4, 4)), (46, 1, 8, 8), "image_shape is"),
        (dict(feature_extractor=lambda: 3), (46, 1, 8, 8), "must return"),
        (dict(feature_extractor=nn.Flatten(0)), (46, 1, 8, 8), "must map images"),
    ],
)
def test_image_errors(images, params, X_shape, message):
    X, y = images
    clf = GAMOClassifier(**{**FAST, **params})
    with pytest.raises((ValueError, TypeError), match=message):
        clf.fit(X.reshape(X_shape), y)


def test_image_scaler_round_trip():
    X = np.array([[0.0, 127.5, 255.0]])
    scaler = ImageScaler(X)
    np.testing.assert_allclose(scaler.transform(X), [[-1, 0, 1]])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X)


# GAMO2pix


def test_kl_and_sampler_read_the_same_log_variance():
    mean = torch.tensor([[0.5, -1.0]])
    log_var = torch.tensor([[0.3, -2.0]])
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, (0.5 * log_var).exp()),
        torch.distributions.Normal(0.0, 1.0),
    ).sum(dim=1)
    torch.testing.assert_close(kl_divergence(mean, log_var), expected)
    noise = torch.randn(20000, 2, generator=torch.Generator().manual_seed(0))
    z = reparameterize(mean, log_var, noise)
    torch.testing.assert_close(z.var(dim=0), log_var.exp()[0], rtol=0.05, atol=0)
    # A reconstruction-free loss is the KL alone.
    images = torch.zeros(1, *SHAPE)
    torch.testing.assert_close(vae_loss(images, images, mean, log_var), expected[0])


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 30, 30), (1, 5, 7)])
def test_decoder_matches_reference_shapes(shape):
    decoder = ImageDecoder(shape, latent_dim=4)
    assert decoder(torch.zeros(2, 4)).shape == (2, *shape)
    if shape == (1, 28, 28):
        assert decoder.grid == (32, 7, 7)


@pytest.fixture(scope="module")
def pix(images):
    X, y = images
    sampler = GAMO2PixSampler(decoder_max_iter=5, decoder_latent_dim=4, **FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    return sampler, X_res, y_res


def test_gamo2pix_returns_originals_then_images_of_the_deficits(images, pix):
    X, y = images
    sampler, X_res, y_res = pix
    assert sampler.sampling_strategy_ == {1: 20, 2: 24}
    assert X_res.shape == (len(X) + 44, *SHAPE) and X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(X)], y)
    assert np.bincount(y_res).tolist() == [30, 30, 30]
    new = X_res[len(X) :]
    assert new.min() >= X.min() and new.max() <= X.max()
    assert len(sampler.decoders_) == len(sampler.decoder_history_) == 2


def test_gamo2pix_keeps_each_weight_tied_to_its_image(images, pix):
    X, y = images
    sampler, _, _ = pix
    scaled = torch.as_tensor(sampler.gamo_.standardizer_.transform(X))
    for j, label in enumerate(sampler.oversampled_classes_):
        index = sampler.anchor_indices_[j]
        np.testing.assert_array_equal(index, np.flatnonzero(y == label))
        features = extract_features(sampler.feature_extractor_, scaled[index])
        torch.testing.assert_close(class_anchors(sampler.generator_, j), features)
        generated, weights = sampler.sample_features(7, label, random_state=0)
        assert weights.shape == (7, len(index))
        # Two float32 sums of n products in other orders: each within
        # n * 2**-24 * sum |w_i f_i| of the exact sum, on any CPU.
        n_anchors, features = len(index), features.numpy()
        bound = 2 * n_anchors * 2.0**-24 * (np.abs(weights) @ np.abs(features))
        assert np.all(np.abs(generated - weights @ features) <= bound)


def test_gamo2pix_flat_rows_in_flat_rows_out(images):
    X, y = images
    flat = X.reshape(len(X), -1).astype(np.float64)
    params = dict(decoder_max_iter=2, image_shape=SHAPE, **FAST)
    X_res, y_res = GAMO2PixSampler(**params).fit_resample(flat, y)
    assert X_res.shape == (90, 64) and X_res.dtype == np.float64
    again, _ = GAMO2PixSampler(**params).fit_resample(flat, y)
    np.testing.assert_array_equal(X_res, again)


def test_gamo2pix_sample_images_and_decode(pix):
    sampler, _, _ = pix
    imgs, labels = sampler.sample_images({2: 3}, random_state=1)
    assert imgs.shape == (3, *SHAPE) and labels.tolist() == [2, 2, 2]
    imgs, labels = sampler.sample_images(10, random_state=1)
    assert len(imgs) == 10
    with pytest.raises(ValueError, match="was not oversampled"):
        sampler.sample_images({0: 1})
    features, _ = sampler.sample_features(2, 1, random_state=0)
    assert sampler.decode(features, 1, random_state=0).shape == (2, *SHAPE)


@pytest.mark.parametrize("Estimator", [GAMOClassifier, GAMO2PixSampler])
def test_image_mode_honours_max_time(images, Estimator):
    # The image game runs in the same loop as the dense game, deadline included.
    X, y = images
    params = {**FAST, "max_iter": 200, "image_shape": SHAPE, "max_time": 1e-6}
    if Estimator is GAMO2PixSampler:
        estimator = Estimator(decoder_max_iter=2, decoder_latent_dim=4, **params)
        estimator.fit_resample(X, y)
    else:
        estimator = Estimator(**params).fit(X.reshape(len(X), -1), y)
    assert estimator.n_iter_ == 1
    assert all(len(h) == 1 for h in estimator.history_.values())


def test_image_game_checks_for_divergence(images, monkeypatch):
    from gamo_sampler import game

    def poisoned(output, target):
        return torch.full((), float("nan"), requires_grad=True) + 0 * output.sum()

    monkeypatch.setattr(game, "mse", poisoned)
    X, y = images
    with pytest.raises(FloatingPointError, match="diverged"):
        GAMOClassifier(image_shape=SHAPE, **FAST).fit(X.reshape(len(X), -1), y)
