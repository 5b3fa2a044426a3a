"""Behaviour of the speed and memory options: bucketed IGUs, exact-count fake draws,
and the ``max_anchors`` budget. Timings live in ``benchmarks/``, never here."""

import numpy as np
import pytest
import torch
from scipy.optimize import linprog
from sklearn.utils._param_validation import InvalidParameterError

from gamo_sampler import GAMOClassifier, GAMOSampler, networks
from gamo_sampler.anchors import choose_anchors, kmeans_plusplus
from gamo_sampler.networks import ConvexGenerator, init_glorot_, plan_buckets

TINY = dict(
    max_iter=5,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 6),
    latent_dim=4,
    batch_size=16,
    random_state=0,
)


def is_convex_combination(point, rows, tol=1e-6):
    """Whether ``point`` = rows.T @ w for some w >= 0 with sum(w) = 1 (an LP)."""
    n, m = len(rows), rows.shape[1] + 1
    a_eq = np.vstack([rows.T, np.ones(n)])
    b_eq = np.append(point, 1.0)
    slack = np.hstack([np.eye(m), -np.eye(m)])
    cost = np.append(np.zeros(n), np.ones(2 * m))
    result = linprog(cost, A_eq=np.hstack([a_eq, slack]), b_eq=b_eq, method="highs")
    return result.status == 0 and result.fun < tol


@pytest.fixture
def imbalanced():
    rng = np.random.default_rng(0)
    counts = [300, 120, 40]
    X = rng.normal(size=(sum(counts), 3))
    y = np.repeat(np.arange(3), counts)
    order = rng.permutation(len(y))
    return X[order], y[order]


@pytest.mark.parametrize(
    "sizes, row_cost",
    [([5], 10), ([2000, 40, 1900, 60], 848), ([7, 7, 7], 1), (list(range(2, 60)), 64)],
)
def test_buckets_partition_the_classes_by_size(sizes, row_cost):
    buckets = plan_buckets(sizes, row_cost)
    flat = [j for bucket in buckets for j in bucket]
    assert sorted(flat) == list(range(len(sizes)))
    # Largest classes first, and no bucket mixes sizes out of order.
    ranked = [sizes[j] for j in flat]
    assert ranked == sorted(ranked, reverse=True)


def test_bucket_plan_trades_padding_against_overhead():
    sizes = [2000, 40, 1900, 60]
    assert plan_buckets(sizes, 848, overhead=0) == [[0], [2], [3], [1]]
    assert plan_buckets(sizes, 848, overhead=1e12) == [[0, 2, 3, 1]]
    assert plan_buckets(sizes, 848, overhead=2**17) == [[0, 2], [3, 1]]


@pytest.fixture
def bucketed_generator(monkeypatch):
    """A generator whose classes land in several buckets, out of label order."""
    monkeypatch.setattr(networks, "BUCKET_OVERHEAD", 0.0)
    rng = torch.Generator().manual_seed(0)
    sizes = [3, 40, 7, 40, 2]
    anchors = [torch.randn(n, 5, generator=rng) for n in sizes]
    generator = ConvexGenerator(anchors, [0, 2, 3, 4, 5], 6, 4, hidden_sizes=(8, 6))
    init_glorot_(generator, rng)
    with torch.no_grad():
        for j in range(len(sizes)):
            generator.class_igu(j)[1].normal_(generator=rng)
    assert len(generator.buckets) > 1 and generator.reordered
    return generator.eval(), anchors


def test_bucketed_forward_matches_each_class_on_its_own(bucketed_generator):
    generator, anchors = bucketed_generator
    k, s = len(anchors), 3
    z = torch.randn(k * s, 4, generator=torch.Generator().manual_seed(1))
    rows = generator(z)
    alpha = generator.convex_weights(z)
    assert rows.shape == (k, s, 5)
    for j, class_anchors in enumerate(anchors):
        torch.testing.assert_close(generator.class_anchors(j), class_anchors)
        expected = generator.class_weights(z[j * s : (j + 1) * s], j)
        n_j = len(class_anchors)
        torch.testing.assert_close(alpha[j, :, :n_j], expected)
        assert torch.all(alpha[j, :, n_j:] == 0)
        torch.testing.assert_close(rows[j], expected @ class_anchors)


def test_generate_returns_the_requested_rows_of_each_class(bucketed_generator):
    generator, anchors = bucketed_generator
    counts = [0, 3, 1, 5, 2]
    with torch.no_grad():
        rows, index = generator.generate(counts, torch.Generator().manual_seed(0))
    assert rows.shape == (sum(counts), 5)
    assert np.bincount(index.numpy(), minlength=5).tolist() == counts
    for row, j in zip(rows.double().numpy(), index.tolist(), strict=True):
        assert is_convex_combination(row, anchors[j].double().numpy())


def test_kmeans_plusplus_picks_distinct_rows_and_stops_on_duplicates():
    rng = torch.Generator().manual_seed(0)
    points = torch.randn(50, 3, generator=rng, dtype=torch.float64)
    index = kmeans_plusplus(points, 10, rng)
    assert len(index) == 10 and len(set(index.tolist())) == 10
    assert index.tolist() == sorted(index.tolist())
    # Four distinct rows, each repeated: no more than four anchors are needed.
    repeated = points[:4].repeat(5, 1)
    assert len(kmeans_plusplus(repeated, 10, rng)) == 4


def test_kmeans_plusplus_reaches_the_outskirts():
    # One far-away row among a tight cluster is nearly always picked.
    points = torch.cat(
        [
            torch.randn(200, 2, dtype=torch.float64) * 0.01,
            torch.tensor([[100.0, 100.0]], dtype=torch.float64),
        ]
    )
    picked = [
        200 in kmeans_plusplus(points, 3, torch.Generator().manual_seed(seed)).tolist()
        for seed in range(10)
    ]
    assert all(picked)


def test_choose_anchors_keeps_small_classes_whole():
    X = torch.randn(30, 2)
    y = torch.as_tensor([0] * 20 + [1] * 10)
    full = choose_anchors(X, y, [0, 1], None, seed=0)
    assert [r.tolist() for r in full] == [list(range(20)), list(range(20, 30))]
    capped = choose_anchors(X, y, [0, 1], 12, seed=0)
    assert len(capped[0]) == 12 and set(capped[0].tolist()) <= set(range(20))
    assert capped[1].tolist() == list(range(20, 30))


def test_max_anchors_none_uses_every_row(imbalanced):
    X, y = imbalanced
    sampler = GAMOSampler(**TINY).fit(X, y)
    sampler.fit_resample(X, y)
    for label, rows in zip(
        sampler.oversampled_classes_, sampler.anchor_rows_, strict=True
    ):
        np.testing.assert_array_equal(rows, X[y == label])


def test_max_anchors_caps_the_anchor_rows_with_real_rows(imbalanced):
    X, y = imbalanced
    sampler = GAMOSampler(max_anchors=50, **TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    sizes = {1: 50, 2: 40}  # class 2 has only 40 rows: it keeps all of them
    for label, rows in zip(
        sampler.oversampled_classes_, sampler.anchor_rows_, strict=True
    ):
        assert len(rows) == sizes[label]
        class_rows = X[y == label]
        # Every anchor is a real row of its class, kept in the original order.
        positions = [np.flatnonzero((class_rows == row).all(axis=1))[0] for row in rows]
        assert positions == sorted(positions)
    j = sampler.oversampled_classes_.tolist().index(1)
    assert sampler.generator_.class_anchors(j).shape == (50, 3)
    # Counts are exact and the synthetic rows are convex combinations of anchors.
    X_new, y_new = X_res[len(X) :], y_res[len(y) :]
    assert np.sum(y_new == 1) == 180 and np.sum(y_new == 2) == 260
    anchors = sampler.anchor_rows_[j]
    for point in X_new[y_new == 1][:5]:
        assert is_convex_combination(point, anchors)
    X_more, y_more = sampler.sample({1: 7}, random_state=0)
    for point in X_more:
        assert is_convex_combination(point, anchors)


def test_max_anchors_is_reproducible(imbalanced):
    X, y = imbalanced
    first = GAMOSampler(max_anchors=30, **TINY).fit_resample(X, y)
    second = GAMOSampler(max_anchors=30, **TINY).fit_resample(X, y)
    np.testing.assert_array_equal(first[0], second[0])


def test_classifier_accepts_max_anchors(imbalanced):
    X, y = imbalanced
    clf = GAMOClassifier(max_anchors=20, **TINY).fit(X, y)
    sizes = [len(clf.generator_.class_anchors(j)) for j in range(2)]
    assert sizes == [20, 20]
    assert clf.predict(X).shape == y.shape
    scaled = clf.standardizer_.transform(X)
    for j, index in enumerate(clf.anchor_indices_):
        label = clf.classes_[clf.generator_.class_codes[j]]
        assert len(index) == 20 and np.all(y[index] == label)
        np.testing.assert_array_equal(clf.generator_.class_anchors(j), scaled[index])
    every_row = GAMOClassifier(**TINY).fit(X, y)
    for j, index in enumerate(every_row.anchor_indices_):
        code = every_row.generator_.class_codes[j]
        np.testing.assert_array_equal(
            index, np.flatnonzero(y == every_row.classes_[code])
        )


@pytest.mark.parametrize("bad", [0, 1, 2.5, "all"])
def test_max_anchors_is_validated(imbalanced, bad):
    X, y = imbalanced
    with pytest.raises(InvalidParameterError, match="max_anchors"):
        GAMOSampler(max_anchors=bad, **TINY).fit_resample(X, y)


def test_generation_memory_is_bounded_for_large_classes(monkeypatch, imbalanced):
    # A tiny budget forces one row per chunk; the output must not change in kind.
    from gamo_sampler import sampler as sampler_module

    X, y = imbalanced
    monkeypatch.setattr(sampler_module, "GENERATION_BUDGET", 1)
    sampler = GAMOSampler(**TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [300, 300, 300]
