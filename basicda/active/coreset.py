"""Core-set selection: greedy k-centre on features (``docs/active-learning.md`` §3)."""
from typing import Tuple

import numpy as np

from .scores import as_float64

__all__ = ['kcenter_greedy']


def _min_distance_to(h_unl: np.ndarray, h_lab: np.ndarray) -> np.ndarray:
    """min_l ||h_u - h_l|| with faiss ``IndexFlatL2`` (float32, squared distances,
    clamped at 0 before the square root): (U, D), (L, D) -> (U,) float64."""
    import faiss
    index = faiss.IndexFlatL2(h_lab.shape[1])
    index.add(np.ascontiguousarray(h_lab, dtype=np.float32))
    d2, _ = index.search(np.ascontiguousarray(h_unl, dtype=np.float32), 1)  # (U, 1)
    return np.sqrt(np.maximum(d2[:, 0].astype(np.float64), 0.0))


def kcenter_greedy(h_unl, h_lab, b: int) -> Tuple[np.ndarray, np.ndarray]:
    """Greedy k-centre: b times, take the unlabelled item farthest from every centre
    (lowest position on ties) and make it a centre.

    delta starts at the distance to the nearest labelled item (+inf when there is none,
    so the first pick is position 0); after a pick u*, delta <- min(delta, ||h - h_u*||)
    in float64.

    Args:
        h_unl: (U, D) features of the unlabelled items.
        h_lab: (L, D) features of the labelled items (L may be 0).
        b: how many to pick, 0 <= b <= U.
    Returns:
        (b,) int64 positions into ``h_unl`` in pick order, and (b,) their delta at
        pick time (the score written to the round's selected file).

    Example: h_lab = [[0]], h_unl = [[1], [2], [5], [6]], b = 2 -> [3, 1].
    """
    hu = as_float64(h_unl, 'h_unl', 2)
    hl = as_float64(h_lab, 'h_lab', 2)
    if hl.shape[0] and hl.shape[1] != hu.shape[1]:
        raise ValueError(f'h_unl has {hu.shape[1]} dims but h_lab has {hl.shape[1]}')
    if not 0 <= b <= len(hu):
        raise ValueError(f'cannot select b={b} of {len(hu)} unlabelled items')
    delta = _min_distance_to(hu, hl) if hl.shape[0] else np.full(len(hu), np.inf)
    picks, scores = np.empty(b, np.int64), np.empty(b, np.float64)
    for k in range(b):
        u = int(np.argmax(delta))  # first maximum: ties to the lower position
        picks[k], scores[k] = u, delta[u]
        delta = np.minimum(delta, np.linalg.norm(hu - hu[u], axis=1))
    return picks, scores
