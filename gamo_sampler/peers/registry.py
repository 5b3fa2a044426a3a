"""Which optional packages each peer over-sampler needs, and how to install them."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass

__all__ = ["PEERS", "Peer", "missing_requirements", "require"]

_IMBLEARN_EXTRA = 'pip install "imbalanced-learn-extra>=0.2.10,<0.3"'
# smote-variants declares tensorflow, keras and mkl as requirements, yet only its
# DEAGO variant imports tensorflow (lazily). --no-deps skips them; the light
# requirements it does import come with the peers extra.
_SMOTE_VARIANTS = (
    'pip install -e ".[peers]" && pip install --no-deps "smote-variants==1.0.1"'
)
_CTGAN = 'pip install "ctgan>=0.12,<0.13"'
_SMOTE_VARIANTS_MODULES = ("smote_variants", "metric_learn", "minisom", "seaborn")


@dataclass(frozen=True)
class Peer:
    """An over-sampler of another package that the benchmark can compare.

    Parameters
    ----------
    name : str
        Display name in the benchmark's tables.
    package : str
        The PyPI distribution that implements it.
    modules : tuple of str
        Modules that must be importable for it to run.
    install : str
        Command that installs what is missing.
    summary : str
        One line: what it is and where it comes from.

    Examples
    --------
    >>> from gamo_sampler.peers import PEERS
    >>> PEERS["prowsyn"].name, PEERS["prowsyn"].package
    ('ProWSyn', 'smote-variants')
    """

    name: str
    package: str
    modules: tuple
    install: str
    summary: str


PEERS = {
    "gsmote": Peer(
        "G-SMOTE",
        "imbalanced-learn-extra",
        ("imblearn_extra",),
        _IMBLEARN_EXTRA,
        "Geometric SMOTE (Douzas & Bacao 2019): imblearn_extra.gsmote.GeometricSMOTE",
    ),
    "kmeans-smote": Peer(
        "KMeans-SMOTE",
        "imbalanced-learn-extra",
        ("imblearn_extra",),
        _IMBLEARN_EXTRA,
        "k-means SMOTE (Douzas et al. 2018): imblearn_extra.clover.over_sampling."
        "KMeansSMOTE",
    ),
    "polyfit-smote": Peer(
        "polynom-fit-SMOTE",
        "smote-variants",
        _SMOTE_VARIANTS_MODULES,
        _SMOTE_VARIANTS,
        "polynomial-fit SMOTE, star topology (Gazzah & Amara 2008), "
        "Kovacs 2019's first: smote_variants.polynom_fit_SMOTE_star",
    ),
    "prowsyn": Peer(
        "ProWSyn",
        "smote-variants",
        _SMOTE_VARIANTS_MODULES,
        _SMOTE_VARIANTS,
        "proximity weighted synthetic over-sampling (Barua et al. 2013), "
        "Kovacs 2019's second: smote_variants.ProWSyn",
    ),
    # smote-variants 1.0.1's filter scores every row with trees trained on 8 of
    # its 9 folds, rows included, so it removes almost nothing: on yeast4, glass1,
    # pima, abalone19 and ecoli3 its rows are exactly those of its own SMOTE.
    "smote-ipf": Peer(
        "SMOTE-IPF",
        "smote-variants",
        _SMOTE_VARIANTS_MODULES,
        _SMOTE_VARIANTS,
        "SMOTE with an iterative-partitioning noise filter (Saez et al. 2015), "
        "Kovacs 2019's third: smote_variants.SMOTE_IPF",
    ),
    "lee": Peer(
        "Lee",
        "smote-variants",
        _SMOTE_VARIANTS_MODULES,
        _SMOTE_VARIANTS,
        "SMOTE rejecting samples in majority neighbourhoods (Lee et al. 2015), "
        "Kovacs 2019's fourth: smote_variants.Lee",
    ),
    "ctgan": Peer(
        "CTGAN",
        "ctgan",
        ("ctgan",),
        _CTGAN,
        "conditional tabular GAN (Xu et al. 2019), the class as its condition: "
        "gamo_sampler.peers.CTGANSampler",
    ),
}
"""Peer over-samplers of the benchmark, by command-line key."""


def _importable(module):
    if module in sys.modules:  # None there means "blocked", as in the tests
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_requirements(key):
    """Modules that peer ``key`` needs and that cannot be imported.

    Parameters
    ----------
    key : str
        A key of :data:`PEERS`.

    Returns
    -------
    missing : list of str
        Empty when the peer can run.

    Examples
    --------
    >>> from gamo_sampler.peers import missing_requirements
    >>> missing_requirements("ctgan") in ([], ["ctgan"])
    True
    """
    return [module for module in PEERS[key].modules if not _importable(module)]


def require(module, install):
    """Import ``module``, or raise an ImportError that says how to install it.

    Parameters
    ----------
    module : str
        Module to import.
    install : str
        The command that installs it.

    Returns
    -------
    module : module

    Examples
    --------
    >>> from gamo_sampler.peers import require
    >>> require("math", "(part of Python)").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"{module} is not installed: {install}") from error
