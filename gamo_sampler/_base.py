"""What GAMOSampler and GAMOClassifier share: parameters, input checks, training."""

from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .early_stopping import resolve_max_iter, split_validation
from .game import GameConfig, play_game, resolve_device
from .sparse_rows import SparseRows
from .standardize import Standardizer

GAME_PARAMETER_CONSTRAINTS = {
    "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "max_time": [Interval(Real, 0, None, closed="neither"), None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "latent_dim": [Interval(Integral, 1, None, closed="left")],
    "generator_hidden_sizes": ["array-like"],
    "hidden_layer_sizes": ["array-like"],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "samples_per_class": [Interval(Integral, 1, None, closed="left")],
    "use_discriminator": ["boolean"],
    "max_anchors": [Interval(Integral, 2, None, closed="left"), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "device": [str, torch.device],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "n_threads": [Interval(Integral, 1, None, closed="left"), None],
}

# Dense estimators only: image mode scales pixels to [-1, 1] itself.
STANDARDIZE_CONSTRAINT = {"standardize": ["boolean"]}
CATEGORICAL_CONSTRAINT = {
    "categorical_features": [None, "array-like", StrOptions({"auto"})]
}

CATEGORICAL_DOC = """categorical_features : None, 'auto' or array-like, default=None
        Which features are categories, in the forms of imbalanced-learn's
        ``SMOTENC``:

        - None: no feature is categorical;
        - ``'auto'``: the columns of a pandas DataFrame that hold categories
          or text, whatever their storage: dtypes ``category``, ``object``,
          ``string`` (Python or Arrow) and Arrow's string and dictionary
          types (``pd.read_csv(..., dtype_backend='pyarrow')``);
        - array of int: the indices of the categorical features;
        - array of str: their names (X must then be a DataFrame);
        - array of bool of shape (n_features,): True for a categorical feature.

        In the game, categorical features are one-hot encoded, so a convex
        combination of a class's rows gives, for each of them, a probability
        vector over the categories of the class; numeric features are
        standardised as usual. A generated row takes the categories of one
        anchor row of its class, drawn with probability equal to its convex
        weight. Every feature may be categorical. Missing categories are
        refused. See :doc:`/categorical`."""

STANDARDIZE_DOC = """standardize : bool, default=True
        Train on features centred and scaled to unit variance (computed
        internally; rows come back in the original units). ``False`` trains on
        ``X`` as given, as the reference does after scaling all pixels to
        [-1, 1] with one affine map: on pixel-like data, where some features are
        almost always 0, per-feature scaling blows the rare non-zero values up.
        Either way, generated rows are convex combinations of real rows. The image
        mode of :class:`GAMOClassifier` always scales pixels to [-1, 1]."""

GAME_PARAMETERS_DOC = """max_iter : int or 'auto', default='auto'
        Number of training iterations (the most, with early stopping). Each
        iteration takes one real mini-batch and makes all six updates of the
        game. ``'auto'`` trains for 50 epochs (passes over the training rows),
        at least 2,000 and at most 25,000 iterations: 2,000 up to 1,280 rows
        of ``batch_size=32``, 25,000 from 16,000 rows. The reference ran a fixed
        25,000 iterations on 9,000 MNIST images; pass ``max_iter=25000`` to
        compare with it.

    max_time : float or None, default=None
        Wall-clock budget for training, in seconds. The game stops after the first
        iteration that ends past it (always at least one iteration), and
        ``n_iter_`` tells how many ran. A time budget makes the result depend on
        the machine's speed, so a fit with ``max_time`` is not reproducible.

    batch_size : int, default=32
        Rows of the real mini-batch and number of fakes shown to M and D per
        iteration.

    latent_dim : int, default=100
        Dimension of the generator's noise.

    generator_hidden_sizes : tuple of int, default=(256, 64)
        Widths of the generator's shared cTMU; the last one is the transient
        vector that each class's IGU reads.

    hidden_layer_sizes : tuple of int, default=(256, 128)
        Hidden widths of the classifier M and the discriminator D.

    learning_rate : float, default=2e-4
        Adam learning rate of all three players (beta1 = 0.5, as in the paper).

    samples_per_class : int, default=4
        Samples per oversampled class in each generator update.

    use_discriminator : bool, default=True
        Whether to play the discriminator D. ``False`` is the paper's "GAMO
        without D" ablation: the generator only seeks M's errors.

    max_anchors : int or None, default=None
        Budget of anchor rows per oversampled class. ``None`` lets each class's
        generator unit combine all the rows of the class, as in the paper, at a
        cost of O(n_i) per sample and O(n_i * n_features) memory. An int caps a
        larger class at ``max_anchors`` of its real rows, picked by k-means++
        seeding (spread over the class, outskirts included): synthetic rows
        are still convex combinations of real rows of their class, and time
        and memory per iteration no longer grow with the class size. In image
        mode the anchor images are picked the same way on the scaled pixels,
        once, and their features are refreshed every epoch.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of each class's training rows (at
        least one per class), score M's balanced accuracy on them once per
        epoch (but every 100 iterations if an epoch is shorter, every 500 if
        longer), stop when more than ``n_iter_no_change`` checks in a row have
        not improved on the best score by ``tol``, and keep the networks as
        they were at the best check (``best_iteration_``): the highest balanced
        accuracy, then the lowest validation loss among equal scores, then the
        later check. The last networks are checked too when training ends
        between checks. The held-out rows take no part in the game, and no
        generated row combines them. ``False``, the reference's behaviour,
        trains for ``max_iter`` iterations and keeps the last networks.

    validation_fraction : float, default=0.1
        Share of each class's training rows held out for early stopping, in
        (0, 1), rounded, at least one row per class; each class keeps at least
        one training row, two if it is oversampled (a class too small for both
        is refused before training).

    n_iter_no_change : int, default=10
        Checks without an improvement of ``tol`` that early stopping tolerates.

    tol : float, default=1e-4
        The least gain in validation balanced accuracy that counts as an
        improvement for early stopping.

    device : {'auto', 'cpu', 'cuda'} or torch.device, default='auto'
        Where to train. ``'auto'`` takes the GPU when there is one. Fitted
        networks are kept on the CPU, so a fitted estimator pickles and loads
        anywhere.

    random_state : int, RandomState instance or None, default=None
        Seeds the training. The same seed gives bit-identical results on the
        same CPU build with the same number of torch threads. Only ``None``
        draws from NumPy's global random state (as in scikit-learn); the global
        torch RNG is never touched.

    verbose : bool or int, default=False
        Show a progress bar with live losses.

    n_threads : int or None, default=1
        CPU threads torch may use while training (``torch.set_num_threads``
        for the duration of the fit, then restored). GAMO's networks are small,
        so one thread is about as fast as two on an idle machine, and many times
        faster on a busy one, where threads wait for each other. None leaves
        torch's own setting."""


EARLY_STOPPING_ATTRIBUTES = (
    "validation_scores_",
    "validation_losses_",
    "validation_iterations_",
    "best_validation_score_",
    "best_iteration_",
)
EARLY_STOPPING_ATTRIBUTES_DOC = """validation_scores_ : ndarray or None
        M's balanced accuracy on the held-out rows at each check of early
        stopping, the last one on the networks of the last iteration; None
        without early stopping.

    validation_losses_ : ndarray or None
        M's mean squared error on the held-out rows at each check, averaged per
        class then over the classes: it breaks ties of balanced accuracy. None
        without early stopping.

    validation_iterations_ : ndarray or None
        Iterations played at each check; None without early stopping.

    best_validation_score_ : float or None
        The balanced accuracy of the best check; None without early stopping.

    best_iteration_ : int or None
        Iterations played at the best check, the one of highest balanced
        accuracy, of lowest loss among equals, and the later among full ties:
        the fitted networks are those of that moment. None without early
        stopping (the networks are the last)."""


def game_config(estimator, n_rows):
    """Collect an estimator's game parameters into a :class:`GameConfig`, for a
    game on ``n_rows`` training rows."""
    return GameConfig(
        max_iter=resolve_max_iter(estimator.max_iter, n_rows, estimator.batch_size),
        max_time=estimator.max_time,
        batch_size=estimator.batch_size,
        latent_dim=estimator.latent_dim,
        generator_hidden_sizes=tuple(estimator.generator_hidden_sizes),
        hidden_layer_sizes=tuple(estimator.hidden_layer_sizes),
        learning_rate=estimator.learning_rate,
        samples_per_class=estimator.samples_per_class,
        use_discriminator=bool(estimator.use_discriminator),
        max_anchors=estimator.max_anchors,
        n_iter_no_change=estimator.n_iter_no_change,
        tol=estimator.tol,
    )


def check_layer_sizes(estimator):
    """Raise a clear error for empty or non-positive layer widths."""
    for name in ("generator_hidden_sizes", "hidden_layer_sizes"):
        sizes = getattr(estimator, name)
        if len(sizes) == 0 or any(int(s) != s or s < 1 for s in sizes):
            raise ValueError(
                f"{name} must be a non-empty sequence of positive integers, "
                f"got {sizes!r}."
            )


def check_oversampled_classes(class_counts, deficits, classes):
    """Refuse to oversample a class with fewer than two rows.

    A convex combination of a single row is that row, copied: GAMO cannot learn
    anything for such a class.
    """
    too_small = [
        classes[i].item() for i in np.flatnonzero(deficits > 0) if class_counts[i] < 2
    ]
    if too_small:
        raise ValueError(
            f"Classes {too_small!r} have fewer than 2 samples, so GAMO cannot form "
            "convex combinations for them. Collect more rows, drop these classes, "
            "or leave them out of sampling_strategy."
        )


# Offset of the validation split's seed from the game's seed (the game itself
# uses seed to seed + 4).
VALIDATION_SEED_OFFSET = 5


def hold_out(estimator, y_codes, classes, deficits, seed):
    """Split the rows for early stopping.

    Returns
    -------
    train_index : ndarray of int
        The rows that play the game: all of them without early stopping.
    validation_index : ndarray of int or None
        The held-out rows, or None without early stopping.
    """
    if not estimator.early_stopping:
        return np.arange(len(y_codes)), None
    # A class that GAMO oversamples keeps two training rows to combine.
    min_train = np.where(np.asarray(deficits) > 0, 2, 1)
    return split_validation(
        y_codes,
        classes,
        estimator.validation_fraction,
        seed + VALIDATION_SEED_OFFSET,
        min_train,
    )


def record_training(estimator, result, train_index):
    """Set what every fitted estimator reports about its training: ``history_``,
    ``n_iter_``, the early stopping record, and the anchors as indices into the
    full training set."""
    estimator.history_ = result.history
    estimator.n_iter_ = result.n_iter
    early = result.early_stopping
    values = (None,) * len(EARLY_STOPPING_ATTRIBUTES)
    if early is not None:
        values = (
            np.asarray(early.scores),
            np.asarray(early.losses),
            np.asarray(early.iterations),
            early.best_score,
            early.best_iteration,
        )
    for name, value in zip(EARLY_STOPPING_ATTRIBUTES, values, strict=True):
        setattr(estimator, name, value)
    return [train_index[rows] for rows in result.anchor_index]


def draw_seeds(random_state, n_seeds=2):
    """Draw independent integer seeds from ``random_state``.

    ``None`` draws from NumPy's global random state, as scikit-learn does.
    """
    try:
        rng = check_random_state(random_state)
    except ValueError as error:
        raise ValueError(
            f"random_state={random_state!r} is not a valid seed: use None, an int "
            "from 0 to 2**32 - 1, or a numpy.random.RandomState."
        ) from error
    return [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=n_seeds)]


def check_trained(sampler, attribute):
    """Like ``check_is_fitted``, but say that ``fit_resample`` trains: a sampler's
    ``fit`` only checks the input."""
    check_is_fitted(
        sampler,
        attribute,
        msg=f"This {type(sampler).__name__} has not been trained yet: call "
        "fit_resample before sampling (fit only checks the input).",
    )


@contextmanager
def unfitted_on_failure(estimator):
    """Leave ``estimator`` unfitted if the block raises, KeyboardInterrupt included.

    A fit that stops half-way would otherwise leave some attributes of this attempt
    next to those of an earlier fit: a model that looks fitted but is not one.
    """
    try:
        yield
    except BaseException:
        for name in [k for k in vars(estimator) if k.endswith("_")]:
            if not name.startswith("__"):
                delattr(estimator, name)
        raise


def out_of_memory_message(estimator, error):
    """Say which parameters to lower after a CUDA out-of-memory error."""
    knobs = ", ".join(
        f"{name}={getattr(estimator, name)!r}"
        for name in (
            "batch_size",
            "max_anchors",
            "hidden_layer_sizes",
            "generator_hidden_sizes",
            "latent_dim",
        )
        if hasattr(estimator, name)
    )
    return (
        f"{type(estimator).__name__} ran out of GPU memory while training on "
        f"{estimator.device_}. Lower {knobs}, or train on the CPU with "
        "device='cpu'. Each synthetic row weighs every row of its class, so memory "
        "also grows with the size of the largest oversampled class. "
        f"Original error: {error}"
    )


def check_finite_networks(estimator, result):
    """Refuse networks with NaN or infinite weights: they would give NaN rows."""
    extractor = getattr(result, "feature_extractor", None)
    for net in (result.classifier, result.generator, extractor):
        if net is not None and not all(
            bool(torch.isfinite(p).all()) for p in net.parameters()
        ):
            raise FloatingPointError(
                "GAMO training diverged: the trained networks have NaN or infinite "
                f"weights. Lower learning_rate (now {estimator.learning_rate:g})."
            )


def run_game(estimator, play, *args, **kwargs):
    """``play(*args, **kwargs)`` (:func:`play_game` or the image game), with
    divergence and CUDA memory errors explained."""
    message = None
    try:
        result = play(*args, **kwargs)
    except torch.cuda.OutOfMemoryError as error:
        message = out_of_memory_message(estimator, error)
    if message is not None:
        # Raised outside the except block: the traceback of the failed game holds
        # its device tensors, and dropping it frees them for a retry.
        raise torch.cuda.OutOfMemoryError(message)
    check_finite_networks(estimator, result)
    if kwargs.get("progress") is not None:
        kwargs["progress"].finish(result)
    return result


@contextmanager
def torch_threads(n_threads):
    """Let torch use ``n_threads`` CPU threads inside the block (None: unchanged)."""
    previous = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def train(estimator, X, y_codes, classes, deficits, seed, scaled=None):
    """Standardise, seed, and play the game for ``estimator``.

    Sets ``device_``, ``standardizer_``, ``history_``, ``n_iter_`` and the early
    stopping record on the estimator. ``scaled``, a boolean mask over the columns
    of ``X``, standardises those columns only (the others are one-hot codes);
    None standardises every column.

    Returns
    -------
    result : GameResult
        The fitted networks.
    anchor_index : list of ndarray
        Per generator class, the rows of ``X`` it combines.
    """
    with torch_threads(estimator.n_threads):
        return _train(estimator, X, y_codes, classes, deficits, seed, scaled)


def scaled_tensors(estimator, X, y_codes, device):
    """``X`` scaled by ``estimator.standardizer_``, and ``y_codes``, as tensors on
    ``device``; sparse ``X`` becomes :class:`SparseRows`, scaled as it is read."""
    if sparse.issparse(X):
        rows = SparseRows(X, estimator.standardizer_, device)
    else:
        rows = torch.as_tensor(estimator.standardizer_.transform(X), device=device)
    return rows, torch.as_tensor(y_codes, dtype=torch.int64, device=device)


def _train(estimator, X, y_codes, classes, deficits, seed, scaled):
    check_layer_sizes(estimator)
    device = resolve_device(estimator.device)
    estimator.device_ = device
    train_index, validation_index = hold_out(
        estimator, y_codes, classes, deficits, seed
    )
    # Without early stopping every row trains: no copy of X.
    X_train = X if validation_index is None else X[train_index]
    estimator.standardizer_ = Standardizer(X_train, estimator.standardize, scaled)
    validation = None
    if validation_index is not None:
        validation = scaled_tensors(
            estimator, X[validation_index], y_codes[validation_index], device
        )
    config = game_config(estimator, len(train_index))
    rows = scaled_tensors(estimator, X_train, y_codes[train_index], device)
    args = (*rows, len(classes), deficits, config, seed, device)
    with progress_bar(estimator, config.max_iter) as progress:
        result = run_game(
            estimator, play_game, *args, progress=progress, validation=validation
        )
    return result, record_training(estimator, result, train_index)


@contextmanager
def progress_bar(estimator, total):
    """Yield a :class:`Progress` that drives a tqdm bar of ``total`` iterations
    with live losses when ``estimator.verbose``, else None."""
    if not estimator.verbose:
        yield None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=type(estimator).__name__) as bar:
        yield Progress(bar)


class Progress:
    """A progress callback, ``progress(iteration, losses)``, over a tqdm bar,
    that also says how training ended (:meth:`finish`)."""

    def __init__(self, bar):
        self.bar = bar

    def __call__(self, iteration, losses):
        self.bar.update(iteration + 1 - self.bar.n)
        self.bar.set_postfix(
            {k: f"{v:.4f}" for k, v in losses.items() if np.isfinite(v)},
            refresh=False,
        )

    def finish(self, result):
        """Show the iterations played, and say why training ended before
        ``max_iter`` and which iteration's networks were kept."""
        self.bar.update(result.n_iter - self.bar.n)
        note = ending_note(result.n_iter, self.bar.total, result.early_stopping)
        if note:
            self.bar.set_description(f"{self.bar.desc}: {note}")


def ending_note(n_iter, max_iter, early):
    """How training ended, in a few words ('' for the full schedule without
    early stopping).

    Examples
    --------
    >>> ending_note(2000, 2000, None)
    ''
    >>> ending_note(812, 2000, None)
    'max_time ended training at iteration 812'
    """
    if early is not None and early.stopped:
        why = f"stopped early at iteration {n_iter}"
    elif n_iter < max_iter:
        why = f"max_time ended training at iteration {n_iter}"
    else:
        why = "" if early is None else f"ran to iteration {n_iter}"
    if early is None:
        return why
    return (
        f"{why}; kept iteration {early.best_iteration} "
        f"(validation balanced accuracy {early.best_score:.3f})"
    )
