"""Uncertainty scores over softmax probabilities and the one tie rule, ``top_b``
(``docs/active-learning.md`` §3).

Every score is "larger = query first"; every function is pure and works in float64
numpy, so rank 0's selection does not depend on the device or dtype of the pass.
"""
import numpy as np

__all__ = ['as_float64', 'top_b', 'entropy', 'entropy_scores', 'margin_scores',
           'least_confidence_scores', 'bald_scores']


def as_float64(x, name: str, ndim: int) -> np.ndarray:
    """``x`` (numpy array or torch tensor) as a float64 array with ``ndim`` dims;
    a clear error naming ``name`` otherwise (wrong rank, NaN or inf)."""
    if hasattr(x, 'detach'):
        x = x.detach().cpu().double().numpy()
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != ndim:
        raise ValueError(f'{name} must have {ndim} dimensions, got shape {a.shape}')
    if not np.isfinite(a).all():
        raise ValueError(f'{name} has NaN or inf values')
    return a


def top_b(score, b: int) -> np.ndarray:
    """Positions of the ``b`` largest scores, largest first; ties go to the lower
    position (stable sort).

    Args:
        score: (U,) scores.
        b: how many, 0 <= b <= U.
    Returns:
        (b,) int64 positions.

    Example: top_b([0, -0.85, 0], 2) -> [0, 2].
    """
    s = as_float64(score, 'score', 1)
    if not 0 <= b <= len(s):
        raise ValueError(f'cannot select b={b} of {len(s)} unlabelled items')
    # -0.0 == 0.0, so negating keeps ties tied; the stable sort keeps their order
    return np.argsort(-s, kind='stable')[:b].astype(np.int64)


def entropy(p: np.ndarray) -> np.ndarray:
    """H(p) = -sum_c p_c log p_c with 0 log 0 = 0 over the last axis: (..., C) -> (...)."""
    with np.errstate(divide='ignore', invalid='ignore'):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -terms.sum(axis=-1)


def entropy_scores(prob) -> np.ndarray:
    """Entropy of each row: (U, C) probabilities -> (U,) scores."""
    return entropy(as_float64(prob, 'prob', 2))


def margin_scores(prob) -> np.ndarray:
    """p_(2) - p_(1), minus the gap between the two largest probabilities:
    (U, C) -> (U,). C = 1 gives -p_(1)."""
    p = np.sort(as_float64(prob, 'prob', 2), axis=1)
    second = p[:, -2] if p.shape[1] > 1 else np.zeros(len(p))
    return second - p[:, -1]


def least_confidence_scores(prob) -> np.ndarray:
    """-max_c p_c: (U, C) -> (U,)."""
    return -as_float64(prob, 'prob', 2).max(axis=1)


def bald_scores(mc_prob) -> np.ndarray:
    """Mutual information of T stochastic passes, H(mean_t p_t) - mean_t H(p_t):
    (T, U, C) -> (U,).

    Example: passes [1, 0] and [0, 1] -> log 2; two passes [.5, .5] -> 0.
    """
    mc = as_float64(mc_prob, 'mc_prob', 3)
    return entropy(mc.mean(axis=0)) - entropy(mc).mean(axis=0)
