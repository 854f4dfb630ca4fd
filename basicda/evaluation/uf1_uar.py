"""UF1 / UAR / WA of the micro-expression challenges (MEGC), pooled over folds
(docs/dvscl.md §3).

With C_y the classes present in the truth and C_u those present in truth or prediction:

* WA = (1/N) sum 1[y_hat = y]
* UAR = (1/|C_y|) sum_{c in C_y} TP_c / N_c
* UF1 = (1/|C_u|) sum_{c in C_u} 2 TP_c / (2 TP_c + FP_c + FN_c)

UF1 differs from :func:`~basicda.evaluation.functional.cls_metrics`' ``macro_f1`` (mean over
C_y) only when a class is predicted but never true. LOSO reports these on the concatenated
predictions of all folds (*pooled*); a mean over folds is a different number, a diagnostic only.
"""
from typing import Sequence, Tuple

import numpy as np
import torch

from ..registry import FUNCTIONS
from .functional import confusion_matrix, cls_metrics

__all__ = ['uf1_uar', 'fold_average_uf1_uar', 'loso_metrics']


def uf1_uar(y: Sequence[int], y_hat: Sequence[int]) -> Tuple[float, float, float]:
    """``(uf1, uar, wa)`` of labels ``y`` (N,) and predictions ``y_hat`` (N,).

    Example:
        >>> [round(v, 8) for v in uf1_uar([0, 0, 1, 1], [0, 3, 1, 1])]
        [0.55555556, 0.75, 0.75]
    """
    y, y_hat = np.asarray(y, np.int64).ravel(), np.asarray(y_hat, np.int64).ravel()
    if y.shape != y_hat.shape or y.size == 0:
        raise ValueError(f'uf1_uar needs equally long non-empty y and y_hat, got {y.shape} and '
                         f'{y_hat.shape}')
    wa = float((y == y_hat).mean())
    recalls, f1s = [], []
    for c in np.union1d(y, y_hat):
        tp = int(((y == c) & (y_hat == c)).sum())
        fp = int(((y != c) & (y_hat == c)).sum())
        fn = int(((y == c) & (y_hat != c)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn))
        if (y == c).any():
            recalls.append(tp / int((y == c).sum()))
    return float(np.mean(f1s)), float(np.mean(recalls)), wa


def fold_average_uf1_uar(folds: Sequence[Tuple[Sequence[int], Sequence[int]]]
                         ) -> Tuple[float, float, float]:
    """Mean over folds of :func:`uf1_uar` (a diagnostic: LOSO reports the pooled values)."""
    values = np.array([uf1_uar(y, y_hat) for y, y_hat in folds])
    return tuple(float(v) for v in values.mean(0))


@FUNCTIONS.register_module()
def loso_metrics(labels: Sequence[int], predictions: Sequence[int], num_classes: int) -> dict:
    """The fold loop's metric (``train_cfg.metric=dict(type='loso_metrics')``): UF1, UAR, WA
    and the framework's accuracy, mca, macro_f1 and confusion matrix, side by side."""
    uf1, uar, wa = uf1_uar(labels, predictions)
    confusion = confusion_matrix(torch.as_tensor(list(labels)),
                                 torch.as_tensor(list(predictions)), num_classes)
    m = cls_metrics(confusion)
    return dict(uf1=uf1, uar=uar, wa=wa, accuracy=m['accuracy'], mca=m['mca'],
                macro_f1=m['macro_f1'], confusion=confusion.tolist())
