"""Area under the ROC curve of a detector score, as a pure function (``docs/ldl.md`` §7)."""
import numpy as np

__all__ = ['binary_auroc']


def binary_auroc(scores, positive) -> float:
    """AUROC of ``scores`` for telling ``positive`` rows from the others.

    The Mann-Whitney form: the probability that a random positive row scores higher than
    a random negative one, ties counting one half,
    ``(R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)`` with ``R_pos`` the sum of the
    positives' average ranks (ascending, ties share their mean rank). Equals
    ``sklearn.metrics.roc_auc_score(positive, scores)``.

    Args:
        scores: (N,) real scores, higher = more likely positive (e.g. 1 - lambda for
            finding flipped labels).
        positive: (N,) bool (or 0/1) ground truth.

    Returns:
        float in [0, 1]; 0.5 is chance.

    Raises:
        ValueError: shapes differ, a score is not finite, or one class is empty.

    Example:
        >>> binary_auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
        0.75
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(positive).reshape(-1)
    if s.shape != y.shape:
        raise ValueError(f'scores and positive must have the same length, got {s.shape[0]} '
                         f'and {y.shape[0]}')
    if not np.isfinite(s).all():
        raise ValueError('scores must be finite')
    y = y.astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f'AUROC needs positive and negative rows, got {n_pos} positive and '
                         f'{n_neg} negative')
    order = np.argsort(s, kind='mergesort')
    sorted_s = s[order]
    # average 1-based rank of each run of equal scores
    _, start, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    run_rank = start + (counts + 1) / 2.0  # (runs,)
    ranks = np.empty_like(s)
    ranks[order] = np.repeat(run_rank, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
