"""Seeded symmetric label noise: flip an exact number of labels (``docs/ldl.md``)."""
from typing import Optional, Tuple

import numpy as np

__all__ = ['flip_labels']


def flip_labels(labels, rate: float, num_classes: int, seed: int,
                candidate_mask=None) -> Tuple[np.ndarray, np.ndarray]:
    r"""Flip exactly :math:`n = \lfloor R \cdot N_{cand} + 0.5 \rfloor` labels.

    The rows are drawn without replacement among the candidates by
    ``numpy.random.Generator(PCG64(seed))``; each gets a new label drawn uniformly
    from the other :math:`C - 1` classes, so no flipped row keeps its label. Rows
    outside ``candidate_mask`` (e.g. test rows) never change.

    Args:
        labels: (N,) int labels in [0, C).
        rate (float): :math:`R \in [0, 1]`.
        num_classes (int): :math:`C \ge 2`.
        seed (int): RNG seed.
        candidate_mask: (N,) bool, the rows that may flip (default: all).

    Returns:
        tuple[ndarray, ndarray]: the new labels (N,) int64 and the flipped row
        positions (n,), ascending.

    Example:
        >>> flip_labels([0, 1, 1, 0], 1.0, 2, seed=0)[0].tolist()
        [1, 0, 0, 1]
    """
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f'rate must be in [0, 1], got {rate}')
    if num_classes < 2:
        raise ValueError(f'num_classes must be >= 2, got {num_classes}')
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'labels must lie in [0, {num_classes}), got values in '
                         f'[{labels.min()}, {labels.max()}]')
    mask = np.ones(labels.shape, bool) if candidate_mask is None \
        else np.asarray(candidate_mask, dtype=bool).reshape(-1)
    if mask.shape != labels.shape:
        raise ValueError(f'candidate_mask must have shape {labels.shape}, got {mask.shape}')
    candidates = np.flatnonzero(mask)
    n = int(np.floor(rate * candidates.size + 0.5))
    rng = np.random.Generator(np.random.PCG64(seed))
    rows = np.sort(rng.choice(candidates, size=n, replace=False))
    shift = rng.integers(1, num_classes, size=n)  # 1..C-1: never the old label
    out = labels.copy()
    out[rows] = (labels[rows] + shift) % num_classes
    return out, rows
