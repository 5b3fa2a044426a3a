"""Training length: ``max_iter='auto'``, and early stopping on held-out rows.

Early stopping follows scikit-learn's ``MLPClassifier``: ``validation_fraction``
of each class's training rows is held out of the game (at least one row per
class, so that every class is scored), M's balanced accuracy on them is
measured at regular checks, training stops once ``n_iter_no_change`` checks in
a row have not improved on the best score by ``tol``, and the players are put
back as they were at the best check. Unlike scikit-learn, ties of the score,
frequent on a few held-out rows, are broken by M's validation loss.
"""

import math
import warnings

import numpy as np
import torch

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


def split_validation(y_codes, classes, fraction, seed, min_train=None):
    """Hold out about ``fraction`` of each class's rows for early stopping.

    Every class gets at least one validation row, so that every class is
    scored, and keeps at least ``min_train`` of its rows for training.
    scikit-learn's stratified split rounds a small class's share down to zero,
    and then the "balanced" accuracy ignores it: on 97 + 3 rows it would score
    the majority class alone.

    Parameters
    ----------
    y_codes : ndarray of shape (n_samples,)
        Class codes in ``[0, len(classes))``.
    classes : ndarray
        Class labels, for the error messages.
    fraction : float
        ``validation_fraction``: each class holds out ``fraction`` of its rows,
        rounded, at least one.
    seed : int
        Seeds the split.
    min_train : ndarray of int of shape (n_classes,), optional
        Training rows each class must keep (1 by default; 2 for a class that
        GAMO oversamples, whose rows it combines).

    Returns
    -------
    train_index, validation_index : ndarray of int
        Sorted row indices, so each class keeps its rows in their original order.

    Raises
    ------
    ValueError
        If a class has too few rows for one validation row and ``min_train``
        training rows.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1], [97, 3])
    >>> train, validation = split_validation(y, np.array(["a", "b"]), 0.1, 0)
    >>> np.bincount(y[validation]).tolist(), np.bincount(y[train]).tolist()
    ([10, 1], [87, 2])
    """
    counts = np.bincount(y_codes, minlength=len(classes))
    if min_train is None:
        min_train = np.ones(len(classes), dtype=int)
    short = counts < min_train + 1
    if short.any():
        needs = "; ".join(
            f"class {classes[i].item()!r} has {counts[i]} and needs {min_train[i] + 1}"
            for i in np.flatnonzero(short)
        )
        raise ValueError(
            "early_stopping holds out at least one row of every class for "
            "validation and trains on the others (at least 2 rows of a class "
            f"that GAMO oversamples, 1 of any other): {needs}. Use "
            "early_stopping=False, or collect more rows of those classes."
        )
    held = np.clip(np.rint(fraction * counts).astype(int), 1, counts - min_train)
    rng = np.random.default_rng(seed)
    validation = [
        rng.permutation(np.flatnonzero(y_codes == code))[:n]
        for code, n in enumerate(held.tolist())
    ]
    validation_index = np.sort(np.concatenate(validation))
    train_index = np.setdiff1d(np.arange(len(y_codes)), validation_index)
    return train_index, validation_index


def _per_class_mean(per_row, y, n_classes):
    """The mean of ``per_row`` within each class of ``y``, then over the
    classes present in ``y``: a 0-d tensor, computed without reading the
    device (no boolean indexing, which waits for it on a GPU)."""
    counts = torch.zeros(n_classes, dtype=per_row.dtype, device=per_row.device)
    counts.index_add_(0, y, torch.ones_like(per_row))
    sums = torch.zeros_like(counts).index_add_(0, y, per_row)
    present = counts > 0
    means = torch.where(present, sums / counts.clamp(min=1), 0)
    return means.sum() / present.sum()


def balanced_scores(proba, y):
    """M's balanced accuracy and balanced loss on rows of classes ``y``, as a
    tensor of two values on ``proba``'s device (see :func:`balanced_accuracy`
    and :func:`balanced_loss`), so that the training loop reads them together
    with its losses."""
    n_classes = proba.shape[1]
    hits = (proba.argmax(dim=1) == y).to(proba.dtype)
    # Rows of the identity: F.one_hot checks its input's range, a read.
    target = torch.eye(n_classes, dtype=proba.dtype, device=proba.device)[y]
    per_row = (proba - target).pow(2).mean(dim=1)
    return torch.stack(
        [_per_class_mean(hits, y, n_classes), _per_class_mean(per_row, y, n_classes)]
    )


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
    return float(balanced_scores(proba, y)[0])


def balanced_loss(proba, y):
    """M's own loss on the rows, weighted like balanced accuracy: the mean
    squared error between ``proba`` and ``one_hot(y)``, averaged per class,
    then over the classes present in ``y``.

    It breaks ties of balanced accuracy: on a few validation rows the accuracy
    takes few values, and often saturates at 1, while the loss still tells how
    confidently M separates the classes.

    Examples
    --------
    >>> import torch
    >>> proba = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    >>> round(balanced_loss(proba, torch.tensor([0, 0, 1])), 4)
    0.0625
    """
    return float(balanced_scores(proba, y)[1])


def _training_state(module):
    """Copies of what training changes in ``module``. A generator's anchor rows
    are left out: they are data, restored from the features where they change."""
    return {
        name: value.detach().clone()
        for name, value in module.state_dict().items()
        if not name.endswith("anchors")
    }


class NoValidationCheckWarning(UserWarning):
    """Early stopping was asked for, but training ended before its first check.

    ``max_iter`` or ``max_time`` ended the game before the first validation
    check (one epoch, at least 100 iterations): the last networks are scored
    and kept, and no earlier iteration was considered.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.datasets import make_classification
    >>> from gamo_sampler import GAMOClassifier, NoValidationCheckWarning
    >>> X, y = make_classification(n_samples=100, weights=[0.8], random_state=0)
    >>> clf = GAMOClassifier(early_stopping=True, max_iter=20, random_state=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = clf.fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['NoValidationCheckWarning']
    >>> clf.n_iter_, clf.best_iteration_, clf.validation_iterations_.tolist()
    (20, 20, [20])
    """


class EarlyStopping:
    """Decide when to stop, and keep the players as they were at the best check.

    The stopping rule is scikit-learn's (``MLPClassifier``), on M's balanced
    accuracy. The best check is the one of highest balanced accuracy; among
    checks of equal accuracy, the one of lowest balanced loss
    (:func:`balanced_loss`), and among full ties the later one. The last
    networks are always checked too, so that the record describes the networks
    kept whenever training ends.

    Parameters
    ----------
    score : callable
        ``score()`` returns M's ``(balanced accuracy, balanced loss)`` on the
        validation rows: a pair of floats, or a tensor of the two
        (:func:`balanced_scores`), which the training loop reads together
        with its losses.
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
        The balanced accuracy of each check.
    losses : list of float
        The balanced loss of each check.
    iterations : list of int
        Iterations played at each check.
    best_score : float
        The balanced accuracy of the best check.
    best_iteration : int
        Iterations played at the best check.
    stopped : bool
        Whether the rule stopped training (before ``max_iter``).
    """

    def __init__(self, score, modules, interval, n_iter_no_change, tol):
        self.score = score
        self.modules = modules
        self.interval = interval
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scores, self.losses, self.iterations = [], [], []
        self.best_score, self.best_iteration = -np.inf, 0
        self._best_loss = np.inf
        self._best_state = None
        self._no_improvement = 0
        self.stopped = False

    def due(self, n_iter):
        """Whether a check is due after ``n_iter`` iterations."""
        return n_iter % self.interval == 0

    def next_check(self, n_iter):
        """Iterations played at the first check after ``n_iter``."""
        return (n_iter // self.interval + 1) * self.interval

    def needs_final_check(self, n_iter):
        """Whether :meth:`finish` after ``n_iter`` iterations checks the last
        networks (no check saw them)."""
        return not self.iterations or self.iterations[-1] != n_iter

    def should_stop(self, n_iter, measured=None):
        """After ``n_iter`` iterations: check if due, and say whether to stop.

        ``measured`` is the check's ``(accuracy, loss)`` if the caller has
        already read them (``score()`` is called otherwise).
        """
        if not self.due(n_iter):
            return False
        self._check(n_iter, measured)
        self.stopped = self._no_improvement > self.n_iter_no_change
        return self.stopped

    def _check(self, n_iter, measured=None):
        if measured is None:
            measured = self.score()
            if isinstance(measured, torch.Tensor):
                measured = measured.tolist()
        score, loss = measured
        self.scores.append(score)
        self.losses.append(loss)
        self.iterations.append(n_iter)
        # scikit-learn's rule (MLPClassifier): a check counts as no improvement
        # unless it beats the best by tol, but any better score becomes the best.
        if score < self.best_score + self.tol:
            self._no_improvement += 1
        else:
            self._no_improvement = 0
        if (score, -loss) >= (self.best_score, -self._best_loss):
            self.best_score, self.best_iteration = score, n_iter
            self._best_loss = loss
            self._best_state = [_training_state(m) for m in self.modules]

    def finish(self, n_iter, measured=None):
        """At the end of training, after ``n_iter`` iterations: check the last
        networks if no check saw them (``max_iter`` or ``max_time`` ended
        training between checks), then put back the best check's.
        ``measured`` is that check's ``(accuracy, loss)`` if already read.

        Warns
        -----
        NoValidationCheckWarning
            When training ended before the first scheduled check: the last
            networks are then the only candidates, and early stopping did not
            choose between iterations.
        """
        if not self.iterations:
            warnings.warn(
                f"early_stopping: training ended after {n_iter} iterations, "
                f"before the first validation check (due after {self.interval}), "
                "so the last networks are kept and no earlier iteration was "
                "considered. Raise max_iter (or max_time), or use "
                "early_stopping=False.",
                NoValidationCheckWarning,
                stacklevel=2,
            )
        if self.needs_final_check(n_iter):
            self._check(n_iter, measured)
        self.restore_best()

    def restore_best(self):
        """Put the players back as they were at the best check (if there was one)."""
        if self._best_state is None:
            return
        for module, state in zip(self.modules, self._best_state, strict=True):
            module.load_state_dict(state, strict=False)
