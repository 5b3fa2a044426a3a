"""scikit-learn's and imbalanced-learn's estimator check suites on both estimators."""

from imblearn.utils.estimator_checks import (
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
ESTIMATORS = [GAMOSampler(**CHEAP), GAMOClassifier(**CHEAP)]

SKLEARN_EXPECTED_FAILURES = {}
IMBLEARN_EXPECTED_FAILURES = {
    "GAMOSampler": {
        # This check runs for every sampler that accepts DataFrames, whatever its
        # sparse tag. GAMO needs dense rows (sparse tag False): a DataFrame of
        # sparse columns gets sklearn's TypeError that says to densify it.
        "check_samplers_pandas_sparse": "sparse input is refused with a clear error",
    },
}


def expected_failures(table):
    def lookup(estimator):
        return table.get(type(estimator).__name__, {})

    return lookup


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=expected_failures(SKLEARN_EXPECTED_FAILURES)
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@imblearn_parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=expected_failures(IMBLEARN_EXPECTED_FAILURES)
)
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)
