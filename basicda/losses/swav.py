"""SwAV: swapped prediction of online cluster codes (Caron et al., NeurIPS 2020).

`Unsupervised Learning of Visual Features by Contrasting Cluster Assignments
<https://arxiv.org/abs/2006.09882>`_.

Each crop's prototype scores are turned into soft codes by a few Sinkhorn-Knopp
iterations, which spread the batch equally over the prototypes (so no trivial
one-prototype solution); every other crop of the same image then predicts those
codes. ``docs/clup.md`` §2.1 and §5 give the recipe (ε = 0.05, 3 iterations,
τ = 0.1) and the worked examples.
"""
from typing import Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

__all__ = ['sinkhorn_knopp', 'sinkhorn', 'swav_loss']


def _all_reduce(x: Tensor, world_size: int, op=None, group=None) -> Tensor:
    """Sum (or ``op``) of ``x`` over the ranks when ``world_size > 1``, else ``x``."""
    if world_size > 1:
        dist.all_reduce(x, op=dist.ReduceOp.SUM if op is None else op, group=group)
    return x


@torch.no_grad()
def sinkhorn_knopp(scores: Tensor, epsilon: float = 0.05, n_iters: int = 3, world_size: int = 1,
                   group=None) -> Tensor:
    r"""Equipartitioned soft codes from prototype scores (Sinkhorn-Knopp), no gradient.

    With :math:`S` the scores of the :math:`M` rows on this rank, :math:`P`
    prototypes and :math:`M_g` rows over all ranks:

    1. :math:`A = \exp((S - \max S) / \epsilon)^\top` (:math:`P \times M`), the max
       taken over all ranks;
    2. :math:`A \leftarrow A / \sum A` (sum over all ranks);
    3. ``n_iters`` times: :math:`A \leftarrow A / (A \mathbf{1}) / P` (row sums over
       all ranks), then :math:`A \leftarrow A / (\mathbf{1}^\top A) / M_g`;
    4. return :math:`Q = (M_g A)^\top`.

    Every row of :math:`Q` sums to 1; after the last row step each prototype
    would get :math:`M_g / P` of the mass, the column step trades a little of
    that for exact row sums. Computed in float32. The all-reduces run only when
    ``world_size > 1``, so one rank gives the same answer as the plain function.

    Args:
        scores (Tensor): prototype scores :math:`S` (e.g. :math:`z W^\top`).
        epsilon (float): entropic regularisation :math:`\epsilon > 0`. Default: 0.05.
        n_iters (int): Sinkhorn iterations, >= 1. Default: 3.
        world_size (int): number of ranks sharing the problem; collectives are
            used only when > 1 (then ``torch.distributed`` must be initialised).
            Default: 1.
        group (ProcessGroup, optional): group of the collectives. Default: None
            (the world).

    Shape:
        - scores: :math:`(M, P)`, the rows of this rank (any :math:`M \ge 0`).
        - Output: :math:`(M, P)` float32 codes :math:`Q`, rows summing to 1.

    Example:
        >>> sinkhorn_knopp(torch.tensor([[1., 0.], [1., 0.], [0., 0.]]), epsilon=1.0)
        tensor([[0.5810, 0.4190],
                [0.5810, 0.4190],
                [0.3378, 0.6622]])
    """
    if epsilon <= 0:
        raise ValueError(f'epsilon must be > 0, got {epsilon}')
    if n_iters < 1:
        raise ValueError(f'n_iters must be >= 1 (the last column step makes rows sum to 1), '
                         f'got {n_iters}')
    if world_size < 1:
        raise ValueError(f'world_size must be >= 1, got {world_size}')
    if scores.dim() != 2:
        raise ValueError(f'scores must have shape (M, P), got {tuple(scores.shape)}')
    scores = scores.detach().float()
    num_prototypes = scores.shape[1]
    # The max must be global: a per-rank shift would rescale each rank's columns differently.
    local_max = scores.max() if scores.numel() else scores.new_tensor(float('-inf'))
    shift = _all_reduce(local_max.clone(), world_size, dist.ReduceOp.MAX, group)
    a = torch.exp((scores - shift) / epsilon).t()  # (P, M)
    num_rows = _all_reduce(scores.new_tensor(float(scores.shape[0])), world_size, group=group)
    a = a / _all_reduce(a.sum(), world_size, group=group)
    for _ in range(n_iters):
        row_sums = _all_reduce(a.sum(dim=1, keepdim=True), world_size, group=group)  # (P, 1)
        a = a / row_sums / num_prototypes
        a = a / a.sum(dim=0, keepdim=True) / num_rows  # column sums are local
    return (a * num_rows).t()  # (M, P)


sinkhorn = sinkhorn_knopp  # the name used in docs/clup.md §5


def swav_loss(scores_per_crop: Sequence[Tensor], codes: Sequence[Tensor],
              assign_ids: Sequence[int], temperature: float = 0.1) -> Tensor:
    r"""Swapped-prediction loss of SwAV, averaged over assignment crops and batch.

    With :math:`V` crops of scores :math:`S_v`, codes :math:`Q_a` of the
    assignment crops :math:`a \in \mathcal{A}` and :math:`B` images:

    .. math::
        L = \frac{1}{|\mathcal{A}|} \sum_{a \in \mathcal{A}} \frac{1}{V - 1}
            \sum_{v \ne a} \Big[ -\frac{1}{B} \sum_{b=1}^{B} \sum_{k=1}^{P}
            Q_a[b, k] \log \mathrm{softmax}(S_v[b] / \tau)_k \Big] .

    The codes are targets (SwAV's stop-gradient): they are detached here, and
    :func:`sinkhorn_knopp` computes them without gradient anyway. The gradient
    flows through the scores only.

    Args:
        scores_per_crop (sequence of Tensor): :math:`S_v` for every crop, same
            :math:`B` images in the same order.
        codes (sequence of Tensor): :math:`Q_a`, one per entry of ``assign_ids``.
        assign_ids (sequence of int): indices :math:`a` into ``scores_per_crop`` of
            the crops whose codes are predicted (``(0, 1)``: the two global crops).
        temperature (float): :math:`\tau > 0`. Default: 0.1.

    Shape:
        - scores_per_crop: :math:`V` tensors :math:`(B, P)`, :math:`V \ge 2`.
        - codes: :math:`|\mathcal{A}|` tensors :math:`(B, P)`.
        - Output: scalar.

    Example:
        >>> swav_loss([torch.tensor([[.1, 0.]]), torch.tensor([[0., .1]])],
        ...           [torch.tensor([[1., 0.]]), torch.tensor([[.5, .5]])], [0, 1])
        tensor(1.0633)
    """
    if temperature <= 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')
    num_crops = len(scores_per_crop)
    if num_crops < 2:
        raise ValueError(f'swav_loss needs at least 2 crops, got {num_crops}')
    if len(assign_ids) == 0 or len(codes) != len(assign_ids):
        raise ValueError(f'codes must hold one tensor per assignment crop: got {len(codes)} '
                         f'codes for assign_ids {list(assign_ids)}')
    if len(set(assign_ids)) != len(assign_ids) or not all(
            0 <= a < num_crops for a in assign_ids):
        raise ValueError(f'assign_ids must be distinct crop indices in [0, {num_crops}), got '
                         f'{list(assign_ids)}')
    shape = scores_per_crop[0].shape
    if len(shape) != 2 or any(s.shape != shape for s in scores_per_crop) or any(
            q.shape != shape for q in codes):
        raise ValueError('every crop score and code must have the same shape (B, P), got '
                         f'{[tuple(s.shape) for s in scores_per_crop]} and '
                         f'{[tuple(q.shape) for q in codes]}')
    log_probs = [F.log_softmax(s / temperature, dim=1) for s in scores_per_crop]  # V x (B, P)
    total = 0.0
    for a, q in zip(assign_ids, codes):
        q = q.detach()
        cross_entropy = [-(q * log_probs[v]).sum(dim=1).mean()  # scalar per predicting crop
                         for v in range(num_crops) if v != a]
        total = total + torch.stack(cross_entropy).sum() / (num_crops - 1)
    return total / len(assign_ids)
