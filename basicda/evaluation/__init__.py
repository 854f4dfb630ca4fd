"""Metrics: confusion matrix, OA, mean class accuracy (UAR), macro-F1, SND."""
from .cls_metric import ClsMetric
from .functional import cls_metrics, confusion_matrix, snd_score

__all__ = ['confusion_matrix', 'cls_metrics', 'snd_score', 'ClsMetric']
