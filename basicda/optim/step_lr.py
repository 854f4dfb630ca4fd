"""LDL's step learning rate by epoch, evaluated at an iteration (``docs/ldl.md``).

The rate changes exactly at the epoch boundary (the reference's TensorFlow schedule
changes one iteration late). Used as the oracle of the configured mmengine
``MultiStepLR`` and by tests.
"""
import math
from typing import Sequence

__all__ = ['ldl_lr', 'batches_per_epoch']


def batches_per_epoch(num_samples: int, batch_size: int) -> int:
    """:math:`\\lceil N / B \\rceil`: the last, smaller batch is kept."""
    if num_samples <= 0 or batch_size <= 0:
        raise ValueError(f'num_samples and batch_size must be > 0, got {num_samples} and '
                         f'{batch_size}')
    return math.ceil(num_samples / batch_size)


def ldl_lr(iteration: int, lr0: float, decay: float, steps: Sequence[int], bpe: int) -> float:
    r"""Learning rate at an iteration.

    .. math::
        \eta = \eta_0 \, \gamma^{\#\{s \in S : \lfloor t / \mathrm{bpe} \rfloor \ge s\}}

    Args:
        iteration (int): :math:`t \ge 0`.
        lr0 (float): :math:`\eta_0`. decay (float): :math:`\gamma`.
        steps (Sequence[int]): epochs :math:`S` at which the rate is multiplied by
            :math:`\gamma`.
        bpe (int): batches per epoch (:func:`batches_per_epoch`).

    Example:
        >>> ldl_lr(3840, 1e-3, 0.1, [10, 20, 40], 384)
        0.0001
    """
    if iteration < 0 or bpe <= 0:
        raise ValueError(f'iteration must be >= 0 and bpe > 0, got {iteration} and {bpe}')
    epoch = iteration // bpe
    return lr0 * decay ** sum(epoch >= s for s in steps)
