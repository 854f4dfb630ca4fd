"""Cross-entropy with label smoothing (Szegedy et al., CVPR 2016).

`Rethinking the Inception Architecture for Computer Vision
<https://arxiv.org/abs/1512.00567>`_, section 7.

The one-hot target is mixed with the uniform distribution, which keeps the
logits from growing without bound on confidently labelled samples. Both source
recipes of ``docs/source-only.md`` use it with :math:`\\epsilon = 0.1`.
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from basicda.registry import MODELS


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float = 0.1) -> Tensor:
    r"""Label-smoothed cross-entropy, averaged over the batch.

    The target is :math:`t_{ic} = (1 - \epsilon)\,[c = y_i] + \epsilon / C`
    and the loss is

    .. math::
        L = -\frac{1}{B} \sum_{i=1}^{B} \sum_{c=1}^{C} t_{ic} \log \mathrm{softmax}(o_i)_c ,

    which is what ``F.cross_entropy(logits, target, label_smoothing=eps)``
    returns (the smoothing mass :math:`\epsilon / C` includes the true class).

    Args:
        logits (Tensor): unnormalised scores :math:`o`.
        target (Tensor): class indices :math:`y` (int64).
        eps (float): smoothing :math:`\epsilon \in [0, 1)`. ``0`` gives plain CE.
            Default: 0.1.

    Shape:
        - logits: :math:`(B, C)`
        - target: :math:`(B,)`
        - Output: scalar.

    Example:
        >>> logits = torch.tensor([[2., 0., 0.]])
        >>> label_smoothing_ce(logits, torch.tensor([0]), eps=0.1)
        tensor(0.3729)
    """
    if not 0.0 <= eps < 1.0:
        raise ValueError(f'eps must be in [0, 1), got {eps}')
    if logits.dim() != 2:
        raise ValueError(f'logits must have shape (B, C), got {tuple(logits.shape)}')
    if target.dim() != 1 or target.shape[0] != logits.shape[0]:
        raise ValueError(f'target must have shape ({logits.shape[0]},) to match logits '
                         f'{tuple(logits.shape)}, got {tuple(target.shape)}')
    if target.dtype != torch.long:
        raise TypeError(f'target must hold int64 class indices, got dtype {target.dtype}')
    log_probs = F.log_softmax(logits, dim=1)  # (B, C)
    nll_true = -log_probs.gather(1, target[:, None]).squeeze(1)  # (B,)
    nll_uniform = -log_probs.mean(dim=1)  # (B,) = -(1/C) sum_c log p_c
    return ((1.0 - eps) * nll_true + eps * nll_uniform).mean()


@MODELS.register_module()
class LabelSmoothingCrossEntropy(nn.Module):
    """Module form of :func:`label_smoothing_ce` (mean over the batch).

    Args:
        eps (float): smoothing in [0, 1). Default: 0.1.

    Inputs:
        - logits (Tensor): :math:`(B, C)`.
        - target (Tensor): :math:`(B,)` int64 class indices.

    Returns:
        Tensor: scalar loss.
    """

    def __init__(self, eps: float = 0.1):
        super().__init__()
        if not 0.0 <= eps < 1.0:
            raise ValueError(f'eps must be in [0, 1), got {eps}')
        self.eps = eps

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        return label_smoothing_ce(logits, target, self.eps)

    def extra_repr(self) -> str:
        return f'eps={self.eps}'
