"""Classification metric over a whole split: OA, MCA (UAR), macro-F1, CE, M.

Contract with the model: ``val_step``/``test_step`` return one dict per sample,

.. code-block:: python

    {'pred_score': Tensor (C,),      # logits or probabilities; argmax is the prediction
     'gt_label': int or 0-d Tensor,  # canonical class index
     'sample_idx': int or 0-d Tensor}  # index of the sample in its dataset

``sample_idx`` lets :meth:`ClsMetric.compute_metrics` refuse a split in which a
sample was counted twice (e.g. a padded distributed sampler) or one is missing.
"""
import numbers
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric

from basicda.registry import METRICS

from .functional import (cls_metrics, confusion_matrix, information_maximization,
                         prediction_entropy, snd_score)

__all__ = ['ClsMetric', 'LABEL_FREE_CRITERIA']

#: label-free model-selection criteria on the softmax outputs: name -> (function, sign); a
#: selector keeps the evaluation point with the largest ``sign * value`` (docs/results.md §4)
LABEL_FREE_CRITERIA = {
    'entropy': (prediction_entropy, -1),
    'im': (information_maximization, 1),
    'snd': (snd_score, 1),
}


def _as_index(value: Any, name: str) -> int:
    """An int from a Python/NumPy integer or a one-element integer tensor."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.dtype.is_floating_point or value.dtype == torch.bool:
            raise TypeError(f'{name} must be an int or a 0-d integer tensor, got a '
                            f'{value.dtype} tensor of shape {tuple(value.shape)}')
        return int(value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f'{name} must be an integer, got {value!r}')
    return int(value)


@METRICS.register_module()
class ClsMetric(BaseMetric):
    """Confusion-matrix metrics of ``docs/source-only.md`` §2.6, as fractions.

    Per sample, :meth:`process` stores ``sample_idx``, the prediction
    :math:`\\arg\\max_c` ``pred_score`` (ties go to the lowest index), ``gt`` and
    the plain cross-entropy :math:`-\\log \\mathrm{softmax}(s)_{y}` (no label
    smoothing). :meth:`compute_metrics` builds :math:`M` and returns flat keys:

    * ``accuracy``, ``mca``, ``macro_f1`` (see :func:`cls_metrics`), ``ce`` (mean);
    * ``recall/<class>`` and ``f1/<class>`` per class, named by ``class_names``
      or ``c0, c1, ...``;
    * ``confusion``: :math:`M` as a nested list (rows = truth), not a scalar;
    * with ``label_free``, each named criterion of :data:`LABEL_FREE_CRITERIA` on the
      softmax of ``pred_score`` (no label read): ``entropy``, ``im``, ``snd``.

    Args:
        num_classes (int): :math:`C`.
        class_names (sequence of str, optional): :math:`C` unique names used in
            the per-class keys. Default: None (``c{i}``).
        prefix (str, optional): mmengine metric prefix (the multi-dataset loop
            sets it to the dataset name). Default: None.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Default: ``'cpu'``.
        label_free (sequence of str): label-free criteria to compute, from
            :data:`LABEL_FREE_CRITERIA`; each sample's softmax is then kept until the split
            is complete. Default: ``()``.
    """

    def __init__(self,
                 num_classes: int,
                 class_names: Optional[Sequence[str]] = None,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 label_free: Sequence[str] = ()):
        unknown = [c for c in label_free if c not in LABEL_FREE_CRITERIA]
        if unknown:
            raise ValueError(f'label_free: unknown criteria {unknown}; choose from '
                             f'{list(LABEL_FREE_CRITERIA)}')
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'num_classes must be a positive int, got {num_classes!r}')
        if class_names is not None:
            class_names = [str(n) for n in class_names]
            if len(class_names) != num_classes:
                raise ValueError(f'class_names has {len(class_names)} entries, expected '
                                 f'num_classes={num_classes}: {class_names}')
            if len(set(class_names)) != num_classes:
                duplicates = sorted(n for n, k in Counter(class_names).items() if k > 1)
                raise ValueError(f'class_names must be unique, got duplicates {duplicates}')
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes
        self.class_names = class_names
        self.label_free = tuple(label_free)
        self._expected_size: Optional[int] = None

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store ``(sample_idx, pred, gt, ce)`` of each sample as Python numbers."""
        for sample in data_samples:
            missing = [k for k in ('pred_score', 'gt_label', 'sample_idx') if k not in sample]
            if missing:
                raise KeyError(f'ClsMetric: a data sample lacks {missing}; the model must return '
                               f"dicts with 'pred_score', 'gt_label' and 'sample_idx', got keys "
                               f'{sorted(sample)}')
            score = torch.as_tensor(sample['pred_score']).detach().float()  # (C,)
            if score.shape != (self.num_classes, ):
                raise ValueError(f'pred_score must have shape ({self.num_classes},), got '
                                 f'{tuple(score.shape)}')
            gt = _as_index(sample['gt_label'], 'gt_label')
            if not 0 <= gt < self.num_classes:
                raise ValueError(f'gt_label must be in [0, {self.num_classes}), got {gt}')
            result = dict(
                sample_idx=_as_index(sample['sample_idx'], 'sample_idx'),
                pred=int(torch.argmax(score)),  # first maximum on ties
                gt=gt,
                ce=float(-F.log_softmax(score, dim=0)[gt]),
            )
            if self.label_free:
                result['prob'] = F.softmax(score, dim=0)  # (C,)
            self.results.append(result)

    def evaluate(self, size: int) -> dict:
        """mmengine's evaluate; remembers ``size`` so completeness can be checked."""
        self._expected_size = size
        try:
            return super().evaluate(size)
        finally:
            self._expected_size = None

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        """Metrics of one split. Raises ``ValueError`` if a ``sample_idx`` occurs
        twice, or if fewer samples than the dataset size reached the metric."""
        if not results:
            raise ValueError('ClsMetric: no samples were processed')
        counts = Counter(r['sample_idx'] for r in results)
        duplicates = sorted(idx for idx, k in counts.items() if k > 1)
        if duplicates:
            shown = duplicates[:20]
            raise ValueError(f'ClsMetric: {len(duplicates)} sample indices were evaluated '
                             f'more than once (padded or repeated sampler?): {shown}'
                             f'{" ..." if len(duplicates) > len(shown) else ""}')
        if self._expected_size is not None and len(results) != self._expected_size:
            raise ValueError(f'ClsMetric: the dataset has {self._expected_size} samples but '
                             f'{len(results)} were evaluated')
        y_true = torch.tensor([r['gt'] for r in results], dtype=torch.long)  # (N,)
        y_pred = torch.tensor([r['pred'] for r in results], dtype=torch.long)  # (N,)
        confusion = confusion_matrix(y_true, y_pred, self.num_classes)  # (C, C)
        scores = cls_metrics(confusion)
        names = (self.class_names or list((self.dataset_meta or {}).get('classes') or [])
                 or [f'c{i}' for i in range(self.num_classes)])
        metrics: Dict[str, Any] = dict(
            accuracy=scores['accuracy'],
            mca=scores['mca'],
            macro_f1=scores['macro_f1'],
            ce=float(torch.tensor([r['ce'] for r in results], dtype=torch.float64).mean()),
        )
        for i, name in enumerate(names):
            metrics[f'recall/{name}'] = float(scores['recall'][i])
        for i, name in enumerate(names):
            metrics[f'f1/{name}'] = float(scores['f1'][i])
        metrics['confusion'] = confusion.tolist()
        if self.label_free:
            # sample order fixed by index, so SND's seeded subset does not depend on ranks
            probs = torch.stack([r['prob'] for r in sorted(results,
                                                           key=lambda r: r['sample_idx'])])
            for name in self.label_free:
                metrics[name] = float(LABEL_FREE_CRITERIA[name][0](probs.double()))
        return metrics
