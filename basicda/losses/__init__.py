"""Pure loss functions and their thin registered module wrappers."""
from .label_smoothing import LabelSmoothingCrossEntropy, label_smoothing_ce

__all__ = ['label_smoothing_ce', 'LabelSmoothingCrossEntropy']
