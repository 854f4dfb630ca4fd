"""LDL (``docs/ldl.md``): building blocks so far -- VA neighbours cached in the run and
the scoring network, the algorithm model (online neighbour mode)."""
from .model import CLASS_WEIGHTS, NEIGHBOUR_BN, LDLModel
from .neighbours import array_sha256, check_va, va_neighbours
from .scoring import SCORING_NORMS, ScoringNet

__all__ = ['LDLModel', 'NEIGHBOUR_BN', 'CLASS_WEIGHTS', 'array_sha256', 'check_va', 'va_neighbours', 'ScoringNet', 'SCORING_NORMS']
