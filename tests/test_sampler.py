"""GAMOSampler's output contract and API."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_classification

from gamo_sampler import GAMOSampler

FAST = dict(max_iter=20, hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=200,
        n_classes=3,
        n_informative=4,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )


@pytest.mark.parametrize(
    "strategy, expected",
    [
        # Class counts are 120, 59 and 21.
        ("auto", {0: 0, 1: 61, 2: 99}),
        ("minority", {2: 99}),
        ("not majority", {1: 61, 2: 99}),
        ({1: 100, 2: 50}, {1: 41, 2: 29}),
        (lambda y: {2: 40}, {2: 19}),
    ],
)
def test_counts_follow_every_form_of_sampling_strategy(data, strategy, expected):
    X, y = data
    sampler = GAMOSampler(sampling_strategy=strategy, **FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    generated = np.bincount(y_res[len(y) :], minlength=3)
    for label, n_new in expected.items():
        assert generated[label] == n_new == sampler.sampling_strategy_.get(label, 0)
    assert len(X_res) == len(y) + sum(expected.values())


def test_float_sampling_strategy_for_binary():
    X, y = make_classification(n_samples=100, weights=[0.8, 0.2], random_state=1)
    sampler = GAMOSampler(sampling_strategy=0.5, **FAST)
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res)[1] == np.bincount(y)[0] // 2


def test_original_rows_come_first_unchanged(data):
    X, y = data
    X_before = X.copy()
    X_res, y_res = GAMOSampler(**FAST).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    np.testing.assert_array_equal(X, X_before)


def test_float32_stays_float32(data):
    X, y = data
    X_res, _ = GAMOSampler(**FAST).fit_resample(X.astype(np.float32), y)
    assert X_res.dtype == np.float32


def test_pandas_in_pandas_out_with_feature_names(data):
    X, y = data
    columns = [f"feature_{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    series = pd.Series(y, name="target")
    sampler = GAMOSampler(**FAST)
    X_res, y_res = sampler.fit_resample(frame, series)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == columns and y_res.name == "target"
    assert list(sampler.feature_names_in_) == columns
    assert list(sampler.get_feature_names_out()) == columns


def test_string_labels(data):
    X, y = data
    labels = np.array(["cat", "dog", "emu"])[y]
    _, y_res = GAMOSampler(**FAST).fit_resample(X, labels)
    assert set(y_res) == {"cat", "dog", "emu"}
    assert (y_res == "emu").sum() == (labels == "cat").sum()


def test_fitted_attributes(data):
    X, y = data
    sampler = GAMOSampler(**FAST).fit(X, y)  # fit only checks, like imblearn
    assert not hasattr(sampler, "generator_")
    sampler.fit_resample(X, y)
    assert sampler.n_iter_ == 20
    assert set(sampler.history_) == {"classifier", "discriminator", "generator"}
    assert all(len(v) == 20 for v in sampler.history_.values())
    assert all(np.isfinite(v).all() for v in sampler.history_.values())
    assert isinstance(sampler.generator_, torch.nn.Module)
    assert sampler.device_ == torch.device("cpu")
    np.testing.assert_array_equal(sampler.oversampled_classes_, [1, 2])


def test_sample_draws_more_rows(data):
    X, y = data
    sampler = GAMOSampler(**FAST)
    sampler.fit_resample(X, y)
    X_new, y_new = sampler.sample(50, random_state=0)
    assert X_new.shape == (50, X.shape[1])
    # Shared in proportion to the deficits 61 : 99.
    assert np.bincount(y_new, minlength=3).tolist() == [0, 19, 31]
    X_again, _ = sampler.sample(50, random_state=0)
    np.testing.assert_array_equal(X_new, X_again)
    X_two, y_two = sampler.sample({2: 7})
    assert y_two.tolist() == [2] * 7
    for label in (1, 2):
        rows = X[y == label]
        new = X_new[y_new == label]
        assert np.all(new >= rows.min(axis=0)) and np.all(new <= rows.max(axis=0))


def test_sample_refuses_unknown_class(data):
    X, y = data
    sampler = GAMOSampler(**FAST)
    sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match="only knows the oversampled classes"):
        sampler.sample({0: 3})


def test_sample_returns_the_containers_of_the_fit(data):
    X, y = data
    frame = pd.DataFrame(
        {
            "a": X[:, 0].astype(np.float32),
            "b": pd.array(np.round(X[:, 1] * 10), dtype="Int64"),
            "c": X[:, 2],
        }
    )
    series = pd.Series(y, name="target")
    sampler = GAMOSampler(**FAST)
    X_res, y_res = sampler.fit_resample(frame, series)
    X_new, y_new = sampler.sample({2: 5}, random_state=0)
    # The same containers and dtypes as fit_resample's output.
    assert isinstance(X_new, pd.DataFrame) and isinstance(y_new, pd.Series)
    assert list(X_new.columns) == ["a", "b", "c"]
    assert X_new.dtypes.to_dict() == X_res.dtypes.to_dict()
    assert y_new.name == "target" and y_new.dtype == y_res.dtype
    assert y_new.tolist() == [2] * 5
    assert y_new.index.equals(X_new.index)
    # A refit on arrays returns arrays again.
    sampler.fit_resample(X, y)
    X_new, y_new = sampler.sample({2: 5}, random_state=0)
    assert type(X_new) is np.ndarray and type(y_new) is np.ndarray


def test_balanced_data_is_returned_as_is():
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.array([0, 1] * 5)
    sampler = GAMOSampler(**FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    assert sampler.generator_ is None
    with pytest.raises(ValueError, match="No class was oversampled"):
        sampler.sample(3)


def test_without_discriminator(data):
    X, y = data
    sampler = GAMOSampler(use_discriminator=False, **FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.isnan(sampler.history_["discriminator"]).all()
    assert len(y_res) == 3 * np.bincount(y).max()


def test_without_standardisation_the_game_sees_x_as_given(data):
    X, y = data
    X = X.copy()
    X[:, 1], X[:, 2] = 100 * X[:, 1] + 50, 1e-3 * X[:, 2]  # one large, one tiny
    kept = GAMOSampler(standardize=False, **FAST)
    X_res, y_res = kept.fit_resample(X, y)
    np.testing.assert_array_equal(kept.standardizer_.transform(X), X.astype("f4"))
    scaled = GAMOSampler(**FAST)
    scaled.fit_resample(X, y)
    assert np.abs(scaled.standardizer_.transform(X).std(axis=0) - 1).max() < 1e-3
    # The output contract does not depend on the scaling.
    np.testing.assert_array_equal(X_res[: len(X)], X)
    for label in np.unique(y):
        own = X[y == label]
        new = X_res[len(X) :][y_res[len(X) :] == label]
        assert (new >= own.min(axis=0)).all() and (new <= own.max(axis=0)).all()


def test_without_standardisation_values_beyond_float32_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="too large for float32.*standardize=True"):
        GAMOSampler(standardize=False, **FAST).fit_resample(X * 1e300, y)
    GAMOSampler(**FAST).fit_resample(X * 1e300, y)  # standardised: fine


def test_same_seed_same_output_and_global_rng_untouched(data):
    X, y = data
    torch_state = torch.random.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    first, _ = GAMOSampler(**FAST).fit_resample(X, y)
    second, _ = GAMOSampler(**FAST).fit_resample(X, y)
    other, _ = GAMOSampler(**{**FAST, "random_state": 1}).fit_resample(X, y)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((10, 2)), np.zeros(10), "at least 2 classes"),
        (np.ones((10, 2)), np.array([0] * 9 + [1]), "fewer than 2 samples"),
        (np.array([[np.nan, 1.0]] * 4), np.array([0, 0, 0, 1]), "NaN"),
        (np.array([[np.inf, 1.0]] * 4), np.array([0, 0, 0, 1]), "infinity"),
        (np.ones((10, 2)), np.array([0, 1] * 4), "inconsistent numbers of samples"),
    ],
)
def test_clear_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        GAMOSampler(**FAST).fit_resample(X, y)


def test_cuda_without_gpu_is_a_clear_error(data):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, y = data
    with pytest.raises(ValueError, match="CUDA is not available"):
        GAMOSampler(device="cuda", **FAST).fit_resample(X, y)


def test_verbose_shows_progress(data, capsys):
    X, y = data
    GAMOSampler(verbose=True, **FAST).fit_resample(X, y)
    err = capsys.readouterr().err
    assert "GAMOSampler" in err and "generator=" in err
