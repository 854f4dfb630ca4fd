"""BADGE: gradient embeddings and k-means++ seeding (``docs/active-learning.md`` §3)."""
from typing import Tuple

import numpy as np
from mmengine.logging import print_log

from .scores import as_float64

__all__ = ['badge_embedding', 'kmeanspp_seed']


def badge_embedding(prob, feat) -> np.ndarray:
    """Gradient of the CE loss at the predicted label w.r.t. the last linear layer's
    weights (no bias block), class-major: g = (p - e_yhat) (x) h.

    Args:
        prob: (U, C) probabilities (or (C,) for one item).
        feat: (U, D) penultimate features (or (D,)).
    Returns:
        (U, C * D) float64 embeddings (or (C * D,)); block c is (p_c - [yhat = c]) h.

    Example: p = [0.7, 0.3], h = [1, 2] -> [-0.3, -0.6, 0.3, 0.6].
    """
    single = np.ndim(prob) == 1
    p = as_float64(prob, 'prob', 1 if single else 2).reshape(-1, np.shape(prob)[-1])
    h = as_float64(feat, 'feat', 1 if single else 2).reshape(-1, np.shape(feat)[-1])
    if len(p) != len(h):
        raise ValueError(f'prob has {len(p)} rows but feat has {len(h)}')
    coef = p.copy()
    coef[np.arange(len(p)), p.argmax(axis=1)] -= 1.0  # argmax: first maximum on ties
    g = (coef[:, :, None] * h[:, None, :]).reshape(len(p), -1)
    return g[0] if single else g


def kmeanspp_seed(g, b: int, rng) -> Tuple[np.ndarray, np.ndarray]:
    """k-means++ seeding (no Lloyd steps) of ``b`` centres among the rows of ``g``.

    1. c_1 = argmax ||g|| (lowest position on ties);
    2. D^2(x) = min over chosen centres of ||g_x - g_c||^2 (float64), P = D^2 / sum D^2;
    3. u = rng.random(); the next centre is the first i with cumsum(P)_i > u (never a
       zero-probability point; if rounding leaves cumsum(P)_{-1} <= u, the last
       positive-probability point);
    4. repeat 2-3. If sum D^2 = 0 the rest are the lowest unchosen positions (warned).

    Args:
        g: (U, E) embeddings.
        b: how many centres, 0 <= b <= U.
        rng: anything with ``.random()`` returning a float in [0, 1) (a numpy
            Generator seeded by the round seed; tests inject stubs).
    Returns:
        (b,) int64 positions in pick order and (b,) their D^2 at pick time
        (||g||^2 for the first).

    Example: g = [[3, 0], [0, 0], [0, 1]], b = 2: D^2 = [0, 9, 10], cumsum P =
    [0, 0.4737, 1]; u = 0.5 -> [0, 2], u = 0.3 -> [0, 1].
    """
    x = as_float64(g, 'g', 2)
    if not 0 <= b <= len(x):
        raise ValueError(f'cannot select b={b} of {len(x)} unlabelled items')
    picks, scores = np.empty(b, np.int64), np.empty(b, np.float64)
    if b == 0:
        return picks, scores
    sq = (x * x).sum(axis=1)
    first = int(np.argmax(sq))
    picks[0], scores[0] = first, sq[first]
    d2 = ((x - x[first]) ** 2).sum(axis=1)
    chosen = np.zeros(len(x), bool)  # chosen rows (and their duplicates) have D^2 = 0 exactly
    chosen[first] = True
    for k in range(1, b):
        total = d2.sum()
        if total <= 0:
            rest = np.flatnonzero(~chosen)[:b - k]
            print_log(f'kmeanspp_seed: all remaining distances are 0 after {k} centres; '
                      f'taking the lowest unchosen positions {rest.tolist()}',
                      logger='current', level=30)
            picks[k:], scores[k:] = rest, 0.0
            return picks, scores
        cum = np.cumsum(d2 / total)
        i = int(np.searchsorted(cum, float(rng.random()), side='right'))
        if i >= len(x):
            i = int(np.flatnonzero(d2 > 0)[-1])
        picks[k], scores[k] = i, d2[i]
        chosen[i] = True
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    return picks, scores
