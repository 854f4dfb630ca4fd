"""The training set of an active-learning run: the labelled part of a pool
(``docs/active-learning.md`` §5)."""
from typing import List, Sequence

import numpy as np
import torch

from basicda.registry import DATASETS

__all__ = ['ActivePoolDataset']


@DATASETS.register_module()
class ActivePoolDataset(torch.utils.data.Dataset):
    """The labelled items L of a pool, with their labels.

    The wrapped dataset (the pool) is built without labels (``with_label=False``);
    a label is read from the pool's record only when :meth:`apply_selection`
    labels its item. Item k is pool item ``labelled[k]``; ``sample_idx`` is the
    pool index.

    Args:
        dataset (dict): config of the pool dataset (e.g. ``FaceDataset`` with the
            training pipeline); its ``records`` carry ``sample_id`` and ``label``.
            ``with_label`` is forced to False.

    Example:
        >>> ds = ActivePoolDataset(dict(type='FaceDataset', reader=..., pipeline=...))
        >>> len(ds)                      # 0: nothing labelled yet
        >>> ds.apply_selection(dict(labelled=[3, 7]))
        >>> ds[0]['data_samples']['sample_idx'], len(ds)
        (3, 2)
    """

    def __init__(self, dataset: dict):
        dataset = dict(dataset, with_label=False)
        self.dataset = DATASETS.build(dataset)
        if not hasattr(self.dataset, 'records'):
            raise TypeError(f'ActivePoolDataset needs a pool with records (sample_id, label), '
                            f'got {type(self.dataset).__name__}')
        self.labelled = np.zeros(0, np.int64)
        self._labels = {}

    @property
    def sample_ids(self) -> List[str]:
        """The pool's sample ids; pool index i is ``sample_ids[i]``."""
        return [str(r.sample_id) for r in self.dataset.records]

    @property
    def pool_size(self) -> int:
        return len(self.dataset)

    @property
    def metainfo(self) -> dict:
        return getattr(self.dataset, 'metainfo', {})

    def apply_selection(self, result: dict) -> None:
        """Train on ``result['labelled']`` (the whole labelled set, pool indices):
        the labels of new items are read now."""
        self.set_labelled(result['labelled'])

    def set_labelled(self, labelled: Sequence[int]) -> None:
        idx = np.asarray(labelled, np.int64).reshape(-1)
        n = len(self.dataset)
        if len(idx) and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f'ActivePoolDataset: labelled pool indices must be in [0, {n})')
        if len(np.unique(idx)) != len(idx):
            raise ValueError('ActivePoolDataset: a pool index is labelled twice')
        idx = np.sort(idx)
        for i in idx.tolist():
            if i not in self._labels:
                label = self.dataset.records[i].label
                if label is None or int(label) < 0:
                    raise ValueError(f'pool item {i} ({self.dataset.records[i].sample_id}) '
                                     'was selected but has no label')
                self._labels[i] = int(label)
        self.labelled = idx

    def __len__(self) -> int:
        return len(self.labelled)

    def __getitem__(self, k: int) -> dict:
        idx = int(self.labelled[k])
        item = self.dataset[idx]
        samples = dict(item['data_samples'], gt_label=self._labels[idx], sample_idx=idx)
        return dict(inputs=item['inputs'], data_samples=samples)
