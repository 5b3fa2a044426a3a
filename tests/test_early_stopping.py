"""Training length: ``max_iter='auto'`` and early stopping, dense and image."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.utils._param_validation import InvalidParameterError

from gamo_sampler import GAMOClassifier, GAMOSampler
from gamo_sampler._base import VALIDATION_SEED_OFFSET, draw_seeds, game_config
from gamo_sampler.early_stopping import (
    EarlyStopping,
    NoValidationCheckWarning,
    balanced_accuracy,
    balanced_loss,
    check_interval,
    split_validation,
)
from gamo_sampler.image import class_anchors, extract_features

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = dict(
    hidden_layer_sizes=(16,),
    generator_hidden_sizes=(16, 8),
    latent_dim=8,
    random_state=0,
    device="cpu",
)
EARLY = dict(early_stopping=True, n_iter_no_change=2, max_iter=3000, **SMALL)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        class_sep=2.0,
        random_state=0,
    )
    return X, y


def held_out(estimator, y):
    """The rows that ``estimator``'s early stopping held out, as the fit drew them."""
    seed = draw_seeds(estimator.random_state)[0]
    classes, codes = np.unique(y, return_inverse=True)
    _, validation = split_validation(
        codes, classes, estimator.validation_fraction, seed + VALIDATION_SEED_OFFSET
    )
    return validation


@pytest.mark.parametrize(
    "n_rows, expected", [(100, 2000), (1280, 2000), (5000, 7850), (10**6, 25000)]
)
def test_auto_max_iter_is_50_epochs_within_bounds(n_rows, expected):
    config = game_config(GAMOClassifier(max_iter="auto"), n_rows)
    assert config.max_iter == expected
    assert game_config(GAMOClassifier(max_iter=123), n_rows).max_iter == 123


def test_auto_is_the_default():
    assert GAMOClassifier().max_iter == GAMOSampler().max_iter == "auto"
    assert not GAMOClassifier().early_stopping


def test_checks_once_per_epoch_within_bounds():
    assert check_interval(100, 32) == 100  # 4-iteration epochs: every 100
    assert check_interval(6400, 32) == 200  # one epoch
    assert check_interval(10**6, 32) == 500


def test_stopping_rule_and_restore_follow_scikit_learn():
    net = torch.nn.Linear(2, 2)
    scores = iter([(s, 0.1) for s in (0.5, 0.7, 0.70005, 0.6, 0.69, 0.9)])
    early = EarlyStopping(lambda: next(scores), [net], 10, n_iter_no_change=2, tol=1e-3)
    stops = []
    for n_iter in range(10, 70, 10):
        with torch.no_grad():
            net.weight.fill_(n_iter)  # the state at this check
        stops.append(early.should_stop(n_iter))
        if stops[-1]:
            break
    # 0.70005 beats the best but not by tol: no improvement, yet the new best.
    # Three checks without improvement (more than n_iter_no_change=2) stop.
    assert stops == [False, False, False, False, True]
    assert early.best_iteration == 30 and early.best_score == 0.70005
    early.restore_best()
    assert bool((net.weight == 30).all())
    assert early.scores[:5] == [0.5, 0.7, 0.70005, 0.6, 0.69]


def states(early, net, checks):
    """Run ``early`` over ``checks`` of (score, loss), one every 10 iterations,
    the net's weights holding the iteration; return the stop flags."""
    stops = []
    for n_iter, _ in enumerate(checks, 1):
        with torch.no_grad():
            net.weight.fill_(n_iter * 10)
        stops.append(early.should_stop(n_iter * 10))
        if stops[-1]:
            break
    return stops


def test_ties_in_accuracy_go_to_the_lower_loss_then_the_later_check():
    # A saturated score (issue 21: all 1.0 on a small validation set) used to
    # keep the first check's networks, "still settling".
    net = torch.nn.Linear(2, 2)
    checks = [(0.9, 0.3), (1.0, 0.2), (1.0, 0.1), (1.0, 0.15), (1.0, 0.1), (1.0, 0.2)]
    it = iter(checks)
    early = EarlyStopping(lambda: next(it), [net], 10, n_iter_no_change=10, tol=1e-4)
    states(early, net, checks)
    assert early.best_score == 1.0 and early.best_iteration == 50
    early.restore_best()
    assert bool((net.weight == 50).all())


def test_stopping_still_follows_the_accuracy_alone():
    # A falling loss does not keep a saturated game running: the rule is
    # scikit-learn's, on balanced accuracy.
    net = torch.nn.Linear(2, 2)
    checks = [(1.0, 1.0 / k) for k in range(1, 10)]
    it = iter(checks)
    early = EarlyStopping(lambda: next(it), [net], 10, n_iter_no_change=2, tol=1e-4)
    assert states(early, net, checks) == [False, False, False, True]
    assert early.stopped and early.best_iteration == 40


@pytest.mark.parametrize("n_iter", [50, 130])
def test_the_last_networks_are_checked_when_training_ends_between_checks(n_iter):
    net = torch.nn.Linear(2, 2)
    early = EarlyStopping(lambda: (0.5, 0.1), [net], 100, n_iter_no_change=2, tol=0)
    for it in range(1, n_iter + 1):
        early.should_stop(it)
    with torch.no_grad():
        net.weight.fill_(n_iter)
    if n_iter < 100:
        with pytest.warns(NoValidationCheckWarning, match="before the first"):
            early.finish(n_iter)
    else:
        early.finish(n_iter)
    assert early.iterations[-1] == n_iter == early.best_iteration
    assert bool((net.weight == n_iter).all())


def test_balanced_loss_weighs_classes_equally():
    proba = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.5, 0.5]])
    y = torch.tensor([0, 0, 0, 1])
    assert balanced_loss(proba, y) == pytest.approx((0.0 + 0.25) / 2)


def test_balanced_accuracy_ignores_absent_classes():
    proba = torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0]])
    y = torch.tensor([0, 1, 1])
    assert balanced_accuracy(proba, y) == pytest.approx((1 + 0.5) / 2)


@pytest.fixture(scope="module")
def stopped(data):
    X, y = data
    return GAMOClassifier(**EARLY).fit(X, y)


def test_early_stopping_stops_and_keeps_the_best_classifier(data, stopped):
    X, y = data
    clf = stopped
    assert clf.n_iter_ < 3000
    assert clf.n_iter_ == clf.validation_iterations_[-1]
    assert len(clf.history_["classifier"]) == clf.n_iter_
    np.testing.assert_array_equal(
        clf.validation_iterations_, np.arange(1, len(clf.validation_scores_) + 1) * 100
    )
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_iteration_ < clf.n_iter_
    # The fitted network is the best check's, not the last one.
    rows = held_out(clf, y)
    score = np.mean(
        [np.mean(clf.predict(X[rows][y[rows] == c]) == c) for c in np.unique(y)]
    )
    assert score == pytest.approx(clf.best_validation_score_)


def test_held_out_rows_take_no_part_in_the_game(data, stopped):
    X, y = data
    rows = set(held_out(stopped, y).tolist())
    anchors = set(np.concatenate(stopped.anchor_indices_).tolist())
    assert anchors and not anchors & rows


def test_sampler_with_early_stopping_still_resamples_exactly(data):
    X, y = data
    sampler = GAMOSampler(**EARLY)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [np.bincount(y).max()] * 3
    np.testing.assert_array_equal(X_res[: len(X)], X)
    assert sampler.best_iteration_ <= sampler.n_iter_ < 3000
    # Synthetic rows combine training rows only, within their class's box.
    rows = held_out(sampler, y)
    for label, anchors in zip(
        sampler.oversampled_classes_, sampler.anchor_rows_, strict=True
    ):
        assert not any((anchors == X[r]).all(axis=1).any() for r in rows)
        new = X_res[len(X) :][y_res[len(X) :] == label]
        assert (new >= anchors.min(axis=0) - 1e-9).all()
        assert (new <= anchors.max(axis=0) + 1e-9).all()


def test_without_early_stopping_nothing_is_held_out(data):
    X, y = data
    clf = GAMOClassifier(max_iter=20, **SMALL).fit(X, y)
    assert clf.validation_scores_ is None and clf.best_iteration_ is None
    assert sum(len(rows) for rows in clf.anchor_indices_) == np.sum(y != 0)
    assert clf.n_iter_ == 20


def test_early_stopping_in_image_mode_keeps_f_and_anchors_in_step():
    rng = np.random.RandomState(0)
    counts = (40, 20, 12)
    X = np.concatenate(
        [rng.rand(n, 1, 8, 8) * 100 + 60 * k for k, n in enumerate(counts)]
    ).astype(np.float32)
    y = np.repeat(np.arange(3), counts)
    clf = GAMOClassifier(batch_size=16, **EARLY).fit(X, y)
    assert clf.validation_scores_ is not None and clf.n_iter_ < 3000
    # F, M and the generator's anchors are all the best check's.
    scaled = torch.as_tensor(clf.standardizer_.transform(X))
    features = extract_features(clf.feature_extractor_, scaled)
    for j, rows in enumerate(clf.anchor_indices_):
        torch.testing.assert_close(class_anchors(clf.generator_, j), features[rows])
    rows = held_out(clf, y)
    score = np.mean(
        [np.mean(clf.predict(X[rows][y[rows] == c]) == c) for c in (0, 1, 2)]
    )
    assert score == pytest.approx(clf.best_validation_score_)


@pytest.mark.parametrize(
    "y_counts, params, message",
    [
        ((20, 10, 1), {"sampling_strategy": {1: 20}}, "class 2 has 1 and needs 2"),
        # An oversampled class needs 1 validation row and 2 training rows, at
        # any validation_fraction (issue 20: 2-row classes were not scored).
        ((20, 10, 2), {"validation_fraction": 0.05}, "class 2 has 2 and needs 3"),
        ((20, 2, 2), {}, "class 1 has 2 and needs 3; class 2 has 2 and needs 3"),
    ],
)
def test_early_stopping_errors_before_training(y_counts, params, message):
    y = np.repeat(np.arange(3), y_counts)
    X = np.random.RandomState(0).rand(len(y), 3)
    clf = GAMOClassifier(early_stopping=True, **SMALL, **params)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "classifier_")


@pytest.mark.parametrize(
    "params",
    [
        {"max_iter": "long"},
        {"validation_fraction": 1.0},
        {"validation_fraction": 0},
        {"n_iter_no_change": 0},
        {"tol": -1},
        {"early_stopping": "yes"},
    ],
)
def test_bad_early_stopping_parameters(params, data):
    X, y = data
    with pytest.raises(InvalidParameterError):
        GAMOClassifier(**params).fit(X, y)
