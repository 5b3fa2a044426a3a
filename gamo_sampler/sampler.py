"""GAMOSampler: GAMO as an imbalanced-learn over-sampler."""

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse

from ._base import (
    CATEGORICAL_CONSTRAINT,
    CATEGORICAL_DOC,
    EARLY_STOPPING_ATTRIBUTES,
    EARLY_STOPPING_ATTRIBUTES_DOC,
    GAME_PARAMETER_CONSTRAINTS,
    GAME_PARAMETERS_DOC,
    STANDARDIZE_CONSTRAINT,
    STANDARDIZE_DOC,
    check_oversampled_classes,
    check_trained,
    draw_seeds,
    train,
    unfitted_on_failure,
)
from ._persistence import VersionedPickleMixin
from ._validation import (
    SPARSE_FORMATS,
    check_no_bool_columns,
    check_raw_input,
    check_sample_counts,
    check_sampling_strategy_dict,
    validate_fit_input,
)
from .categorical import (
    categorical_coder,
    draw_categories,
    fit_coder,
    resolve_categorical_features,
    validate_mixed_input,
)

# Rows generated per chunk, and the most entries of the (chunk, n_i) weight matrix
# per chunk: together they bound the memory of generation for any class size.
GENERATION_CHUNK = 4096
GENERATION_BUDGET = 2**22


class GAMOSampler(VersionedPickleMixin, BaseOverSampler):
    """Generative Adversarial Minority Oversampling (GAMO).

    GAMO trains three players together: a classifier M, a class-conditional
    discriminator D, and a convex generator G. G writes each synthetic row as a
    convex combination of real rows of its own class, with weights chosen to fool
    M (rows M gets wrong) while D still accepts them as real rows of that class.
    Unlike SMOTE, which interpolates between random neighbours, GAMO places its
    rows where the classifier errs, and never outside the class's convex hull.

    Read more in the paper: Mullick, Datta and Das, "Generative Adversarial
    Minority Oversampling", ICCV 2019.

    Parameters
    ----------
    {sampling_strategy}

    {categorical_features}

    {game_parameters}

    {standardize}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows generated for each class.

    classes_ : ndarray of shape (n_classes,)
        Class labels seen in ``fit_resample``.

    oversampled_classes_ : ndarray
        Labels of the classes that get generated rows, in ``generator_``'s class
        order.

    generator_ : torch.nn.Module or None
        The fitted convex generator (on the CPU), or None if no class needed
        rows.

    history_ : dict of ndarray
        Per-iteration losses, keys ``'classifier'``, ``'discriminator'`` and
        ``'generator'`` (NaN where a player does not play).

    n_iter_ : int
        Number of iterations run.

    {early_stopping_attributes}

    anchor_rows_ : list of ndarray
        For each oversampled class, in ``generator_``'s class order, the real rows
        (original units) that its generated rows are convex combinations of: all
        rows of the class, or the ``max_anchors`` chosen ones. With categorical
        features, an object array unless X was a float array.

    categorical_features_ : ndarray of int
        Indices of the categorical features; empty when there are none.

    categorical_encoder_ : OneHotEncoder or None
        The one-hot encoder of the categorical features in the game; None when
        there are none.

    device_ : torch.device or None
        Device the game was trained on; None if no class needed rows (then
        nothing is trained).

    n_features_in_ : int
        Number of features seen in ``fit_resample``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in ``fit_resample``, when X has string column
        names.

    See Also
    --------
    GAMOClassifier : Keep the classifier trained in the same game.
    imblearn.over_sampling.SMOTE : Interpolate between nearest neighbours.

    Notes
    -----
    Features are standardised internally; generated rows are mapped back, so in
    the original units they are still convex combinations of real rows. The
    returned array holds the original rows, unchanged and in order, followed by
    the synthetic rows. The categorical features of a synthetic row take the
    categories of one of the anchor rows that the row combines, drawn with
    probability equal to its convex weight: categories that a real row of the
    class has together.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from gamo_sampler import GAMOSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9, 0.1],
    ...                            random_state=0)
    >>> sorted(Counter(y).items())
    [(np.int64(0), 268), (np.int64(1), 32)]
    >>> sampler = GAMOSampler(max_iter=200, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(Counter(y_res).items())
    [(np.int64(0), 268), (np.int64(1), 268)]
    """

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        **CATEGORICAL_CONSTRAINT,
        **GAME_PARAMETER_CONSTRAINTS,
        **STANDARDIZE_CONSTRAINT,
    }
    # How a generated row gets its categories from its convex weights: those of
    # one anchor row drawn by weight (gamo_sampler.categorical.draw_categories;
    # benchmarks/category_draw.py measured the choice, docs/categorical.rst).
    _category_draw = "joint"

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
    ):
        super().__init__(sampling_strategy=sampling_strategy)
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

    def fit(self, X, y, **params):
        """Check inputs and resolve ``sampling_strategy_``; use ``fit_resample``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Not used.

        Returns
        -------
        self : GAMOSampler
            The sampler.
        """
        with unfitted_on_failure(self):
            self._resolve_categorical_features(X)
            check_raw_input(X, y, self.categorical_features_)
            return super().fit(X, y, **params)

    def fit_resample(self, X, y, **params):
        """Train the game and return the data with synthetic rows appended.

        A fit that fails or is interrupted leaves the sampler unfitted.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows: numeric and finite except in the categorical
            features, which hold categories of any one type (no missing ones).
            A CSR or CSC matrix is read without being densified whole (not
            with categorical features).
        y : array-like of shape (n_samples,)
            Class labels, of any type.
        **params : dict
            Not used.

        Returns
        -------
        X_resampled : {ndarray, sparse matrix, DataFrame} of shape \
                (n_samples_new, n_features)
            The original rows, unchanged and in order, then the synthetic rows,
            in the container of ``X`` (a sparse matrix in its class and
            format). A DataFrame keeps its dtypes (categories included): in
            numeric integer columns (NumPy, pandas nullable or Arrow), the
            synthetic values are rounded to the nearest integer. An integer
            array or sparse matrix keeps its dtype the same way: synthetic
            values rounded, as imbalanced-learn's SMOTE keeps the input's dtype.
            Categorical features hold real categories of the row's class.
        y_resampled : ndarray or Series of shape (n_samples_new,)
            Their labels.
        """
        with unfitted_on_failure(self):
            categorical = self._resolve_categorical_features(X)
            check_raw_input(X, y, categorical)
            check_no_bool_columns(X, categorical)
            # sample() returns rows in the containers of this input.
            self._input_templates_ = output_template(X), self._empty_like(y)
            # Integer columns play as floats; their synthetic values are rounded
            # below (pandas refuses to cast a fraction to a nullable integer).
            floats = dict.fromkeys(integer_columns(X, categorical), np.float64)
            X_res, y_res = super().fit_resample(
                X.astype(floats) if floats else X, y, **params
            )
            if self._input_templates_[0] is None:
                return X_res, y_res
            # The caller's rows as given (an integer above 2**53 has no float64),
            # then the synthetic ones rounded and cast like them.
            n_rows = X.shape[0]
            X_new = X_res.iloc[n_rows:] if hasattr(X_res, "iloc") else X_res[n_rows:]
            return stack_like(X, self._rows_like_input(X_new)), y_res

    def _resolve_categorical_features(self, X):
        """Set and return ``categorical_features_`` for the raw input ``X``."""
        # Parameters are checked here, before imblearn's fit does: the
        # resolution reads categorical_features.
        self._validate_params()
        self.categorical_features_ = resolve_categorical_features(
            self.categorical_features, X
        )
        return self.categorical_features_

    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if len(self.categorical_features_):
            X, y = validate_mixed_input(self, X, y, self.categorical_features_)
        else:
            X, y = validate_fit_input(self, X, y, accept_sparse=SPARSE_FORMATS)
        # Here, so that fit also checks the categories.
        fit_coder(self, X)
        check_sampling_strategy_dict(self.sampling_strategy, y)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        self.classes_, y_codes, counts = np.unique(
            y, return_inverse=True, return_counts=True
        )
        deficits = np.array([self.sampling_strategy_.get(c, 0) for c in self.classes_])
        check_oversampled_classes(counts, deficits, self.classes_)
        coder = categorical_coder(self)
        oversampled = np.flatnonzero(deficits > 0)
        # Original rows of each oversampled class, in the generator's order: the
        # convex weights are tied to these rows.
        self.anchor_rows_ = [X[y_codes == i] for i in oversampled]
        self.oversampled_classes_ = self.classes_[oversampled]
        game_seed, sample_seed = draw_seeds(self.random_state)
        if oversampled.size == 0:
            self.generator_, self.history_, self.n_iter_ = None, {}, 0
            for name in EARLY_STOPPING_ATTRIBUTES:
                setattr(self, name, None)
            # Nothing trained: no device and no scaling of this fit.
            self.device_ = self.standardizer_ = None
            return X.copy(), y.copy()
        # The game plays on numeric features and one-hot codes of categories.
        X_game, scaled = (X, None) if coder is None else (coder.encode(X), coder.scaled)
        result, anchor_index = train(
            self, X_game, y_codes, self.classes_, deficits, game_seed, scaled
        )
        self.generator_ = result.generator
        # With max_anchors or early stopping, the generator combines a subset of
        # each class's rows.
        self.anchor_rows_ = [X[rows] for rows in anchor_index]
        X_new, y_new = self._generate(self.sampling_strategy_, sample_seed, y.dtype)
        return stack_rows([X, X_new.astype(X.dtype)], like=X), np.hstack([y, y_new])

    def sample(self, n_samples, random_state=None):
        """Draw new synthetic rows from the fitted generator.

        Parameters
        ----------
        n_samples : int or dict
            If int, the total number of rows, shared among the oversampled
            classes in proportion to ``sampling_strategy_``. If dict, the number
            of rows for each class label.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw.

        Returns
        -------
        X_new : {ndarray, sparse matrix, DataFrame} of shape (n_new, n_features)
            Synthetic rows, grouped by class, in the container and dtypes
            ``fit_resample`` returned: sparse (of its format) after a sparse
            ``fit_resample``, a DataFrame with the columns and dtypes of the
            one given to ``fit_resample``; integer columns and integer arrays
            rounded.
        y_new : ndarray or Series of shape (n_new,)
            Their labels; a Series named like ``fit_resample``'s when that was
            one.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from gamo_sampler import GAMOSampler
        >>> X, y = make_classification(n_samples=200, weights=[0.8, 0.2],
        ...                            random_state=0)
        >>> sampler = GAMOSampler(max_iter=100, random_state=0)
        >>> _ = sampler.fit_resample(X, y)
        >>> X_new, y_new = sampler.sample({1: 5}, random_state=0)
        >>> X_new.shape, y_new.tolist()
        ((5, 20), [1, 1, 1, 1, 1])
        """
        check_trained(self, "generator_")
        check_sample_counts(n_samples)
        if self.generator_ is None:
            raise ValueError(
                "No class was oversampled during fit_resample, so there is no "
                "generator to sample from. Fit with a sampling_strategy that "
                "oversamples at least one class."
            )
        if isinstance(n_samples, dict):
            unknown = set(n_samples) - set(self.oversampled_classes_.tolist())
            if unknown:
                known = self.oversampled_classes_.tolist()
                raise ValueError(
                    f"Cannot sample classes {sorted(unknown)!r}: the generator only "
                    f"knows the oversampled classes {known!r}."
                )
            counts = n_samples
        else:
            counts = share_rows(int(n_samples), self.sampling_strategy_)
        (seed,) = draw_seeds(random_state, n_seeds=1)
        X_new, y_new = self._generate(counts, seed, self.classes_.dtype)
        return self._like_input(X_new.astype(self.anchor_rows_[0].dtype), y_new)

    def _like_input(self, X_new, y_new):
        """Put generated rows and labels in the containers ``fit_resample`` got,
        as ``fit_resample`` returns them (:meth:`_rows_like_input`; a Series
        with the same name and dtype)."""
        y_template = getattr(self, "_input_templates_", (None, None))[1]
        if y_template is not None:
            import pandas as pd

            y_new = pd.Series(y_new, name=y_template.name, dtype=y_template.dtype)
        return self._rows_like_input(X_new), y_new

    def _rows_like_input(self, X_new):
        """Generated rows in the container of ``fit_resample``'s X: a DataFrame
        with the same columns and dtypes, an integer array or a sparse matrix of
        the input's class, format and dtype; integer features rounded."""
        # Samplers trained before this attribute existed return arrays.
        X_template = getattr(self, "_input_templates_", (None, None))[0]
        categorical = getattr(self, "categorical_features_", ())
        if X_template is None:
            return X_new
        if not hasattr(X_template, "iloc"):
            if X_template.dtype.kind in "iu":
                X_new = round_integers(X_new, X_template.dtype, categorical)
            return stack_rows([X_new], like=X_template)
        import pandas as pd

        if sparse.issparse(X_new):  # from a DataFrame of sparse columns
            X_new = X_new.toarray()
        if hasattr(X_new, "iloc"):  # fit_resample's, with integers as floats
            X_new = X_new.reset_index(drop=True)
        else:
            X_new = pd.DataFrame(X_new, columns=X_template.columns)
        for name in integer_columns(X_template, categorical):
            X_new[name] = round_to(X_new[name], X_template.dtypes[name])
        return X_new.astype(X_template.dtypes)

    @staticmethod
    def _empty_like(data):
        """No rows of a pandas DataFrame or Series, keeping its columns, dtypes
        and name; None for anything else."""
        try:
            import pandas as pd
        except ImportError:  # then data is no pandas object
            return None
        return data.iloc[:0] if isinstance(data, pd.DataFrame | pd.Series) else None

    def _generate(self, counts, seed, y_dtype):
        """Draw ``counts[label]`` rows per class as exact convex combinations
        (numeric features) and real categories drawn from the same weights."""
        rng = torch.Generator().manual_seed(seed)
        # Its own stream, so numeric-only rows are the same as without it.
        category_rng = np.random.default_rng(seed)
        coder = categorical_coder(self)
        generator = self.generator_.eval()
        labels = self.oversampled_classes_.tolist()
        X_parts, y_parts = [], []
        for label, n_rows in counts.items():
            if n_rows <= 0:
                continue
            j = labels.index(label)
            anchors = self.anchor_rows_[j]
            if coder is None:
                rows = anchors.astype(np.float64)
            else:
                rows = coder.numbers(anchors)
            combine = convex_combinations(rows)
            chunk = max(1, min(GENERATION_CHUNK, GENERATION_BUDGET // rows.shape[0]))
            for start in range(0, n_rows, chunk):
                size = min(chunk, n_rows - start)
                z = torch.randn(size, generator.latent_dim, generator=rng)
                with torch.no_grad():
                    alpha = generator.class_weights(z, j).double().numpy()
                alpha /= alpha.sum(axis=1, keepdims=True)
                numbers = combine(alpha)
                if coder is None:
                    X_parts.append(numbers)
                    continue
                part = np.empty((size, anchors.shape[1]), dtype=anchors.dtype)
                part[:, coder.numeric] = numbers
                part[:, coder.categorical] = draw_categories(
                    alpha, coder.categories(anchors), self._category_draw, category_rng
                )
                X_parts.append(part)
            y_parts.append(np.full(n_rows, label, dtype=y_dtype))
        template = self.anchor_rows_[0]
        if not X_parts:
            empty = np.empty((0, template.shape[1]), dtype=template.dtype)
            if sparse.issparse(template):
                empty = type(template)(empty)
            return empty, np.empty(0, dtype=y_dtype)
        return stack_rows(X_parts, like=template), np.concatenate(y_parts)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Categorical features are read from dense rows.
        tags.input_tags.sparse = self.categorical_features is None
        tags.non_deterministic = False
        return tags


def stack_rows(parts, like):
    """Stack blocks of rows in the container of ``like``: a sparse matrix of its
    class and format, or a dense array."""
    if sparse.issparse(like):
        return type(like)(sparse.vstack(parts, format=like.format))
    return np.vstack(parts)


def convex_combinations(rows):
    """A function that maps convex weights ``alpha`` of shape ``(n, n_rows)`` to
    the combinations ``alpha @ rows``, sparse when ``rows`` is.

    The combinations are clipped to each feature's range over ``rows``: that
    only removes float rounding, as they are convex combinations already.
    """
    if not sparse.issparse(rows):
        low, high = rows.min(axis=0), rows.max(axis=0)
        return lambda alpha: np.clip(alpha @ rows, low, high)
    rows = sparse.csr_matrix(rows)
    low = rows.min(axis=0).toarray().ravel()
    high = rows.max(axis=0).toarray().ravel()

    def combine(alpha):
        # A sparse product: a combination is stored only where one of its
        # rows has a value (every weight of the softmax is positive).
        product = sparse.csr_matrix(alpha) @ rows
        product.data = np.clip(
            product.data, low[product.indices], high[product.indices]
        )
        return product

    return combine


def integer_columns(X, categorical=()):
    """The dtype of each integer column of a DataFrame (NumPy, pandas nullable
    or Arrow), by name, outside the columns of indices ``categorical``; empty
    for anything else."""
    if not (hasattr(X, "columns") and hasattr(X, "dtypes")):
        return {}
    skip = set(np.asarray(categorical).tolist())
    return {
        name: dtype
        for i, (name, dtype) in enumerate(X.dtypes.items())
        if dtype.kind in "iu" and i not in skip
    }


def output_template(X):
    """What the output of ``fit_resample(X)`` and ``sample`` copies from ``X``:
    a DataFrame's columns and dtypes (its first 0 rows); for a NumPy array of
    integers, or a sparse matrix of integers or of a format that the game
    converts (COO, LIL, DOK, BSR, DIA), an empty one of its class, format and
    dtype. None when the rows the game reads are already of the right type
    (float arrays, CSR and CSC floats, object arrays, lists)."""
    if hasattr(X, "iloc") and hasattr(X, "columns"):
        return X.iloc[:0]
    dtype = getattr(X, "dtype", None)
    if dtype is None or getattr(X, "ndim", 2) != 2:
        return None
    if sparse.issparse(X):
        if dtype.kind in "iu" or X.format not in SPARSE_FORMATS:
            return type(X)(sparse.csr_matrix((0, X.shape[1]), dtype=dtype))
        return None
    return np.empty((0, X.shape[1]), dtype=dtype) if dtype.kind in "iu" else None


def round_to(values, dtype):
    """Float ``values`` rounded to the nearest integer and kept within the range
    of the integer ``dtype``, as float64, ready to be cast to it.

    The largest int64 is not a float64 (it rounds up to 2**63): the upper bound
    is then the largest float64 below it.

    Examples
    --------
    >>> import numpy as np
    >>> round_to(np.array([0.5, 1.5, 2.6, -3.0]), np.dtype(np.uint8)).tolist()
    [0.0, 2.0, 3.0, 0.0]
    >>> int(round_to(np.array([2.0**63]), np.dtype(np.int64))[0]) < 2**63
    True
    """
    info = np.iinfo(getattr(dtype, "numpy_dtype", dtype))
    low, high = np.float64(info.min), np.float64(info.max)
    if int(high) > info.max:
        high = np.nextafter(high, 0)
    return np.clip(np.rint(np.asarray(values, dtype=np.float64)), low, high)


def round_integers(X_new, dtype, categorical=()):
    """Synthetic rows of an integer array or sparse matrix, as ``dtype``:
    numeric features rounded, category codes cast as they are (exact)."""
    if sparse.issparse(X_new):
        X_new = X_new.copy()
        X_new.data = round_to(X_new.data, dtype)
        return X_new.astype(dtype)
    X_new = np.array(X_new, dtype=object if len(categorical) else np.float64)
    numeric = np.setdiff1d(np.arange(X_new.shape[1]), categorical)
    X_new[:, numeric] = round_to(X_new[:, numeric], dtype)
    return X_new.astype(dtype)


def stack_like(X, X_new):
    """The caller's rows ``X`` as given, then the synthetic rows ``X_new`` (in
    the same container and dtypes): a DataFrame with a fresh index, as
    imbalanced-learn returns it, an array, or a sparse matrix of X's format."""
    if hasattr(X, "iloc"):
        import pandas as pd

        return pd.concat([X, X_new], ignore_index=True)
    return stack_rows([X, X_new], like=X)


def share_rows(n_samples, weights):
    """Split ``n_samples`` among classes in proportion to ``weights`` (largest
    remainder), so the parts sum to ``n_samples`` exactly."""
    labels = [label for label, w in weights.items() if w > 0]
    w = np.array([weights[label] for label in labels], dtype=np.float64)
    exact = n_samples * w / w.sum()
    parts = np.floor(exact).astype(int)
    remainder = n_samples - parts.sum()
    parts[np.argsort(parts - exact, kind="stable")[:remainder]] += 1
    return dict(zip(labels, parts.tolist(), strict=True))


GAMOSampler.__doc__ = GAMOSampler.__doc__.format(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    categorical_features=CATEGORICAL_DOC,
    game_parameters=GAME_PARAMETERS_DOC,
    early_stopping_attributes=EARLY_STOPPING_ATTRIBUTES_DOC,
    standardize=STANDARDIZE_DOC,
)
