"""LDL (``docs/ldl.md``): building blocks so far -- VA neighbours cached in the run and
the scoring network. The algorithm model is to come."""
from .neighbours import array_sha256, check_va, va_neighbours
from .scoring import SCORING_NORMS, ScoringNet

__all__ = ['array_sha256', 'check_va', 'va_neighbours', 'ScoringNet', 'SCORING_NORMS']
