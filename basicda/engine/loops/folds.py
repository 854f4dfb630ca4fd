"""Subject-wise fold assignment for cross-validation, and the per-fold metrics and
prediction files, as pure functions.

A fold holds out a set of *subjects* (never single samples of a subject), so no
face identity is both trained on and tested on:

* ``'loso'`` (leave-one-subject-out): one fold per distinct subject, in sorted
  subject order (the order of scikit-learn's ``LeaveOneGroupOut``);
* ``'kfold'``: the distinct subjects (sorted) are permuted by
  ``numpy.random.default_rng(seed)`` and cut into ``num_folds`` contiguous
  groups whose sizes differ by at most one (``numpy.array_split``).

Example (LOSO):
    >>> assign_folds(['b', 'a', 'b', 'c'], 'loso')
    [['a'], ['b'], ['c']]
    >>> fold_split(['b', 'a', 'b', 'c'], ['b'])
    ([1, 3], [0, 2])
"""
from typing import Hashable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from basicda.evaluation.functional import cls_metrics, confusion_matrix

__all__ = ['assign_folds', 'fold_split', 'fold_metrics', 'read_fold_csv', 'SCHEMES']

SCHEMES = ('loso', 'kfold')
#: the scalar metrics of fold_metrics
_AVERAGED = ('accuracy', 'mca', 'macro_f1')


def _sorted_subjects(subjects: Sequence[Hashable]) -> list:
    unique = set(subjects)
    kinds = {type(s).__name__ for s in unique}
    if len(kinds) > 1:
        raise TypeError(f'subject ids must all have one type, got {sorted(kinds)}: '
                        "e.g. 'sub01' and 1 mixed; make the reader return one type")
    return sorted(unique)


def assign_folds(subjects: Sequence[Hashable], scheme: str = 'loso',
                 num_folds: Optional[int] = None, seed: int = 0) -> List[list]:
    """The held-out subjects of every fold.

    Args:
        subjects: the subject id of every sample, length N (repeats expected).
        scheme: ``'loso'`` or ``'kfold'``.
        num_folds: k for ``'kfold'`` (2 <= k <= number of subjects); must be
            None for ``'loso'``.
        seed: permutation seed of ``'kfold'``; unused by ``'loso'``.

    Returns:
        list of F lists: fold f's held-out subjects, sorted; together the folds
        partition the distinct subjects.

    Raises:
        ValueError: unknown scheme, fewer than 2 subjects, a bad ``num_folds``.
    """
    if scheme not in SCHEMES:
        raise ValueError(f'fold scheme must be one of {SCHEMES}, got {scheme!r}')
    unique = _sorted_subjects(subjects)
    if len(unique) < 2:
        raise ValueError(f'cross-validation needs at least 2 distinct subjects, got {unique}')
    if scheme == 'loso':
        if num_folds is not None:
            raise ValueError(f"num_folds must be None for scheme='loso' (one fold per subject), "
                             f'got {num_folds}')
        return [[s] for s in unique]
    if isinstance(num_folds, bool) or not isinstance(num_folds, int) or \
            not 2 <= num_folds <= len(unique):
        raise ValueError(f"scheme='kfold' needs an int num_folds in [2, {len(unique)}] (the "
                         f'number of distinct subjects), got {num_folds!r}')
    order = np.random.default_rng(seed).permutation(len(unique))
    return [sorted(unique[i] for i in part) for part in np.array_split(order, num_folds)]


def fold_split(subjects: Sequence[Hashable], held_out: Sequence[Hashable]
               ) -> Tuple[List[int], List[int]]:
    """Sample indices of one fold.

    Args:
        subjects: the subject id of every sample, length N.
        held_out: the fold's test subjects.

    Returns:
        (train, test): ascending sample indices; train has every sample whose
        subject is not held out, test the others.

    Raises:
        ValueError: a held-out subject that no sample has.
    """
    held = set(held_out)
    missing = held - set(subjects)
    if missing:
        raise ValueError(f'held-out subjects {sorted(missing)} have no sample')
    train = [i for i, s in enumerate(subjects) if s not in held]
    test = [i for i, s in enumerate(subjects) if s in held]
    return train, test


def fold_metrics(labels: Sequence[int], predictions: Sequence[int], num_classes: int) -> dict:
    """Accuracy, MCA, macro-F1 and the confusion matrix of one set of predictions.

    Shape:
        - labels, predictions: :math:`(N,)` class indices in [0, C).
    """
    confusion = confusion_matrix(torch.as_tensor(labels), torch.as_tensor(predictions),
                                 num_classes)
    metrics = cls_metrics(confusion)
    out = {k: float(metrics[k]) for k in _AVERAGED}
    out['confusion'] = confusion.tolist()
    return out


def read_fold_csv(path: str) -> dict:
    """Columns of a ``folds/<f>.csv`` as lists (index, label, prediction as ints)."""
    with open(path) as f:
        header = f.readline().rstrip('\n').split(',')
        rows = [line.rstrip('\n').split(',') for line in f if line.strip()]
    cols = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    for key in ('index', 'label', 'prediction'):
        cols[key] = [int(v) for v in cols[key]]
    return cols
