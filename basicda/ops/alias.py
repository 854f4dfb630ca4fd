"""Walker's alias method: O(1) draws from a fixed discrete distribution (the CMC/DVSCL negative
sampler, docs/dvscl.md §2).

Table construction (Vose): scale ``q_j = n p_j``; repeatedly take a *small* entry s (q < 1) and a
*large* entry l (q >= 1), both from the top of their stacks (LIFO), set ``prob[s] = q_s``,
``alias[s] = l`` and ``q_l -= 1 - q_s``; leftovers get ``prob = 1``. Invariant::

    (1/n) (prob_j + sum_{k: alias_k = j, k != j} (1 - prob_k)) = p_j

A draw takes a uniform k, keeps it with probability ``prob_k`` and returns ``alias_k`` otherwise.

Example:
    >>> s = AliasSampler(torch.tensor([0.5, 0.25, 0.25]))
    >>> s.prob.tolist(), s.alias.tolist()
    ([1.0, 0.75, 0.75], [0, 0, 0])
"""
import hashlib
from typing import Optional

import torch
from torch import Tensor

__all__ = ['AliasSampler', 'draw_contrast_indices']


class AliasSampler:
    """Alias table of ``probs`` (n,) (normalised here; non-negative, positive sum).

    Attributes:
        prob: (n,) float64 acceptance probabilities.
        alias: (n,) int64 alias indices.
    """

    def __init__(self, probs: Tensor):
        p = torch.as_tensor(probs, dtype=torch.float64).flatten()
        if p.numel() == 0 or bool((p < 0).any()) or not float(p.sum()) > 0:
            raise ValueError('AliasSampler needs non-negative probabilities with a positive '
                             f'sum, got {p.numel()} values with sum {float(p.sum())}')
        n = p.numel()
        q = (p / p.sum() * n).tolist()
        prob, alias = [0.0] * n, [0] * n
        small = [i for i, v in enumerate(q) if v < 1.0]
        large = [i for i, v in enumerate(q) if v >= 1.0]
        while small and large:
            s, l_ = small.pop(), large.pop()
            prob[s], alias[s] = q[s], l_
            q[l_] -= 1.0 - q[s]
            (small if q[l_] < 1.0 else large).append(l_)
        for i in small + large:  # numerically 1
            prob[i], alias[i] = 1.0, i
        self.prob = torch.tensor(prob, dtype=torch.float64)
        self.alias = torch.tensor(alias, dtype=torch.long)

    def __len__(self) -> int:
        return self.prob.numel()

    def sha256(self) -> str:
        """Checksum of the table (goes into the checkpoint: resuming with another pool fails)."""
        return hashlib.sha256(self.prob.numpy().tobytes() + self.alias.numpy().tobytes()
                              ).hexdigest()

    def draw(self, shape, generator: Optional[torch.Generator] = None) -> Tensor:
        """int64 indices of ``shape``, i.i.d. from the distribution."""
        n = len(self)
        k = torch.randint(n, tuple(shape), generator=generator)
        keep = torch.rand(tuple(shape), generator=generator, dtype=torch.float64) < self.prob[k]
        return torch.where(keep, k, self.alias[k])


def draw_contrast_indices(sampler: AliasSampler, y: Tensor, num_negatives: int,
                          generator: Optional[torch.Generator] = None,
                          exclude_positive: bool = False) -> Tensor:
    """Indices (B, K+1) into a memory bank: column 0 is ``y`` (B,), columns 1..K negatives.

    As in the reference, a negative may equal the positive; ``exclude_positive`` redraws those
    entries until none is left (needs n >= 2).
    """
    y = torch.as_tensor(y, dtype=torch.long).flatten()
    idx = sampler.draw((y.numel(), num_negatives + 1), generator)
    idx[:, 0] = y
    if exclude_positive:
        if len(sampler) < 2:
            raise ValueError('exclude_positive needs at least 2 indices to draw from')
        clash = idx[:, 1:] == y[:, None]
        while bool(clash.any()):
            idx[:, 1:][clash] = sampler.draw((int(clash.sum()),), generator)
            clash = idx[:, 1:] == y[:, None]
    return idx
