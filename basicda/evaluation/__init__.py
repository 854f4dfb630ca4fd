"""Metrics: confusion matrix, OA, mean class accuracy (UAR), macro-F1, SND; their log lines."""
from .cls_metric import ClsMetric
from .functional import cls_metrics, confusion_matrix, snd_score
from .log_processor import HeadlineLogProcessor, metrics_table

__all__ = ['confusion_matrix', 'cls_metrics', 'snd_score', 'ClsMetric', 'HeadlineLogProcessor',
           'metrics_table']
