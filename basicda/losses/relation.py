"""Class-relationship embedding losses of CRCo (Zhang, Wang & He, CVPR 2023).

`Class Relationship Embedded Learning for Source-Free Unsupervised Domain
Adaptation <https://openaccess.thecvf.com/content/CVPR2023/html/Zhang_Class_Relationship_Embedded_Learning_for_Source-Free_Unsupervised_Domain_Adaptation_CVPR_2023_paper.html>`_
(reference code: zhyx12/CRCo; EERCL applies it to FER).

The cosine Gram matrix :math:`S` of the frozen source classifier's weight vectors
says which classes the source model treats as similar. Probability vectors are
compared through it, :math:`\\mathrm{sim}_S(a, b) = a^\\top S b`, so mass on a
related class costs less than mass on an unrelated one. It enters a
pseudo-label cross-entropy and an InfoNCE against queues of teacher
probabilities. ``docs/eercl.md`` §2.4, §2.6, §2.7 give the math and §5 the
worked examples.
"""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['relation_matrix', 'relation_similarity', 'relation_pseudo_label_loss',
           'relation_infonce']


def relation_matrix(weight_v: Tensor, alpha: float = 1.0) -> Tensor:
    r"""Class-relation matrix from the classifier's weight directions, no gradient.

    With :math:`\hat v_c = v_c / \max(\lVert v_c \rVert_2, 10^{-12})`:

    .. math::
        S_{ab} = \alpha\, \hat v_a \cdot \hat v_b \quad (a \ne b), \qquad S_{aa} = 1 .

    Off-diagonal entries can be negative. Rows are normalised, so the
    weight-norm direction ``weight_v`` and the effective weight give the same
    :math:`S`. The classifier is frozen, so :math:`S` is a constant (detached).

    Args:
        weight_v (Tensor): classifier weight vectors :math:`v`, one row per class.
        alpha (float): scale :math:`\alpha` of the off-diagonal. Default: 1.0.

    Shape:
        - weight_v: :math:`(C, D)`
        - Output: :math:`(C, C)`, symmetric, unit diagonal.

    Example:
        >>> relation_matrix(torch.tensor([[1., 0.], [1., 1.], [0., 2.]]))
        tensor([[1.0000, 0.7071, 0.0000],
                [0.7071, 1.0000, 0.7071],
                [0.0000, 0.7071, 1.0000]])
    """
    if weight_v.dim() != 2:
        raise ValueError(f'weight_v must have shape (C, D), got {tuple(weight_v.shape)}')
    directions = F.normalize(weight_v.detach(), p=2, dim=1, eps=1e-12)  # (C, D)
    cosine = directions @ directions.t()  # (C, C)
    eye = torch.eye(cosine.shape[0], dtype=torch.bool, device=cosine.device)
    return torch.where(eye, torch.ones_like(cosine), alpha * cosine)


def relation_similarity(a: Tensor, b: Tensor, relation: Tensor, pairwise: bool = False) -> Tensor:
    r"""Relation similarity :math:`\mathrm{sim}_S(a, b) = a^\top S b`.

    Row by row (:math:`\mathrm{sim}_S(a_i, b_i)`) by default; with
    ``pairwise=True`` every row of ``a`` against every row of ``b``,
    :math:`a S b^\top`. Gradient flows into whichever of ``a``, ``b`` needs it.

    Args:
        a (Tensor): probability vectors.
        b (Tensor): probability vectors.
        relation (Tensor): relation matrix :math:`S`.
        pairwise (bool): all pairs instead of matching rows. Default: False.

    Shape:
        - a: :math:`(*, C)`; :math:`(B_1, C)` if ``pairwise``.
        - b: :math:`(*, C)`, broadcastable with ``a``; :math:`(B_2, C)` if ``pairwise``.
        - relation: :math:`(C, C)`
        - Output: :math:`(*)`; :math:`(B_1, B_2)` if ``pairwise``.

    Example:
        >>> S = relation_matrix(torch.tensor([[1., 0.], [1., 1.], [0., 2.]]))
        >>> relation_similarity(torch.tensor([.5, .5, 0.]), torch.tensor([0., .5, .5]), S)
        tensor(0.6036)
    """
    num_classes = relation.shape[-1]
    if relation.dim() != 2 or relation.shape[0] != num_classes:
        raise ValueError(f'relation must have shape (C, C), got {tuple(relation.shape)}')
    if a.shape[-1] != num_classes or b.shape[-1] != num_classes:
        raise ValueError(f'a and b must end in C = {num_classes}, got {tuple(a.shape)} and '
                         f'{tuple(b.shape)}')
    if pairwise:
        if a.dim() != 2 or b.dim() != 2:
            raise ValueError(f'pairwise needs a (B1, C) and b (B2, C), got {tuple(a.shape)} and '
                             f'{tuple(b.shape)}')
        return a @ relation @ b.t()  # (B1, B2)
    return ((a @ relation) * b).sum(dim=-1)


def relation_pseudo_label_loss(p: Tensor, labels: Tensor, mask: Tensor, relation: Tensor,
                               tau: float = 0.07) -> Tensor:
    r"""Masked pseudo-label cross-entropy on relation-embedded logits.

    With :math:`B` rows, logits :math:`\ell_i = p_i S / \tau` (a :math:`1 \times C`
    row), pseudo labels :math:`\hat y_i` and confidence mask :math:`m_i`:

    .. math::
        L = \frac{1}{B} \sum_{i=1}^{B} m_i\, \mathrm{CE}(\ell_i, \hat y_i) .

    The mean is over all :math:`B` rows, not over the masked count (so an empty
    mask gives 0). Labels, mask and :math:`S` are detached; the gradient flows
    through :math:`p` only.

    Args:
        p (Tensor): student probabilities of a strong view.
        labels (Tensor): pseudo labels :math:`\hat y` (int64).
        mask (Tensor): confidence mask :math:`m` (bool or 0/1 float).
        relation (Tensor): relation matrix :math:`S_{cls}`.
        tau (float): temperature :math:`\tau_f > 0`. Default: 0.07.

    Shape:
        - p: :math:`(B, C)`
        - labels: :math:`(B,)`
        - mask: :math:`(B,)`
        - relation: :math:`(C, C)`
        - Output: scalar.

    Example:
        >>> S = relation_matrix(torch.tensor([[1., 0.], [1., 1.], [0., 2.]]))
        >>> p = torch.tensor([[1., 0., 0.], [0., 0., 1.]])
        >>> relation_pseudo_label_loss(p, torch.tensor([0, 1]), torch.tensor([1., 0.]), S, 0.5)
        tensor(0.2630)
    """
    if tau <= 0:
        raise ValueError(f'tau must be > 0, got {tau}')
    if p.dim() != 2:
        raise ValueError(f'p must have shape (B, C), got {tuple(p.shape)}')
    if relation.shape != (p.shape[1], p.shape[1]):
        raise ValueError(f'relation must have shape ({p.shape[1]}, {p.shape[1]}) to match p '
                         f'{tuple(p.shape)}, got {tuple(relation.shape)}')
    if labels.shape != (p.shape[0],) or mask.shape != (p.shape[0],):
        raise ValueError(f'labels and mask must have shape ({p.shape[0]},), got '
                         f'{tuple(labels.shape)} and {tuple(mask.shape)}')
    if labels.dtype != torch.long:
        raise TypeError(f'labels must hold int64 class indices, got dtype {labels.dtype}')
    logits = p @ relation.detach() / tau  # (B, C)
    per_row = F.cross_entropy(logits, labels.detach(), reduction='none')  # (B,)
    return (mask.detach().to(per_row.dtype) * per_row).sum() / p.shape[0]


def relation_infonce(query: Tensor, key: Tensor, queue: Tensor, relation: Tensor,
                     tau: float = 0.07, logit_scale: float = 0.5, loss_scale: float = 0.5,
                     queue_valid: Optional[Union[int, Tensor]] = None) -> Tensor:
    r"""InfoNCE on relation similarities against a queue of teacher probabilities.

    With :math:`B` queries :math:`a_i` (student), positives :math:`b_i` and queue
    rows :math:`Q_j` (teacher, detached), :math:`\kappa` = ``logit_scale`` and
    :math:`\lambda_s` = ``loss_scale``:

    .. math::
        L = \lambda_s \frac{1}{B} \sum_{i=1}^{B} \mathrm{CE}\Big(
            \tfrac{\kappa}{\tau} \big[\mathrm{sim}_S(a_i, b_i),
            \mathrm{sim}_S(a_i, Q_1), \dots, \mathrm{sim}_S(a_i, Q_{n_v})\big],\ 0\Big) ,

    where only the valid queue rows take part: unfilled rows are masked out
    (their logits are :math:`-\infty`), so a queue with no valid row gives 0.
    There is no false-negative masking.

    Args:
        query (Tensor): student probabilities :math:`a` (carry the gradient).
        key (Tensor): teacher probabilities :math:`b` of another view; detached.
        queue (Tensor): past teacher probabilities :math:`Q`; detached.
        relation (Tensor): relation matrix :math:`S_{inst}`.
        tau (float): temperature :math:`\tau > 0`. Default: 0.07.
        logit_scale (float): :math:`\kappa`. Default: 0.5.
        loss_scale (float): :math:`\lambda_s`. Default: 0.5.
        queue_valid (int | Tensor, optional): either the valid count
            :math:`n_v` (the first :math:`n_v` rows, as a ring queue fills from
            row 0) or a bool mask of the valid rows. Default: None (all rows).

    Shape:
        - query: :math:`(B, C)`
        - key: :math:`(B, C)`
        - queue: :math:`(M, C)`
        - relation: :math:`(C, C)`
        - queue_valid: int, 0-d tensor or :math:`(M,)` bool.
        - Output: scalar.

    Example:
        >>> S = torch.tensor([[1., .5], [.5, 1.]])
        >>> queue = torch.tensor([[0., 1.], [1., 0.]])
        >>> relation_infonce(torch.tensor([[1., 0.]]), torch.tensor([[.5, .5]]), queue, S, 0.5)
        tensor(0.5597)
    """
    if tau <= 0:
        raise ValueError(f'tau must be > 0, got {tau}')
    if query.dim() != 2 or key.shape != query.shape:
        raise ValueError(f'query and key must both have shape (B, C), got {tuple(query.shape)} '
                         f'and {tuple(key.shape)}')
    num_classes = query.shape[1]
    if queue.dim() != 2 or queue.shape[1] != num_classes:
        raise ValueError(f'queue must have shape (M, {num_classes}), got {tuple(queue.shape)}')
    if relation.shape != (num_classes, num_classes):
        raise ValueError(f'relation must have shape ({num_classes}, {num_classes}), got '
                         f'{tuple(relation.shape)}')
    queue_size = queue.shape[0]
    if queue_valid is None:
        valid = torch.ones(queue_size, dtype=torch.bool, device=queue.device)
    elif isinstance(queue_valid, Tensor) and queue_valid.dtype == torch.bool:
        if queue_valid.shape != (queue_size,):
            raise ValueError(f'a bool queue_valid must have shape ({queue_size},), got '
                             f'{tuple(queue_valid.shape)}')
        valid = queue_valid.to(queue.device)
    else:
        count = int(queue_valid)
        if not 0 <= count <= queue_size:
            raise ValueError(f'queue_valid count must be in [0, {queue_size}], got {count}')
        valid = torch.arange(queue_size, device=queue.device) < count
    relation = relation.detach()
    positive = relation_similarity(query, key.detach(), relation)[:, None]  # (B, 1)
    negative = relation_similarity(query, queue.detach(), relation, pairwise=True)  # (B, M)
    negative = negative.masked_fill(~valid[None, :], float('-inf'))
    logits = torch.cat([positive, negative], dim=1) * (logit_scale / tau)  # (B, 1 + M)
    target = torch.zeros(query.shape[0], dtype=torch.long, device=query.device)
    return loss_scale * F.cross_entropy(logits, target)
