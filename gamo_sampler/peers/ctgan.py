"""A CTGAN over-sampler: a conditional tabular GAN trained with the class as its
condition, then asked for each minority class's deficit."""

from __future__ import annotations

import math
import numbers
import warnings

import joblib
import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._base import torch_threads
from .registry import PEERS, require

__all__ = ["CTGANSampler"]

CLASS_COLUMN = "class"
# Conditioned draws whose generated class is another one are drawn again, in at
# most this many rounds and this many rows per row asked for.
MAX_ROUNDS = 5
MAX_DRAWS_PER_ROW = 50
# Updates of ``epochs="auto"``: what CTGAN's default 300 epochs give a table of
# fewer than two batches of rows, the small tables over-sampling is for.
AUTO_UPDATES = 300


class CTGANSampler(BaseOverSampler):
    """Over-sample with CTGAN, the class being CTGAN's conditional column.

    CTGAN (Xu et al., "Modeling Tabular Data using Conditional GAN", NeurIPS
    2019; the ``ctgan`` package) is the conditional GAN a tabular user reaches
    for. This sampler trains one CTGAN on the training rows, features as
    continuous columns and the class as its one discrete column, so that the
    generator learns to make rows of a class it is given. Each class that
    ``sampling_strategy`` grows then gets its deficit from
    ``sample(n, condition_column="class", condition_value=c)``.

    CTGAN's conditioning is learned, not enforced: a conditioned row may come
    out with another class in its class column. Such rows are set aside and
    the class is drawn again (at most 5 rounds, 50 rows drawn per row asked
    for). If still short, set-aside rows fill the gap, labelled by their
    condition, with a warning; :attr:`n_relabelled_` counts them.

    Needs ``ctgan``: ``pip install "ctgan>=0.12,<0.13"``, or
    ``pip install -e ".[peers]"`` from a clone of gamo-sampler.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        Which classes to grow and to what size, as in imbalanced-learn's
        over-samplers.
    random_state : int, RandomState instance or None, default=None
        Seeds CTGAN's training and draws (numpy and torch).
    epochs : int or "auto", default=300
        Passes over the training rows (CTGAN's default). An epoch is
        ``max(n_rows // batch_size, 1)`` updates, so a table smaller than
        ``batch_size`` gets one update per epoch, and the cost of 300 epochs
        grows with the rows. ``"auto"`` trains for about 300 updates whatever
        the rows: ``max(1, round(300 / updates_per_epoch))`` epochs, which is
        CTGAN's default on a table of fewer than ``2 * batch_size`` rows.
    batch_size : int, default=500
        Rows per update (CTGAN's default); a multiple of ``pac`` and even.
    embedding_dim : int, default=128
        Size of the generator's noise input.
    generator_dim : tuple of int, default=(256, 256)
        Widths of the generator's residual layers.
    discriminator_dim : tuple of int, default=(256, 256)
        Widths of the discriminator's layers.
    pac : int, default=10
        Rows the discriminator judges together (PacGAN).
    device : str, default="auto"
        Torch device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
    n_threads : int or None, default=1
        CPU threads torch may use during the fit, then restored, as in
        :class:`~gamo_sampler.GAMOSampler`: CTGAN's networks are small, and
        threads that wait for each other on a busy machine make it many times
        slower. None leaves torch's own setting.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows made for each class.
    epochs_ : int
        Epochs trained: ``epochs``, or those ``"auto"`` chose.
    synthesizer_ : ctgan.CTGAN
        The trained CTGAN; its class column holds ``"class_<i>"`` for the i-th
        class of ``np.unique(y)``.
    n_relabelled_ : dict
        Per grown class, rows labelled by their condition although CTGAN gave
        them another class (0 when the conditioning held).
    n_features_in_ : int
        Number of features seen by ``fit_resample``.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.peers import CTGANSampler
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), np.array([0] * 50 + [1] * 10)
    >>> sampler = CTGANSampler(epochs=5, batch_size=20, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)  # doctest: +SKIP
    >>> np.bincount(y_res).tolist()  # doctest: +SKIP
    [50, 50]
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "epochs": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "embedding_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "generator_dim": [tuple, list],
        "discriminator_dim": [tuple, list],
        "pac": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str],
        "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        epochs=300,
        batch_size=500,
        embedding_dim=128,
        generator_dim=(256, 256),
        discriminator_dim=(256, 256),
        pac=10,
        device="auto",
        n_threads=1,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.epochs = epochs
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.pac = pac
        self.device = device
        self.n_threads = n_threads

    def _check_X_y(self, X, y):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(self, X=X, y=y, reset=True, dtype=[np.float64, np.float32])
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        with torch_threads(self.n_threads):
            return self._train_and_draw(X, y)

    def _train_and_draw(self, X, y):
        import pandas as pd

        from ..game import resolve_device

        ctgan = require("ctgan", PEERS["ctgan"].install)
        if self.batch_size % 2 or self.batch_size % self.pac:
            raise ValueError(
                f"batch_size={self.batch_size} must be even and a multiple of "
                f"pac={self.pac} (CTGAN groups pac rows per discriminator input)."
            )
        device = resolve_device(self.device)
        classes = np.unique(y)
        codes = np.array([f"class_{i}" for i in range(len(classes))], dtype=object)
        table = pd.DataFrame(
            X.astype(np.float64), columns=[f"x{j}" for j in range(X.shape[1])]
        )
        table[CLASS_COLUMN] = codes[np.searchsorted(classes, y)]
        self.epochs_ = (
            auto_epochs(len(X), self.batch_size)
            if self.epochs == "auto"
            else int(self.epochs)
        )

        model = ctgan.CTGAN(
            embedding_dim=self.embedding_dim,
            generator_dim=tuple(self.generator_dim),
            discriminator_dim=tuple(self.discriminator_dim),
            batch_size=self.batch_size,
            epochs=self.epochs_,
            pac=self.pac,
            enable_gpu=device.type == "cuda",
        )
        model.set_device(device)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        model.set_random_state(int(seed))
        # CTGAN transforms the columns of tables of 500 rows or more in loky
        # processes, on every core: on the small tables over-sampling is for,
        # starting them costs more than it saves, and they fight for shared cores.
        with joblib.parallel_config(backend="sequential"):
            model.fit(table, discrete_columns=[CLASS_COLUMN])
        self.synthesizer_ = model

        X_parts, y_parts = [X], [y]
        self.n_relabelled_ = {}
        for label, n_samples in self.sampling_strategy_.items():
            if n_samples == 0:
                continue
            code = codes[np.searchsorted(classes, label)]
            with joblib.parallel_config(backend="sequential"):
                rows, relabelled = _draw_class(model, code, n_samples)
            if relabelled:
                warnings.warn(
                    f"CTGANSampler: {relabelled} of the {n_samples} rows made for "
                    f"class {label} came out of CTGAN as another class and are "
                    "labelled by their condition; more epochs tighten CTGAN's "
                    "conditioning.",
                    UserWarning,
                    stacklevel=3,
                )
            self.n_relabelled_[label] = int(relabelled)
            X_parts.append(rows.astype(X.dtype, copy=False))
            y_parts.append(np.full(n_samples, label, dtype=y.dtype))
        return np.vstack(X_parts), np.hstack(y_parts)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def auto_epochs(n_rows, batch_size):
    """Epochs of about ``AUTO_UPDATES`` updates on ``n_rows`` training rows.

    Examples
    --------
    >>> from gamo_sampler.peers.ctgan import auto_epochs
    >>> auto_epochs(400, 500), auto_epochs(1200, 500), auto_epochs(5148, 500)
    (300, 150, 30)
    """
    updates_per_epoch = max(n_rows // batch_size, 1)
    return max(1, round(AUTO_UPDATES / updates_per_epoch))


def _draw_class(model, code, n_samples):
    """``n_samples`` rows conditioned on class ``code``, those that CTGAN also
    generated as ``code`` first; returns them and how many are not."""
    kept, set_aside = [], []
    n_kept, n_drawn = 0, 0
    for _ in range(MAX_ROUNDS):
        missing = n_samples - n_kept
        rate = n_kept / n_drawn if n_drawn else 1.0
        size = min(
            math.ceil(1.2 * missing / max(rate, 1 / MAX_DRAWS_PER_ROW)) + 10,
            MAX_DRAWS_PER_ROW * n_samples - n_drawn,
        )
        if size <= 0:
            break
        drawn = model.sample(size, condition_column=CLASS_COLUMN, condition_value=code)
        same = (drawn[CLASS_COLUMN] == code).to_numpy()
        features = drawn.drop(columns=CLASS_COLUMN).to_numpy(dtype=np.float64)
        kept.append(features[same])
        set_aside.append(features[~same])
        n_kept += int(same.sum())
        n_drawn += size
        if n_kept >= n_samples:
            break
    rows = np.vstack(kept)[:n_samples]
    relabelled = n_samples - len(rows)
    if relabelled:
        rows = np.vstack([rows, np.vstack(set_aside)[:relabelled]])
    return rows, relabelled
