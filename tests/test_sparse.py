"""Sparse input: scipy CSR and CSC matrices go through the game without being
densified whole, and come back in their own format."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imblearn.pipeline import make_pipeline
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from test_properties import TINY, is_convex_combination

from gamo_sampler import GAMOClassifier, GAMOSampler
from gamo_sampler._base import Standardizer
from gamo_sampler.sparse_rows import (
    SPARSE_PRODUCT_DENSITY,
    SparseAnchors,
    SparseRows,
    sparse_combination,
)

SHORT = dict(max_iter=30, hidden_layer_sizes=(16,), generator_hidden_sizes=(16,))


def sparse_problem(n_features=400, density=0.02, seed=0, counts=(120, 30, 12)):
    """Non-negative sparse rows (like counts or TF-IDF), classes of ``counts``."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = sparse.random(
        len(y), n_features, density=density, format="csr", random_state=seed
    )
    # Each class uses its own band of features more often, so they differ.
    X = X.tolil()
    for label in range(len(counts)):
        band = rng.choice(n_features, 20, replace=False)
        X[np.flatnonzero(y == label)[:, None], band] = rng.random((counts[label], 20))
    return sparse.csr_matrix(X), y


def test_sparse_combination_and_its_gradient_match_the_dense_product():
    """The same rows, and the same gradient for the logits of the weights (the
    gradient for the weights themselves differs by a constant per row, which
    the softmax removes: the weights live on the simplex)."""
    X, _ = sparse_problem()
    scaling = Standardizer(X)
    anchors = SparseAnchors(X[:50], scaling, torch.device("cpu"))
    dense = torch.as_tensor(scaling.transform(X[:50].toarray()))
    logits = torch.randn(7, 50, generator=torch.Generator().manual_seed(0))
    a, b = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    rows = sparse_combination(
        torch.softmax(a, 1), anchors.rows, anchors.columns, anchors.shift
    )
    expected = torch.softmax(b, 1) @ dense
    torch.testing.assert_close(rows, expected, rtol=1e-5, atol=1e-5)
    upstream = torch.randn(rows.shape, generator=torch.Generator().manual_seed(1))
    (grad_sparse,) = torch.autograd.grad(rows, a, upstream)
    (grad_dense,) = torch.autograd.grad(expected, b, upstream)
    torch.testing.assert_close(grad_sparse, grad_dense, rtol=1e-4, atol=1e-5)


def test_sparse_rows_read_the_bits_of_the_dense_rows():
    X, _ = sparse_problem()
    scaling = Standardizer(X)
    dense = torch.as_tensor(scaling.transform(X.toarray()))
    rows = SparseRows(X, scaling, torch.device("cpu"))
    index = torch.tensor([5, 0, 99, 5])
    assert torch.equal(rows[index], dense[index])
    assert torch.equal(rows[10:20], dense[10:20])


def test_standardizer_statistics_of_sparse_X_are_those_of_dense_X():
    X, _ = sparse_problem()
    X = X.multiply(1e200).tocsr()  # squares of these overflow float64
    dense, stored = Standardizer(X.toarray()), Standardizer(X)
    np.testing.assert_allclose(stored.mean, dense.mean, rtol=1e-12)
    np.testing.assert_allclose(stored.scale, dense.scale, rtol=1e-12)


@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier])
def test_dense_data_stored_sparse_plays_the_dense_game(Estimator):
    """Above SPARSE_PRODUCT_DENSITY the anchors are densified, so the game is the
    dense one: the same networks, to float rounding of the statistics."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(150, 6)), np.repeat([0, 1, 2], [100, 35, 15])
    dense = Estimator(random_state=0, **SHORT)
    stored = Estimator(random_state=0, **SHORT)
    if Estimator is GAMOSampler:
        X_dense, _ = dense.fit_resample(X, y)
        X_stored, _ = stored.fit_resample(sparse.csr_matrix(X), y)
        np.testing.assert_allclose(X_stored.toarray(), X_dense, rtol=1e-12)
    else:
        dense.fit(X, y)
        stored.fit(sparse.csr_matrix(X), y)
        np.testing.assert_allclose(
            stored.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X)
        )


def first_iterations(X, y, iterations):
    sampler = GAMOSampler(random_state=0, **TINY | SHORT | {"max_iter": iterations})
    sampler.fit_resample(X, y)
    return torch.cat([p.detach().flatten() for p in sampler.generator_.parameters()])


def test_sparse_products_play_the_dense_game_to_float_rounding():
    """With sparse products G's sums run in another order. Adam scales each
    step to about the learning rate (2e-4) whatever the gradient's size, so a
    parameter whose gradient is rounding noise may move by a fraction of it:
    over three iterations the networks stay within a tenth of one step of the
    dense game's, while one more iteration of either game moves them by
    several steps."""
    X, y = sparse_problem()
    assert X.nnz < SPARSE_PRODUCT_DENSITY * np.prod(X.shape)
    sparse_run = first_iterations(X, y, 3)
    dense_run = first_iterations(X.toarray(), y, 3)
    one_more = first_iterations(X.toarray(), y, 4)
    step = GAMOSampler().learning_rate
    assert (sparse_run - dense_run).abs().max() < 0.1 * step
    assert (one_more - dense_run).abs().max() > 3 * step


def uses_sparse_products(sampler):
    return any(bucket.sparse for bucket in sampler.generator_.buckets)


@pytest.mark.parametrize("kind", ["csr_matrix", "csc_matrix", "csr_array"])
def test_sparse_in_same_sparse_format_out(kind):
    X, y = sparse_problem()
    X = getattr(sparse, kind)(X)
    sampler = GAMOSampler(random_state=0, **SHORT)
    X_res, y_res = sampler.fit_resample(X, y)
    assert uses_sparse_products(sampler)
    assert type(X_res) is type(X) and X_res.format == X.format
    X_new, _ = sampler.sample(5, random_state=0)
    assert type(X_new) is type(X)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_features=st.integers(50, 400),
    standardize=st.booleans(),
    kind=st.sampled_from(["csr", "csc"]),
)
def test_invariants_of_sparse_input(seed, n_features, standardize, kind):
    X, y = sparse_problem(n_features=n_features, seed=seed)
    X = X.asformat(kind)
    X_before = X.copy()
    sampler = GAMOSampler(random_state=seed, standardize=standardize, **TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    # Originals unchanged and in order; the input untouched.
    assert (X_res[: X.shape[0]] != X_before).nnz == 0
    assert (X != X_before).nnz == 0
    np.testing.assert_array_equal(y_res[: len(y)], y)
    # Exact counts.
    X_new, y_new = X_res[X.shape[0] :].tocsr(), y_res[len(y) :]
    for label in np.unique(y):
        assert np.sum(y_new == label) == sampler.sampling_strategy_.get(label, 0)
    for label in np.unique(y_new):
        rows, new = X[y == label].toarray(), X_new[y_new == label]
        # Stored only where a row of the class has a value.
        assert not (new.toarray()[:, ~rows.any(axis=0)]).any()
        dense_new = new.toarray()
        assert np.all(dense_new >= rows.min(axis=0))
        assert np.all(dense_new <= rows.max(axis=0))
        assert is_convex_combination(dense_new[0], rows)
    # Same seed, same output.
    X_again, _ = GAMOSampler(
        random_state=seed, standardize=standardize, **TINY
    ).fit_resample(X, y)
    assert (X_again != X_res).nnz == 0


def test_the_game_never_densifies_the_whole_matrix(monkeypatch):
    X, y = sparse_problem(counts=(400, 40, 20))
    shapes = []
    densify = sparse.csr_matrix.toarray

    def recorded(self, *args, **kwargs):
        shapes.append(self.shape)
        return densify(self, *args, **kwargs)

    monkeypatch.setattr(sparse.csr_matrix, "toarray", recorded)
    clf = GAMOClassifier(random_state=0, batch_size=32, early_stopping=True, **SHORT)
    clf.fit(X, y)
    assert shapes and max(rows for rows, _ in shapes) <= 46  # the held-out rows
    assert uses_sparse_products(clf)


def test_sparse_input_in_a_pipeline_under_cross_validation():
    X, y = sparse_problem()
    pipeline = make_pipeline(
        GAMOSampler(random_state=0, **SHORT), LogisticRegression(max_iter=500)
    )
    scores = cross_val_score(pipeline, X, y, cv=3, scoring="balanced_accuracy")
    assert np.isfinite(scores).all() and scores.mean() > 1 / 3


def test_classifier_predicts_sparse_rows_as_their_dense_form():
    X, y = sparse_problem()
    clf = GAMOClassifier(random_state=0, **SHORT).fit(X.tocsc(), y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X.toarray()))


def test_a_dataframe_of_sparse_columns_comes_back_sparse():
    X, y = sparse_problem(n_features=30, density=0.2)
    frame = pd.DataFrame.sparse.from_spmatrix(X, columns=[f"f{i}" for i in range(30)])
    X_res, _ = GAMOSampler(random_state=0, **SHORT).fit_resample(frame, y)
    assert list(X_res.columns) == list(frame.columns)
    assert all(isinstance(d, pd.SparseDtype) for d in X_res.dtypes)


def test_nan_in_sparse_X_is_named_before_training():
    X, y = sparse_problem()
    X = X.tolil()
    X[3, 7] = np.nan
    X[4, 9] = np.inf
    with pytest.raises(ValueError, match=r"NaN in column\(s\) \[7\].*infinity.*\[9\]"):
        GAMOSampler(**SHORT).fit_resample(X.tocsr(), y)


@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier])
def test_categorical_features_with_sparse_X_say_to_densify(Estimator):
    X, y = sparse_problem()
    with pytest.raises(TypeError, match=r"categorical_features is set.*toarray"):
        estimator = Estimator(categorical_features=[0], **SHORT)
        getattr(estimator, "fit_resample", getattr(estimator, "fit", None))(X, y)


def test_a_sampler_fitted_on_sparse_rows_pickles_and_samples_the_same():
    X, y = sparse_problem()
    sampler = GAMOSampler(random_state=0, **SHORT)
    sampler.fit_resample(X, y)
    loaded = pickle.loads(pickle.dumps(sampler))
    assert uses_sparse_products(loaded)
    X_new, _ = sampler.sample(20, random_state=1)
    X_loaded, _ = loaded.sample(20, random_state=1)
    assert (X_new != X_loaded).nnz == 0
