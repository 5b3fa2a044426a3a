"""Plots for GAMO: training history, synthetic samples, decision boundaries, images.

matplotlib is optional: it is imported when a function is called, and a missing
install raises an :class:`ImportError` that says how to get it
(``pip install matplotlib``, or ``pip install -e ".[plot]"`` in a clone). Every
function draws on ``ax`` (a new figure's Axes when ``ax`` is None) and returns
that Axes, so plots compose with ``plt.subplots``.
"""

import numpy as np

__all__ = [
    "plot_decision_boundary",
    "plot_history",
    "plot_image_grid",
    "plot_samples",
]

# Display names of the three players, keyed like ``history_``.
PLAYER_LABELS = {
    "classifier": "classifier M",
    "discriminator": "discriminator D",
    "generator": "generator G",
}


def _pyplot():
    """Import ``matplotlib.pyplot``, or explain how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "gamo_sampler.plotting needs matplotlib, which is not installed. "
            "Install it with `pip install matplotlib` or "
            '`pip install -e ".[plot]"` in a clone of gamo-sampler.'
        ) from error
    return plt


def _axes(ax):
    return _pyplot().subplots()[1] if ax is None else ax


def _moving_average(values, window):
    """Mean over the last ``window`` values (fewer at the start); NaN stays NaN."""
    if window <= 1:
        return values
    cumsum = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, values.size + 1), window)
    start = np.arange(values.size) + 1 - counts
    return (cumsum[np.arange(1, values.size + 1)] - cumsum[start]) / counts


def plot_history(estimator, ax=None, *, window=50):
    """Plot the per-iteration losses of the classifier, discriminator and generator.

    Parameters
    ----------
    estimator : GAMOSampler, GAMOClassifier or dict
        A fitted estimator (its ``history_`` is read) or a history dict of
        per-iteration loss arrays.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; None makes a new figure.
    window : int, default=50
        Width of the trailing moving average that smooths each curve; 1 plots
        the raw, noisy per-batch losses.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes, with one line per player that played. A player that did not
        play (all NaN, such as D with ``use_discriminator=False``) is left out.
        After a fit with ``early_stopping=True``, a twin Axes on the right
        draws ``validation_scores_`` against ``validation_iterations_``, and a
        dotted vertical line marks ``best_iteration_``, whose networks the
        estimator kept.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from gamo_sampler import GAMOSampler
    >>> from gamo_sampler.plotting import plot_history
    >>> X, y = make_classification(n_samples=200, weights=[0.8, 0.2],
    ...                            random_state=0)
    >>> sampler = GAMOSampler(max_iter=100, random_state=0)
    >>> _ = sampler.fit_resample(X, y)
    >>> ax = plot_history(sampler, window=10)
    >>> [line.get_label() for line in ax.get_lines()]
    ['classifier M', 'discriminator D', 'generator G']
    """
    history = estimator if isinstance(estimator, dict) else estimator.history_
    if not history:
        raise ValueError(
            "The history is empty: the estimator oversampled no class and played "
            "no game. Fit it with a sampling_strategy that oversamples a class."
        )
    ax = _axes(ax)
    for key, losses in history.items():
        losses = np.asarray(losses, dtype=np.float64)
        if not np.isfinite(losses).any():
            continue
        iterations = np.arange(1, losses.size + 1)
        ax.plot(
            iterations,
            _moving_average(losses, int(window)),
            label=PLAYER_LABELS.get(key, key),
        )
    ax.set_xlabel("iteration")
    ylabel = "MSE loss" if window <= 1 else f"MSE loss (mean of last {window})"
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    scores = getattr(estimator, "validation_scores_", None)
    if scores is not None:
        twin = ax.twinx()
        twin.plot(
            estimator.validation_iterations_,
            scores,
            "k.-",
            label="validation balanced accuracy of M",
        )
        twin.axvline(
            estimator.best_iteration_, color="k", linestyle=":", label="best check"
        )
        twin.set_ylabel("validation balanced accuracy")
        more = twin.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.legend(handles, labels)
    return ax


def _check_2d(X, name):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"{name} must have exactly 2 features to be drawn in the plane, got "
            f"shape {X.shape}. Project the data first (for example with "
            "sklearn.decomposition.PCA)."
        )
    return X


def _class_colors(labels):
    """One color of matplotlib's default cycle per class label, in sorted order."""
    cycle = [f"C{i % 10}" for i in range(len(labels))]
    return dict(zip(labels, cycle, strict=True))


def plot_samples(X, y, X_new=None, y_new=None, ax=None, *, alpha=0.5):
    """Scatter 2-D data, with synthetic rows drawn as crosses over the real ones.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Real rows.
    y : array-like of shape (n_samples,)
        Their labels.
    X_new : array-like of shape (n_new, 2) or None, default=None
        Synthetic rows, for example the tail of ``fit_resample``'s output or
        the result of :meth:`GAMOSampler.sample`.
    y_new : array-like of shape (n_new,) or None, default=None
        Labels of the synthetic rows.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; None makes a new figure.
    alpha : float, default=0.5
        Opacity of the real points.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes, with one scatter collection per real class, then one per
        synthetic class, each labelled for the legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from gamo_sampler.plotting import plot_samples
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> ax = plot_samples(X, y, X_new=[[0.5, 1.0]], y_new=[1])
    >>> [c.get_label() for c in ax.collections]
    ['class 0', 'class 1', 'synthetic 1']
    """
    X = _check_2d(X, "X")
    y = np.asarray(y)
    ax = _axes(ax)
    labels = np.unique(y if y_new is None else np.concatenate([y, np.asarray(y_new)]))
    colors = _class_colors(labels.tolist())
    for label in labels:
        mask = y == label
        if mask.any():
            ax.scatter(
                *X[mask].T,
                s=12,
                alpha=alpha,
                color=colors[label],
                label=f"class {label}",
            )
    if X_new is not None:
        X_new = _check_2d(X_new, "X_new")
        y_new = np.asarray(y_new)
        for label in np.unique(y_new):
            ax.scatter(
                *X_new[y_new == label].T,
                s=18,
                marker="x",
                linewidths=1,
                color=colors[label],
                label=f"synthetic {label}",
            )
    ax.legend()
    return ax


def plot_decision_boundary(
    estimator, X, y, ax=None, *, grid_resolution=200, margin=0.5
):
    """Shade a fitted classifier's decision regions in the plane, with the data.

    For two classes the shading is the probability of the second class and a
    black line marks where it is 0.5; for more classes, each region takes the
    color of its predicted class.

    Parameters
    ----------
    estimator : classifier
        A fitted classifier with ``predict`` (and ``predict_proba`` for two
        classes), trained on 2 features; a GAMOClassifier or an imblearn
        Pipeline, for example.
    X : array-like of shape (n_samples, 2)
        Rows to scatter; they also set the plotted range.
    y : array-like of shape (n_samples,)
        Their labels.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; None makes a new figure.
    grid_resolution : int, default=200
        Number of grid points along each axis.
    margin : float, default=0.5
        Padding around the data's range, in data units.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes, holding the filled contours, the 0.5 line (two classes) and
        one scatter collection per class.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from gamo_sampler.plotting import plot_decision_boundary
    >>> X, y = make_classification(n_features=2, n_redundant=0, random_state=0)
    >>> clf = LogisticRegression().fit(X, y)
    >>> ax = plot_decision_boundary(clf, X, y, grid_resolution=50)
    >>> len(ax.collections)
    4
    """
    X = _check_2d(X, "X")
    y = np.asarray(y)
    ax = _axes(ax)
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(
        np.linspace(low[0], high[0], grid_resolution),
        np.linspace(low[1], high[1], grid_resolution),
    )
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(X.dtype)
    classes = list(estimator.classes_)
    if len(classes) == 2:
        proba = estimator.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax.contourf(
            xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.4
        )
        ax.contour(xx, yy, proba, levels=[0.5], colors="k", linewidths=1)
    else:
        codes = np.searchsorted(classes, estimator.predict(grid)).reshape(xx.shape)
        ax.contourf(
            xx,
            yy,
            codes,
            levels=np.arange(len(classes) + 1) - 0.5,
            colors=list(_class_colors(classes).values()),
            alpha=0.3,
        )
    point_colors = {classes[0]: "C0", classes[-1]: "C3"} if len(classes) == 2 else None
    colors = point_colors or _class_colors(classes)
    for label in classes:
        mask = y == label
        # Above anything drawn later at the default zorder, such as synthetic rows.
        ax.scatter(
            *X[mask].T,
            s=12,
            color=colors[label],
            edgecolors="white",
            linewidths=0.3,
            label=f"class {label}",
            zorder=3,
        )
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    return ax


def plot_image_grid(
    images, ax=None, *, image_shape=None, n_cols=10, padding=1, cmap="gray_r"
):
    """Tile images into one mosaic, row by row, and show it without ticks.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width) or (n_images, n_pixels)
        Images, or flattened images with ``image_shape`` given.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; None makes a new figure.
    image_shape : tuple of int or None, default=None
        ``(height, width)`` of a flattened image; required when ``images`` is
        2-D.
    n_cols : int, default=10
        Images per row of the mosaic.
    padding : int, default=1
        Blank pixels between neighbouring images.
    cmap : str, default='gray_r'
        Colormap; the default draws high values dark on white, like ink.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes, holding a single image: the mosaic.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from gamo_sampler.plotting import plot_image_grid
    >>> digits = load_digits()
    >>> ax = plot_image_grid(digits.data[:20], image_shape=(8, 8), n_cols=10)
    >>> ax.images[0].get_array().shape
    (17, 89)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        if image_shape is None:
            raise ValueError(
                "images are flattened (2-D), so image_shape=(height, width) is "
                "required to unflatten them."
            )
        images = images.reshape(len(images), *image_shape)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(
            "images must be a non-empty array of shape (n_images, height, width) "
            f"or (n_images, n_pixels); got shape {images.shape}."
        )
    n_images, height, width = images.shape
    n_cols = min(int(n_cols), n_images)
    n_rows = -(-n_images // n_cols)
    mosaic = np.full(
        (n_rows * (height + padding) - padding, n_cols * (width + padding) - padding),
        np.nan,
    )
    for index, image in enumerate(images):
        row, col = divmod(index, n_cols)
        top, left = row * (height + padding), col * (width + padding)
        mosaic[top : top + height, left : left + width] = image
    ax = _axes(ax)
    # NaN padding is drawn in the colormap's "bad" color: white gaps.
    ax.imshow(np.ma.masked_invalid(mosaic), cmap=cmap, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
