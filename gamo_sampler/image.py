"""GAMO on images: a convolutional feature extractor F and its training loop.

For images the game is played on features, as in the reference's Fashion-MNIST
code. A feature extractor F maps images to vectors (the reference F: two 5x5
convolutions of 32 channels with LeakyReLU(0.1) and 2x2 average pooling, then
Dense(512, tanh)); M and D read F's features, and the convex generator combines
the cached F-features of each class's own images.

Each epoch (one pass over the real images) starts with the reference's prologue:

1. F is trained for one epoch on the real images through the frozen M (MSE against
   one-hot targets, batch ``batch_size``, shuffled); F never sees generated samples
   or D;
2. the features of all training images are recomputed and written into the
   generator's anchors, each class keeping its row order, so every convex weight
   stays tied to the same image;

then the usual iterations of the game run on the cached features, one per real
mini-batch. The prologue is the ``epoch_start`` of the one training loop,
:func:`~gamo_sampler.game.train_loop`, which the dense game shares.
"""

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .anchors import choose_anchors
from .composites import FusedAdam
from .early_stopping import EarlyStopping
from .game import (
    Players,
    build_networks,
    early_stopping_for,
    mse,
    release,
    resolve_device,
    train_loop,
)
from .networks import LEAKY_SLOPE, init_glorot_

# Images per forward pass when features are computed without gradients: the
# reference F's maps of 128 28x28 images (13 MB for the first convolution) stay
# in the cache, and its features came 1.85x faster than by 1,024 (same bits).
FEATURE_CHUNK = 128


class ConvFeatures(nn.Module):
    """The reference feature extractor F, for images of any size.

    ``2 x [Conv2d(channels, kernel_size, same) -> LeakyReLU(0.1) -> AvgPool(2)]
    -> Flatten -> Linear(n_features) -> tanh``. Pooling rounds odd sizes up, like
    Keras' ``padding='same'``. For 28x28 grey images this is the reference's
    829,792-parameter network.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images.
    n_features : int, default=512
        Width of the output features.
    channels : int, default=32
        Channels of both convolutions.
    kernel_size : int, default=5
        Size of the convolution kernels.

    Examples
    --------
    >>> import torch
    >>> from gamo_sampler.image import ConvFeatures
    >>> net = ConvFeatures((3, 32, 32), n_features=64)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 64])
    """

    def __init__(self, image_shape, n_features=512, channels=32, kernel_size=5):
        super().__init__()
        n_channels, height, width = (int(s) for s in image_shape)
        for _ in range(2):
            height, width = math.ceil(height / 2), math.ceil(width / 2)
        self.n_features = n_features
        self.net = nn.Sequential(
            nn.Conv2d(n_channels, channels, kernel_size, padding="same"),
            nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
            nn.AvgPool2d(2, ceil_mode=True),
            nn.Conv2d(channels, channels, kernel_size, padding="same"),
            nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
            nn.AvgPool2d(2, ceil_mode=True),
            nn.Flatten(),
            nn.Linear(channels * height * width, n_features),
            nn.Tanh(),
        )

    def forward(self, x):
        """Map images ``(n, C, H, W)`` to features ``(n, n_features)`` in (-1, 1)."""
        return self.net(x)


def check_image_shape(image_shape):
    """Return ``image_shape`` as a tuple of three positive ints, or raise."""
    shape = tuple(image_shape)
    if len(shape) != 3 or any(int(s) != s or s < 1 for s in shape):
        raise ValueError(
            "image_shape must be (channels, height, width), three positive "
            f"integers, got {image_shape!r}."
        )
    return tuple(int(s) for s in shape)


def as_images(X, image_shape):
    """View validated input as images of shape ``(n, C, H, W)``.

    Parameters
    ----------
    X : ndarray of shape (n, C, H, W) or (n, C * H * W)
        Images, or flat rows when ``image_shape`` is given.
    image_shape : tuple of int or None
        Shape of one image; required for flat rows.

    Returns
    -------
    images : ndarray of shape (n, C, H, W)
        A view of ``X``.
    """
    if X.ndim == 4:
        if image_shape is not None and X.shape[1:] != check_image_shape(image_shape):
            raise ValueError(
                f"X holds images of shape {X.shape[1:]}, but image_shape is "
                f"{tuple(image_shape)!r}."
            )
        return X
    if X.ndim != 2 or image_shape is None:
        raise ValueError(
            "Images must come as a 4-D array (n_samples, channels, height, width), "
            "or as flat rows with image_shape=(channels, height, width); got an "
            f"array of shape {X.shape}."
        )
    shape = check_image_shape(image_shape)
    if X.shape[1] != math.prod(shape):
        raise ValueError(
            f"image_shape={shape!r} needs {math.prod(shape)} features per row, but "
            f"X has {X.shape[1]}."
        )
    return X.reshape(len(X), *shape)


class ImageScaler:
    """Map pixel values linearly onto [-1, 1] with the training set's range.

    One minimum and one maximum for all pixels, so images keep their contrast;
    the tanh decoder of GAMO2pix produces values in the same range, and
    ``inverse_transform`` maps them back to the user's units.
    """

    def __init__(self, X):
        self.low = float(np.min(X)) if X.size else 0.0
        high = float(np.max(X)) if X.size else 1.0
        self.half_range = (high - self.low) / 2 or 1.0

    def transform(self, X, dtype=np.float32):
        """Return scaled values of ``dtype`` (float32 by default)."""
        with np.errstate(over="ignore"):
            return ((X - self.low) / self.half_range - 1.0).astype(dtype)

    def inverse_transform(self, X):
        """Map scaled values back to the original units (float64)."""
        return (np.asarray(X, dtype=np.float64) + 1.0) * self.half_range + self.low


def build_feature_extractor(spec, image_shape, generator, seed):
    """Build the feature extractor F described by ``spec``.

    Parameters
    ----------
    spec : None, 'conv', torch.nn.Module or callable
        ``None`` or ``'conv'``: :class:`ConvFeatures` with Keras-like
        initialisation. A module: a deep copy of it, weights as given. A callable
        (a module class or a factory): called with no arguments, under a local
        seed, and must return a module.
    image_shape : tuple of int
        ``(C, H, W)`` of the images.
    generator : torch.Generator
        Initialises the reference F.
    seed : int
        Seeds the construction of a user module; the global RNG is restored.

    Returns
    -------
    extractor : torch.nn.Module
        On the CPU, in evaluation mode.
    n_features : int
        Width of its output.
    """
    if spec is None or (isinstance(spec, str) and spec == "conv"):
        with torch.random.fork_rng(devices=[]):
            extractor = ConvFeatures(image_shape)
        init_glorot_(extractor, generator)
        # Channels-last kernels (after the initialisation, which fills them in
        # memory order): the convolutions then run channels-last, some 1.3x
        # faster on the CPU for F's epoch and its features.
        extractor.to(memory_format=torch.channels_last)
    elif isinstance(spec, nn.Module):
        extractor = copy.deepcopy(spec)
    elif callable(spec):
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(seed)
            extractor = spec()
        if not isinstance(extractor, nn.Module):
            raise TypeError(
                "feature_extractor, when callable, must return a torch.nn.Module; "
                f"it returned {type(extractor).__name__}."
            )
    else:
        raise TypeError(
            "feature_extractor must be None, 'conv', a torch.nn.Module, or a "
            f"callable returning one; got {spec!r}."
        )
    extractor = extractor.cpu().eval()
    with torch.no_grad():
        out = extractor(torch.zeros(2, *image_shape))
    if out.ndim != 2 or out.shape[0] != 2:
        raise ValueError(
            "The feature extractor must map images (n, C, H, W) to features "
            f"(n, n_features); for images of shape {tuple(image_shape)} it returned "
            f"shape {tuple(out.shape)} from 2 images."
        )
    return extractor, int(out.shape[1])


def extract_features(extractor, images, chunk=FEATURE_CHUNK):
    """Features of ``images`` with F in evaluation mode and no gradient.

    Parameters
    ----------
    extractor : torch.nn.Module
        The feature extractor F.
    images : torch.Tensor of shape (n, C, H, W)
        Images, on F's device.
    chunk : int, default=FEATURE_CHUNK
        Images per forward pass.

    Returns
    -------
    features : torch.Tensor of shape (n, n_features)
    """
    was_training = extractor.training
    extractor.eval()
    with torch.no_grad():
        parts = [extractor(images[i : i + chunk]) for i in range(0, len(images), chunk)]
    extractor.train(was_training)
    return torch.cat(parts)


def train_features_epoch(
    extractor, classifier, images, targets, optimizer, learning_rate, batch_size, rng
):
    """The prologue's F step: one shuffled epoch of F through the frozen M.

    The loss is the MSE between ``M(F(x))`` and ``targets`` (the one-hot labels
    of the real images); only F's parameters receive gradients.

    Parameters
    ----------
    extractor, classifier : torch.nn.Module
        F, trained in place, and M.
    images : torch.Tensor of shape (n, C, H, W)
        The real images.
    targets : torch.Tensor of shape (n, n_classes)
        Their one-hot labels.
    optimizer : FusedAdam
        Adam over F's parameters that require a gradient, in their order.
    learning_rate : float
        Adam's learning rate.
    batch_size : int
        Images per step.
    rng : torch.Generator
        Source of the epoch's order.

    Returns
    -------
    loss : torch.Tensor
        Mean loss over the epoch's batches, a scalar on the images' device
        (not read, so that the epoch does not wait for the device).
    """
    params = [p for p in extractor.parameters() if p.requires_grad]
    order = torch.randperm(len(images), generator=rng).to(images.device)
    extractor.train()
    total = torch.zeros((), device=images.device)
    n_batches = 0
    for start in range(0, len(images), batch_size):
        batch = order[start : start + batch_size]
        x = images.index_select(0, batch)
        loss = mse(classifier(extractor(x)), targets.index_select(0, batch))
        grads = torch.autograd.grad(loss, params)
        optimizer.step(grads, learning_rate)
        total += loss.detach()
        n_batches += 1
    extractor.eval()
    return total / max(n_batches, 1)


def class_anchors(convex_generator, class_index):
    """The anchor rows of one generator class, as a writable view."""
    if hasattr(convex_generator, "class_anchors"):
        return convex_generator.class_anchors(class_index)
    n_rows = int(convex_generator.class_sizes[class_index])
    return convex_generator.anchors[class_index, :n_rows]


def refresh_anchors(convex_generator, features, anchor_index):
    """Write the current features of each class into the generator, in place.

    ``anchor_index[j]`` lists the training images of generator class ``j`` in
    the generator's fixed order, so row ``r`` of class ``j`` is always the
    feature of the same image.
    """
    with torch.no_grad():
        for j, index in enumerate(anchor_index):
            class_anchors(convex_generator, j).copy_(features[index])


@dataclass
class ImageGameResult:
    """What a finished image game leaves (networks on the CPU)."""

    classifier: nn.Module
    generator: nn.Module | None
    feature_extractor: nn.Module
    history: dict = field(default_factory=dict)
    feature_history: np.ndarray | None = None
    n_iter: int = 0
    anchor_index: list = field(default_factory=list)
    early_stopping: EarlyStopping | None = None


def play_image_game(
    images,
    y,
    n_classes,
    deficits,
    config,
    seed,
    device,
    extractor,
    progress=None,
    validation=None,
):
    """Train F, M, D and G on images; return the fitted networks.

    Parameters
    ----------
    images : torch.Tensor of shape (n, C, H, W)
        Scaled float32 images on ``device``.
    y : torch.Tensor of shape (n,)
        Integer class codes on ``device``.
    n_classes : int
        Number of classes.
    deficits : ndarray of shape (n_classes,)
        Rows each class must generate; classes with 0 get no IGU.
    config : GameConfig
        Sizes and schedule; ``max_iter`` counts game iterations, one per real
        mini-batch, so an epoch is ``ceil(n / batch_size)`` of them.
    seed : int
        Seed of the local generators.
    device : torch.device
        Where to train.
    extractor : torch.nn.Module
        The feature extractor F, trained in place.
    progress : callable, optional
        ``progress(iteration, losses)``, as in :func:`~gamo_sampler.game.play_game`.
    validation : tuple of torch.Tensor, optional
        Held-out scaled images and their class codes, on ``device``: early
        stopping scores M on their features.

    Returns
    -------
    ImageGameResult
    """
    host_rng = torch.Generator().manual_seed(seed)
    device_rng = torch.Generator(device=device).manual_seed(seed + 1)
    deficits = np.asarray(deficits)
    extractor = extractor.to(device)
    # The anchor images of each class, chosen once (k-means++ on the pixels with
    # max_anchors) and kept in this order for ever: each epoch writes their
    # current features into the generator.
    oversampled = np.flatnonzero(deficits > 0).tolist()
    anchor_index = choose_anchors(
        images.flatten(1), y, oversampled, config.max_anchors, seed + 4
    )
    anchor_index = [rows.to(device) for rows in anchor_index]
    # Placeholder anchors of the right width: the first prologue overwrites them.
    n_features = extract_features(extractor, images[:1]).shape[1]
    features = torch.zeros(len(images), n_features, device=device)
    nets = build_networks(
        features, y, n_classes, deficits, config, host_rng, device, anchor_index
    )
    class_sizes = torch.bincount(y, minlength=n_classes).cpu().numpy()
    players = Players(*nets, deficits, class_sizes, config, (host_rng, device_rng))
    f_opt = FusedAdam(p for p in extractor.parameters() if p.requires_grad)

    feature_history = []

    def epoch_start():
        """The reference's prologue: an epoch of F, then the features."""
        feature_history.append(
            train_features_epoch(
                extractor,
                players.classifier,
                images,
                players.eye[y],
                f_opt,
                config.learning_rate,
                config.batch_size,
                host_rng,
            )
        )
        features = extract_features(extractor, images)
        if players.generator is not None:
            refresh_anchors(players.generator, features, anchor_index)
        return features

    early = early_stopping_for(
        players,
        config,
        len(y),
        validation,
        features=lambda x: extract_features(extractor, x),
        keep=(extractor,),
    )
    history, n_iter = train_loop(
        players, y, config, host_rng, epoch_start, progress, early
    )
    if early is not None and players.generator is not None:
        # The best check's F may be older than the anchors' features.
        refresh_anchors(
            players.generator, extract_features(extractor, images), anchor_index
        )
    release(players.classifier, players.generator, extractor)
    return ImageGameResult(
        classifier=players.classifier,
        generator=players.generator,
        feature_extractor=extractor,
        history=history,
        feature_history=read_all(feature_history),
        n_iter=n_iter,
        anchor_index=[rows.cpu().numpy() for rows in anchor_index],
        early_stopping=early,
    )


def read_all(values):
    """Scalar tensors as a float64 array, in one read of the device."""
    if not values:
        return np.empty(0)
    return torch.stack(values).cpu().numpy().astype(np.float64)


def train_images(estimator, images, y_codes, classes, deficits, seed):
    """Scale, build F, seed and play the image game for ``estimator``.

    The image counterpart of :func:`gamo_sampler._base.train`, with the same
    returns. Sets ``device_``, ``standardizer_`` (an :class:`ImageScaler`),
    ``history_``, ``n_iter_`` and the early stopping record on the estimator.
    """
    from ._base import (
        check_layer_sizes,
        game_config,
        hold_out,
        progress_bar,
        record_training,
        run_game,
        scaled_tensors,
    )

    check_layer_sizes(estimator)
    device = resolve_device(estimator.device)
    estimator.device_ = device
    train_index, validation_index = hold_out(
        estimator, y_codes, classes, deficits, seed
    )
    train_images = images if validation_index is None else images[train_index]
    estimator.standardizer_ = ImageScaler(train_images)
    image_shape = tuple(images.shape[1:])
    init_rng = torch.Generator().manual_seed(seed + 2)
    extractor, _ = build_feature_extractor(
        estimator.feature_extractor, image_shape, init_rng, seed + 3
    )

    validation = None
    if validation_index is not None:
        validation = scaled_tensors(
            estimator, images[validation_index], y_codes[validation_index], device
        )
    config = game_config(estimator, len(train_index))
    rows = scaled_tensors(estimator, train_images, y_codes[train_index], device)
    args = (*rows, len(classes), deficits, config, seed, device, extractor)
    with progress_bar(estimator, config.max_iter) as progress:
        result = run_game(
            estimator, play_image_game, *args, progress=progress, validation=validation
        )
    return result, record_training(estimator, result, train_index)
