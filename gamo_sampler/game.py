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
makes step 6 as two tiny optimizer steps per class; here it is one batched forward
pass, one backward pass and one Adam step whose gradient is the sum of the per-class
gradients (``tests/test_game.py`` checks this against the per-class formulation).
G does not change between steps 3 and 6, so its rows for step 6 are computed with
the fakes of step 3, in one pass over the anchor rows.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from .anchors import choose_anchors
from .networks import ClassifierNet, ConvexGenerator, DiscriminatorNet, init_glorot_

HISTORY_KEYS = ("classifier", "discriminator", "generator")
# One-sided label noise of the reference: real targets in [0.9, 1], fake in [0, 0.1].
LABEL_NOISE = 0.1
# Iterations between two checks for NaN or infinite losses (each costs one device
# synchronisation).
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


@dataclass
class GameResult:
    """What a finished game leaves: the networks (on CPU), the loss history, and
    the rows of ``X`` that each generator class combines (``anchor_index``)."""

    classifier: ClassifierNet
    generator: ConvexGenerator | None
    history: dict = field(default_factory=dict)
    n_iter: int = 0
    anchor_index: list = field(default_factory=list)


def resolve_device(device):
    """Turn ``'auto'``, ``'cpu'``, ``'cuda'`` or a :class:`torch.device` into a device.

    Raises
    ------
    ValueError
        If the device is unknown, or CUDA is asked for but not available.
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


def mse(output, target):
    """Keras' ``mean_squared_error``: mean over outputs, then over the batch."""
    return F.mse_loss(output, target)


def adam(module, learning_rate, device):
    """The reference optimizer, Adam(lr, beta1=0.5), one per network.

    The fused implementation (one kernel for the whole update) is some 2.5x faster
    than ``foreach`` on the CPU too; torch before 2.4 only has it on CUDA.
    """
    params = list(module.parameters())
    options = dict(lr=learning_rate, betas=(0.5, 0.999), eps=1e-7)
    try:
        return torch.optim.Adam(params, fused=True, **options)
    except RuntimeError:
        return torch.optim.Adam(params, foreach=True, **options)


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
                anchors = [X[y == code] for code in oversampled.tolist()]
            else:
                anchors = [X[rows.to(X.device)] for rows in anchor_index]
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


class FakeDrawer:
    """Step 3: draw fake labels in proportion to the deficits and generate the
    fakes, with G's rows for step 6.

    Labels are drawn on the host, so the layout of the batch is known there and the
    loop never waits for the device.
    """

    def __init__(self, convex_generator, deficits, batch_size, host_rng, device_rng):
        oversampled = deficits[deficits > 0].astype(np.float64)
        self.proportions = torch.as_tensor(oversampled / oversampled.sum())
        self.generator = convex_generator
        self.batch_size = batch_size
        self.host_rng = host_rng
        self.device_rng = device_rng

    def draw(self, samples, judges):
        """Fake rows and their label codes, ``batch_size`` of them, with G in
        inference mode; plus G's rows for step 6 in training mode (``judges``
        groups of ``samples`` per class), from the same pass over the anchors
        (:meth:`ConvexGenerator.fakes_and_training_rows`)."""
        g = self.generator
        labels = torch.multinomial(
            self.proportions, self.batch_size, replacement=True, generator=self.host_rng
        )
        counts = torch.bincount(labels, minlength=g.n_generator_classes)
        fakes, class_index, rows = g.fakes_and_training_rows(
            counts.tolist(), samples, judges, self.device_rng
        )
        return fakes, g.class_codes[class_index], rows


def generator_loss(rows, convex_generator, classifier, discriminator, samples):
    """Step 6 as one batched loss: the sum of the reference's per-class G losses.

    For each generator class, ``rows`` holds ``samples`` rows that M judges against
    the opposite label ``1 - one_hot(class)`` and, with a discriminator, ``samples``
    more that D judges against target 1. G makes them in training mode with
    BatchNorm statistics per group of ``samples`` rows, as in the reference's
    separate per-class steps.

    Parameters
    ----------
    rows : torch.Tensor of shape (k, judges * samples, n_features)
        G's rows, class by class, with their graph.
    convex_generator, classifier, discriminator : torch.nn.Module
        The players (``discriminator`` None without D).
    samples : int
        Rows per class and judge.

    Returns
    -------
    loss : torch.Tensor
        Scalar to minimise; its gradient is the sum of the per-class gradients.
    """
    g = convex_generator
    k = g.n_generator_classes
    rows = rows.view(k, -1, samples, rows.shape[-1])
    codes = g.class_codes.repeat_interleave(samples)
    # Identity rows rather than F.one_hot, which waits for the device to check
    # its input.
    opposite = 1.0 - g.class_one_hot.repeat_interleave(samples, dim=0).to(rows.dtype)
    fooled_m = (classifier(rows[:, 0].flatten(0, 1)) - opposite).pow(2).mean(dim=1)
    loss = fooled_m.sum() / samples
    if discriminator is not None:
        realness = discriminator(rows[:, 1].flatten(0, 1), codes)
        loss = loss + (realness - 1.0).pow(2).sum() / samples
    return loss


class Players:
    """The networks of one game with their optimizers, ready for
    :func:`play_iteration`.

    Parameters
    ----------
    classifier, discriminator, convex_generator : torch.nn.Module or None
        The players, as :func:`build_networks` returns them.
    deficits : ndarray of shape (n_classes,)
        Rows each class must generate.
    config : GameConfig
        Sizes and schedule.
    host_rng, device_rng : torch.Generator
        Local sources of randomness on the host and on the device.
    """

    def __init__(
        self,
        classifier,
        discriminator,
        convex_generator,
        deficits,
        config,
        host_rng,
        device_rng,
    ):
        device = next(classifier.parameters()).device
        self.classifier = classifier
        self.discriminator = discriminator
        self.generator = convex_generator
        self.samples_per_class = config.samples_per_class
        self.device_rng = device_rng
        self.eye = torch.eye(len(deficits), device=device)
        self.m_opt = adam(classifier, config.learning_rate, device)
        if discriminator is not None:
            self.d_opt = adam(discriminator, config.learning_rate, device)
        if convex_generator is not None:
            self.g_opt = adam(convex_generator, config.learning_rate, device)
            self.g_params = list(convex_generator.parameters())
            self.drawer = FakeDrawer(
                convex_generator, deficits, config.batch_size, host_rng, device_rng
            )


def _step(optimizer, loss):
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def _noisy(n, base, device_rng):
    # base 1 gives 1 - U(0, .1) (real), base 0 gives U(0, .1) (fake).
    u = torch.rand(n, device=device_rng.device, generator=device_rng) * LABEL_NOISE
    return base + (1 - 2 * base) * u


def play_iteration(players, x_real, y_real, record):
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
    """
    classifier, discriminator = players.classifier, players.discriminator
    convex_generator, eye = players.generator, players.eye
    m_loss = mse(classifier(x_real), eye[y_real])
    _step(players.m_opt, m_loss)
    record[0] = m_loss.detach()
    if convex_generator is None:
        return
    if discriminator is not None:
        d_real = mse(
            discriminator(x_real, y_real), _noisy(len(y_real), 1.0, players.device_rng)
        )
        _step(players.d_opt, d_real)

    # Steps 3 and 6 share G's pass over the anchors: G does not change before
    # step 6, and the fakes come out detached.
    samples, judges = players.samples_per_class, 1 + (discriminator is not None)
    x_fake, y_fake, g_rows = players.drawer.draw(samples, judges)
    _step(players.m_opt, mse(classifier(x_fake), eye[y_fake]))
    if discriminator is not None:
        d_fake = mse(
            discriminator(x_fake, y_fake), _noisy(len(y_fake), 0.0, players.device_rng)
        )
        _step(players.d_opt, d_fake)
        record[1] = (d_real.detach() + d_fake.detach()) / 2

    g_loss = generator_loss(
        g_rows, convex_generator, classifier, discriminator, samples
    )
    players.g_opt.zero_grad(set_to_none=True)
    g_loss.backward(inputs=players.g_params)
    players.g_opt.step()
    record[2] = g_loss.detach() / (convex_generator.n_generator_classes * judges)


def play_game(X, y, n_classes, deficits, config, seed, device, progress=None):
    """Train the three players and return the fitted networks.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Standardised float32 rows, already on ``device``.
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
        ``progress(losses)`` is called every few iterations with a dict of current
        losses (this synchronises with the device, so only pass it when wanted).

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
    players = Players(*nets, deficits, config, host_rng, device_rng)
    classifier, convex_generator = players.classifier, players.generator

    n_samples = X.shape[0]
    history = torch.full((config.max_iter, 3), float("nan"), device=device)
    order, cursor = None, n_samples
    # History columns of the players that play, checked for divergence.
    playing = (
        [0]
        + [1] * (players.discriminator is not None)
        + [2] * (convex_generator is not None)
    )
    deadline = None if config.max_time is None else time.monotonic() + config.max_time
    n_iter, checked = config.max_iter, 0

    for it in range(config.max_iter):
        if it and it % DIVERGENCE_CHECK_EVERY == 0:
            check_finite_losses(history, checked, it, playing, config.learning_rate)
            checked = it
        if it and deadline is not None and time.monotonic() > deadline:
            n_iter = it
            break
        if cursor >= n_samples:
            order = torch.randperm(n_samples, generator=host_rng).to(device)
            cursor = 0
        batch = order[cursor : cursor + config.batch_size]
        cursor += config.batch_size
        play_iteration(players, X[batch], y[batch], history[it])
        if convex_generator is None:
            continue
        if progress is not None and (it % 25 == 0 or it == config.max_iter - 1):
            progress(it, dict(zip(HISTORY_KEYS, history[it].tolist(), strict=True)))

    check_finite_losses(history, checked, n_iter, playing, config.learning_rate)
    history = history[:n_iter]
    if progress is not None and convex_generator is None:
        progress(n_iter - 1, {"classifier": float(history[-1, 0])})
    history = history.cpu().numpy().astype(np.float64)
    for net in (classifier, convex_generator):
        if net is not None:
            net.cpu().eval()
    return GameResult(
        classifier=classifier,
        generator=convex_generator,
        history=dict(zip(HISTORY_KEYS, history.T, strict=True)),
        n_iter=n_iter,
        anchor_index=[rows.numpy() for rows in anchor_index],
    )
