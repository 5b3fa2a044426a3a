"""Settings of a benchmark run: :class:`BenchmarkConfig`, the metrics and the
model plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from .data import check_datasets, expand_datasets
from .metrics import METRICS
from .models import CLASSIFIERS, CORE_SAMPLERS, SAMPLERS, STANDALONE_CLASSIFIERS

__all__ = [
    "DEFAULT_CONFIG",
    "METRICS",
    "QUICK_SETTINGS",
    "BenchmarkConfig",
    "Model",
    "expand_datasets",
]

PROTOCOLS = ("auto", "cv", "holdout")
MAX_SEED = 2**32 - 1  # NumPy's and scikit-learn's largest seed


def _check_keys(keys, known, what):
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValueError(f"Unknown {what} {unknown}; choose among {', '.join(known)}.")
    if not keys:
        raise ValueError(f"At least one {what} is needed.")


def _check_positive_or_auto(name, value):
    # bool is an int: True is no number of iterations.
    if value != "auto" and not (
        isinstance(value, int) and not isinstance(value, bool) and value >= 1
    ):
        raise ValueError(f"{name} must be an integer >= 1 or 'auto', got {value!r}.")


@dataclass(frozen=True)
class BenchmarkConfig:
    """Settings of a benchmark run.

    Parameters
    ----------
    datasets : tuple of str
        Dataset names understood by :func:`gamo_sampler.datasets.load_dataset`
        (``"digits"``, ``"keel:yeast4"``, ``"mixed:crx"``, ...), and the
        suite names of :func:`expand_datasets`.
    samplers : tuple of str
        Keys of :data:`~gamo_sampler.benchmark.SAMPLERS`; by default the core
        samplers, which need no optional package (see
        :func:`~gamo_sampler.benchmark.models.resolve_samplers` for ``"all"``).
    classifiers : tuple of str
        Keys of :data:`CLASSIFIERS`: downstream classifiers, fitted after
        every sampler, and the models of
        :data:`~gamo_sampler.benchmark.models.STANDALONE_CLASSIFIERS`, which
        handle the imbalance themselves and run once per split.
    folds : int
        Number of folds of the stratified k-fold.
    seeds : tuple of int
        One repetition per seed. Under cross-validation the seed shuffles the
        folds; under the holdout protocol it draws the dataset's
        train / test split (``random_state`` of its loader). It also seeds
        every sampler and model of that repetition.
    max_iter : int or "auto"
        Training iterations of every GAMO game and of the MLP; ``"auto"`` is
        the estimators' own default (50 epochs within 2,000 to 25,000
        iterations).
    device : str
        Torch device of GAMO, the MLP and CTGAN: ``"auto"``, ``"cpu"`` or
        ``"cuda"``.
    threads : int
        Threads of torch and of the BLAS libraries during the run; 0 leaves
        the libraries' own choice. The default, 1, is fastest for these small
        networks on a few cores, and much faster when the cores are shared.
    protocol : {"auto", "cv", "holdout"}
        ``"cv"``: stratified k-fold cross-validation on the training data of
        every dataset. ``"holdout"``: datasets that come with a protocol test
        set (``digits``, ``fmnist-ir100``, ``mnist``, all class-balanced) are
        trained on their whole imbalanced training set and scored on that
        test set, once per seed; datasets without one (KEEL, ``toy2d``) fall
        back to cross-validation. ``"auto"`` (default) is ``"holdout"``:
        small minority classes leave too few rows in a k-fold test part for
        G-mean to be stable (one error on a 2-row class zeroes it), and the
        balanced test set is the paper's protocol.
    ctgan_epochs : int or "auto"
        Training epochs of the CTGAN peer (CTGAN's own default, 300);
        ``"auto"`` gives it about 300 updates whatever the table's rows (see
        :class:`~gamo_sampler.peers.CTGANSampler`).
    """

    datasets: tuple = ("digits",)
    samplers: tuple = tuple(CORE_SAMPLERS)
    classifiers: tuple = ("mlp", "logreg", "forest", "gamo")
    folds: int = 5
    seeds: tuple = (0, 1, 2)
    max_iter: int = 500
    device: str = "auto"
    threads: int = 1
    protocol: str = "auto"
    ctgan_epochs: int = 300
    models: tuple = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "datasets", tuple(self.datasets))
        object.__setattr__(self, "samplers", tuple(self.samplers))
        object.__setattr__(self, "classifiers", tuple(self.classifiers))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        check_datasets(self.datasets)
        _check_keys(self.samplers, SAMPLERS, "sampler")
        _check_keys(self.classifiers, CLASSIFIERS, "classifier")
        if self.folds < 2:
            raise ValueError(f"folds must be >= 2, got {self.folds}.")
        _check_positive_or_auto("max_iter", self.max_iter)
        if not self.seeds:
            raise ValueError("At least one seed is needed.")
        bad = [seed for seed in self.seeds if not 0 <= seed <= MAX_SEED]
        if bad:
            raise ValueError(f"Seeds must be integers from 0 to 2**32 - 1, got {bad}.")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"Seeds repeat: {list(self.seeds)}; give each once.")
        if self.threads < 0:
            raise ValueError(
                f"threads must be >= 0 (0 leaves the libraries' choice), got "
                f"{self.threads}."
            )
        _check_positive_or_auto("ctgan_epochs", self.ctgan_epochs)
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}."
            )
        object.__setattr__(self, "models", _model_plan(self))


@dataclass(frozen=True)
class Model:
    """One compared model: a sampler feeding a classifier."""

    sampler: str
    classifier: str

    @property
    def standalone(self):
        """Whether the classifier handles the imbalance itself (no sampler)."""
        return self.classifier in STANDALONE_CLASSIFIERS

    @property
    def name(self):
        if self.standalone:
            return CLASSIFIERS[self.classifier]
        return f"{SAMPLERS[self.sampler]} + {CLASSIFIERS[self.classifier]}"

    @property
    def sampler_label(self):
        """The ``sampler`` column of its rows: GAMOClassifier's is
        ``"gamo (joint)"``, the other standalone models' ``"none"``."""
        return "gamo (joint)" if self.classifier == "gamo" else self.sampler


def _model_plan(config):
    """Models in run order: per sampler, every downstream classifier; then the
    standalone models, once each."""
    downstream = [c for c in config.classifiers if c not in STANDALONE_CLASSIFIERS]
    models = [Model(s, c) for s in config.samplers for c in downstream]
    models += [
        Model("none", c) for c in config.classifiers if c in STANDALONE_CLASSIFIERS
    ]
    return tuple(models)


DEFAULT_CONFIG = BenchmarkConfig()
"""The run of ``gamo-benchmark`` without arguments: imbalanced digits scored on
its balanced test set, the core samplers and the default classifiers (MLP,
LogReg, RF and GAMOClassifier), seeds 0, 1, 2,
500 iterations for GAMO and the MLP (about a minute on two CPU cores).
KEEL datasets get stratified 5-fold cross-validation, repeated per seed."""

QUICK_SETTINGS = {"folds": 2, "max_iter": 100, "seeds": (0,), "ctgan_epochs": 60}
"""What ``--quick`` changes: a smoke run, a few times faster than the default."""
