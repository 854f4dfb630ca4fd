"""When a round's training stops or restarts (``docs/active-learning.md`` §2.6): pure
functions of the running training accuracies of the round's epochs."""
from typing import Optional, Sequence

import numpy as np

__all__ = ['is_saturated', 'stop_reason', 'restart_due']


def is_saturated(acc: Sequence[float], window: int = 10, min_diff: float = 0.001) -> bool:
    """Whether the last ``window`` accuracies stopped rising: a_j - a_i < min_diff for
    every i < j among them. Fewer than ``window`` values -> False.

    Examples: ten values of 0.5 -> True; nine of 0.5 then 0.502 -> False.
    """
    if window < 2:
        raise ValueError(f'is_saturated needs window >= 2, got {window}')
    a = np.asarray(acc, dtype=np.float64)
    if len(a) < window:
        return False
    last = a[-window:]
    # max over j of (a_j - min_{i<j} a_i): the largest rise inside the window
    rise = (last[1:] - np.minimum.accumulate(last[:-1])).max()
    return bool(rise < min_diff)


def stop_reason(acc: Sequence[float], max_epochs: int = 199, target: float = 0.999,
                window: int = 10, min_diff: float = 0.001) -> Optional[str]:
    """Why the round stops after its epoch ``len(acc)``, or None to go on: ``'target'``
    (running accuracy >= target), else ``'saturated'`` (:func:`is_saturated`), else
    ``'max_epochs'`` (``len(acc) >= max_epochs``)."""
    if len(acc) and acc[-1] >= target:
        return 'target'
    if is_saturated(acc, window, min_diff):
        return 'saturated'
    if len(acc) >= max_epochs:
        return 'max_epochs'
    return None


def restart_due(epoch: int, acc: float, at: Sequence[int] = (49, 99, 149),
                threshold: float = 0.2) -> bool:
    """Whether the round restores its initial state and a fresh optimiser after epoch
    ``epoch`` (1-based): at the epochs ``at`` when the running accuracy is below
    ``threshold``."""
    return epoch in tuple(at) and acc < threshold
