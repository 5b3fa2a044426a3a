"""scikit-learn's and imbalanced-learn's estimator check suites on both estimators."""

from imblearn_checks import listed
from imblearn_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from gamo_sampler import GAMOClassifier, GAMOSampler

# Cheap settings: a few iterations and small networks keep each check fast.
CHEAP = dict(
    max_iter=60,
    learning_rate=3e-3,
    hidden_layer_sizes=(16,),
    generator_hidden_sizes=(16, 8),
    latent_dim=8,
    random_state=0,
)
# The categorical instances run the categorical path (validation, one-hot game,
# drawn categories) through every check, with the first feature, whatever it
# holds, as a category. A continuous first feature then has a category per
# training value: a one-hot code as wide as the data, which takes longer to
# learn, so they train longer. (check_classifiers_train asks for a training
# accuracy of 0.83; at 60 iterations the categorical classifier reached 0.82,
# from 100 on it passes.)
CATEGORICAL = CHEAP | dict(max_iter=200, categorical_features=[0])
ESTIMATORS = [
    GAMOSampler(**CHEAP),
    GAMOClassifier(**CHEAP),
    GAMOSampler(**CATEGORICAL),
    GAMOClassifier(**CATEGORICAL),
]


@listed(parametrize_with_checks(ESTIMATORS))
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@imblearn_parametrize_with_checks(ESTIMATORS)
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)
