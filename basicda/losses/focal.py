"""Softmax focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017), the
multi-class form DVSCL's probe offers next to class-weighted cross-entropy."""
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['focal_loss']


def focal_loss(logits: Tensor, target: Tensor, gamma: float = 2.0, alpha: float = 1.0) -> Tensor:
    r"""Mean focal loss :math:`-\alpha (1 - p_t)^\gamma \log p_t`, with :math:`p_t` the
    softmax probability of the true class. ``gamma=0, alpha=1`` is cross-entropy.

    Args:
        logits: (B, C). target: (B,) int class indices. gamma: focusing exponent (>= 0).
        alpha: a constant factor (one number for every class).

    Returns:
        Tensor: a scalar.

    Example: logits [[2, 0, 0]], target [0]: p_t = e^2 / (e^2 + 2) = 0.78698604,
    (1 - p_t)^2 = 0.04537495 and -log p_t = 0.23954477; the loss is 0.01086933.
    """
    if gamma < 0:
        raise ValueError(f'focal_loss: gamma must be >= 0, got {gamma}')
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        raise ValueError(f'focal_loss: logits (B, C) and target (B,), got {tuple(logits.shape)} '
                         f'and {tuple(target.shape)}')
    log_pt = F.log_softmax(logits, dim=1).gather(1, target.long()[:, None])[:, 0]
    weight = (1 - log_pt.exp()).clamp_min(0) ** gamma
    return -(alpha * weight * log_pt).mean()
