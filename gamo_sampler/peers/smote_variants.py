"""Any over-sampler of smote-variants as an imbalanced-learn sampler."""

from __future__ import annotations

import contextlib
import inspect
import logging

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from .registry import PEERS, require

__all__ = ["SmoteVariantsSampler"]

# Variants such as polynom_fit_SMOTE_star round the number of rows they make:
# ask again for more, up to this many times, then keep a random subset.
MAX_ATTEMPTS = 4


class SmoteVariantsSampler(BaseOverSampler):
    """An over-sampler of ``smote-variants`` as an imbalanced-learn sampler.

    smote-variants implements 85 SMOTE variants behind a ``sample(X, y)``
    method for binary problems, with its own way of saying how many rows to
    make. This wrapper gives any of them imbalanced-learn's ``fit_resample``,
    ``sampling_strategy`` and ``random_state``, so that it fits in a
    :class:`imblearn.pipeline.Pipeline` like :class:`~imblearn.over_sampling.SMOTE`.

    Each class that ``sampling_strategy`` grows is over-sampled against all the
    other rows (one against the rest, as smote-variants' own
    ``MulticlassOversampling`` with ``strategy="equalize_1_vs_many"`` does),
    and gets exactly the number of new rows asked for. Every training row is
    kept: variants that also filter the data (SMOTE-IPF) contribute only their
    synthetic rows that pass their filter.

    Needs ``smote-variants``: ``pip install --no-deps smote-variants==1.0.1``
    plus its light requirements (metric-learn, minisom, seaborn), which
    ``pip install -e ".[peers]"`` installs. ``--no-deps`` skips tensorflow,
    keras and mkl, which smote-variants declares but only its DEAGO variant
    uses.

    Parameters
    ----------
    variant : str, default="polynom_fit_SMOTE_star"
        Class name of a smote-variants over-sampler that has a ``proportion``
        parameter, e.g. ``"ProWSyn"``, ``"SMOTE_IPF"``, ``"Lee"``.
    variant_params : dict or None, default=None
        Other parameters of the variant (``n_neighbors``, ...). ``proportion``
        and ``random_state`` are set by this wrapper.
    sampling_strategy : float, str, dict or callable, default="auto"
        Which classes to grow and to what size, as in imbalanced-learn's
        over-samplers.
    random_state : int, RandomState instance or None, default=None
        Seeds the variant (one seed per class) and the choice of rows when a
        variant makes more than asked for.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows made for each class.
    n_features_in_ : int
        Number of features seen by ``fit_resample``.

    Examples
    --------
    >>> import numpy as np
    >>> from gamo_sampler.peers import SmoteVariantsSampler
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), np.array([0] * 50 + [1] * 10)
    >>> sampler = SmoteVariantsSampler("ProWSyn", random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)  # doctest: +SKIP
    >>> np.bincount(y_res).tolist()  # doctest: +SKIP
    [50, 50]
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "variant": [str],
        "variant_params": [dict, None],
    }

    def __init__(
        self,
        variant="polynom_fit_SMOTE_star",
        *,
        variant_params=None,
        sampling_strategy="auto",
        random_state=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.variant = variant
        self.variant_params = variant_params
        self.random_state = random_state

    def _check_X_y(self, X, y):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        # Integer features become float64: the new rows lie between the old ones.
        X, y = validate_data(
            self,
            X=X,
            y=y,
            reset=True,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        variant = self._variant_class()
        rng = check_random_state(self.random_state)
        dense = X.toarray() if sparse.issparse(X) else X
        X_parts, y_parts = [X], [y]
        for label, n_samples in self.sampling_strategy_.items():
            if n_samples == 0:
                continue
            seed = int(rng.randint(np.iinfo(np.int32).max))
            rows = self._synthesise(variant, dense, y == label, n_samples, seed, label)
            rows = rows.astype(X.dtype, copy=False)
            X_parts.append(sparse.csr_matrix(rows) if sparse.issparse(X) else rows)
            y_parts.append(np.full(n_samples, label, dtype=y.dtype))
        if sparse.issparse(X):
            return sparse.vstack(X_parts, format=X.format), np.hstack(y_parts)
        return np.vstack(X_parts), np.hstack(y_parts)

    def _variant_class(self):
        smote_variants = require("smote_variants", PEERS["prowsyn"].install)
        variant = getattr(smote_variants, self.variant, None)
        base = smote_variants.base.OverSamplingBase
        if not (inspect.isclass(variant) and issubclass(variant, base)):
            raise ValueError(
                f"smote-variants has no over-sampler {self.variant!r}; "
                "smote_variants.get_all_oversamplers() lists them, e.g. "
                "'polynom_fit_SMOTE_star', 'ProWSyn', 'SMOTE_IPF', 'Lee'."
            )
        if "proportion" not in inspect.signature(variant).parameters:
            raise ValueError(
                f"smote-variants' {self.variant} has no proportion parameter, so "
                "the number of rows it makes cannot be set; choose another variant."
            )
        return variant

    def _variant_params(self, variant, proportion, seed):
        params = dict(self.variant_params or {})
        accepted = inspect.signature(variant).parameters
        # smote-variants' constructors swallow unknown keywords (**_kwargs).
        unknown = sorted(set(params) - set(accepted) - {"proportion"})
        if unknown:
            raise ValueError(
                f"smote-variants' {self.variant} has no parameter(s) {unknown}; "
                f"it takes {sorted(set(accepted) - {'_kwargs'})}."
            )
        return {**params, "proportion": proportion, "random_state": seed}

    def _synthesise(self, variant, X, is_target, n_samples, seed, label):
        """``n_samples`` new rows of the class ``is_target`` marks, made by the
        variant on the binary problem of that class against the rest."""
        y_binary = is_target.astype(np.int64)
        n_class, n_rest = int(is_target.sum()), int((~is_target).sum())
        if n_class >= n_rest:
            raise ValueError(
                f"Class {label} has {n_class} rows and the other classes "
                f"{n_rest}: smote-variants grows only a class smaller than all "
                "the others together. Leave it out of sampling_strategy."
            )
        made, asked = [], n_samples
        for attempt in range(MAX_ATTEMPTS):
            # smote-variants makes int((n_rest - n_class) * proportion) rows.
            proportion = (asked + 0.5) / (n_rest - n_class)
            params = self._variant_params(variant, proportion, seed + attempt)
            with _smote_variants_log() as log:
                X_out, y_out = variant(**params).sample(X, y_binary)
            new = _synthetic_rows(X, y_binary, np.asarray(X_out), np.asarray(y_out))
            if len(new) == 0:
                reason = log[-1] if log else "no reason given"
                raise RuntimeError(
                    f"smote-variants' {self.variant} made no rows for class "
                    f"{label} ({n_class} rows against {n_rest}): {reason}."
                )
            made.append(new)
            if sum(map(len, made)) >= n_samples:
                break
            asked *= 2
        rows = np.vstack(made)
        if len(rows) < n_samples:
            raise RuntimeError(
                f"smote-variants' {self.variant} made {len(rows)} of the "
                f"{n_samples} rows asked for class {label} in {MAX_ATTEMPTS} tries."
            )
        if len(rows) > n_samples:
            keep = check_random_state(seed).choice(len(rows), n_samples, replace=False)
            rows = rows[np.sort(keep)]
        return rows

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags


def _synthetic_rows(X, y, X_out, y_out):
    """The rows of class 1 that a variant appended to the training rows.

    smote-variants returns the training rows first, in order, then the new
    ones; a filtering variant (SMOTE-IPF) may have deleted some of both.
    """
    if X_out.ndim != 2 or X_out.shape[1] != X.shape[1]:
        raise ValueError(
            f"The variant returned an array of shape {X_out.shape} for rows of "
            f"{X.shape[1]} features: variants that transform the features are not "
            "supported."
        )
    n = len(X)
    if len(X_out) >= n and np.array_equal(X_out[:n], X):
        kept = n
    else:
        kept = _kept_training_rows(X, y, X_out, y_out)
        if kept == 0:
            raise ValueError(
                "The variant returned none of the training rows: variants that "
                "transform or replace the data are not supported."
            )
    return X_out[kept:][y_out[kept:] == 1]


def _kept_training_rows(X, y, X_out, y_out):
    """How many leading rows of ``X_out`` are training rows kept in order."""
    j = 0
    for i in range(len(X)):
        if j < len(X_out) and y_out[j] == y[i] and np.array_equal(X_out[j], X[i]):
            j += 1
    return j


@contextlib.contextmanager
def _smote_variants_log():
    """Silence smote-variants' INFO lines on stderr; yield what they said.

    Its logger writes every step to stderr at level DEBUG. The last message
    says why a variant returned no new rows ("returning copies for ...").
    """
    logger = logging.getLogger("smote_variants")
    messages = []
    recorder = logging.Handler(level=logging.INFO)
    recorder.emit = lambda record: messages.append(record.getMessage())
    levels = [(handler, handler.level) for handler in logger.handlers]
    for handler, _ in levels:
        handler.setLevel(logging.WARNING)
    logger.addHandler(recorder)
    try:
        yield messages
    finally:
        logger.removeHandler(recorder)
        for handler, level in levels:
            handler.setLevel(level)
