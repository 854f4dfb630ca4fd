"""Embed a whole (sharded) dataset with a model and gather the outputs by dataset index.

One pass that every per-sample bank, clustering or selection needs: EERCL's
banks (``specs/eercl.md`` §2.2), CluP's teacher and refresh passes
(``docs/clup.md``), and next LDL's bank, core-set and BADGE. Each rank runs the
model on its shard of a dedicated loader (test pipeline, unshuffled, sharded
without padding, so the shards are uneven when the world size does not divide
N); the rows of all ranks are then gathered and ordered by the dataset index
each sample carries, so every rank holds the same matrix, equal to a
one-process pass, whatever the world size.
"""
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
from torch import Tensor

from .gather import gather_by_index, world_info

__all__ = ['embed_by_index']

ForwardFn = Callable[[object], Tuple[Tensor, Mapping[str, Tensor]]]


def _exchange_spec(local: Optional[Dict[str, Tuple[tuple, torch.dtype]]]) -> dict:
    """Names, trailing shapes and dtypes of the outputs, taken from a rank that has
    rows (an empty shard cannot know them). A collective with > 1 process."""
    _, world_size = world_info()
    if world_size == 1:
        return local or {}
    specs = [None] * world_size
    dist.all_gather_object(specs, local)
    found = [spec for spec in specs if spec is not None]
    if not found:
        return {}
    if any(spec != found[0] for spec in found):
        raise ValueError(f'embed_by_index: ranks returned different outputs (name -> '
                         f'(trailing shape, dtype)): {found}')
    return found[0]


@torch.no_grad()
def embed_by_index(loader: Iterable, forward_fn: ForwardFn, num_samples: int,
                   keys: Optional[Sequence[str]] = None,
                   device: Optional[Union[torch.device, str]] = None,
                   allow_missing: bool = False) -> Dict[str, Tensor]:
    r"""Run ``forward_fn`` over this rank's ``loader`` and gather every rank's rows by
    dataset index.

    ``loader`` must yield each dataset index once over all ranks: unshuffled or
    not (order does not matter), no ``drop_last``, and a non-padding sampler
    (mmengine ``DefaultSampler(shuffle=False, round_up=False)``). Only ``loader``
    is iterated (never a training iterator). Runs without autograd; eval mode and
    any per-batch bookkeeping are ``forward_fn``'s job. A collective: every rank
    must call it, an empty shard included.

    Args:
        loader (iterable): this rank's batches.
        forward_fn (callable): ``forward_fn(batch) -> (index, outputs)`` with
            ``index`` :math:`(n,)` dataset indices (tensor or sequence) and
            ``outputs`` a dict name -> :math:`(n, \ldots)` tensor.
        num_samples (int): :math:`N`, the dataset length.
        keys (sequence of str, optional): the outputs to gather; others are
            dropped. Default: None (every output of the first batch).
        device (torch.device | str, optional): where rows are collected and
            gathered (the backend must reach it: CPU for gloo, the GPU for NCCL).
            Default: None, where ``forward_fn`` put them (CPU for an empty shard).
        allow_missing (bool): accept samples no rank reached (the reference's
            ``drop_last`` fills); they are absent from the result. Default: False
            (a missing sample raises). A duplicated sample always raises.

    Returns:
        dict: ``index`` :math:`(M,)` int64, the dataset indices in ascending
        order, and name -> :math:`(M, \ldots)` the rows of those samples; the
        same on every rank. :math:`M = N` and ``index = arange(N)`` (row j =
        sample j) unless ``allow_missing``.

    Raises:
        KeyError: a batch lacks one of ``keys``, or an output is named ``index``.
        ValueError: an index is out of range, duplicated or (without
            ``allow_missing``) missing; ranks disagree on the outputs.

    Example:
        >>> loader = [dict(i=torch.tensor([2, 0]), x=torch.tensor([[2.], [0.]])),
        ...           dict(i=torch.tensor([1]), x=torch.tensor([[1.]]))]
        >>> out = embed_by_index(loader, lambda b: (b['i'], dict(sq=b['x'] ** 2)), 3)
        >>> out['sq'].flatten().tolist(), out['index'].tolist()
        ([0.0, 1.0, 4.0], [0, 1, 2])
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f'num_samples must be an int >= 1, got {num_samples!r}')
    keys = list(keys) if keys is not None else None
    indices, parts = [], {}
    for batch in loader:
        index, outputs = forward_fn(batch)
        if keys is None:
            keys = list(outputs)
        missing = [name for name in keys if name not in outputs]
        if missing:
            raise KeyError(f'forward_fn returned {sorted(outputs)}, missing {missing}')
        index = torch.as_tensor(index).reshape(-1).long()
        indices.append(index.to(device) if device is not None else index)
        for name in keys:
            value = outputs[name].detach()
            parts.setdefault(name, []).append(value.to(device) if device is not None else value)
    local = {name: torch.cat(chunks) for name, chunks in parts.items()}
    spec = _exchange_spec({name: (tuple(v.shape[1:]), v.dtype) for name, v in local.items()}
                          if indices else None)
    if indices:
        index = torch.cat(indices)
        if local:  # the collective needs every tensor on one device
            index = index.to(next(iter(local.values())).device)
    else:
        # an empty shard (more ranks than batches) still joins the collectives
        device = device if device is not None else 'cpu'
        index = torch.zeros(0, dtype=torch.long, device=device)
        local = {name: torch.zeros((0,) + shape, dtype=dtype, device=device)
                 for name, (shape, dtype) in spec.items()}
    return gather_by_index(index, local, num_samples, allow_missing=allow_missing)
