"""Metrics: confusion matrix, OA, mean class accuracy (UAR), macro-F1, SND, AUROC, KL; their log
lines."""
from .auroc import binary_auroc
from .cls_metric import ClsMetric
from .divergence import kl_divergence
from .functional import (cls_metrics, confusion_matrix, information_maximization,
                         prediction_entropy, snd_score)
from .log_processor import HeadlineLogProcessor, metrics_table
from .uf1_uar import fold_average_uf1_uar, loso_metrics, uf1_uar

__all__ = ['confusion_matrix', 'cls_metrics', 'snd_score', 'prediction_entropy',
           'information_maximization', 'ClsMetric', 'HeadlineLogProcessor',
           'metrics_table', 'uf1_uar', 'fold_average_uf1_uar', 'loso_metrics', 'binary_auroc',
           'kl_divergence']
