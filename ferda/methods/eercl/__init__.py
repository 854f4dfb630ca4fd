"""EERCL: AaD neighbourhood consistency + class-relationship contrast (docs/eercl.md)."""
from .hooks import BankRefreshHook
from .model import EERCL
from .optim import TrainableParamsOptimWrapperConstructor

__all__ = ['EERCL', 'BankRefreshHook',
           'TrainableParamsOptimWrapperConstructor']
