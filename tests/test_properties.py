"""Property tests of GAMOSampler's invariants over random imbalanced problems,
numeric and mixed with categorical features."""

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import linprog

from gamo_sampler import GAMOClassifier, GAMOSampler

TINY = dict(
    max_iter=3,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8,),
    latent_dim=4,
    batch_size=8,
)


@st.composite
def imbalanced_problems(draw):
    n_features = draw(st.integers(1, 5))
    counts = draw(st.lists(st.integers(2, 12), min_size=2, max_size=4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([1e-3, 1.0, 1e4]))
    X = rng.normal(size=(sum(counts), n_features)) * scale
    y = np.repeat(np.arange(len(counts)), counts)
    order = rng.permutation(len(y))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    standardize = draw(st.booleans())
    return X[order].astype(dtype), y[order], seed, standardize


def is_convex_combination(point, rows, tol=1e-6):
    """Whether ``point`` = rows.T @ w for some w >= 0 with sum(w) = 1 (an LP)."""
    scale = np.maximum(np.abs(rows).max(axis=0), 1e-12)
    n = len(rows)
    a_eq = np.vstack([(rows / scale).T, np.ones(n)])
    b_eq = np.append(point / scale, 1.0)
    # Allow a small slack on each equality for float rounding.
    slack = np.hstack([np.eye(len(b_eq)), -np.eye(len(b_eq))])
    cost = np.append(np.zeros(n), np.ones(2 * len(b_eq)))
    result = linprog(cost, A_eq=np.hstack([a_eq, slack]), b_eq=b_eq, method="highs")
    return result.status == 0 and result.fun < tol


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=imbalanced_problems())
def test_invariants(problem):
    X, y, seed, standardize = problem
    X_before, y_before = X.copy(), y.copy()
    sampler = GAMOSampler(random_state=seed, standardize=standardize, **TINY)
    X_res, y_res = sampler.fit_resample(X, y)

    # Original rows unchanged, in order, and the input not mutated.
    np.testing.assert_array_equal(X_res[: len(X)], X_before)
    np.testing.assert_array_equal(y_res[: len(y)], y_before)
    np.testing.assert_array_equal(X, X_before)
    assert X_res.dtype == X.dtype

    # Exact counts.
    X_new, y_new = X_res[len(X) :], y_res[len(y) :]
    for label in np.unique(y):
        assert np.sum(y_new == label) == sampler.sampling_strategy_.get(label, 0)

    # Inside each class's per-feature range, and a convex combination of its rows.
    for label in np.unique(y_new):
        rows, new = X[y == label], X_new[y_new == label]
        assert np.all(new >= rows.min(axis=0)) and np.all(new <= rows.max(axis=0))
        for point in new[:3]:
            assert is_convex_combination(
                point.astype(np.float64), rows.astype(np.float64)
            )

    # Same seed, same output.
    again = GAMOSampler(random_state=seed, standardize=standardize, **TINY)
    X_again, y_again = again.fit_resample(X, y)
    np.testing.assert_array_equal(X_again, X_res)
    np.testing.assert_array_equal(y_again, y_res)


@st.composite
def mixed_problems(draw):
    """Random tables of numeric and categorical columns (text or integer
    codes), in a DataFrame or an object array."""
    n_numeric = draw(st.integers(0, 3))
    n_categories = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    counts = draw(st.lists(st.integers(2, 12), min_size=2, max_size=3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    n = sum(counts)
    columns = {
        f"x{i}": rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)
        for i in range(n_numeric)
    }
    for f, k in enumerate(n_categories):
        values = rng.integers(0, k, n)
        columns[f"c{f}"] = (
            pd.Categorical(np.array(list("abcd"))[values])
            if draw(st.booleans())
            else values
        )
    frame = pd.DataFrame(columns)
    y = np.repeat(np.arange(len(counts)), counts)[rng.permutation(n)]
    categorical = list(range(n_numeric, n_numeric + len(n_categories)))
    X = frame if draw(st.booleans()) else frame.to_numpy(dtype=object)
    return X, y, categorical, seed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=mixed_problems())
def test_invariants_with_categorical_features(problem):
    X, y, categorical, seed = problem
    X_before = X.copy()
    sampler = GAMOSampler(categorical_features=categorical, random_state=seed, **TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    if isinstance(X, pd.DataFrame):
        assert (X_res.dtypes == X.dtypes).all()
        pd.testing.assert_frame_equal(X, X_before)
        X, X_res = X.to_numpy(dtype=object), X_res.to_numpy(dtype=object)
    else:
        np.testing.assert_array_equal(X, X_before)

    # Original rows unchanged and in order.
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)

    # Exact counts.
    X_new, y_new = X_res[len(X) :], y_res[len(y) :]
    for label in np.unique(y):
        assert np.sum(y_new == label) == sampler.sampling_strategy_.get(label, 0)

    numeric = [i for i in range(X.shape[1]) if i not in categorical]
    for label in np.unique(y_new):
        rows, new = X[y == label], X_new[y_new == label]
        # Each category is one its class has in the training data.
        for f in categorical:
            assert set(new[:, f]) <= set(rows[:, f])
        # Numeric parts inside the class's box, and convex combinations of its
        # rows' numeric parts.
        if numeric:
            rows, new = rows[:, numeric].astype(float), new[:, numeric].astype(float)
            assert np.all(new >= rows.min(axis=0)) and np.all(new <= rows.max(axis=0))
            for point in new[:3]:
                assert is_convex_combination(point, rows)

    # Same seed, same output.
    again = GAMOSampler(categorical_features=categorical, random_state=seed, **TINY)
    X_again, y_again = again.fit_resample(X_before, y)
    if isinstance(X_again, pd.DataFrame):
        X_again = X_again.to_numpy(dtype=object)
    np.testing.assert_array_equal(X_again, X_res)
    np.testing.assert_array_equal(y_again, y_res)


def scrambled_layout(X):
    """``(data, indices, indptr)`` of a compressed-row layout of ``X`` that
    scipy's methods would rewrite in place: each stored value split into two
    duplicate entries, unsorted, and an explicit zero in every row."""
    data, indices, indptr = [], [], [0]
    for row in X:
        columns = np.flatnonzero(row)
        half = row[columns] / 2
        data += [*(row[columns] - half)[::-1], *half, 0.0]
        indices += [*columns[::-1], *columns, 0 if row[0] == 0 else len(row) - 1]
        if row[0] != 0 and row[-1] != 0:
            data.pop(), indices.pop()  # no free column for the explicit zero
        indptr.append(len(data))
    return np.array(data), np.array(indices, np.int32), np.array(indptr, np.int32)


SPARSE_FORMS = {
    "csr_matrix": sparse.csr_matrix,
    "csc_matrix": sparse.csc_matrix,
    "csr_array": sparse.csr_array,
    "csc_array": sparse.csc_array,
}


def as_container(X, form):
    """Numeric rows ``X`` (one integer column, the last) in the container
    ``form``; DataFrames also get a text column, declared with 'auto'."""
    rng = np.random.default_rng(0)
    text = rng.choice(["p", "q", "r"], len(X))
    X = np.c_[X, X[:, :1] * 3]  # at least two columns
    if form in ("float64", "float32"):
        return X.astype(form)
    if form == "int64":
        return np.round(X * 10).astype(np.int64)
    if form in SPARSE_FORMS:
        X = np.where(np.abs(X) < 0.5, 0.0, X)
        compressed = X.T if form.startswith("csc") else X
        return SPARSE_FORMS[form](scrambled_layout(compressed), shape=X.shape)
    frame = pd.DataFrame(X[:, :-1], columns=[f"x{i}" for i in range(X.shape[1] - 1)])
    frame["n"] = np.round(X[:, -1] * 10).astype(np.int64)
    frame["t"] = text
    dtypes = {
        "frame-numpy": {"t": object},
        "frame-nullable": {"x0": "Float64", "n": "Int64", "t": "string"},
        "frame-category": {"t": "category"},
    }
    if form == "frame-arrow":  # as pd.read_csv(..., dtype_backend="pyarrow")
        pa = pytest.importorskip("pyarrow")
        dtypes[form] = {
            "x0": pd.ArrowDtype(pa.float64()),
            "n": pd.ArrowDtype(pa.int64()),
            "t": pd.ArrowDtype(pa.string()),
        }
    return frame.astype(dtypes[form])


def assert_unchanged(X, before):
    """``X`` holds exactly what its deep copy ``before`` holds, in the same
    layout (for sparse matrices: the same stored entries, in the same order)."""
    assert type(X) is type(before)
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, before, check_exact=True)
    elif sparse.issparse(X):
        assert X.format == before.format and X.shape == before.shape
        for name in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(getattr(X, name), getattr(before, name))
            assert getattr(X, name).dtype == getattr(before, name).dtype
    else:
        np.testing.assert_array_equal(X, before)
        assert X.dtype == before.dtype


CONTAINERS = [
    "float64",
    "float32",
    "int64",
    *SPARSE_FORMS,
    "frame-numpy",
    "frame-nullable",
    "frame-arrow",
    "frame-category",
]


@pytest.mark.parametrize("form", CONTAINERS)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problem=imbalanced_problems(),
    labels=st.sampled_from(["array", "list", "series"]),
)
def test_the_callers_data_is_never_modified(form, problem, labels):
    """fit_resample, fit, predict, predict_proba and sample leave the caller's
    X and y as they were, whatever the container (issue 20: scipy's abs()
    summed a sparse matrix's duplicates in place)."""
    X, y, seed, _ = problem
    X = as_container(X.astype(np.float64), form)
    y = {"array": y, "list": y.tolist(), "series": pd.Series(y, name="y")}[labels]
    before = copy.deepcopy(X), copy.deepcopy(y)
    categorical = "auto" if form.startswith("frame") else None
    params = dict(TINY, random_state=seed, categorical_features=categorical)

    sampler = GAMOSampler(**params)
    sampler.fit(X, y)
    sampler.fit_resample(X, y)
    if sampler.generator_ is not None:  # else a balanced problem
        sampler.sample(5, random_state=0)
    clf = GAMOClassifier(**params).fit(X, y)
    clf.predict(X)
    clf.predict_proba(X)
    assert_unchanged(X, before[0])
    assert_unchanged(np.asarray(y), np.asarray(before[1]))
    if labels == "series":
        pd.testing.assert_series_equal(y, before[1], check_exact=True)
