"""LDL (``docs/ldl.md``): building blocks so far -- VA neighbours cached in the run and
the scoring network, the algorithm model (online and bank neighbour modes), its
dataset and hooks."""
from .dataset import NEIGHBOUR_TABLES, LDLNeighbourDataset
from .hooks import LDLBankRefreshHook, LDLSetupHook
from .model import CLASS_WEIGHTS, NEIGHBOUR_BN, NEIGHBOUR_SOURCES, LDLModel
from .neighbours import array_sha256, check_va, record_knn, va_neighbours
from .scoring import SCORING_NORMS, ScoringNet
from .transforms import LDLRandomErasing

__all__ = ['LDLNeighbourDataset', 'NEIGHBOUR_TABLES', 'LDLSetupHook', 'LDLBankRefreshHook', 'NEIGHBOUR_SOURCES', 'LDLModel', 'NEIGHBOUR_BN', 'CLASS_WEIGHTS', 'array_sha256', 'check_va', 'va_neighbours', 'record_knn', 'ScoringNet', 'SCORING_NORMS',
           'LDLRandomErasing']
