"""Property tests of GAMOSampler's invariants over random imbalanced problems,
numeric and mixed with categorical features."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from gamo_sampler import GAMOSampler

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
