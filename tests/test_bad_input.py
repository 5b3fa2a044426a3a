"""The bad-input matrix: each case gets a clear error or a documented behaviour.

Every error is matched on its text: it must name the problem and the fix. Every
case also checks that the caller's X and y come back unchanged. A hypothesis fuzz
test then throws random shapes, label sets, dtypes and imbalance profiles at both
estimators: each draw either fails cleanly or keeps every invariant.
docs/robustness.md lists the cases.
"""

import copy
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import nnls
from sklearn.utils import get_tags

from gamo_sampler import GAMOClassifier, GAMOSampler

TINY = dict(
    max_iter=5,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 4),
    latent_dim=4,
    random_state=0,
)
ESTIMATORS = [GAMOSampler, GAMOClassifier]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def fit(estimator, X, y):
    """fit_resample for the sampler, fit for the classifier."""
    if isinstance(estimator, GAMOSampler):
        return estimator.fit_resample(X, y)
    return estimator.fit(X, y)


def data(n_majority=24, n_minority=6, n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_majority + n_minority, n_features)
    y = np.repeat([0, 1], [n_majority, n_minority])
    return X, y


def assert_same(a, b):
    """Equality for the containers the tests pass: arrays, frames, lists."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif sparse.issparse(a):
        assert (a != b).nnz == 0
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def fit_unchanged(estimator, X, y):
    """Fit, and check that X and y were not mutated, even when fit fails."""
    X_before, y_before = copy.deepcopy(X), copy.deepcopy(y)
    try:
        return fit(estimator, X, y)
    finally:
        assert_same(X, X_before)
        assert_same(y, y_before)


def check_error(Estimator, X, y, error, match, **params):
    with pytest.raises(error, match=f"(?s){match}"):
        fit_unchanged(Estimator(**TINY, **params), X, y)


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_nan_in_X(Estimator):
    X, y = data()
    X[3, 1] = np.nan
    check_error(
        Estimator, X, y, ValueError, r"X contains NaN in column.*\[1\].*Imputer"
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_inf_in_X(Estimator, value):
    X, y = data()
    X[3, 2] = value
    check_error(Estimator, X, y, ValueError, r"X contains infinity.*\[2\].*clip")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_nan_in_dataframe_names_the_column(Estimator):
    X, y = data()
    X[0, 0] = np.nan
    frame = pd.DataFrame(X, columns=["age", "height", "weight"])
    check_error(Estimator, frame, y, ValueError, r"NaN in column\(s\) \['age'\]")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_empty_X(Estimator):
    check_error(
        Estimator, np.empty((0, 3)), np.empty(0), ValueError, "X is empty.*check the"
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_1d_X(Estimator):
    X, y = data()
    check_error(
        Estimator, X[:, 0], y, ValueError, r"Expected 2D array.*reshape\(-1, 1\)"
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_length_mismatch(Estimator):
    X, y = data()
    check_error(
        Estimator, X, y[:-1], ValueError, "X has 30 rows but y has 29 labels.*one label"
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_single_class(Estimator):
    X, _ = data()
    check_error(
        Estimator,
        X,
        np.full(len(X), "a"),
        ValueError,
        r"needs at least 2 classes.*only one class: \['a'\].*stratify",
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_oversampled_class_with_one_row(Estimator):
    X, y = data(n_minority=1)
    check_error(
        Estimator,
        X,
        y,
        ValueError,
        r"Classes \[1\] have fewer than 2.*sampling_strategy",
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_text_X(Estimator):
    X, y = data()
    text = X.astype(str)
    text[5, 1] = "tall"
    check_error(
        Estimator, text, y, TypeError, "text that is not a number: 'tall'.*Encoder"
    )
    objects = X.astype(object)
    objects[5, 1] = "tall"
    check_error(Estimator, objects, y, TypeError, "'tall'.*OneHotEncoder")
    rows = X.tolist()
    rows[0][0] = "tall"
    check_error(Estimator, rows, y, TypeError, "'tall'.*OrdinalEncoder")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "column, kind",
    [
        (pd.Categorical(["red", "blue", "red"] * 10), "categorical"),
        (pd.Categorical([1, 2, 3] * 10), "categorical"),  # numeric categories too
        (np.array(["red", "blue", "red"] * 10, dtype=object), "text"),
        (pd.array(["red", "blue", "red"] * 10, dtype="string"), "text"),
    ],
)
def test_dataframe_with_categorical_or_text_column(Estimator, column, kind):
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(colour=column)
    check_error(
        Estimator,
        frame,
        y,
        TypeError,
        rf"non-numeric columns: 'colour' \({kind}\).*OneHotEncoder or OrdinalEncoder",
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sparse_X_is_refused_where_dense_rows_are_needed_as_the_tags_say(Estimator):
    X, y = data()
    assert get_tags(Estimator()).input_tags.sparse is True
    estimator = Estimator(categorical_features=[0])
    assert get_tags(estimator).input_tags.sparse is False
    with pytest.raises(TypeError, match=r"categorical_features is set.*\.toarray\(\)"):
        fit_unchanged(estimator, sparse.csr_matrix(X), y)


def test_sparse_images_are_refused_as_the_tags_say():
    X, y = data(n_features=16)
    estimator = GAMOClassifier(image_shape=(1, 4, 4))
    assert get_tags(estimator).input_tags.sparse is False
    with pytest.raises(TypeError, match=r"Sparse data.*\.toarray\(\)"):
        fit_unchanged(estimator, sparse.csr_matrix(X), y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sampling_strategy_that_removes_rows(Estimator):
    X, y = data()
    check_error(
        Estimator,
        X,
        y,
        ValueError,
        "asks for 3 rows of class 1, which has 6.*at least 6.*RandomUnderSampler",
        sampling_strategy={1: 3},
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sampling_strategy_with_unknown_class(Estimator):
    X, y = data()
    check_error(
        Estimator,
        X,
        y.astype(str),
        ValueError,
        r"classes that are not in y: \[1\].*classes in y are \['0', '1'\].*type",
        sampling_strategy={1: 24},
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "make_y",
    [
        lambda y: np.where(np.arange(len(y)) == 4, np.nan, y),
        lambda y: np.where(np.arange(len(y)) == 4, np.inf, y),
        lambda y: np.where(np.arange(len(y)) == 4, None, y.astype(str).astype(object)),
        lambda y: pd.Series(y, dtype="Int64").mask(np.arange(len(y)) == 4),
    ],
    ids=["nan", "inf", "None", "pandas.NA"],
)
def test_missing_labels(Estimator, make_y):
    X, y = data()
    check_error(
        Estimator,
        X,
        make_y(y),
        ValueError,
        "missing labels.*1 of them, the first at position 4.*Drop those rows",
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_failed_fit_leaves_no_trace_of_an_earlier_fit(Estimator):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    X, y = data()
    estimator = Estimator(**TINY)
    fit(estimator, X, y)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit(estimator, X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)


def test_predict_checks_its_input_too():
    X, y = data()
    clf = GAMOClassifier(**TINY).fit(X, y)
    bad = X.copy()
    bad[1, 0] = np.inf
    with pytest.raises(ValueError, match="infinity.*clip"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="X has 2 features, but GAMOClassifier is"):
        clf.predict(X[:, :2])
    with pytest.raises(TypeError, match="'tall'.*Encoder"):
        clf.predict(np.where(X > 1, "tall", X.astype(str)).astype(object))


def test_sample_checks_its_counts():
    X, y = data()
    sampler = GAMOSampler(**TINY)
    sampler.fit_resample(X, y)
    for bad in (-1, 2.5, {1: -3}, {1: 1.5}):
        with pytest.raises(ValueError, match="non-negative integer"):
            sampler.sample(bad)
    with pytest.raises(ValueError, match=r"only knows the oversampled classes \[1\]"):
        sampler.sample({0: 3})


# --- categorical features -------------------------------------------------


def mixed_data():
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    return frame.assign(colour=np.tile(["red", "blue", "green"], 10)), y


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "categorical_features, match",
    [
        (["colour", "Size"], r"columns that X does not have: \['Size'\].*spelling"),
        ([3, 4], r"indices out of range: \[4\].*from 0 to 3"),
        ([-5], r"indices out of range: \[-5\].*from 0 to 3"),
        ([True, False], r"boolean mask of length 2, but X has 4 features"),
        ("colour", r"must be None, an array-like or a str among \{'auto'\}"),
        ([1.0, 3.0], r"must hold column indices \(int\), column names \(str\)"),
        ([[3]], r"1-D list.*shape \(1, 1\)"),
    ],
    ids=["unknown-name", "index", "negative-index", "mask", "string", "float", "2-D"],
)
def test_bad_categorical_features(Estimator, categorical_features, match):
    X, y = mixed_data()
    check_error(
        Estimator, X, y, ValueError, match, categorical_features=categorical_features
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_categorical_features_that_need_a_dataframe(Estimator):
    X, y = mixed_data()
    rows = X.to_numpy(dtype=object)
    check_error(
        Estimator,
        rows,
        y,
        ValueError,
        r"'auto' finds the categorical columns of a pandas DataFrame.*ndarray.*indices",
        categorical_features="auto",
    )
    check_error(
        Estimator,
        rows,
        y,
        ValueError,
        r"names columns \(\['colour'\]\), but X has no column names.*DataFrame",
        categorical_features=["colour"],
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_undeclared_text_column_suggests_categorical_features(Estimator):
    X, y = mixed_data()
    check_error(
        Estimator,
        X,
        y,
        TypeError,
        r"'colour' \(text\).*categorical_features=\['colour'\]",
        categorical_features=["a"],
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_missing_category(Estimator, missing):
    X, y = mixed_data()
    X["colour"] = X["colour"].astype(object)
    X.loc[4, "colour"] = missing
    check_error(
        Estimator,
        X,
        y,
        ValueError,
        r"Categorical column\(s\) \['colour'\] have missing values.*fillna.*Imputer",
        categorical_features="auto",
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_category_column_of_mixed_types(Estimator):
    X, y = mixed_data()
    X["colour"] = X["colour"].astype(object)
    X.loc[4, "colour"] = 7
    check_error(
        Estimator,
        X,
        y,
        TypeError,
        r"Categorical column 'colour' mixes types.*\['int', 'str'\].*astype\(str\)",
        categorical_features=["colour"],
    )


def test_nan_in_a_numeric_column_next_to_categories():
    X, y = mixed_data()
    X.loc[2, "b"] = np.nan
    check_error(
        GAMOSampler,
        X,
        y,
        ValueError,
        r"NaN in column\(s\) \['b'\].*Imputer",
        categorical_features="auto",
    )


def test_categorical_features_are_not_for_images():
    images = np.random.RandomState(0).rand(20, 1, 4, 4)
    check_error(
        GAMOClassifier,
        images,
        np.repeat([0, 1], [14, 6]),
        ValueError,
        "categorical_features does not apply to images",
        categorical_features=[0],
    )


def test_predict_checks_categorical_input():
    X, y = mixed_data()
    clf = GAMOClassifier(categorical_features="auto", **TINY).fit(X, y)
    bad = X.copy()
    bad["colour"] = bad["colour"].astype(object)
    bad.loc[0, "colour"] = None
    with pytest.raises(ValueError, match=r"\['colour'\] have missing values"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="(?s)seen at fit time, yet now missing:.*- a"):
        clf.predict(X.iloc[:, 1:])
    bad = X.astype({"a": object})
    bad.loc[0, "a"] = "tall"
    with pytest.raises(TypeError, match="'a' \\(text\\)"):
        clf.predict(bad)


# --- documented behaviours ---------------------------------------------------


def synthetic_part(sampler, X, y, X_res, y_res):
    """The synthetic rows, after checking the original rows came back unchanged."""
    X_res, y_res = np.asarray(X_res), np.asarray(y_res)
    np.testing.assert_array_equal(X_res[: len(X)], np.asarray(X, dtype=X_res.dtype))
    np.testing.assert_array_equal(y_res[: len(y)], np.asarray(y))
    return X_res[len(X) :], y_res[len(y) :]


def test_class_with_two_rows_gives_rows_on_the_segment():
    X, y = data(n_minority=2)
    sampler = GAMOSampler(**TINY)
    X_new, y_new = synthetic_part(sampler, X, y, *fit_unchanged(sampler, X, y))
    assert len(X_new) == 22 and set(y_new) == {1}
    a, b = X[y == 1]
    # x = a + t (b - a) with t in [0, 1], for every synthetic row.
    t = (X_new - a) @ (b - a) / ((b - a) @ (b - a))
    assert np.all((t >= -1e-12) & (t <= 1 + 1e-12))
    np.testing.assert_allclose(X_new, a + t[:, None] * (b - a), atol=1e-12)


def test_class_with_one_row_is_fine_when_not_oversampled():
    X, y = data()
    y = y.copy()
    y[-1] = 2  # class 2 has a single row; only class 1 is oversampled
    sampler = GAMOSampler(sampling_strategy={1: 24}, **TINY)
    X_new, y_new = synthetic_part(sampler, X, y, *fit_unchanged(sampler, X, y))
    assert set(y_new) == {1} and len(y_new) == 19
    clf = GAMOClassifier(sampling_strategy={1: 24}, **TINY).fit(X, y)
    assert clf.classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_numbers_as_text_or_objects_are_converted(Estimator):
    X, y = data()
    results = [
        fit_unchanged(Estimator(**TINY), X_form, y)
        for X_form in (X, X.astype(object), X.astype(str))
    ]
    if Estimator is GAMOSampler:
        for X_res, _ in results[1:]:
            np.testing.assert_array_equal(X_res, results[0][0])
    else:
        for clf in results[1:]:
            np.testing.assert_array_equal(
                clf.predict_proba(X), results[0].predict_proba(X)
            )


def test_constant_features_stay_constant():
    X, y = data()
    X[:, 1] = 7.25
    X[y == 1, 2] = -3.5  # constant within the oversampled class only
    sampler = GAMOSampler(**TINY)
    X_new, _ = synthetic_part(sampler, X, y, *fit_unchanged(sampler, X, y))
    assert np.all(X_new[:, 1] == 7.25) and np.all(X_new[:, 2] == -3.5)
    clf = GAMOClassifier(**TINY).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize("magnitude", [1e30, 1e300, 1e-300])
def test_huge_and_tiny_magnitudes(magnitude):
    X, y = data()
    X = X * magnitude
    sampler = GAMOSampler(**TINY)
    X_new, y_new = synthetic_part(sampler, X, y, *fit_unchanged(sampler, X, y))
    rows = X[y == 1]
    assert np.isfinite(X_new).all()
    assert np.all((X_new >= rows.min(axis=0)) & (X_new <= rows.max(axis=0)))
    clf = GAMOClassifier(**TINY).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_scaling_by_a_power_of_two_scales_the_output_exactly():
    # The standardiser is exact under power-of-two scaling, so the game sees the
    # same numbers and the synthetic rows scale bit for bit, up to ~1e301.
    X, y = data()
    X_res, _ = GAMOSampler(**TINY).fit_resample(X, y)
    for power in (-1000, 100, 1000):
        X_big, _ = GAMOSampler(**TINY).fit_resample(np.ldexp(X, power), y)
        np.testing.assert_array_equal(X_big, np.ldexp(X_res, power))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_X_comes_back_as_integers_rounded(dtype):
    # As imbalanced-learn's SMOTE returns the input dtype, and like a
    # DataFrame's integer columns: the synthetic values of an integer array
    # are rounded to the nearest integer (issue 21; they came back float64).
    X, y = data()
    X_int = np.round(np.abs(X) * 10).astype(dtype)
    sampler = GAMOSampler(**TINY)
    X_res, y_res = fit_unchanged(sampler, X_int, y)
    assert X_res.dtype == dtype
    X_float, _ = GAMOSampler(**TINY).fit_resample(X_int.astype(np.float64), y)
    np.testing.assert_array_equal(X_res, np.round(X_float))
    X_new, _ = sampler.sample(7, random_state=0)
    assert X_new.dtype == dtype
    assert GAMOClassifier(**TINY).fit(X_int, y).predict(X_int).dtype == y.dtype


@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint8"])
def test_integer_dataframe_columns_come_back_rounded(dtype):
    # The resampled DataFrame keeps the input dtypes, so integer columns (numpy
    # or pandas nullable) get the synthetic values rounded to the nearest
    # integer: within the class range, no longer exact convex combinations.
    # A nullable Int64 column used to fail inside pandas after training.
    X, y = data()
    frame = pd.DataFrame(np.round(np.abs(X) * 10), columns=["a", "b", "c"])
    frame = frame.astype(dtype)
    X_res, y_res = fit_unchanged(GAMOSampler(**TINY), frame, y)
    assert (X_res.dtypes == frame.dtypes).all()
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    X_float, _ = GAMOSampler(**TINY).fit_resample(frame.astype(np.float64), y)
    np.testing.assert_array_equal(
        X_res.to_numpy(dtype=np.float64), np.round(X_float.to_numpy())
    )


def test_bool_dataframe_columns():
    # The sampler's DataFrame output would cast synthetic values back to bool,
    # making nearly all of them True: refused, unless declared categorical.
    # Elsewhere bool features are 0 / 1.
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(flag=X[:, 0] > 0)
    with pytest.raises(
        TypeError,
        match=r"bool columns: \['flag'\].*categorical_features=\['flag'\].*float",
    ):
        fit_unchanged(GAMOSampler(**TINY), frame, y)
    X_res, _ = fit_unchanged(GAMOSampler(**TINY), frame.astype(float), y)
    assert X_res["flag"].between(0, 1).all()
    flags = X[:, :2] > 0
    assert GAMOSampler(**TINY).fit_resample(flags, y)[0].dtype == np.float64
    clf = fit_unchanged(GAMOClassifier(**TINY), frame, y)
    assert np.isfinite(clf.predict_proba(frame)).all()


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "labels",
    [
        np.array([False, True]),
        np.array(["negative", "positive"]),
        np.array(["negative", "positive"], dtype=object),
        np.array([-1, 1]),
        np.array([0.0, 1.0]),
    ],
    ids=["bool", "str", "object", "int", "float"],
)
def test_label_types_work(Estimator, labels):
    X, codes = data()
    y = labels[codes]
    result = fit_unchanged(Estimator(**TINY), X, y)
    if Estimator is GAMOSampler:
        _, y_res = result
        assert y_res.dtype == y.dtype
        assert sorted(np.unique(y_res[len(y) :]).tolist()) == [labels[1]]
    else:
        predicted = result.predict(X)
        assert predicted.dtype == y.dtype and set(predicted) <= set(labels)


def test_pandas_in_pandas_out():
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    series = pd.Series(y, name="target")
    X_res, y_res = fit_unchanged(GAMOSampler(**TINY), frame, series)
    assert list(X_res.columns) == ["a", "b", "c"] and y_res.name == "target"
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)


# --- fuzz ------------------------------------------------------------------


def is_convex_combination(point, rows, tol=1e-6):
    """Whether ``point`` is a convex combination of ``rows``, by non-negative
    least squares with the weights' sum as an extra, heavily weighted equation."""
    low, span = rows.min(axis=0), np.ptp(rows, axis=0)
    span = np.where(span > 0, span, 1.0)
    A = np.vstack([((rows - low) / span).T, 10 * np.ones(len(rows))])
    b = np.append((point - low) / span, 10.0)
    _, residual = nnls(A, b)
    return residual <= tol


@st.composite
def imbalanced_problems(draw):
    n_classes = draw(st.integers(2, 4))
    # Imbalance profiles: counts from 1 (an error when oversampled) to 12.
    counts = draw(st.lists(st.integers(1, 12), min_size=n_classes, max_size=n_classes))
    n_features = draw(st.integers(1, 4))
    labels = draw(
        st.sampled_from(
            [
                np.arange(n_classes) * 3 - 2,
                np.array(["x", "y", "z", "w"][:n_classes]),
                np.array([False, True]) if n_classes == 2 else np.arange(n_classes),
                np.arange(n_classes, dtype=np.float64),
            ]
        )
    )
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    # Extreme but finite magnitudes too: 2**1020 is near the top of float64.
    scale = draw(st.sampled_from([1.0, 1e-3, 1e6, 1e-300, 1e300, 2.0**1020]))
    if dtype is np.float32 and not 1e-30 < scale < 1e30:
        scale = 1.0  # float32 cannot hold it
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    y = np.repeat(labels, counts)
    X = rng.randn(len(y), n_features) * scale
    if draw(st.booleans()):
        X[:, 0] = X[0, 0]  # a constant feature
    if dtype is np.int64:
        X = np.round(X * 10) if scale < 1e15 else np.round(X / scale * 10)
    X = X.astype(dtype)
    order = rng.permutation(len(y)) if draw(st.booleans()) else np.arange(len(y))
    X, y = X[order], y[order]
    # pandas, with its nullable extension dtypes among others.
    container = draw(st.sampled_from(["ndarray", "frame", "nullable frame"]))
    if container != "ndarray":
        X = pd.DataFrame(X, columns=[f"f{i}" for i in range(n_features)])
        if container == "nullable frame":
            # pandas tests whether huge floats are integral by casting them,
            # which numpy reports as an invalid cast: its business, not ours.
            with np.errstate(invalid="ignore"):
                X = X.convert_dtypes()
    # A dict sampling_strategy with a float count must be refused before training.
    float_count = draw(st.booleans()) and counts.count(min(counts)) < len(counts)
    return X, y, float_count


FUZZ_EXAMPLES = int(os.environ.get("GAMO_FUZZ_EXAMPLES", 25))


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize="GAMO_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(problem=imbalanced_problems())
def test_fuzz_clean_error_or_every_invariant(problem):
    """A random problem is refused cleanly, or both estimators keep every
    invariant: valid probabilities, also far outside the training range; original
    rows first, exact counts, synthetic rows inside their class's range and
    convex hull (range only for integer columns, which are rounded)."""
    X, y, float_count = problem
    classes, counts = np.unique(y, return_counts=True)
    params = {}
    if float_count:
        params["sampling_strategy"] = {classes[counts.argmin()]: counts.max() + 0.5}
    # The refusals in this domain: a class of one row that needs rows, and a
    # float count.
    one_row = counts.min() == 1 and counts.min() < counts.max()
    refused = one_row or float_count

    def check_refusal(error):
        assert refused
        assert "fewer than 2 samples" in str(error) or "whole numbers" in str(error)

    clf = GAMOClassifier(**TINY, **params)
    try:
        fit_unchanged(clf, X, y)
    except ValueError as error:
        check_refusal(error)
    else:
        assert not refused
        values = np.asarray(X, dtype=np.float64)
        with np.errstate(over="ignore"):
            far = np.nan_to_num(values * 1e10)  # finite: inf becomes the largest
        for rows in (X, far, np.full_like(values, -1e300)):
            if isinstance(X, pd.DataFrame):
                rows = pd.DataFrame(np.asarray(rows, np.float64), columns=X.columns)
            try:
                proba = clf.predict_proba(rows)
            except ValueError as error:  # beyond float64 once standardised
                assert "too far outside the training data" in str(error)
                continue
            assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1)
        assert set(clf.predict(X).tolist()) <= set(classes.tolist())

    sampler = GAMOSampler(**TINY, **params)
    try:
        X_res, y_res = fit_unchanged(sampler, X, y)
    except ValueError as error:
        check_refusal(error)
        return
    assert not refused
    dtypes = list(X.dtypes) if isinstance(X, pd.DataFrame) else [X.dtype]
    float32 = np.float32 in dtypes
    tol = 1e-5 if float32 else 1e-7
    if isinstance(X, pd.DataFrame):
        assert (X_res.dtypes == X.dtypes).all()
        integer = [dtype.kind in "iu" for dtype in X.dtypes]
        X, X_res = X.to_numpy(np.float64), X_res.to_numpy(np.float64)
    else:
        assert X_res.dtype == X.dtype  # integers rounded, like DataFrame columns
        integer = [X.dtype.kind in "iu"] * X.shape[1]
    X_new, y_new = synthetic_part(sampler, X, y, X_res, y_res)
    generated = {label: int(np.sum(y_new == label)) for label in np.unique(y_new)}
    assert generated == {k: v for k, v in sampler.sampling_strategy_.items() if v}
    _, counts_after = np.unique(y_res, return_counts=True)
    assert np.all(counts_after == counts.max())  # 'auto' balances every class
    exact = ~np.array(integer)
    for label in generated:
        rows = X[y == label].astype(np.float64)
        new = X_new[y_new == label].astype(np.float64)
        assert np.all((new >= rows.min(axis=0)) & (new <= rows.max(axis=0)))
        if not exact.any():
            continue
        for point in new[:5, exact]:
            assert is_convex_combination(point, rows[:, exact], tol)
