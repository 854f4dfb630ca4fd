"""The sample contract: what a dataset item carries, and the helpers that read it.

An item is ``dict(inputs=..., data_samples=dict(...))``, collated by torch's
``default_collate``:

- ``inputs``: a (3, H, W) uint8 tensor, or for a multi-image record a dict
  ``{view name: (3, H, W) uint8}`` (collated to ``{name: (B, 3, H, W)}``);
- ``data_samples['sample_idx']``: the index in the dataset (banks are keyed by it);
- ``data_samples['gt_label']``: the class id, **absent** for an unlabelled sample (an
  active-learning pool, a target set read without labels). Code that trains on target
  data never needs it; a ground-truth diagnostic reads it through :func:`gt_labels`
  and skips itself when that returns None;
- ``data_samples[key]`` for every metadata key the dataset config asks for
  (``meta_keys``), converted by :func:`sample_value` so it collates to a batch.
"""
from numbers import Integral, Real
from typing import Optional

import numpy as np
import torch

__all__ = ['RESERVED_SAMPLE_KEYS', 'NO_LABEL', 'gt_labels', 'require_gt_labels', 'sample_value',
           'dataset_has_labels']

#: keys the dataset itself fills in; metadata may not use them
RESERVED_SAMPLE_KEYS = ('gt_label', 'sample_idx')
#: a row without ground truth in a gathered label vector (diagnostics skip it)
NO_LABEL = -1


def gt_labels(data_samples: dict) -> Optional[torch.Tensor]:
    """The batch's ground-truth labels (B,), or None when the samples carry none.

    For ground-truth *diagnostics* only: a method's update must not call this on target data.
    """
    labels = data_samples.get('gt_label') if data_samples is not None else None
    return None if labels is None else torch.as_tensor(labels).long()


def require_gt_labels(data_samples: dict, owner: str) -> torch.Tensor:
    """The batch's labels (B,) for a supervised loss.

    Raises:
        KeyError: the batch has none (an unlabelled training set), naming ``owner``.
    """
    if data_samples is None or data_samples.get('gt_label') is None:
        raise KeyError(f'{owner} trains on labels, but the batch has no gt_label: the training '
                       'set is unlabelled (with_label=False, or a reader whose records have no '
                       'label)')
    return data_samples['gt_label']


def sample_value(value, key: str, where: str):
    """A metadata value in the form ``default_collate`` batches.

    - ints (and bools) stay Python ints -> collated (B,) int64;
    - floats become 0-d float32 tensors -> (B,) float32 (not float64, the collate default);
    - strings stay strings -> a list of B strings;
    - sequences and arrays of numbers (a soft label, a neighbour list) become float32 or
      int64 tensors -> (B, ...) (every sample of a dataset must give the same length).

    Args:
        value: the record's value.
        key: its metadata key (for the error).
        where: the record's location, ``file:line`` (for the error).

    Raises:
        ValueError: a None or non-numeric, non-string value, naming the key and the record.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_, Integral)):
        return int(value)
    if isinstance(value, Real):
        return torch.tensor(float(value), dtype=torch.float32)
    if isinstance(value, (list, tuple, np.ndarray, torch.Tensor)):
        array = np.asarray(value)
        if array.dtype.kind in 'iub':
            return torch.as_tensor(array.astype(np.int64))
        if array.dtype.kind == 'f':
            return torch.as_tensor(array.astype(np.float32))
    raise ValueError(f'{where}: metadata {key!r} must be a number, a string or a sequence of '
                     f'numbers to batch, found {value!r}')


def dataset_has_labels(dataset) -> bool:
    """Whether a dataset's items carry ``gt_label``: its ``has_labels``, looked up through
    wrappers (``.dataset``); True for datasets that do not say (they always had labels)."""
    while dataset is not None:
        if hasattr(dataset, 'has_labels'):
            return bool(dataset.has_labels)
        dataset = getattr(dataset, 'dataset', None)
    return True
