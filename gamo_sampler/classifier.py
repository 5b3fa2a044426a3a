"""GAMOClassifier: the classifier network trained in GAMO's three-player game."""

import copy

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._base import (
    CATEGORICAL_CONSTRAINT,
    CATEGORICAL_DOC,
    EARLY_STOPPING_ATTRIBUTES_DOC,
    GAME_PARAMETER_CONSTRAINTS,
    GAME_PARAMETERS_DOC,
    STANDARDIZE_CONSTRAINT,
    STANDARDIZE_DOC,
    check_oversampled_classes,
    draw_seeds,
    torch_threads,
    train,
    unfitted_on_failure,
)
from ._persistence import VersionedPickleMixin
from ._validation import (
    SPARSE_FORMATS,
    check_raw_input,
    check_sampling_strategy_dict,
    validate_fit_input,
    validate_predict_input,
)
from .categorical import (
    categorical_coder,
    fit_coder,
    resolve_categorical_features,
    validate_mixed_input,
)
from .image import FEATURE_CHUNK, as_images, check_image_shape, train_images
from .sparse_rows import dense_chunks

# Rows per forward pass in predict_proba: bounds memory on large inputs.
PREDICT_CHUNK = 65536


FLOAT32_MAX = float(np.finfo(np.float32).max)


def forward(network, X, chunk):
    """``network(X)`` in chunks, with no gradient, as a float64 array."""
    with torch.no_grad():
        parts = [
            network(torch.as_tensor(X[start : start + chunk]))
            for start in range(0, len(X), chunk)
        ]
    return torch.cat(parts).double().numpy()


def extreme_features(estimator, X_scaled):
    """Names (or indices) of the features of ``X_scaled`` beyond float32."""
    flat = np.abs(X_scaled).reshape(len(X_scaled), -1).max(axis=0)
    index = np.flatnonzero(flat > FLOAT32_MAX)[:10]
    names = getattr(estimator, "feature_names_in_", None)
    return [str(names[i]) for i in index] if names is not None else index.tolist()


class GAMOClassifier(VersionedPickleMixin, ClassifierMixin, BaseEstimator):
    """Classifier trained jointly with GAMO's convex generator and discriminator.

    GAMO's classifier M learns from real rows and from synthetic minority rows
    that the generator places where M errs. This estimator plays the same game as
    :class:`GAMOSampler` and keeps M: use it when the goal is a classifier for
    imbalanced data rather than a resampled data set.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        Which classes the generator oversamples and how the fake labels are
        drawn (in proportion to each class's deficit), with imbalanced-learn's
        over-sampling semantics. ``{{}}`` oversamples nothing and trains the
        plain network: the baseline of the paper.

    {categorical_features} At predict time, a category not seen in ``fit``
        gets an all-zero one-hot code, as with scikit-learn's
        ``OneHotEncoder(handle_unknown='ignore')``. Not for images.

    {game_parameters}

    {standardize}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    classifier_ : torch.nn.Module
        The fitted classifier network M (on the CPU).

    generator_ : torch.nn.Module or None
        The fitted convex generator, or None if no class was oversampled.

    sampling_strategy_ : dict
        Deficit of each oversampled class.

    history_ : dict of ndarray
        Per-iteration losses, keys ``'classifier'``, ``'discriminator'`` and
        ``'generator'`` (NaN where a player does not play).

    n_iter_ : int
        Number of iterations run.

    {early_stopping_attributes}

    anchor_indices_ : list of ndarray
        Per oversampled class, in ``generator_``'s class order, the training rows
        (indices into X) that its generator combines, in the order of its convex
        weights: all rows of the class, or the ``max_anchors`` chosen ones.

    feature_extractor_ : torch.nn.Module or None
        The fitted feature extractor F (on the CPU), or None for the dense
        variant.

    image_shape_ : tuple of int or None
        ``(channels, height, width)`` of the images, or None for the dense
        variant.

    feature_history_ : ndarray of shape (n_epochs,) or None
        Mean loss of F's training in each epoch's prologue (image variant).

    device_ : torch.device
        Device the game was trained on.

    categorical_features_ : ndarray of int
        Indices of the categorical features; empty when there are none.

    categorical_encoder_ : OneHotEncoder or None
        The one-hot encoder of the categorical features, for the game and for
        prediction; None when there are none.

    n_features_in_ : int
        Number of features seen in ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in ``fit``, when X has string column names.

    See Also
    --------
    GAMOSampler : Resample a data set with the generator of the same game.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from gamo_sampler import GAMOClassifier
    >>> X, y = make_classification(n_samples=300, weights=[0.9, 0.1],
    ...                            random_state=0)
    >>> clf = GAMOClassifier(max_iter=300, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).tolist(), y[:3].tolist()
    ([1, 0, 0], [1, 0, 0])
    >>> clf.predict_proba(X[:1]).sum().round(6)
    np.float64(1.0)
    """

    _parameter_constraints = {
        "sampling_strategy": BaseOverSampler._parameter_constraints[
            "sampling_strategy"
        ],
        **CATEGORICAL_CONSTRAINT,
        **GAME_PARAMETER_CONSTRAINTS,
        **STANDARDIZE_CONSTRAINT,
        "image_shape": [None, "array-like"],
        "feature_extractor": [None, StrOptions({"conv"}), torch.nn.Module, callable],
    }

    def __init__(
        self,
        sampling_strategy="auto",
        *,
        categorical_features=None,
        max_iter="auto",
        max_time=None,
        batch_size=32,
        latent_dim=100,
        generator_hidden_sizes=(256, 64),
        hidden_layer_sizes=(256, 128),
        learning_rate=2e-4,
        samples_per_class=4,
        use_discriminator=True,
        max_anchors=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        standardize=True,
        device="auto",
        random_state=None,
        verbose=False,
        n_threads=1,
        image_shape=None,
        feature_extractor=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.categorical_features = categorical_features
        self.max_iter = max_iter
        self.max_time = max_time
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.generator_hidden_sizes = generator_hidden_sizes
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.samples_per_class = samples_per_class
        self.use_discriminator = use_discriminator
        self.max_anchors = max_anchors
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.standardize = standardize
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads
        self.image_shape = image_shape
        self.feature_extractor = feature_extractor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the three-player game and keep the classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
                (n_samples, C, H, W)
            Training rows, or images (see ``image_shape``). A CSR or CSC matrix
            is read without being densified whole (not with categorical
            features or images).
        y : array-like of shape (n_samples,)
            Class labels, of any type.

        Returns
        -------
        self : GAMOClassifier
            The fitted classifier. A fit that fails or is interrupted leaves it
            unfitted.
        """
        with unfitted_on_failure(self):
            return self._fit(X, y)

    def _fit(self, X, y):
        images = self._uses_images(X)
        if images and self.categorical_features is not None:
            raise ValueError(
                "categorical_features does not apply to images: the image game "
                "reads pixels through a feature extractor. Leave "
                "categorical_features=None with images."
            )
        categorical = resolve_categorical_features(self.categorical_features, X)
        self.categorical_features_ = categorical
        check_raw_input(X, y, categorical)
        if type_of_target(y).startswith(("multilabel", "multiclass-multioutput")):
            raise ValueError(
                "Multilabel and multioutput targets are not supported. Pass a 1-D "
                "array of class labels as y."
            )
        if len(categorical):
            X, y = validate_mixed_input(self, X, y, categorical)
        else:
            accept_sparse = False if images else SPARSE_FORMATS
            X, y = validate_fit_input(
                self, X, y, allow_nd=images, accept_sparse=accept_sparse
            )
        self.classes_, y_codes, counts = np.unique(
            y, return_inverse=True, return_counts=True
        )
        check_sampling_strategy_dict(self.sampling_strategy, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, "over-sampling"
        )
        deficits = np.array([self.sampling_strategy_.get(c, 0) for c in self.classes_])
        check_oversampled_classes(counts, deficits, self.classes_)
        coder = fit_coder(self, X)
        (seed,) = draw_seeds(self.random_state, n_seeds=1)
        self.image_shape_ = self.feature_extractor_ = self.feature_history_ = None
        if images:
            X = as_images(X, self.image_shape)
            with torch_threads(self.n_threads):
                result, anchor_index = train_images(
                    self, X, y_codes, self.classes_, deficits, seed
                )
            self.image_shape_ = X.shape[1:]
            self.feature_extractor_ = result.feature_extractor
            self.feature_history_ = result.feature_history
        else:
            # The game plays on numeric features and one-hot codes of categories.
            X_game, scaled = (
                (X, None) if coder is None else (coder.encode(X), coder.scaled)
            )
            result, anchor_index = train(
                self, X_game, y_codes, self.classes_, deficits, seed, scaled
            )
        self.classifier_ = result.classifier
        self.generator_ = result.generator
        self.anchor_indices_ = anchor_index
        return self

    def _uses_images(self, X):
        if self.image_shape is not None:
            check_image_shape(self.image_shape)
        return (
            self.image_shape is not None
            or self.feature_extractor is not None
            or getattr(X, "ndim", None) == 4
        )

    def predict_proba(self, X):
        """Class probabilities from the classifier network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
                (n_samples, C, H, W)
            Rows or images to classify, in the layout used in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, in the order of ``classes_``; each row sums to 1.
        """
        check_is_fitted(self)
        images = self.image_shape_ is not None
        coder = categorical_coder(self)
        if coder is None:
            accept_sparse = False if images else SPARSE_FORMATS
            X = validate_predict_input(
                self, X, allow_nd=images, accept_sparse=accept_sparse
            )
        else:
            X, _ = validate_mixed_input(
                self, X, None, self.categorical_features_, reset=False
            )
            # Unknown categories get all-zero codes.
            X = coder.encode(X)
        if sparse.issparse(X):
            return np.vstack([self._proba(rows, images) for rows in dense_chunks(X)])
        return self._proba(X, images)

    def _proba(self, X, images):
        """Probabilities for dense rows ``X`` in original units."""
        # In float64 first: a value that float32 cannot hold after scaling (far
        # outside the training range) would give NaN probabilities.
        X = self.standardizer_.transform(X, dtype=np.float64)
        network, chunk = self.classifier_, PREDICT_CHUNK
        if images:
            X = as_images(X, self.image_shape_)
            network = torch.nn.Sequential(self.feature_extractor_, self.classifier_)
            chunk = FEATURE_CHUNK
        if len(X) == 0:
            return np.empty((0, len(self.classes_)))
        too_large = np.abs(X).reshape(len(X), -1).max(axis=1) > FLOAT32_MAX
        proba = np.empty((len(X), len(self.classes_)))
        if not too_large.all():
            # No copy of X in the common case, where every row fits.
            held = X if not too_large.any() else X[~too_large]
            proba[~too_large] = forward(network, held.astype(np.float32), chunk)
        if too_large.any():
            rows = np.flatnonzero(too_large)
            proba[rows] = forward(copy.deepcopy(network).double(), X[rows], chunk)
            if not np.isfinite(proba[rows]).all():
                raise ValueError(
                    "X has values too far outside the training data for the "
                    "network, even in float64, in features "
                    f"{extreme_features(self, X[rows])}. Check those values (their "
                    "units), or rescale them as in training."
                )
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
                (n_samples, C, H, W)
            Rows or images to classify, in the layout used in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the type seen in ``fit``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Categorical features and images are read from dense arrays.
        tags.input_tags.sparse = (
            self.categorical_features is None and self.image_shape is None
        )
        tags.non_deterministic = False
        return tags


GAMOClassifier.__doc__ = GAMOClassifier.__doc__.format(
    categorical_features=CATEGORICAL_DOC,
    game_parameters=GAME_PARAMETERS_DOC,
    early_stopping_attributes=EARLY_STOPPING_ATTRIBUTES_DOC,
    standardize=STANDARDIZE_DOC,
)
