"""What GAMOSampler and GAMOClassifier share: parameters, input checks, training."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from .game import GameConfig, play_game, resolve_device

GAME_PARAMETER_CONSTRAINTS = {
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "latent_dim": [Interval(Integral, 1, None, closed="left")],
    "generator_hidden_sizes": ["array-like"],
    "hidden_layer_sizes": ["array-like"],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "samples_per_class": [Interval(Integral, 1, None, closed="left")],
    "use_discriminator": ["boolean"],
    "device": [str, torch.device],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}

GAME_PARAMETERS_DOC = """max_iter : int, default=2000
        Number of training iterations. Each iteration takes one real mini-batch
        and makes all six updates of the game. The reference ran 25,000
        iterations on 9,000 MNIST images; a few thousand suffice for tabular
        data of a few thousand rows.

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

    device : {'auto', 'cpu', 'cuda'} or torch.device, default='auto'
        Where to train. ``'auto'`` takes the GPU when there is one. Fitted
        networks are kept on the CPU, so a fitted estimator pickles and loads
        anywhere.

    random_state : int, RandomState instance or None, default=None
        Seeds the training. The same seed gives bit-identical results on the
        same CPU build with the same number of torch threads; the global NumPy
        and torch RNGs are never touched.

    verbose : bool or int, default=False
        Show a progress bar with live losses."""


def game_config(estimator):
    """Collect an estimator's game parameters into a :class:`GameConfig`."""
    return GameConfig(
        max_iter=estimator.max_iter,
        batch_size=estimator.batch_size,
        latent_dim=estimator.latent_dim,
        generator_hidden_sizes=tuple(estimator.generator_hidden_sizes),
        hidden_layer_sizes=tuple(estimator.hidden_layer_sizes),
        learning_rate=estimator.learning_rate,
        samples_per_class=estimator.samples_per_class,
        use_discriminator=bool(estimator.use_discriminator),
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
        classes[i] for i in np.flatnonzero(deficits > 0) if class_counts[i] < 2
    ]
    if too_small:
        raise ValueError(
            f"Classes {too_small!r} have fewer than 2 samples, so GAMO cannot form "
            "convex combinations for them. Collect more rows, drop these classes, "
            "or leave them out of sampling_strategy."
        )


class Standardizer:
    """Per-feature centring and scaling, computed in float64.

    The game runs on standardised float32 rows. A convex combination commutes with
    this affine map, so generated rows mapped back are convex combinations of the
    original rows.
    """

    def __init__(self, X):
        self.mean = X.mean(axis=0, dtype=np.float64)
        scale = X.std(axis=0, dtype=np.float64)
        self.scale = np.where(scale > 0, scale, 1.0)

    def transform(self, X):
        """Return standardised float32 rows."""
        return ((X - self.mean) / self.scale).astype(np.float32)


def draw_seeds(random_state, n_seeds=2):
    """Draw independent integer seeds from ``random_state``."""
    rng = check_random_state(random_state)
    return [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=n_seeds)]


def train(estimator, X, y_codes, n_classes, deficits, seed):
    """Standardise, seed, and play the game for ``estimator``; return the result.

    Sets ``device_`` and ``standardizer_`` on the estimator.
    """
    check_layer_sizes(estimator)
    device = resolve_device(estimator.device)
    estimator.device_ = device
    estimator.standardizer_ = Standardizer(X)
    X_tensor = torch.as_tensor(estimator.standardizer_.transform(X), device=device)
    y_tensor = torch.as_tensor(y_codes, dtype=torch.int64, device=device)
    config = game_config(estimator)
    if not estimator.verbose:
        return play_game(X_tensor, y_tensor, n_classes, deficits, config, seed, device)
    from tqdm.auto import tqdm

    with tqdm(total=config.max_iter, desc=type(estimator).__name__) as bar:

        def progress(iteration, losses):
            bar.update(iteration + 1 - bar.n)
            bar.set_postfix(
                {k: f"{v:.4f}" for k, v in losses.items() if np.isfinite(v)},
                refresh=False,
            )

        return play_game(
            X_tensor, y_tensor, n_classes, deficits, config, seed, device, progress
        )
