"""Training length: ``max_iter='auto'``, and early stopping on held-out rows.

Early stopping follows scikit-learn's ``MLPClassifier``: a stratified
``validation_fraction`` of the training rows is held out of the game, M's balanced
accuracy on them is measured at regular checks, training stops once
``n_iter_no_change`` checks in a row have not improved on the best score by
``tol``, and the players are put back as they were at the best check.
"""

import math

import numpy as np
import torch
from sklearn.model_selection import train_test_split

# max_iter='auto': about 50 epochs, the authors' 25,000 iterations on 9,000 images
# being about 89, within bounds: G's mixing settles within a few thousand
# iterations (benchmarks/mixing.py), and the reference's own schedule is the
# most a fit needs.
AUTO_EPOCHS = 50
AUTO_MIN_ITER = 2000
AUTO_MAX_ITER = 25000
# Validation checks come once per epoch, but at least 100 iterations apart: on a
# small table, n_iter_no_change=10 checks of a few iterations each would stop the
# game before G has settled (it still moves over the first 1,000 iterations,
# benchmarks/mixing.py). At most 500 apart: on a large table an epoch would leave
# too few checks to stop on.
MIN_CHECK_INTERVAL = 100
MAX_CHECK_INTERVAL = 500


def epoch_iterations(n_rows, batch_size):
    """Iterations in one pass over ``n_rows`` training rows."""
    return max(1, math.ceil(n_rows / batch_size))


def resolve_max_iter(max_iter, n_rows, batch_size):
    """The number of iterations that ``max_iter`` asks for on ``n_rows`` rows.

    ``'auto'`` is 50 epochs, at least 2,000 and at most 25,000 iterations.

    Examples
    --------
    >>> resolve_max_iter("auto", 423, 32), resolve_max_iter("auto", 5000, 32)
    (2000, 7850)
    >>> resolve_max_iter("auto", 10**6, 32), resolve_max_iter(300, 10**6, 32)
    (25000, 300)
    """
    if not (isinstance(max_iter, str) and max_iter == "auto"):
        return int(max_iter)
    epochs = AUTO_EPOCHS * epoch_iterations(n_rows, batch_size)
    return int(np.clip(epochs, AUTO_MIN_ITER, AUTO_MAX_ITER))


def check_interval(n_rows, batch_size):
    """Iterations between two validation checks: one epoch, within [100, 500]."""
    epoch = epoch_iterations(n_rows, batch_size)
    return int(np.clip(epoch, MIN_CHECK_INTERVAL, MAX_CHECK_INTERVAL))


def split_validation(y_codes, classes, fraction, seed):
    """Hold out a stratified ``fraction`` of the rows for early stopping.

    Parameters
    ----------
    y_codes : ndarray of shape (n_samples,)
        Class codes in ``[0, len(classes))``.
    classes : ndarray
        Class labels, for the error messages.
    fraction : float
        ``validation_fraction``.
    seed : int
        Seeds the split.

    Returns
    -------
    train_index, validation_index : ndarray of int
        Sorted row indices, so each class keeps its rows in their original order.

    Raises
    ------
    ValueError
        If a class has a single row, or the split would leave fewer rows than
        classes on either side.
    """
    counts = np.bincount(y_codes, minlength=len(classes))
    single = classes[counts < 2].tolist()
    hint = "Use early_stopping=False, or collect more rows."
    if single:
        raise ValueError(
            f"early_stopping holds out rows of every class for validation, but "
            f"classes {single!r} have a single row. {hint}"
        )
    n_rows, n_classes = len(y_codes), len(classes)
    n_validation = math.ceil(fraction * n_rows)
    if n_validation < n_classes or n_rows - n_validation < n_classes:
        raise ValueError(
            f"validation_fraction={fraction:g} holds out {n_validation} of "
            f"{n_rows} rows, which leaves one side with fewer rows than the "
            f"{n_classes} classes. Choose a validation_fraction between "
            f"{n_classes / n_rows:.3g} and {1 - n_classes / n_rows:.3g}. {hint}"
        )
    train_index, validation_index = train_test_split(
        np.arange(n_rows), test_size=fraction, stratify=y_codes, random_state=seed
    )
    return np.sort(train_index), np.sort(validation_index)


def balanced_accuracy(proba, y):
    """Mean recall over the classes present in ``y``, from probabilities.

    Parameters
    ----------
    proba : torch.Tensor of shape (n, n_classes)
    y : torch.Tensor of shape (n,)

    Returns
    -------
    float
    """
    n_classes = proba.shape[1]
    hits = torch.bincount(y[proba.argmax(dim=1) == y], minlength=n_classes)
    counts = torch.bincount(y, minlength=n_classes)
    present = counts > 0
    return float((hits[present] / counts[present]).mean())


def _training_state(module):
    """Copies of what training changes in ``module``. A generator's anchor rows
    are left out: they are data, restored from the features where they change."""
    return {
        name: value.detach().clone()
        for name, value in module.state_dict().items()
        if not name.endswith("anchors")
    }


class EarlyStopping:
    """Decide when to stop, and keep the players as they were at the best check.

    Parameters
    ----------
    score : callable
        ``score()`` returns M's balanced accuracy on the validation rows.
    modules : list of torch.nn.Module
        What to put back at the end: M, G and in image mode F.
    interval : int
        Iterations between two checks.
    n_iter_no_change : int
        Training stops when more than this many checks in a row have not
        improved on the best score by ``tol`` (scikit-learn's rule).
    tol : float
        The least improvement of the best score that counts.

    Attributes
    ----------
    scores : list of float
        The score of each check.
    iterations : list of int
        Iterations played at each check.
    best_score : float
        The best score so far.
    best_iteration : int
        Iterations played at the best check.
    """

    def __init__(self, score, modules, interval, n_iter_no_change, tol):
        self.score = score
        self.modules = modules
        self.interval = interval
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scores, self.iterations = [], []
        self.best_score, self.best_iteration = -np.inf, 0
        self._best_state = None
        self._no_improvement = 0

    def should_stop(self, n_iter):
        """After ``n_iter`` iterations: check if due, and say whether to stop."""
        if n_iter % self.interval:
            return False
        score = self.score()
        self.scores.append(score)
        self.iterations.append(n_iter)
        # scikit-learn's rule (MLPClassifier): a check counts as no improvement
        # unless it beats the best by tol, but any better score becomes the best.
        if score < self.best_score + self.tol:
            self._no_improvement += 1
        else:
            self._no_improvement = 0
        if score > self.best_score:
            self.best_score, self.best_iteration = score, n_iter
            self._best_state = [_training_state(m) for m in self.modules]
        return self._no_improvement > self.n_iter_no_change

    def restore_best(self):
        """Put the players back as they were at the best check (if there was one)."""
        if self._best_state is None:
            return
        for module, state in zip(self.modules, self._best_state, strict=True):
            module.load_state_dict(state, strict=False)
