"""AaD: attracting and dispersing neighbours (Yang et al., NeurIPS 2022).

`Attracting and Dispersing: A Simple Approach for Source-free Domain Adaptation
<https://arxiv.org/abs/2205.04183>`_ (reference code: Albert0147/AaD_SFDA).

Source-free adaptation without pseudo labels: each target prediction is pulled
towards the stored predictions of its nearest neighbours in feature space
(attraction) and pushed away from the other predictions of the batch
(dispersion), whose weight decays over training. ``docs/eercl.md`` §2.3 gives
the objective and §5 the worked examples; EERCL uses it as its base loss.
"""
from typing import Tuple

import torch
from torch import Tensor

__all__ = ['aad_dispersion_weight', 'aad_loss']


def aad_dispersion_weight(iteration: int, max_iters: int, beta: float) -> float:
    r"""Weight of the AaD dispersion term at an iteration.

    .. math::
        \lambda(t) = \left(1 + 10\, \frac{t}{T}\right)^{-\beta} ,

    with :math:`t` the iteration and :math:`T` = ``max_iters``. :math:`\beta = 0`
    keeps the weight at 1 (the FER default); the AaD default :math:`\beta = 5`
    decays it to :math:`11^{-5}` at the end of training.

    Args:
        iteration (int): current iteration :math:`t \ge 0`.
        max_iters (int): total iterations :math:`T > 0`.
        beta (float): decay exponent :math:`\beta \ge 0`.

    Returns:
        float: :math:`\lambda(t) \in (0, 1]`.

    Example:
        >>> aad_dispersion_weight(7500, 15000, 5)  # 6 ** -5
        0.0001286008230452675
    """
    if max_iters <= 0:
        raise ValueError(f'max_iters must be > 0, got {max_iters}')
    if iteration < 0:
        raise ValueError(f'iteration must be >= 0, got {iteration}')
    if beta < 0:
        raise ValueError(f'beta must be >= 0, got {beta}')
    return float((1.0 + 10.0 * iteration / max_iters) ** (-beta))


def aad_loss(p: Tensor, neighbour_scores: Tensor, dispersion_weight: float,
             world_scale: float = 1.0) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""AaD objective: attraction to neighbour predictions plus weighted dispersion.

    With :math:`N` rows (the gathered global batch, :math:`N = GB`), :math:`K`
    neighbours whose stored (detached) predictions are :math:`s_{ik}`, weight
    :math:`\lambda` and world scale :math:`g`:

    .. math::
        L_{att} = -\frac{1}{N} \sum_{i} \sum_{k} p_i \cdot s_{ik} , \qquad
        L_{dis} = \frac{1}{N} \sum_{i} \sum_{j \ne i} p_i \cdot p_j ,

    .. math::
        L = g\, (L_{att} + \lambda L_{dis}) .

    The reference computes the attraction as ``kl_div`` fed probabilities,

    .. math::
        L_{att}^{ref} = \frac{1}{N} \sum_{i} \sum_{k} \sum_{c}
            s_{ikc} (\log s_{ikc} - p_{ic}) \qquad (0 \log 0 = 0),

    which is :math:`L_{att}` plus a constant and has the same gradient
    :math:`\partial / \partial p_i = -\frac{1}{N} \sum_k s_{ik}`; it is returned
    for logging only. The dispersion is not detached on either side, so
    :math:`\partial L_{dis} / \partial p_i = \frac{2}{N} \sum_{j \ne i} p_j`.
    :math:`\lambda_{aad}` is applied by the caller.

    Args:
        p (Tensor): student probabilities; rows of other ranks may be constants.
        neighbour_scores (Tensor): stored predictions :math:`s` of the :math:`K`
            neighbours of every row; detached here.
        dispersion_weight (float): :math:`\lambda`, e.g. from
            :func:`aad_dispersion_weight`.
        world_scale (float): :math:`g > 0`, the number of ranks to undo DDP's
            gradient averaging of a global mean (``docs/eercl.md`` §4), or 1 (the
            reference). Default: 1.

    Shape:
        - p: :math:`(N, C)`
        - neighbour_scores: :math:`(N, K, C)`
        - Output: four scalars.

    Returns:
        tuple[Tensor, Tensor, Tensor, Tensor]: ``(loss, att, dis, att_ref)`` =
        :math:`(L, L_{att}, L_{dis}, L_{att}^{ref})`, unscaled by :math:`g` except
        ``loss``.

    Example:
        >>> p = torch.tensor([[0.8, 0.2], [0.4, 0.6]])
        >>> s = torch.tensor([[[0.5, 0.5]], [[0.0, 1.0]]])
        >>> [round(x.item(), 6) for x in aad_loss(p, s, 1.0)]
        [-0.11, -0.55, 0.44, -0.896574]
    """
    if p.dim() != 2:
        raise ValueError(f'p must have shape (N, C), got {tuple(p.shape)}')
    if neighbour_scores.dim() != 3 or neighbour_scores.shape[0] != p.shape[0] \
            or neighbour_scores.shape[2] != p.shape[1]:
        raise ValueError(f'neighbour_scores must have shape ({p.shape[0]}, K, {p.shape[1]}) '
                         f'to match p {tuple(p.shape)}, got {tuple(neighbour_scores.shape)}')
    if p.shape[0] == 0:
        raise ValueError('p must have at least one row')
    if world_scale <= 0:
        raise ValueError(f'world_scale must be > 0, got {world_scale}')
    num_rows = p.shape[0]
    scores = neighbour_scores.detach()
    score_sum = scores.sum(dim=1)  # (N, C): sum over the K neighbours
    att = -(p * score_sum).sum() / num_rows
    # sum_k sum_c s log s is a constant; xlogy gives 0 log 0 = 0 like kl_div
    att_ref = (torch.xlogy(scores, scores).sum() - (p * score_sum).sum()) / num_rows
    gram = p @ p.t()  # (N, N)
    dis = (gram.sum() - gram.diagonal().sum()) / num_rows
    loss = world_scale * (att + dispersion_weight * dis)
    return loss, att, dis, att_ref
