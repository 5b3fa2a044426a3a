"""Behaviour of gamo_sampler.plotting: what each function draws and returns."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from gamo_sampler import plotting  # noqa: E402
from gamo_sampler.plotting import (  # noqa: E402
    plot_decision_boundary,
    plot_history,
    plot_image_grid,
    plot_samples,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class FittedStub:
    """Stands in for a fitted GAMO estimator: plotting only reads history_."""

    def __init__(self, history):
        self.history_ = history


def three_player_history(n_iter=120):
    rng = np.random.default_rng(0)
    return {
        "classifier": rng.random(n_iter),
        "discriminator": rng.random(n_iter),
        "generator": rng.random(n_iter),
    }


def test_plot_history_draws_one_line_per_player():
    ax = plot_history(FittedStub(three_player_history()))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["classifier M", "discriminator D", "generator G"]
    assert all(line.get_xdata().size == 120 for line in ax.get_lines())
    assert ax.get_xlabel() == "iteration"


def test_plot_history_leaves_out_a_player_that_did_not_play():
    history = three_player_history()
    history["discriminator"] = np.full(120, np.nan)
    ax = plot_history(history)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["classifier M", "generator G"]


def test_plot_history_window_one_plots_raw_losses():
    history = three_player_history(10)
    ax = plot_history(history, window=1)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), history["classifier"])


def test_plot_history_smooths_with_trailing_mean():
    history = {"classifier": np.array([0.0, 2.0, 4.0, 6.0])}
    ax = plot_history(history, window=2)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.0, 1.0, 3.0, 5.0])


def test_plot_history_rejects_empty_history():
    with pytest.raises(ValueError, match="history is empty"):
        plot_history(FittedStub({}))


def test_plot_history_draws_on_given_axes():
    _, ax = plt.subplots()
    assert plot_history(three_player_history(), ax=ax) is ax


def test_plot_samples_marks_synthetic_rows_separately():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    X_new = np.array([[0.2, 1.0], [0.8, 1.0], [0.5, 1.0]])
    ax = plot_samples(X, y, X_new, np.array([1, 1, 1]))
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["class 0", "class 1", "synthetic 1"]
    np.testing.assert_array_equal(ax.collections[2].get_offsets(), X_new)
    # A synthetic class takes the color of its real class.
    np.testing.assert_array_equal(
        ax.collections[1].get_facecolor()[0, :3],
        ax.collections[2].get_edgecolor()[0, :3],
    )


def test_plot_samples_without_synthetic_rows():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.repeat([0, 1, 2], 10)
    ax = plot_samples(X, y)
    assert [c.get_label() for c in ax.collections] == ["class 0", "class 1", "class 2"]


def test_plot_samples_rejects_more_than_two_features():
    with pytest.raises(ValueError, match="exactly 2 features"):
        plot_samples(np.zeros((4, 3)), np.zeros(4))


def test_plot_decision_boundary_binary_has_contours_and_points():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    ax = plot_decision_boundary(clf, X, y, grid_resolution=30)
    # Filled contours, the 0.5 line, then one scatter per class.
    assert len(ax.collections) == 4
    assert [c.get_label() for c in ax.collections[2:]] == ["class 0", "class 1"]
    low, high = ax.get_xlim()
    assert low < X[:, 0].min() and high > X[:, 0].max()


def test_plot_decision_boundary_multiclass_uses_predict():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    ax = plot_decision_boundary(clf, X, y, grid_resolution=30)
    assert len(ax.collections) == 1 + 3


def test_plot_image_grid_tiles_images_with_padding():
    images = np.arange(5 * 4 * 3, dtype=float).reshape(5, 4, 3)
    ax = plot_image_grid(images, n_cols=2, padding=1)
    mosaic = ax.images[0].get_array()
    assert len(ax.images) == 1
    assert mosaic.shape == (3 * 4 + 2, 2 * 3 + 1)
    np.testing.assert_array_equal(mosaic[:4, :3], images[0])
    np.testing.assert_array_equal(mosaic[10:14, :3], images[4])
    assert mosaic.mask[4, 0] and mosaic.mask[0, 3]


def test_plot_image_grid_unflattens_with_image_shape():
    images = np.zeros((3, 16))
    ax = plot_image_grid(images, image_shape=(4, 4), n_cols=10, padding=0)
    assert ax.images[0].get_array().shape == (4, 12)


def test_plot_image_grid_needs_image_shape_for_flat_images():
    with pytest.raises(ValueError, match="image_shape"):
        plot_image_grid(np.zeros((3, 16)))


def test_missing_matplotlib_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib"):
        plotting.plot_history(three_player_history())


def test_plot_history_draws_the_validation_scores_of_early_stopping():
    stub = FittedStub(three_player_history())
    stub.validation_scores_ = np.array([0.5, 0.8, 0.7])
    stub.validation_iterations_ = np.array([40, 80, 120])
    stub.best_iteration_ = 80
    ax = plot_history(stub)
    (twin,) = [other for other in ax.figure.axes if other is not ax]
    scores, best = twin.get_lines()
    np.testing.assert_array_equal(scores.get_xdata(), [40, 80, 120])
    np.testing.assert_array_equal(scores.get_ydata(), [0.5, 0.8, 0.7])
    assert list(best.get_xdata()) == [80, 80]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[-2:] == ["validation balanced accuracy of M", "best check"]
