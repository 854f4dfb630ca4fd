"""Collectives that are correct for any world size (one process included).

Every function is the identity with one process or without an initialised
process group, so method code calls them unconditionally. Tensors may have a
different number of rows on every rank (sharded loaders without padding give
uneven shards on purpose: no duplicated sample is ever counted twice).
"""
from typing import Any, Dict, List, Tuple

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = [
    'world_info', 'all_gather_cat', 'gather_with_local_grad', 'all_gather_with_grad',
    'broadcast_tensor',
    'broadcast_object', 'gather_by_index', 'check_coverage'
]


def world_info() -> Tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` without an initialised process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _row_counts(x: Tensor, world_size: int) -> List[int]:
    n = torch.tensor([x.shape[0]], dtype=torch.long, device=x.device)
    counts = [torch.zeros_like(n) for _ in range(world_size)]
    dist.all_gather(counts, n)
    return [int(c.item()) for c in counts]


def all_gather_cat(x: Tensor) -> Tensor:
    """Concatenate ``x`` (n_r, ...) of every rank along dim 0, in rank order.

    The row counts n_r may differ between ranks (rows are padded for the
    collective and the padding removed). The result carries no gradient; see
    :func:`gather_with_local_grad`.

    Returns:
        Tensor: (sum_r n_r, ...) on every rank.
    """
    rank, world_size = world_info()
    if world_size == 1:
        return x.detach()
    x = x.detach().contiguous()
    counts = _row_counts(x, world_size)
    longest = max(counts)
    padded = x
    if x.shape[0] < longest:
        pad = x.new_zeros((longest - x.shape[0],) + tuple(x.shape[1:]))
        padded = torch.cat([x, pad])
    parts = [torch.empty_like(padded) for _ in range(world_size)]
    dist.all_gather(parts, padded)
    return torch.cat([part[:count] for part, count in zip(parts, counts)])


def gather_with_local_grad(x: Tensor) -> Tensor:
    """:func:`all_gather_cat` with this rank's rows replaced by the live ``x``.

    Gradients flow into the local rows only; remote rows are constants (each
    rank back-propagates its own slice, DDP averages the parameter gradients).

    Returns:
        Tensor: (sum_r n_r, ...), rows of rank r at offset sum_{s<r} n_s.
    """
    rank, world_size = world_info()
    if world_size == 1:
        return x
    gathered = all_gather_cat(x)
    counts = _row_counts(x, world_size)
    start = sum(counts[:rank])
    return torch.cat([gathered[:start], x, gathered[start + x.shape[0]:]])


class _AllGatherWithGrad(torch.autograd.Function):
    """Forward: :func:`all_gather_cat`. Backward: the gradient of the gathered rows is
    summed over the ranks (every rank's loss may depend on every rank's rows) and this
    rank's slice is returned."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        rank, world_size = world_info()
        counts = _row_counts(x, world_size)
        ctx.start, ctx.rows = sum(counts[:rank]), x.shape[0]
        return all_gather_cat(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.start:ctx.start + ctx.rows]


def all_gather_with_grad(x: Tensor) -> Tensor:
    """:func:`all_gather_cat` through which gradients flow to every rank's rows.

    With a loss L_r on every rank that reads all gathered rows, the gradient reaching
    rank r's ``x`` is sum_s dL_s/dx_r; after DDP averages the parameter gradients
    every rank holds the gradient of mean_r L_r, as one process with the whole batch
    would (``docs/active-learning.md`` §7.2). mmengine's ``all_gather`` has no gradient;
    :func:`gather_with_local_grad` drops the other ranks' terms.

    Returns:
        Tensor: (sum_r n_r, ...), rows of rank r at offset sum_{s<r} n_s; ``x`` itself
        with one process.
    """
    if world_info()[1] == 1:
        return x
    return _AllGatherWithGrad.apply(x)


def broadcast_tensor(x: Tensor, src: int = 0) -> Tensor:
    """Rank ``src``'s ``x`` on every rank (shape and dtype must already agree;
    copied in place and returned)."""
    _, world_size = world_info()
    if world_size > 1:
        dist.broadcast(x, src)
    return x


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """Rank ``src``'s picklable ``obj`` on every rank (any shape, any type)."""
    _, world_size = world_info()
    if world_size == 1:
        return obj
    holder = [obj]
    dist.broadcast_object_list(holder, src)
    return holder[0]


def gather_by_index(index: Tensor, values: Dict[str, Tensor], num_samples: int,
                    allow_missing: bool = False) -> Dict[str, Tensor]:
    """Gather per-sample outputs of every rank into rows ordered by dataset index.

    Args:
        index: (n,) int dataset indices of this rank's rows.
        values: name -> (n, ...) tensors, row i belonging to sample ``index[i]``;
            the same names, trailing shapes and dtypes on every rank.
        num_samples: N, the dataset length; every index in [0, N) must occur
            exactly once over all ranks (a non-padding sharded sampler).
        allow_missing: accept indices that no rank has (a loader with
            ``drop_last``); they are simply absent from the output. Duplicates
            still raise. Default: False.

    Returns:
        dict: ``index`` (M,) int64, the dataset indices present in ascending order,
        and name -> (M, ...) the matching rows, on every rank. M = N and
        ``index = arange(N)`` (row j = sample j) unless ``allow_missing``.

    Raises:
        ValueError: an index is out of range, duplicated (padded sampler) or
            missing (dropped last batch), with counts and examples.

    Example:
        >>> out = gather_by_index(torch.tensor([2, 0, 1]), {'f': torch.tensor([[2.], [0.], [1.]])}, 3)
        >>> out['f'].flatten().tolist(), out['index'].tolist()
        ([0.0, 1.0, 2.0], [0, 1, 2])
    """
    index = index.reshape(-1).long()
    if 'index' in values:
        raise KeyError("gather_by_index: 'index' is the name of the returned dataset indices; "
                       'rename that value')
    for name, value in values.items():
        if value.shape[0] != index.shape[0]:
            raise ValueError(f'gather_by_index: {name!r} has {value.shape[0]} rows for '
                             f'{index.shape[0]} indices')
    all_index = all_gather_cat(index)  # (M,) in rank order
    check_coverage(all_index, num_samples, allow_missing, what='gather_by_index')
    order = torch.argsort(all_index)  # indices are unique: the order is well defined
    out = dict(index=all_index[order])
    for name, value in values.items():
        out[name] = all_gather_cat(value)[order]
    return out


def check_coverage(index: Tensor, num_samples: int, allow_missing: bool = False,
                   what: str = 'gather_by_index') -> None:
    """Raise unless ``index`` (M,) holds dataset indices in ``[0, num_samples)``, each
    at most once and, unless ``allow_missing``, every one of them.

    A duplicate means a padding sampler (mmengine's ``DefaultSampler`` with
    ``round_up=True``), a missing index a dropped last batch; the message names
    ``what`` failed, counts both and gives examples.
    """
    index = index.reshape(-1)
    if index.numel() and (index.min() < 0 or index.max() >= num_samples):
        bad = index[(index < 0) | (index >= num_samples)][:5].tolist()
        raise ValueError(f'{what}: indices outside [0, {num_samples}): {bad}')
    counts = torch.bincount(index.long(), minlength=num_samples)
    duplicated = torch.nonzero(counts > 1).flatten()
    missing = torch.nonzero(counts == 0).flatten() if not allow_missing else counts[:0]
    if len(duplicated) or len(missing):
        raise ValueError(
            f'{what}: every sample of {num_samples} must appear exactly once; '
            f'{len(duplicated)} duplicated (e.g. {duplicated[:5].tolist()}: a padding sampler? '
            f'use DefaultSampler(round_up=False)), {len(missing)} missing (e.g. '
            f'{missing[:5].tolist()}: drop_last?)')
