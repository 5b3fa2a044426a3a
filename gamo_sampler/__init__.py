"""GAMO: Generative Adversarial Minority Oversampling for scikit-learn.

``GAMOSampler`` is an imbalanced-learn over-sampler and ``GAMOClassifier`` a
scikit-learn classifier; both play the three-player game of Mullick, Datta and
Das (ICCV 2019) in PyTorch.
"""

from ._version import __version__
from .classifier import GAMOClassifier
from .sampler import GAMOSampler

__all__ = ["GAMOClassifier", "GAMOSampler", "__version__"]
