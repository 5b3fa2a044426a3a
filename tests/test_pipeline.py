"""GAMOSampler next to SMOTE in imblearn pipelines and model selection."""

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from gamo_sampler import GAMOClassifier, GAMOSampler

FAST = dict(max_iter=20, hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, weights=[0.85, 0.15], random_state=0)


@pytest.mark.parametrize("sampler", [SMOTE(random_state=0), GAMOSampler(**FAST)])
def test_pipeline_cross_validate(data, sampler):
    X, y = data
    pipe = Pipeline([("sampler", sampler), ("clf", LogisticRegression())])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(pipe, X, y, cv=cv, scoring=["balanced_accuracy"])
    assert np.all(scores["test_balanced_accuracy"] > 0.6)


def test_pipeline_grid_search_over_sampler_parameters(data):
    X, y = data
    pipe = Pipeline([("sampler", GAMOSampler(**FAST)), ("clf", LogisticRegression())])
    grid = {
        "sampler": [SMOTE(random_state=0), GAMOSampler(**FAST)],
        "clf__C": [0.1, 1.0],
    }
    search = GridSearchCV(pipe, grid, cv=2, scoring="balanced_accuracy").fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.predict(X).shape == y.shape


def test_classifier_in_grid_search_and_cross_validate(data):
    X, y = data
    search = GridSearchCV(
        GAMOClassifier(**FAST),
        {"use_discriminator": [True, False], "learning_rate": [2e-4, 1e-3]},
        cv=2,
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert search.best_params_ and search.best_score_ > 0.5
    scores = cross_validate(GAMOClassifier(**FAST), X, y, cv=2, scoring="f1_macro")
    assert scores["test_score"].shape == (2,)
