"""Categorical features: the forms of categorical_features, the soft one-hot
vectors in the game, real categories in the rows handed back, dtypes kept, and
unknown categories at predict time.

Bad values of categorical_features and of categorical columns are in
tests/test_bad_input.py; the invariants over random mixed tables are in
tests/test_properties.py.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gamo_sampler import GAMOClassifier, GAMOSampler
from gamo_sampler.categorical import draw_categories

TINY = dict(
    max_iter=20,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 4),
    latent_dim=4,
    random_state=0,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def mixed_frame(n_majority=60, n_minority=12, seed=0):
    """A table of every kind of column, with the minority class short of some
    categories, so that 'a category its class has' is a real constraint."""
    rng = np.random.default_rng(seed)
    n = n_majority + n_minority
    y = np.repeat([0, 1], [n_majority, n_minority])
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[y == 1] = rng.choice(["red", "blue"], n_minority)  # no green
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "colour": pd.Categorical(colour, categories=["blue", "green", "red"]),
            "city": rng.choice(["Paris", "Lyon", "Nice"], n).astype(object),
            "size": pd.array(rng.choice(["S", "M", "L"], n), dtype="string"),
            "visits": rng.integers(0, 20, n),
            "income": rng.normal(3e4, 5e3, n).astype(np.float32),
        }
    )
    return frame, y


CATEGORICAL = ["colour", "city", "size"]


def synthetic(X_res, y_res, n_rows):
    return X_res.iloc[n_rows:], np.asarray(y_res)[n_rows:]


def test_dataframe_in_dataframe_out_with_dtypes_and_real_categories():
    X, y = mixed_frame()
    sampler = GAMOSampler(categorical_features="auto", **TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame)
    assert (X_res.dtypes == X.dtypes).all()
    assert X_res["colour"].cat.categories.tolist() == ["blue", "green", "red"]
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)
    assert sampler.categorical_features_.tolist() == [1, 2, 3]
    X_new, y_new = synthetic(X_res, y_res, len(X))
    assert len(X_new) == 48 and set(y_new) == {1}
    minority = X[y == 1]
    for column in CATEGORICAL:
        assert set(X_new[column]) <= set(minority[column])
    assert "green" not in set(X_new["colour"])
    # Numeric columns: inside the class's range; integers rounded, not codes.
    for column in ("age", "visits", "income"):
        assert (
            X_new[column].between(minority[column].min(), minority[column].max()).all()
        )
    assert (X_new["age"] != X_new["age"].round()).any()


@pytest.mark.parametrize(
    "form",
    [
        "auto",
        [1, 2, 3],
        [-5, -4, -3],
        [3, 1, 2, 2],
        np.array([False, True, True, True, False, False]),
        CATEGORICAL,
    ],
    ids=["auto", "indices", "negative", "unsorted-repeated", "mask", "names"],
)
def test_every_form_names_the_same_columns(form):
    X, y = mixed_frame()
    reference = GAMOSampler(categorical_features="auto", **TINY).fit_resample(X, y)
    sampler = GAMOSampler(categorical_features=form, **TINY)
    X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.categorical_features_.tolist() == [1, 2, 3]
    pd.testing.assert_frame_equal(X_res, reference[0])
    np.testing.assert_array_equal(y_res, reference[1])


@pytest.mark.parametrize("Estimator", [GAMOSampler, GAMOClassifier])
def test_no_categorical_feature_is_todays_behaviour_bit_for_bit(Estimator):
    X, y = mixed_frame()
    numeric = X[["age", "visits", "income"]].astype(np.float64)
    fits = [
        Estimator(categorical_features=form, **TINY)
        for form in (None, [], "auto", np.zeros(3, bool))
    ]
    if Estimator is GAMOSampler:
        results = [est.fit_resample(numeric, y)[0] for est in fits]
        for X_res in results[1:]:
            pd.testing.assert_frame_equal(X_res, results[0])
    else:
        results = [est.fit(numeric, y).predict_proba(numeric) for est in fits]
        for proba in results[1:]:
            np.testing.assert_array_equal(proba, results[0])
    assert all(est.categorical_encoder_ is None for est in fits)


def test_numeric_array_with_category_codes_keeps_its_dtype():
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(40, 2)), rng.integers(0, 4, 40)].astype(np.float32)
    y = np.repeat([0, 1], [32, 8])
    X_res, _ = GAMOSampler(categorical_features=[2], **TINY).fit_resample(X, y)
    assert X_res.dtype == np.float32
    assert set(X_res[40:, 2]) <= set(X[y == 1, 2])


def test_object_array_and_list_in_keep_their_containers():
    X, y = mixed_frame()
    rows = X[["age", "city"]].to_numpy(dtype=object)
    X_res, _ = GAMOSampler(categorical_features=[1], **TINY).fit_resample(rows, y)
    assert X_res.dtype == object and set(X_res[len(X) :, 1]) <= set(rows[y == 1, 1])
    as_list = rows.tolist()
    X_list, _ = GAMOSampler(categorical_features=[1], **TINY).fit_resample(as_list, y)
    assert isinstance(X_list, list) and X_list[: len(X)] == as_list
    np.testing.assert_array_equal(np.asarray(X_list, dtype=object), X_res)


def test_bool_and_integer_columns_declared_categorical_keep_real_values():
    X, y = mixed_frame()
    frame = X[["age"]].assign(flag=X["age"] > 40, grade=np.tile([1, 5, 9], len(X) // 3))
    X_res, y_res = GAMOSampler(
        categorical_features=["flag", "grade"], **TINY
    ).fit_resample(frame, y)
    assert (X_res.dtypes == frame.dtypes).all()
    X_new, _ = synthetic(X_res, y_res, len(frame))
    assert set(X_new["grade"]) <= {1, 5, 9}
    assert set(X_new["flag"]) <= set(frame["flag"][y == 1])


def test_every_feature_categorical():
    X, y = mixed_frame()
    frame = X[CATEGORICAL]
    sampler = GAMOSampler(categorical_features="auto", **TINY)
    X_res, y_res = sampler.fit_resample(frame, y)
    X_new, _ = synthetic(X_res, y_res, len(frame))
    assert (X_res.dtypes == frame.dtypes).all() and len(X_new) == 48
    for column in CATEGORICAL:
        assert set(X_new[column]) <= set(frame[column][y == 1])
    clf = GAMOClassifier(categorical_features="auto", **TINY).fit(frame, y)
    assert np.isfinite(clf.predict_proba(frame)).all()


def test_the_game_sees_soft_one_hot_vectors_over_the_class_categories():
    X, y = mixed_frame()
    sampler = GAMOSampler(categorical_features=["colour"], **TINY)
    sampler.fit_resample(X[["age", "colour"]], y)
    generator = sampler.generator_
    anchors = generator.class_anchors(0)  # standardised age, then blue/green/red
    np.testing.assert_array_equal(anchors[:, 1:].sum(dim=1), torch.ones(12))
    assert set(anchors[:, 1:].flatten().tolist()) == {0.0, 1.0}
    assert sampler.standardizer_.mean[1:].tolist() == [0.0, 0.0, 0.0]
    z = torch.randn(
        200, generator.latent_dim, generator=torch.Generator().manual_seed(0)
    )
    with torch.no_grad():
        soft = generator.class_weights(z, 0) @ anchors[:, 1:]
    np.testing.assert_allclose(soft.sum(dim=1), 1.0, atol=1e-6)
    assert (soft >= 0).all() and (soft[:, 1] == 0).all()  # the class has no green
    assert (soft.max(dim=1).values < 1).any()  # soft, not only one-hot rows


def test_sample_draws_dataframes_with_categories():
    X, y = mixed_frame()
    sampler = GAMOSampler(categorical_features="auto", **TINY)
    sampler.fit_resample(X, y)
    X_new, y_new = sampler.sample(30, random_state=1)
    assert (X_new.dtypes == X.dtypes).all() and len(X_new) == 30
    for column in CATEGORICAL:
        assert set(X_new[column]) <= set(X[column][y == 1])
    again, _ = sampler.sample(30, random_state=1)
    pd.testing.assert_frame_equal(X_new, again)


@pytest.mark.parametrize("rule", ["sample", "joint", "heaviest", "mode"])
def test_draw_rules_pick_categories_of_weighted_anchors(rule):
    rng = np.random.default_rng(0)
    alpha = rng.dirichlet(np.full(6, 0.5), size=500)
    alpha[:, 0] = 0.0  # an anchor without weight is never drawn
    alpha /= alpha.sum(axis=1, keepdims=True)
    categories = np.array(
        [["none", 0], ["a", 1], ["a", 2], ["b", 1], ["c", 2], ["c", 1]], dtype=object
    )
    drawn = draw_categories(alpha, categories, rule, rng)
    assert drawn.shape == (500, 2)
    assert "none" not in set(drawn[:, 0]) and 0 not in set(drawn[:, 1])
    assert set(drawn[:, 0]) <= {"a", "b", "c"}


def test_sample_rule_draws_from_the_soft_vector():
    alpha = np.tile([[0.0, 0.5, 0.2, 0.3]], (20000, 1))
    categories = np.array([["x"], ["y"], ["z"], ["y"]], dtype=object)
    drawn = draw_categories(alpha, categories, "sample", np.random.default_rng(0))
    shares = {c: np.mean(drawn[:, 0] == c) for c in "xyz"}
    assert shares["x"] == 0
    assert abs(shares["y"] - 0.8) < 0.01 and abs(shares["z"] - 0.2) < 0.01


def test_classifier_unknown_categories_get_all_zero_codes():
    X, y = mixed_frame()
    clf = GAMOClassifier(categorical_features="auto", **TINY).fit(X, y)
    assert clf.categorical_encoder_.handle_unknown == "ignore"
    rows = X.head(4).copy()
    rows["city"] = ["Rome", "Oslo", "Paris", "Paris"]
    proba = clf.predict_proba(rows)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1)
    # Two unknown cities are the same all-zero code: the same probabilities
    # when the other features are equal.
    rows.iloc[1, rows.columns != "city"] = rows.iloc[0, rows.columns != "city"]
    proba = clf.predict_proba(rows)
    np.testing.assert_array_equal(proba[0], proba[1])
    codes = clf.standardizer_.transform(
        np.hstack(
            [
                rows[["age", "visits", "income"]].to_numpy(np.float64),
                clf.categorical_encoder_.transform(rows[CATEGORICAL].to_numpy(object)),
            ]
        )
    )
    city = slice(1 + 3, 1 + 3 + 3)  # age, visits, income; blue, green, red; cities
    assert (codes[0, city] == 0).all()


def test_fitted_estimators_pickle():
    X, y = mixed_frame()
    labels = np.array(["no", "yes"])[y]
    clf = GAMOClassifier(categorical_features="auto", **TINY).fit(X, labels)
    predicted = clf.predict(X)
    assert set(predicted) <= {"no", "yes"}
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    sampler = GAMOSampler(categorical_features="auto", **TINY)
    sampler.fit_resample(X, y)
    loaded = pickle.loads(pickle.dumps(sampler))
    pd.testing.assert_frame_equal(
        loaded.sample(10, random_state=0)[0], sampler.sample(10, random_state=0)[0]
    )


def test_mixed_dataframes_in_a_pipeline_under_cross_validate():
    X, y = mixed_frame(n_majority=90, n_minority=18)
    one_hot = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )
    pipe = Pipeline(
        [
            ("sampler", GAMOSampler(categorical_features="auto", **TINY)),
            ("encode", one_hot),
            ("model", LogisticRegression()),
        ]
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(pipe, X, y, cv=cv, scoring="balanced_accuracy")
    assert scores["test_score"].shape == (3,)
    clf = GAMOClassifier(categorical_features=CATEGORICAL, **TINY)
    scores = cross_validate(clf, X, y, cv=cv, scoring="balanced_accuracy")
    assert np.isfinite(scores["test_score"]).all()


def test_max_anchors_and_early_stopping_with_categories():
    X, y = mixed_frame(n_majority=80, n_minority=40)
    sampler = GAMOSampler(
        categorical_features="auto",
        max_anchors=5,
        early_stopping=True,
        **{**TINY, "max_iter": 100},
    )
    X_res, y_res = sampler.fit_resample(X, y)
    X_new, _ = synthetic(X_res, y_res, len(X))
    anchors = sampler.anchor_rows_[0]
    assert len(anchors) == 5
    for f, column in zip(sampler.categorical_features_, CATEGORICAL, strict=True):
        assert set(X_new[column]) <= set(anchors[:, f])


def python_blocks(path):
    """The code of each ``.. code-block:: python`` of an rst file (indented
    three spaces, up to the next line indented less)."""
    blocks, lines = [], path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        body = []
        for text in lines[number + 1 :]:
            if text.strip() and not text.startswith("   "):
                break
            body.append(text[3:])
        blocks.append("\n".join(body))
    return blocks


def test_docs_page_examples_run_as_written():
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "categorical.rst"
    blocks = python_blocks(page)
    assert blocks
    for code in blocks:
        exec(compile(code, str(page), "exec"), {})
