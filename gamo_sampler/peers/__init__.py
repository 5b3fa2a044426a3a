"""Other over-samplers to compare GAMO with, as imbalanced-learn samplers.

``gamo-benchmark --samplers all`` runs them next to GAMO, SMOTE and the other
classics; ``--samplers list`` shows which are installed. Each comes from an
optional package; a peer whose package is missing is skipped with a note.

- From ``imbalanced-learn-extra``, already imbalanced-learn samplers, used
  as they are: G-SMOTE (``imblearn_extra.gsmote.GeometricSMOTE``) and k-means
  SMOTE (``imblearn_extra.clover.over_sampling.KMeansSMOTE``).
- From ``smote-variants``, through :class:`SmoteVariantsSampler`: the
  variants ranked first by Kovacs (2019, 85 variants on 104 datasets),
  polynomial-fit SMOTE, ProWSyn and SMOTE-IPF, and Lee.
- :class:`CTGANSampler`: CTGAN (``ctgan``) trained with the class as its
  condition, GAMO's deep generative rival.

``pip install -e ".[peers]"`` installs them all but smote-variants, whose
package metadata pulls tensorflow, keras and mkl that these variants never
import; install it with ``pip install --no-deps smote-variants==1.0.1``
(its light requirements are in the extra).
"""

from .ctgan import CTGANSampler
from .registry import PEERS, Peer, missing_requirements, require
from .smote_variants import SmoteVariantsSampler

__all__ = [
    "PEERS",
    "CTGANSampler",
    "Peer",
    "SmoteVariantsSampler",
    "missing_requirements",
    "require",
]
