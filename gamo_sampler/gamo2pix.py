"""GAMO2pix: turn GAMO's generated feature vectors back into images.

On images GAMO generates feature vectors, convex combinations of the F-features
of a class's images. GAMO2pix gives users the images: per oversampled class, a
variational autoencoder whose encoder is the frozen F followed by
``Dense(128, tanh)`` and two ``Dense(latent_dim)`` heads (mean and log-variance),
and whose decoder is ``Dense(32 * h * w) -> LeakyReLU -> 2 x [ConvTranspose(32,
4, stride 2) -> LeakyReLU] -> Conv(C, 4, same) -> tanh`` with ``h, w`` a quarter
of the image size (7 x 7 for 28 x 28 images, as in the reference). It is trained
on the real images of that class after the game; a generated feature vector is
then encoded and decoded into an image.

Two flaws of the reference script are fixed:

- its KL term reads the encoder's second head as a log-variance while its
  sampler reads it as a log-standard-deviation. Here it is a log-variance in
  both: ``z = mean + exp(log_var / 2) * eps`` and
  ``KL = -1/2 * sum(1 + log_var - mean**2 - exp(log_var))``;
- it re-shuffles the training images before recomputing the features that the
  convex weights combine, so weight ``j`` no longer belongs to image ``j``. Here
  the generated features are combinations of the generator's own anchors, whose
  per-class row order is fixed for the whole fit and recorded in
  ``anchor_indices_``.
"""

import math
from numbers import Integral

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from torch import nn

from ._base import (
    EARLY_STOPPING_ATTRIBUTES,
    EARLY_STOPPING_ATTRIBUTES_DOC,
    GAME_PARAMETER_CONSTRAINTS,
    GAME_PARAMETERS_DOC,
    check_trained,
    draw_seeds,
    unfitted_on_failure,
)
from ._validation import (
    check_raw_input,
    check_sample_counts,
    check_sampling_strategy_dict,
)
from .classifier import GAMOClassifier
from .composites import adam
from .image import as_images, check_image_shape, class_anchors
from .networks import LEAKY_SLOPE
from .sampler import share_rows

# Rows generated and decoded per chunk.
GENERATION_CHUNK = 1024
ENCODER_WIDTH = 128
DECODER_CHANNELS = 32


class EncoderHead(nn.Module):
    """The VAE encoder after the frozen F: ``Dense(128, tanh)``, then the mean
    and log-variance heads."""

    def __init__(self, n_features, latent_dim, width=ENCODER_WIDTH):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(n_features, width), nn.Tanh())
        self.mean = nn.Linear(width, latent_dim)
        self.log_var = nn.Linear(width, latent_dim)

    def forward(self, features):
        """Return ``(mean, log_var)`` of the posterior over the latent code."""
        h = self.hidden(features)
        return self.mean(h), self.log_var(h)


class ImageDecoder(nn.Module):
    """The reference decoder, for images of any size.

    The dense layer fills a ``(32, ceil(H/4), ceil(W/4))`` map; two stride-2
    transposed convolutions upsample it 4x, a last convolution maps it to the
    image's channels, and the result is cropped to ``(H, W)``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the output images.
    latent_dim : int
        Width of the latent code.
    channels : int, default=32
        Channels of the hidden maps.

    Examples
    --------
    >>> import torch
    >>> from gamo_sampler.gamo2pix import ImageDecoder
    >>> ImageDecoder((3, 30, 30), latent_dim=8)(torch.zeros(2, 8)).shape
    torch.Size([2, 3, 30, 30])
    """

    def __init__(self, image_shape, latent_dim, channels=DECODER_CHANNELS):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        n_channels, height, width = self.image_shape
        self.grid = (channels, math.ceil(height / 4), math.ceil(width / 4))
        self.dense = nn.Sequential(
            nn.Linear(latent_dim, math.prod(self.grid)), nn.LeakyReLU(LEAKY_SLOPE)
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1),
            nn.LeakyReLU(LEAKY_SLOPE),
            # Keras' padding='same' for an even kernel: one row/column before,
            # two after.
            nn.ZeroPad2d((1, 2, 1, 2)),
            nn.Conv2d(channels, n_channels, 4),
            nn.Tanh(),
        )

    def forward(self, z):
        """Decode latent codes ``(n, latent_dim)`` into images in (-1, 1)."""
        _, height, width = self.image_shape
        maps = self.dense(z).view(len(z), *self.grid)
        return self.upsample(maps)[:, :, :height, :width]


class ClassVAE(nn.Module):
    """One class's GAMO2pix model: encoder head and decoder (F is kept apart)."""

    def __init__(self, n_features, image_shape, latent_dim):
        super().__init__()
        self.head = EncoderHead(n_features, latent_dim)
        self.decoder = ImageDecoder(image_shape, latent_dim)

    def forward(self, features, noise):
        """Encode features, draw a code with ``noise`` and decode it.

        Returns
        -------
        images, mean, log_var : torch.Tensor
        """
        mean, log_var = self.head(features)
        return self.decoder(reparameterize(mean, log_var, noise)), mean, log_var


def reparameterize(mean, log_var, noise):
    """Draw ``z ~ N(mean, exp(log_var))`` as ``mean + exp(log_var / 2) * noise``.

    ``log_var`` is a log-variance, as in :func:`kl_divergence`.

    Examples
    --------
    >>> import torch
    >>> reparameterize(torch.zeros(1), torch.log(torch.tensor([4.0])),
    ...                torch.ones(1))
    tensor([2.])
    """
    return mean + torch.exp(0.5 * log_var) * noise


def kl_divergence(mean, log_var):
    """``KL(N(mean, exp(log_var)) || N(0, I))`` per row, summed over the code.

    Examples
    --------
    >>> import torch
    >>> kl_divergence(torch.zeros(1, 3), torch.zeros(1, 3))
    tensor([0.])
    """
    return 0.5 * (mean.pow(2) + log_var.exp() - 1 - log_var).sum(dim=1)


def vae_loss(images, reconstruction, mean, log_var):
    """Sum of squared pixel errors plus the KL term, averaged over the batch.

    The reference weighs its per-pixel MSE by the number of pixels, which is
    this sum.
    """
    squared_error = (reconstruction - images).pow(2).flatten(1).sum(dim=1)
    return (squared_error + kl_divergence(mean, log_var)).mean()


def init_glorot_all_(module, generator):
    """Glorot-uniform kernels and zero biases for every dense and (transposed)
    convolution layer, from ``generator``."""
    for sub in module.modules():
        if isinstance(sub, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
            nn.init.xavier_uniform_(sub.weight, generator=generator)
            nn.init.zeros_(sub.bias)
    return module


def train_class_vae(features, images, latent_dim, max_iter, batch_size, lr, seed):
    """Train one class's VAE on its real images, F frozen.

    F is frozen, so the class's features are computed once and passed in.

    Parameters
    ----------
    features : torch.Tensor of shape (n, n_features)
        F-features of the class's images.
    images : torch.Tensor of shape (n, C, H, W)
        The images, scaled to [-1, 1], in the same order.
    latent_dim, max_iter, batch_size : int
        Size of the code, number of updates, images per update.
    lr : float
        Adam learning rate (beta1 = 0.5).
    seed : int
        Seed of the initialisation, the batches and the noise.

    Returns
    -------
    vae : ClassVAE
        In evaluation mode.
    history : ndarray of shape (max_iter,)
        Loss of each update.
    """
    device = features.device
    rng = torch.Generator().manual_seed(seed)
    noise_rng = torch.Generator(device=device).manual_seed(seed + 1)
    with torch.random.fork_rng(devices=[]):
        vae = ClassVAE(features.shape[1], images.shape[1:], latent_dim)
    vae = init_glorot_all_(vae, rng).to(device).train()
    optimizer = adam(vae.parameters(), lr)
    history = torch.empty(max_iter, device=device)
    n, cursor, order = len(images), len(images), None
    for it in range(max_iter):
        if cursor >= n:
            order, cursor = torch.randperm(n, generator=rng).to(device), 0
        batch = order[cursor : cursor + batch_size]
        cursor += batch_size
        noise = torch.randn(len(batch), latent_dim, device=device, generator=noise_rng)
        loss = vae_loss(images[batch], *vae(features[batch], noise))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history[it] = loss.detach()
    return vae.cpu().eval(), history.cpu().numpy().astype(np.float64)


class GAMO2PixSampler(BaseOverSampler):
    """GAMO on images, returning synthetic images through GAMO2pix.

    Plays GAMO's image game (:class:`GAMOClassifier` with a feature extractor
    F), then trains one GAMO2pix VAE per oversampled class on that class's real
    images, with the frozen F as encoder, and decodes the generator's feature
    vectors into images. Use it where an image-space over-sampler is wanted,
    for example in an imbalanced-learn pipeline before an image classifier.

    Parameters
    ----------
    {sampling_strategy}

    {game_parameters}

    image_shape : tuple of int or None, default=None
        ``(channels, height, width)`` when X holds the images as flat rows;
        None for a 4-D X ``(n_samples, channels, height, width)``.

    feature_extractor : 'conv', torch.nn.Module or callable, default='conv'
        The feature extractor F; see :class:`GAMOClassifier`.

    decoder_max_iter : int, default=2000
        Updates of each class's VAE (batch ``batch_size``). The reference ran
        25,000 per class.

    decoder_latent_dim : int, default=100
        Width of the VAE's latent code.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of images generated for each class.

    classes_ : ndarray of shape (n_classes,)
        Class labels.

    oversampled_classes_ : ndarray
        Labels of the generator's classes, in its order.

    gamo_ : GAMOClassifier
        The fitted image game (F, M and the generator), or None if no class
        needed images.

    generator_ : torch.nn.Module or None
        The fitted convex generator, ``gamo_.generator_``.

    feature_extractor_ : torch.nn.Module or None
        The fitted F, ``gamo_.feature_extractor_``.

    decoders_ : list of ClassVAE
        GAMO2pix model of each oversampled class, in the generator's order.

    decoder_history_ : list of ndarray
        Loss of each VAE update, per oversampled class.

    anchor_indices_ : list of ndarray
        Per oversampled class, the training images (indices into X) whose
        features the generator combines, in the order of its convex weights.

    image_shape_ : tuple of int
        ``(channels, height, width)`` of the images.

    history_ : dict of ndarray
        Per-iteration losses of the game.

    n_iter_ : int
        Number of game iterations run.

    {early_stopping_attributes}

    n_features_in_ : int
        Number of features seen in ``fit_resample`` (channels for 4-D input).

    See Also
    --------
    GAMOClassifier : The classifier trained in the same game.
    GAMOSampler : GAMO on tabular rows.

    Notes
    -----
    The returned X holds the original images, unchanged and in order, followed
    by the decoded synthetic images, in the layout of the input (flat rows or
    4-D) and its dtype. Decoded pixels lie within the training images' range.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler import GAMO2PixSampler
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(50, 1, 8, 8).astype(np.float32)
    >>> y = np.array([0] * 40 + [1] * 10)
    >>> sampler = GAMO2PixSampler(max_iter=4, decoder_max_iter=4,
    ...                           random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((80, 1, 8, 8), [40, 40])
    """

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        **GAME_PARAMETER_CONSTRAINTS,
        "image_shape": [None, "array-like"],
        "feature_extractor": [StrOptions({"conv"}), nn.Module, callable],
        "decoder_max_iter": [Interval(Integral, 1, None, closed="left")],
        "decoder_latent_dim": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        sampling_strategy="auto",
        *,
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
        device="auto",
        random_state=None,
        verbose=False,
        n_threads=1,
        image_shape=None,
        feature_extractor="conv",
        decoder_max_iter=2000,
        decoder_latent_dim=100,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
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
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads
        self.image_shape = image_shape
        self.feature_extractor = feature_extractor
        self.decoder_max_iter = decoder_max_iter
        self.decoder_latent_dim = decoder_latent_dim

    def fit(self, X, y, **params):
        """Check inputs and resolve ``sampling_strategy_``; use ``fit_resample``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Training images.
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Not used.

        Returns
        -------
        self : GAMO2PixSampler
            The sampler.
        """
        with unfitted_on_failure(self):
            check_raw_input(X, y)
            return super().fit(X, y, **params)

    def fit_resample(self, X, y, **params):
        """Train GAMO and the decoders, and return the images with synthetic ones
        appended.

        A fit that fails or is interrupted leaves the sampler unfitted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Training images, flat or 4-D.
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Not used.

        Returns
        -------
        X_resampled : ndarray
            The original images, unchanged and in order, then the synthetic ones,
            in the layout of ``X``.
        y_resampled : ndarray of shape (n_samples_new,)
            Their labels.
        """
        with unfitted_on_failure(self):
            check_raw_input(X, y)
            return super().fit_resample(X, y, **params)

    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(
            self, X=X, y=y, reset=True, dtype=[np.float64, np.float32], allow_nd=True
        )
        if self.image_shape is not None:
            check_image_shape(self.image_shape)
        as_images(X, self.image_shape)
        check_sampling_strategy_dict(self.sampling_strategy, y)
        return X, y, binarize_y

    def _game(self, seed):
        params = {
            name: getattr(self, name)
            for name in GAMOClassifier._parameter_constraints
            if name
            not in (
                "sampling_strategy",
                "random_state",
                "standardize",
                "categorical_features",
            )
        }
        # The user's sampling_strategy, not sampling_strategy_: a dict means
        # target counts there, but counts to generate here.
        return GAMOClassifier(
            sampling_strategy=self.sampling_strategy, random_state=seed, **params
        )

    def _fit_resample(self, X, y):
        game_seed, decoder_seed, sample_seed = draw_seeds(self.random_state, 3)
        self.classes_ = np.unique(y)
        self.image_shape_ = as_images(X, self.image_shape).shape[1:]
        self.decoders_, self.decoder_history_, self.anchor_indices_ = [], [], []
        self.gamo_ = self.generator_ = self.feature_extractor_ = None
        self.oversampled_classes_ = self.classes_[:0]
        self.history_, self.n_iter_ = {}, 0
        for name in EARLY_STOPPING_ATTRIBUTES:
            setattr(self, name, None)
        if not any(n > 0 for n in self.sampling_strategy_.values()):
            return X.copy(), y.copy()

        gamo = self._game(game_seed).fit(X, y)
        self.gamo_, self.generator_ = gamo, gamo.generator_
        self.feature_extractor_ = gamo.feature_extractor_
        self.history_, self.n_iter_ = gamo.history_, gamo.n_iter_
        for name in EARLY_STOPPING_ATTRIBUTES:
            setattr(self, name, getattr(gamo, name))
        codes = gamo.generator_.class_codes.numpy()
        self.oversampled_classes_ = self.classes_[codes]
        images = torch.as_tensor(
            as_images(gamo.standardizer_.transform(X), self.image_shape)
        )
        device = gamo.device_
        # The generator's anchors hold the features of these images, in this
        # order: keep it, never shuffle.
        self.anchor_indices_ = list(gamo.anchor_indices_)
        for j, index in enumerate(self.anchor_indices_):
            vae, history = train_class_vae(
                class_anchors(self.generator_, j).to(device),
                images[index].to(device),
                self.decoder_latent_dim,
                self.decoder_max_iter,
                self.batch_size,
                self.learning_rate,
                decoder_seed + j,
            )
            self.decoders_.append(vae)
            self.decoder_history_.append(history)

        X_new, y_new = self._generate(self.sampling_strategy_, sample_seed, y.dtype)
        X_new = X_new.astype(X.dtype).reshape(-1, *X.shape[1:])
        return np.concatenate([X, X_new]), np.concatenate([y, y_new])

    def _class_index(self, label):
        labels = self.oversampled_classes_.tolist()
        if label not in labels:
            raise ValueError(
                f"Class {label!r} was not oversampled; GAMO2pix only has decoders "
                f"for {labels!r}."
            )
        return labels.index(label)

    def sample_features(self, n_samples, label, random_state=None):
        """Draw generated feature vectors of one class.

        Each is ``alpha @ anchors``, a convex combination of the F-features of
        the class's training images (``anchor_indices_``).

        Parameters
        ----------
        n_samples : int
            Number of vectors.
        label : object
            An oversampled class.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
        weights : ndarray of shape (n_samples, n_anchors)
            The convex weights, one column per image of ``anchor_indices_``.

        Examples
        --------
        >>> import numpy as np
        >>> from gamo_sampler import GAMO2PixSampler
        >>> rng = np.random.RandomState(0)
        >>> X = rng.rand(30, 1, 8, 8)
        >>> y = np.array([0] * 24 + [1] * 6)
        >>> sampler = GAMO2PixSampler(max_iter=2, decoder_max_iter=2,
        ...                           random_state=0)
        >>> _ = sampler.fit_resample(X, y)
        >>> features, weights = sampler.sample_features(3, 1, random_state=0)
        >>> features.shape, weights.shape
        ((3, 512), (3, 6))
        """
        check_trained(self, "decoders_")
        check_sample_counts(n_samples, allow_dict=False)
        j = self._class_index(label)
        (seed,) = draw_seeds(random_state, n_seeds=1)
        rng = torch.Generator().manual_seed(seed)
        z = torch.randn(n_samples, self.generator_.latent_dim, generator=rng)
        with torch.no_grad():
            weights = self.generator_.eval().class_weights(z, j)
            features = weights @ class_anchors(self.generator_, j)
        return features.numpy(), weights.numpy()

    def decode(self, features, label, random_state=None):
        """Decode feature vectors into images with the VAE of class ``label``.

        Parameters
        ----------
        features : array-like of shape (n_samples, n_features)
            Feature vectors, e.g. from :meth:`sample_features`.
        label : object
            An oversampled class.
        random_state : int, RandomState instance or None, default=None
            Seeds the VAE's latent noise.

        Returns
        -------
        images : ndarray of shape (n_samples, C, H, W)
            In the units of the training images.
        """
        check_trained(self, "decoders_")
        vae = self.decoders_[self._class_index(label)]
        features = np.asarray(features, dtype=np.float64)
        width = class_anchors(self.generator_, 0).shape[1]
        if features.ndim != 2 or features.shape[1] != width:
            raise ValueError(
                f"features must have shape (n_samples, {width}), the width of the "
                f"feature extractor's output; got shape {features.shape}. Draw "
                "them with sample_features."
            )
        (seed,) = draw_seeds(random_state, n_seeds=1)
        rng = torch.Generator().manual_seed(seed)
        features = torch.as_tensor(features, dtype=torch.float32)
        parts = []
        with torch.no_grad():
            for start in range(0, len(features), GENERATION_CHUNK):
                rows = features[start : start + GENERATION_CHUNK]
                mean, log_var = vae.head(rows)
                noise = torch.randn(mean.shape, generator=rng)
                parts.append(vae.decoder(reparameterize(mean, log_var, noise)))
        if not parts:
            return np.empty((0, *self.image_shape_))
        scaled = torch.cat(parts).double().numpy()
        return self.gamo_.standardizer_.inverse_transform(scaled)

    def sample_images(self, n_samples, random_state=None):
        """Draw new synthetic images.

        Parameters
        ----------
        n_samples : int or dict
            If int, the total number of images, shared among the oversampled
            classes in proportion to ``sampling_strategy_``. If dict, the
            number of images for each class label.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw.

        Returns
        -------
        images : ndarray of shape (n_new, C, H, W)
            Synthetic images, grouped by class, in the training images' units.
        y_new : ndarray of shape (n_new,)
            Their labels.
        """
        check_trained(self, "decoders_")
        check_sample_counts(n_samples)
        if self.gamo_ is None:
            raise ValueError(
                "No class was oversampled during fit_resample, so there is no "
                "generator to sample from."
            )
        if isinstance(n_samples, dict):
            for label in n_samples:
                self._class_index(label)
            counts = n_samples
        else:
            counts = share_rows(int(n_samples), self.sampling_strategy_)
        (seed,) = draw_seeds(random_state, n_seeds=1)
        return self._generate(counts, seed, self.classes_.dtype)

    def _generate(self, counts, seed, y_dtype):
        images, labels = [], []
        rng = np.random.RandomState(seed)
        for label, n_rows in counts.items():
            if n_rows <= 0:
                continue
            features, _ = self.sample_features(n_rows, label, random_state=rng)
            images.append(self.decode(features, label, random_state=rng))
            labels.append(np.full(n_rows, label, dtype=y_dtype))
        if not images:
            return np.empty((0, *self.image_shape_)), np.empty(0, dtype=y_dtype)
        return np.concatenate(images), np.concatenate(labels)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        return tags


GAMO2PixSampler.__doc__ = GAMO2PixSampler.__doc__.format(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    game_parameters=GAME_PARAMETERS_DOC,
    early_stopping_attributes=EARLY_STOPPING_ATTRIBUTES_DOC,
)
