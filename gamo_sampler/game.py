"""The GAMO three-player training loop. It knows tensors, not scikit-learn.

One iteration on a real mini-batch makes the reference code's updates, in its order:

1. M on the real batch, target ``one_hot(y)``;
2. D on the real batch, target ``1 - U(0, 0.1)``;
3. draw fake labels in proportion to each class's deficit and generate fakes with no
   gradient and G in inference mode;
4. M on the fakes, target ``one_hot(fake label)``;
5. D on the fakes, target ``U(0, 0.1)``;
6. G against M (target ``1 - one_hot``, the "opposite label") and against D
   (target 1), ``samples_per_class`` samples per class each.

Every loss is a mean squared error on softmax or sigmoid outputs. The reference
makes step 6 as two optimizer steps per class, each composite (the class's IGU
through a frozen M, or through a frozen D) with its own Adam state; here they are
one batched forward pass, one backward pass and one fused Adam step with moments
per composite (:mod:`gamo_sampler.composites`).
G does not change between steps 3 and 6, so its rows for step 6 are computed with
the fakes of step 3, in one pass over the anchor rows.

An iteration is a function of the players and of its random draws
(:class:`Draws`), so it can be replayed draw for draw against another
implementation (``tests/test_fidelity.py`` does so with the literal port).
"""

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .anchors import choose_anchors
from .composites import (
    CompositeAdam,
    PlayerOptimizer,
    SharedStepCounter,
    own_storage_,
)
from .early_stopping import EarlyStopping, balanced_scores, check_interval
from .networks import (
    ClassifierNet,
    ConvexGenerator,
    DiscriminatorNet,
    init_glorot_,
    to_device,
)
from .sparse_rows import SparseRows, rows_per_chunk

HISTORY_KEYS = ("classifier", "discriminator", "generator")
# One-sided label noise of the reference: real targets in [0.9, 1], fake in [0, 0.1].
LABEL_NOISE = 0.1
# torch's codes for reduction="mean" and "sum".
MEAN = 1
SUM = 2
# Iterations between two reads of the device, each a synchronisation on a GPU:
# the check for NaN or infinite losses, the progress report and early stopping's
# validation check share one read.
DIVERGENCE_CHECK_EVERY = 50


@dataclass(frozen=True)
class GameConfig:
    """Size and length of one game; see :class:`~gamo_sampler.GAMOSampler`."""

    max_iter: int = 2000
    max_time: float | None = None
    batch_size: int = 32
    latent_dim: int = 100
    generator_hidden_sizes: tuple = (256, 64)
    hidden_layer_sizes: tuple = (256, 128)
    learning_rate: float = 2e-4
    samples_per_class: int = 4
    use_discriminator: bool = True
    max_anchors: int | None = None
    n_iter_no_change: int = 10
    tol: float = 1e-4


@dataclass
class GameResult:
    """What a finished game leaves: the networks (on CPU), the loss history, the
    rows of ``X`` that each generator class combines (``anchor_index``), and the
    early stopping record (None without it)."""

    classifier: ClassifierNet
    generator: ConvexGenerator | None
    history: dict = field(default_factory=dict)
    n_iter: int = 0
    anchor_index: list = field(default_factory=list)
    early_stopping: EarlyStopping | None = None


def resolve_device(device):
    """Turn ``'auto'``, ``'cpu'``, ``'cuda'`` or a :class:`torch.device` into a device.

    Raises
    ------
    ValueError
        If the device is unknown or neither a CPU nor a CUDA device, or CUDA is
        asked for but not available.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(device)
    except RuntimeError as error:
        raise ValueError(
            f"Unknown device {device!r}: use 'auto', 'cpu', 'cuda', 'cuda:N' or a "
            "torch.device."
        ) from error
    if device.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device={str(device)!r} is not supported: gamo_sampler trains on "
            "'cpu' or 'cuda' ('cuda:N'). Use device='cpu', 'cuda' or 'auto'."
        )
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was requested but CUDA is not available on this "
            "machine. Use device='cpu' or device='auto'."
        )
    return device


def check_finite_losses(history, start, stop, players, learning_rate):
    """Raise a clear error if a loss of ``players`` in ``history[start:stop]`` is not
    finite: a diverged game would otherwise produce NaN weights and rows."""
    window = history[start:stop][:, players]
    if bool(torch.isfinite(window).all()):
        return
    row, col = (~torch.isfinite(window)).nonzero()[0].tolist()
    raise FloatingPointError(
        f"GAMO training diverged: the {HISTORY_KEYS[players[col]]} loss became "
        f"{window[row, col].item()} at iteration {start + row}. Lower learning_rate "
        f"(now {learning_rate:g})."
    )


def read_losses(history, start, stop, players, learning_rate, extra=None):
    """Check ``history[start:stop]`` for divergence, as :func:`check_finite_losses`
    does, and return the losses of its last row, in one read of the device.

    Parameters
    ----------
    history : torch.Tensor of shape (max_iter, 3)
        The losses so far.
    start, stop : int
        The rows not checked yet; ``start < stop``.
    players : list of int
        History columns of the players that play.
    learning_rate : float
        For the error message.
    extra : torch.Tensor of shape (m,), optional
        More values to read in the same read (early stopping's check).

    Returns
    -------
    losses : dict of str to float
        The finite losses of iteration ``stop - 1``, by player.
    extra : list of float or None
        The values of ``extra``.
    """
    window = history[start:stop]
    finite = torch.isfinite(window[:, players]).all().to(window.dtype)
    parts = [finite.view(1), window[-1]] + ([] if extra is None else [extra])
    values = torch.cat(parts).tolist()
    if not values[0]:
        check_finite_losses(history, start, stop, players, learning_rate)
    losses = zip(HISTORY_KEYS, values[1:4], strict=True)
    losses = {key: value for key, value in losses if np.isfinite(value)}
    return losses, None if extra is None else values[4:]


def mse(output, target):
    """Keras' ``mean_squared_error``: mean over outputs, then over the batch
    (``F.mse_loss``'s kernel, without its Python wrapper's broadcast)."""
    return torch.ops.aten.mse_loss(output, target, MEAN)


def build_networks(
    X, y, n_classes, deficits, config, generator, device, anchor_index=None
):
    """Create M, D and G with Keras-like initialisation from ``generator``.

    The global torch RNG is left as it was: module constructors draw from it, so
    they run inside :func:`torch.random.fork_rng` and are then re-initialised from
    the local ``generator``. G combines the rows ``X[anchor_index[j]]`` for its
    class ``j`` (all rows of the class by default).
    """
    n_features = X.shape[1]
    oversampled = np.flatnonzero(deficits > 0)
    with torch.random.fork_rng(devices=[]):
        classifier = ClassifierNet(n_features, n_classes, config.hidden_layer_sizes)
        discriminator = None
        if config.use_discriminator and len(oversampled):
            discriminator = DiscriminatorNet(
                n_features, n_classes, config.hidden_layer_sizes
            )
        convex_generator = None
        if len(oversampled):
            if anchor_index is None:
                anchor_index = [y == code for code in oversampled.tolist()]
            anchors = anchor_rows(X, anchor_index)
            convex_generator = ConvexGenerator(
                anchors,
                oversampled,
                n_classes,
                config.latent_dim,
                config.generator_hidden_sizes,
            )
    nets = [classifier, discriminator, convex_generator]
    for net in nets:
        if net is not None:
            init_glorot_(net.cpu(), generator).to(device)
    return nets


def anchor_rows(X, anchor_index):
    """The rows of ``X`` that each generator class combines: dense tensors, or
    for sparse rows :class:`~gamo_sampler.sparse_rows.SparseAnchors` when they
    are sparse enough (:meth:`SparseRows.anchors`)."""
    if isinstance(X, SparseRows):
        return X.anchors(anchor_index)
    return [X[index.to(X.device)] for index in anchor_index]


def classify(classifier, rows):
    """M's outputs for ``rows`` (a tensor or :class:`SparseRows`), computed a
    bounded dense chunk at a time."""
    step = rows_per_chunk(rows.shape[1])
    return torch.cat(
        [classifier(rows[start : start + step]) for start in range(0, len(rows), step)]
    )


@dataclass
class Draws:
    """The random draws of one iteration.

    Attributes
    ----------
    real_noise : torch.Tensor of shape (batch,)
        ``U(0, 0.1)`` label noise of D's real targets.
    fake_index : ndarray of shape (batch_size,)
        Generator class of each fake (on the host), drawn in proportion to the
        deficits.
    fake_z : torch.Tensor of shape (batch_size, latent_dim)
        Noise of each fake.
    fake_noise : torch.Tensor of shape (batch_size,)
        ``U(0, 0.1)`` label noise of D's fake targets.
    z : torch.Tensor of shape (k, judges, samples_per_class, latent_dim)
        Noise of G's rows for each (class, judge) composite.
    """

    real_noise: torch.Tensor
    fake_index: np.ndarray
    fake_z: torch.Tensor
    fake_noise: torch.Tensor
    z: torch.Tensor


class Dice:
    """Draw each iteration's :class:`Draws` from the game's local generators.

    Labels are drawn on the host, so the layout of the fake batch is known there
    and the loop never waits for the device.
    """

    def __init__(self, convex_generator, deficits, config, judges, rngs):
        oversampled = deficits[deficits > 0].astype(np.float64)
        self.proportions = torch.as_tensor(oversampled / oversampled.sum())
        self.shape = (
            convex_generator.n_generator_classes,
            judges,
            config.samples_per_class,
            config.latent_dim,
        )
        self.batch_size = config.batch_size
        self.host_rng, self.device_rng = rngs
        # The host's draws land in one tensor, read through numpy.
        self.fake_index = torch.zeros(config.batch_size, dtype=torch.int64)
        self.fake_index_array = self.fake_index.numpy()

    def roll(self, n_real):
        """Draws for an iteration on ``n_real`` real rows."""
        device_rng = self.device_rng
        device = device_rng.device
        torch.multinomial(
            self.proportions,
            self.batch_size,
            replacement=True,
            generator=self.host_rng,
            out=self.fake_index,
        )
        fake_index = self.fake_index_array.copy()

        def uniform(n):
            return torch.rand(n, device=device, generator=device_rng) * LABEL_NOISE

        def normal(*shape):
            return torch.randn(*shape, device=device, generator=device_rng)

        return Draws(
            real_noise=uniform(n_real),
            fake_index=fake_index,
            fake_z=normal(self.batch_size, self.shape[-1]),
            z=normal(*self.shape),
            fake_noise=uniform(self.batch_size),
        )


def classifier_update(players, x, labels):
    """Steps 1 and 4: one Adam step of M on rows ``x``, target
    ``one_hot(labels)``, its backward pass taken by hand; returns the loss."""
    classifier = players.classifier
    logits, inputs = classifier.forward_saved(x)
    with torch.no_grad():
        proba = torch.softmax(logits, dim=1)
        target = players.eye.index_select(0, labels)
        loss = mse(proba, target)
        grad = torch.ops.aten.mse_loss_backward(players.one, proba, target, MEAN)
        grad = torch._softmax_backward_data(grad, proba, 1, proba.dtype)
    classifier.backward_saved(inputs, grad, players.m_opt.grads)
    players.m_opt.step()
    return loss


def discriminator_update(players, x, labels, target):
    """Steps 2 and 5: one Adam step of D on rows ``x`` of classes ``labels``,
    its backward pass taken by hand; returns the loss."""
    discriminator = players.discriminator
    logits, inputs = discriminator.forward_saved(discriminator.inputs(x, labels))
    with torch.no_grad():
        realness = torch.sigmoid(logits).squeeze(1)
        loss = mse(realness, target)
        grad = torch.ops.aten.mse_loss_backward(players.one, realness, target, MEAN)
        grad = torch.ops.aten.sigmoid_backward(grad, realness).unsqueeze(1)
    discriminator.backward_saved(inputs, grad, players.d_opt.grads)
    players.d_opt.step()
    return loss


def generator_gradients(rows, saved, convex_generator, classifier, discriminator):
    """Step 6's backward pass, taken by hand: the composites' summed loss, and
    the gradients from which each composite's own is computed.

    Composite ``(j, 0)`` is judged by M against the opposite label
    ``1 - one_hot(class j)``; composite ``(j, 1)``, with a discriminator, by D against
    target 1. Each composite's loss is the reference's mean squared error over its
    own rows, so the gradient of the sum with respect to a composite's rows is
    that composite's gradient alone.

    Parameters
    ----------
    rows : torch.Tensor of shape (k, judges, samples, n_features)
        G's rows for each composite.
    saved : GeneratorPass
        What G's training pass saved for its backward pass.
    convex_generator, classifier, discriminator : torch.nn.Module
        The players (``discriminator`` None without D).

    Returns
    -------
    loss : torch.Tensor
        Scalar, the sum of the ``k * judges`` composite losses.
    taps : list of Tap
        G's layers with the gradient of ``loss`` with respect to each output,
        for :meth:`CompositeAdam.step <gamo_sampler.composites.CompositeAdam.step>`.
    """
    g = convex_generator
    k, _, samples, n_features = rows.shape
    opposite, d_inputs, per_row = judged_constants(
        saved.views, g, discriminator, rows.shape
    )
    with torch.no_grad():
        logits, inputs = classifier.forward_saved(rows[:, 0].flatten(0, 1))
        proba = torch.softmax(logits, dim=1)
        # Each composite's loss is the mean over its rows and M's outputs.
        norm = proba.shape[1] * samples
        loss = torch.ops.aten.mse_loss(proba, opposite, SUM) / norm
        grad = torch.ops.aten.mse_loss_backward(per_row[0], proba, opposite, SUM)
        grad = torch._softmax_backward_data(grad, proba, 1, proba.dtype)
        grads = [classifier.backward_saved(inputs, grad, input_grad=True)]
        if discriminator is not None:
            d_input, d_rows, real = d_inputs
            d_rows.copy_(rows[:, 1])
            logits, inputs = discriminator.forward_saved(d_input)
            realness = torch.sigmoid(logits)
            loss = loss + torch.ops.aten.mse_loss(realness, real, SUM) / samples
            grad = torch.ops.aten.mse_loss_backward(per_row[1], realness, real, SUM)
            grad = torch.ops.aten.sigmoid_backward(grad, realness)
            grad = discriminator.backward_saved(inputs, grad, input_grad=True)
            grads.append(grad[:, :n_features])
        grad_rows = torch.stack([grad.view(k, samples, -1) for grad in grads], dim=1)
    return loss, g.backward_saved(saved, grad_rows)


def judged_constants(views, convex_generator, discriminator, shape):
    """What the judges of G's rows read and what never changes in a game,
    made at its first pass (kept in ``views.buffers``).

    Returns
    -------
    opposite : torch.Tensor of shape (k * samples, n_classes)
        M's target for each row of the composites ``(j, 0)``, ``1 - one_hot``.
    d_inputs : tuple of torch.Tensor or None
        D's input for the rows of the composites ``(j, 1)``, of shape
        ``(k * samples, n_features + n_classes)``, whose one-hot columns are
        written once; the view of its first columns, of shape
        ``(k, samples, n_features)``, where the rows go; and D's target, ones
        of shape ``(k * samples, 1)`` as D's output. None without D.
    per_row : list of torch.Tensor
        Scalars, the weight of a squared error in its composite's loss:
        ``1 / (samples * n_classes)`` through M, ``1 / samples`` through D.
    """
    key = ("judged", shape)
    if key not in views.buffers:
        g = convex_generator
        k, _, samples, n_features = shape
        with torch.no_grad():
            one_hot = g.class_one_hot.repeat_interleave(samples, dim=0)
            opposite = 1.0 - one_hot
            d_inputs = None
            if discriminator is not None:
                codes = g.class_codes.repeat_interleave(samples)
                blank = one_hot.new_zeros(k * samples, n_features)
                d_input = discriminator.inputs(blank, codes)
                d_rows = d_input[:, :n_features].view(k, samples, -1)
                real = blank.new_ones(k * samples, 1)
                d_inputs = d_input, d_rows, real
            per_row = [
                torch.full((), 1 / (samples * n), device=opposite.device)
                for n in (opposite.shape[1], 1)
            ]
        views.buffers[key] = opposite, d_inputs, per_row
    return views.buffers[key]


class Players:
    """The networks of one game with their optimizers, ready for
    :func:`play_iteration`.

    Parameters
    ----------
    classifier, discriminator, convex_generator : torch.nn.Module or None
        The players, as :func:`build_networks` returns them.
    deficits : ndarray of shape (n_classes,)
        Rows each class must generate.
    class_sizes : ndarray of shape (n_classes,)
        Training rows per class: the reference updates G's classes in ascending
        order of size.
    config : GameConfig
        Sizes and schedule.
    rngs : tuple of torch.Generator
        Local sources of randomness on the host and on the device.
    """

    def __init__(
        self,
        classifier,
        discriminator,
        convex_generator,
        deficits,
        class_sizes,
        config,
        rngs,
    ):
        device = next(classifier.parameters()).device
        self.classifier = classifier
        self.discriminator = discriminator
        self.generator = convex_generator
        self.eye = torch.eye(len(deficits), device=device)
        self.one = torch.ones((), device=device)
        self.counter = SharedStepCounter()
        lr = config.learning_rate
        self.m_opt = PlayerOptimizer(classifier, lr, self.counter)
        if discriminator is not None:
            self.d_opt = PlayerOptimizer(discriminator, lr, self.counter)
        if convex_generator is not None:
            judges = 1 + (discriminator is not None)
            codes = convex_generator.class_codes.cpu().numpy()
            # Label code of each generator class, on the host: the fakes'
            # labels are looked up there.
            self.class_codes = codes
            update_order = np.argsort(np.asarray(class_sizes)[codes], kind="stable")
            self.g_opt = CompositeAdam(
                convex_generator, judges, lr, update_order, self.counter
            )
            self.dice = Dice(convex_generator, deficits, config, judges, rngs)


def play_iteration(players, x_real, y_real, record, draws=None):
    """Play one iteration of the game (the six updates) on a real mini-batch.

    Parameters
    ----------
    players : Players
        Networks and optimizers, updated in place.
    x_real : torch.Tensor of shape (batch, n_features)
        Real rows.
    y_real : torch.Tensor of shape (batch,)
        Their class codes.
    record : torch.Tensor of shape (3,)
        Receives the classifier, discriminator and generator losses (left as
        they are for players that do not play).
    draws : Draws, optional
        The iteration's random draws; rolled from the players' generators by
        default.
    """
    discriminator = players.discriminator
    convex_generator, eye = players.generator, players.eye
    m_loss = classifier_update(players, x_real, y_real)
    if convex_generator is None:
        record[0] = m_loss
        return
    if draws is None:
        draws = players.dice.roll(len(y_real))
    if discriminator is not None:
        d_real = discriminator_update(players, x_real, y_real, 1.0 - draws.real_noise)

    # Steps 3 and 6 share G's pass over the anchors: G does not change before
    # step 6, and the fakes come out detached.
    g_opt = players.g_opt
    x_fake, g_rows, saved = convex_generator.fakes_and_training_rows(
        draws.fake_z, draws.fake_index, draws.z, g_opt.views
    )
    y_fake = to_device(players.class_codes[draws.fake_index], eye.device)
    classifier_update(players, x_fake, y_fake)
    if discriminator is not None:
        d_fake = discriminator_update(players, x_fake, y_fake, draws.fake_noise)

    g_loss, taps = generator_gradients(
        g_rows, saved, convex_generator, players.classifier, discriminator
    )
    g_opt.step(taps)
    g_loss = g_loss / g_opt.n_composites
    if discriminator is None:
        record[0], record[2] = m_loss, g_loss
    else:
        torch.stack([m_loss, (d_real + d_fake) / 2, g_loss], out=record)


def train_loop(
    players, y, config, host_rng, epoch_start, progress=None, early_stopping=None
):
    """The training loop of every game, dense or image.

    It owns what must not differ between games: the number of iterations,
    ``max_time`` and early stopping, the passes over the data in a fresh random
    order, the divergence check, the loss history and the progress reports. A
    game brings its players, what happens at the start of each pass, and how
    to score M.

    Parameters
    ----------
    players : Players
        Networks and optimizers, updated in place.
    y : torch.Tensor of shape (n_samples,)
        Class codes of the real rows.
    config : GameConfig
        ``max_iter``, ``max_time``, ``batch_size`` and ``learning_rate``.
    host_rng : torch.Generator
        Source of each pass's order.
    epoch_start : callable
        ``epoch_start()`` runs at the start of each pass over the data and
        returns the rows that M and D read during it, of shape
        ``(n_samples, n_features)``: the data itself, or in image mode the
        features of the images once F has trained for the epoch.
    progress : callable, optional
        ``progress(iteration, losses)`` at every read of the device (every
        ``DIVERGENCE_CHECK_EVERY`` iterations, :func:`read_due`) and at the
        last, with the finite losses of that iteration (read with the
        divergence check, so it costs no further read of the device).
    early_stopping : EarlyStopping, optional
        Checks M on held-out rows and says when to stop; when the loop ends it
        checks the last players too, and puts back those of its best check.
        Each check is read with the losses, in the same read of the device.

    Returns
    -------
    history : dict of str to ndarray
        Per-iteration losses of each player (NaN for a player that does not
        play).
    n_iter : int
        Iterations played: ``max_iter``, or fewer when ``max_time`` ran out or
        early stopping stopped the game.
    """
    device = players.eye.device
    n_samples, batch_size = len(y), config.batch_size
    history = torch.full((config.max_iter, 3), float("nan"), device=device)
    # History columns of the players that play, checked for divergence.
    playing = (
        [0]
        + [1] * (players.discriminator is not None)
        + [2] * (players.generator is not None)
    )
    deadline = None if config.max_time is None else time.monotonic() + config.max_time
    lr = config.learning_rate
    early = early_stopping
    it = checked = 0
    stop = False

    def read(measured=None):
        nonlocal checked
        losses, values = read_losses(history, checked, it, playing, lr, measured)
        checked = it
        if progress is not None:
            progress(it - 1, losses)
        return values

    while it < config.max_iter and not stop:
        if it and deadline is not None and time.monotonic() > deadline:
            break
        rows = epoch_start()
        order = torch.randperm(n_samples, generator=host_rng).to(device)
        for start in range(0, n_samples, batch_size):
            if it == config.max_iter:
                break
            if it and deadline is not None and time.monotonic() > deadline:
                break
            batch = order[start : start + batch_size]
            play_iteration(players, rows[batch], y[batch], history[it])
            it += 1
            if early is not None and early.due(it):
                # The validation check is read with the losses: one read.
                stop = early.should_stop(it, read(early.score()))
                if stop:
                    break
            elif it < config.max_iter and read_due(it, checked, early):
                # (The last iteration's read comes after the loop, with the
                # last networks' check.)
                read()
    final = early is not None and early.needs_final_check(it)
    measured = read(early.score() if final else None) if it > checked else None
    if early is not None:
        early.finish(it, measured)
    history = history[:it].cpu().numpy().astype(np.float64)
    return dict(zip(HISTORY_KEYS, history.T, strict=True)), it


def read_due(it, checked, early_stopping):
    """Whether the loop reads its losses after ``it`` iterations, the last read
    having been after ``checked``: every ``DIVERGENCE_CHECK_EVERY`` iterations,
    except when early stopping's next check, which reads them too, comes
    sooner than ``DIVERGENCE_CHECK_EVERY`` after this read."""
    if it - checked < DIVERGENCE_CHECK_EVERY:
        return False
    if early_stopping is None:
        return True
    return early_stopping.next_check(it) - it >= DIVERGENCE_CHECK_EVERY


def early_stopping_for(players, config, n_rows, validation, features=None, keep=()):
    """The :class:`EarlyStopping` of a game on ``n_rows`` training rows, or None.

    Parameters
    ----------
    players : Players
        The game's players; M and G are kept at the best check.
    config : GameConfig
        ``batch_size``, ``n_iter_no_change`` and ``tol``.
    n_rows : int
        Training rows of the game.
    validation : tuple of torch.Tensor or None
        Held-out rows (or images) and their class codes; None without early
        stopping.
    features : callable, optional
        Maps the held-out rows to what M reads (F in image mode).
    keep : tuple of torch.nn.Module
        More modules to keep at the best check (F in image mode).
    """
    if validation is None:
        return None
    X_val, y_val = validation

    def score():
        with torch.no_grad():
            rows = X_val if features is None else features(X_val)
            return balanced_scores(classify(players.classifier, rows), y_val)

    modules = [m for m in (players.classifier, players.generator) if m is not None]
    return EarlyStopping(
        score,
        modules + list(keep),
        check_interval(n_rows, config.batch_size),
        config.n_iter_no_change,
        config.tol,
    )


def release(*nets):
    """The trained networks, on the CPU in evaluation mode, each parameter in
    a storage of its own (the optimizers flattened them); None are skipped."""
    for net in nets:
        if net is not None:
            own_storage_(net.cpu().eval())


def play_game(
    X, y, n_classes, deficits, config, seed, device, progress=None, validation=None
):
    """Train the three players and return the fitted networks.

    Parameters
    ----------
    X : torch.Tensor or SparseRows of shape (n_samples, n_features)
        Standardised float32 rows, already on ``device``, or sparse rows that
        are densified a mini-batch at a time.
    y : torch.Tensor of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``, on ``device``.
    n_classes : int
        Number of classes.
    deficits : ndarray of shape (n_classes,)
        Number of rows each class must generate; classes with 0 get no IGU.
    config : GameConfig
        Sizes and schedule.
    seed : int
        Seed of the local generators; the global RNGs are not used.
    device : torch.device
        Where the loop runs.
    progress : callable, optional
        ``progress(iteration, losses)``, as in :func:`train_loop`.
    validation : tuple of torch.Tensor, optional
        Held-out standardised rows and their class codes, on ``device``: early
        stopping scores M on them.

    Returns
    -------
    GameResult
    """
    host_rng = torch.Generator().manual_seed(seed)
    device_rng = torch.Generator(device=device).manual_seed(seed + 1)
    deficits = np.asarray(deficits)
    oversampled = np.flatnonzero(deficits > 0).tolist()
    anchor_index = choose_anchors(X, y, oversampled, config.max_anchors, seed + 2)
    nets = build_networks(
        X, y, n_classes, deficits, config, host_rng, device, anchor_index
    )
    class_sizes = torch.bincount(y, minlength=n_classes).cpu().numpy()
    players = Players(*nets, deficits, class_sizes, config, (host_rng, device_rng))
    classifier, convex_generator = players.classifier, players.generator

    early = early_stopping_for(players, config, len(y), validation)
    history, n_iter = train_loop(
        players, y, config, host_rng, lambda: X, progress, early
    )
    release(classifier, convex_generator)
    return GameResult(
        classifier=classifier,
        generator=convex_generator,
        history=history,
        n_iter=n_iter,
        anchor_index=[rows.numpy() for rows in anchor_index],
        early_stopping=early,
    )
