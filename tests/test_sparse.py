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
from gamo_sampler.early_stopping import NoValidationCheckWarning
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


# float32's unit roundoff: a rounded operation is off by at most this, relatively.
UNIT_ROUNDOFF = 2.0**-24


def test_sparse_combination_and_its_gradient_match_the_dense_product():
    """The same rows, and the same gradient for the logits of the weights, to a
    bound derived from float32 rounding (the gradient for the weights
    themselves differs by a constant per row, which the softmax removes: the
    weights live on the simplex).

    A float32 sum of ``n`` terms ``p_i`` is within ``n u sum |p_i|`` of the
    exact sum (``u = 2**-24``). The sparse product sums ``alpha_i r_i`` and
    subtracts the shift ``s``; the dense one sums ``alpha_i d_i`` with
    ``d_i = r_i - s`` rounded. Both are off the exact combination by at most
    ``(n + 2) u (sum alpha_i (|r_i| + |d_i|) + |s|)`` elementwise, which also
    covers the softmax's weights summing to ``1 +- n u``. The gradient for
    logit ``i`` is ``alpha_i (v_i - sum_j alpha_j v_j)``, where ``v_i`` sums
    ``F`` products ``g_f r_if`` (or ``g_f d_if``) over the features: its
    rounding is bounded the same way, with ``V_i = sum_f |g_f| (|r_if| + |d_if|
    + |s_f|)`` in place of the terms' sizes. Twice each bound (both sides
    round) is the tolerance. The bounds hold for any order of summation, so on
    any CPU; a wrong shift or a wrong anchor row misses them by orders of
    magnitude.
    """
    X, _ = sparse_problem()
    scaling = Standardizer(X)
    anchors = SparseAnchors(X[:50], scaling, torch.device("cpu"))
    dense = torch.as_tensor(scaling.transform(X[:50].toarray()))
    logits = torch.randn(7, 50, generator=torch.Generator().manual_seed(0))
    a, b = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    rows = sparse_combination(
        torch.softmax(a, 1), anchors.rows, anchors.columns, anchors.shift
    )
    alpha = torch.softmax(b, 1)
    expected = alpha @ dense
    n_anchors, n_features = dense.shape
    r = anchors.rows.to_dense().abs()
    shift = anchors.shift.abs()
    alpha = alpha.detach()
    size = alpha @ (r + dense.abs()) + shift
    bound = 2 * (n_anchors + 2) * UNIT_ROUNDOFF * size
    assert ((rows - expected).abs() <= bound).all()
    # The bound is tight enough to see a forgotten shift.
    assert not ((rows + anchors.shift - expected).abs() <= bound).all()

    upstream = torch.randn(rows.shape, generator=torch.Generator().manual_seed(1))
    (grad_sparse,) = torch.autograd.grad(rows, a, upstream)
    (grad_dense,) = torch.autograd.grad(expected, b, upstream)
    V = upstream.abs() @ (r + dense.abs() + shift).T  # (7, n_anchors)
    weighted = (alpha * V).sum(dim=1, keepdim=True)
    terms = n_features + n_anchors + 2
    bound = 2 * terms * UNIT_ROUNDOFF * alpha * (V + weighted)
    assert ((grad_sparse - grad_dense).abs() <= bound).all()


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
    dense one, bit for bit. The statistics are exact by construction: 128 rows
    of multiples of 1/8 in [-2, 2] have sums, means (divided by 2**7) and
    squared deviations that float64 holds exactly, so the sparse and dense
    routes to the mean and scale agree in every bit, and so does every row the
    game reads. The synthetic rows are then ``alpha @ X`` in float64, a scipy
    sparse product against a dense one: sums of ``n`` terms in other orders,
    each within ``n * 2**-53 * max|X|`` of the exact combination."""
    rng = np.random.default_rng(0)
    X = rng.integers(-16, 17, size=(128, 6)) / 8.0
    y = np.repeat([0, 1, 2], [80, 32, 16])
    dense = Estimator(random_state=0, **SHORT)
    stored = Estimator(random_state=0, **SHORT)
    if Estimator is GAMOSampler:
        X_dense, _ = dense.fit_resample(X, y)
        X_stored, _ = stored.fit_resample(sparse.csr_matrix(X), y)
        for a, b in zip(
            stored.generator_.parameters(), dense.generator_.parameters(), strict=True
        ):
            assert torch.equal(a, b)
        np.testing.assert_array_equal(X_stored[: len(X)].toarray(), X)
        bound = 2 * 32 * 2.0**-53 * np.abs(X).max()
        np.testing.assert_allclose(X_stored.toarray(), X_dense, rtol=0, atol=bound)
    else:
        dense.fit(X, y)
        stored.fit(sparse.csr_matrix(X), y)
        np.testing.assert_array_equal(
            stored.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X)
        )


def one_feature_rows(counts=(120, 30, 12), n_features=400, seed=0):
    """Rows with one stored value each, a power of two, in a column that no other
    row of the class uses (a one-hot code with weights)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    columns = np.concatenate([rng.choice(n_features, n, replace=False) for n in counts])
    values = np.ldexp(1.0, rng.integers(-2, 3, len(y)))
    X = sparse.csr_matrix(
        (values, (np.arange(len(y)), columns)), shape=(len(y), n_features)
    )
    return X, y


def test_sparse_products_play_the_dense_game_bit_for_bit():
    """Sparse products play the dense game, exactly by construction.

    In general the sparse and dense products sum in different orders and
    round differently, and Adam turns rounding noise in near-zero gradients
    into moves of a sizeable fraction of a step (``learning_rate``, 2e-4), so
    the two games' networks are apart by an amount that depends on the CPU's
    kernels (``test_sparse_combination_and_its_gradient_match_the_dense_product``
    bounds one product instead). Here no sum rounds: each anchor row stores one
    value, a power of two, in a column no other anchor of its class uses, and
    ``standardize=False`` leaves no shift. Every element of ``alpha @ X`` and of
    its gradient ``grad @ X.T`` is then one exact product plus exact zeros, in
    any order and on any CPU, so the two games must agree bit for bit: any
    wrong row, column or scale in the sparse path shows.
    """
    X, y = one_feature_rows()
    assert X.nnz < SPARSE_PRODUCT_DENSITY * np.prod(X.shape)
    options = TINY | SHORT | {"max_iter": 3, "standardize": False, "random_state": 0}
    on_sparse, on_dense = GAMOSampler(**options), GAMOSampler(**options)
    X_sparse, _ = on_sparse.fit_resample(X, y)
    X_dense, _ = on_dense.fit_resample(X.toarray(), y)
    assert uses_sparse_products(on_sparse)
    for a, b in zip(
        on_sparse.generator_.parameters(), on_dense.generator_.parameters(), strict=True
    ):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(X_sparse.toarray(), X_dense)


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
    # 30 iterations end before the first scheduled check: the last networks
    # are checked on the held-out rows, with a warning that says so.
    with pytest.warns(NoValidationCheckWarning, match="before the first"):
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
