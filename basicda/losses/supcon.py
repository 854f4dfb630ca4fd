"""SupCon / SimCLR loss (Khosla et al., NeurIPS 2020; Chen et al., ICML 2020).

``docs/active-learning.md`` §7.1: a batch of n images with two views each gives 2n
L2-normalised vectors z. For anchor i, A(i) is every other vector and P(i) the other
vectors with the same id: the other view of the same image (SimCLR, id = image index)
or every vector of the same label (SupCon, id = label).
"""
from typing import Optional

import torch
from torch import Tensor

__all__ = ['supcon_anchor_losses', 'supcon_loss']


def supcon_anchor_losses(anchors: Tensor, anchor_ids: Tensor, anchor_pos: Tensor, z: Tensor,
                         ids: Tensor, tau: float = 0.1, base_tau: float = 0.07) -> Tensor:
    r"""The loss of each anchor against all M vectors of ``z`` (itself excluded).

    .. math::
        \ell_i = -\frac{\tau}{\tau_b} \frac{1}{|P(i)|} \sum_{p \in P(i)}
        \log \frac{\exp(z_i \cdot z_p / \tau)}{\sum_{a \in A(i)} \exp(z_i \cdot z_a / \tau)}

    Args:
        anchors: the anchors' vectors (rows of ``z``, possibly a subset: the anchors of
            one rank against the vectors of all ranks).
        anchor_ids: their ids. anchor_pos: their rows in ``z`` (excluded from A(i)).
        z: all M candidate vectors; ids: their ids.
        tau: temperature τ > 0. base_tau: τ_b > 0; the loss is scaled by τ / τ_b.

    Shape:
        - anchors: (m, d); anchor_ids, anchor_pos: (m,); z: (M, d); ids: (M,).
        - Output: (m,) float, ℓ_i per anchor.

    Raises:
        ValueError: an anchor without a positive (an id that occurs once).
    """
    if tau <= 0 or base_tau <= 0:
        raise ValueError(f'tau and base_tau must be > 0, got {tau}, {base_tau}')
    if anchors.dim() != 2 or z.dim() != 2 or anchors.shape[1] != z.shape[1]:
        raise ValueError(f'anchors (m, d) and z (M, d) needed, got {tuple(anchors.shape)}, '
                         f'{tuple(z.shape)}')
    cols = torch.arange(z.shape[0], device=z.device)
    self_mask = anchor_pos.view(-1, 1) == cols.view(1, -1)
    pos_mask = (anchor_ids.view(-1, 1) == ids.view(1, -1)) & ~self_mask
    n_pos = pos_mask.sum(dim=1)
    if bool((n_pos == 0).any()):
        raise ValueError(f'{int((n_pos == 0).sum())} anchor(s) have no positive: every id must '
                         'occur at least twice (two views per image)')
    logits = anchors @ z.t() / tau
    logits = logits.masked_fill(self_mask, float('-inf'))
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    mean_pos = torch.where(pos_mask, log_prob, torch.zeros_like(log_prob)).sum(dim=1) / n_pos
    return -(tau / base_tau) * mean_pos


def supcon_loss(z: Tensor, ids: Tensor, tau: float = 0.1, base_tau: float = 0.07,
                ) -> Tensor:
    """Mean of :func:`supcon_anchor_losses` over all 2n anchors of one batch.

    Shape:
        - z: (M, d) L2-normalised; ids: (M,).
        - Output: scalar.

    Examples (``docs/active-learning.md`` §7.1):
        >>> z = torch.tensor([[1., 0], [0, 1], [1, 0], [0, 1]], dtype=torch.float64)
        >>> round(float(supcon_loss(z, torch.tensor([0, 1, 0, 1]), 0.5, 0.5)), 8)
        0.23954477
    """
    pos = torch.arange(z.shape[0], device=z.device)
    return supcon_anchor_losses(z, ids, pos, z, ids, tau, base_tau).mean()
