"""The two-view NCE memory of CMC/DVSCL: one momentum-updated embedding per sample and view,
contrasted across views (docs/dvscl.md §2).

Pure pieces: :func:`init_memory`, :func:`memory_update`, :func:`cross_view_scores`,
:func:`contrast_losses`. :class:`NCEMemoryBank` orchestrates them and is correct for any world
size: every rank draws the *global* batch's index matrix from a generator seeded by
``(seed, iteration)`` and keeps its own rows, scores against the same (pre-update) banks, and
applies the same update from the all-gathered ``(y, z_r, z_d)`` in rank order, the first
occurrence of a repeated index winning. Its state (banks, Z, the index generator's position,
checksums) is plain tensors returned by :meth:`NCEMemoryBank.state_dict` for
``checkpoint['method_state']``, never module buffers (DDP would broadcast them).
"""
import hashlib
import logging
import math
from typing import Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import Tensor

from ..losses.nce import nce_loss, nce_normaliser, nce_scores, softmax_nce_loss
from ..ops.alias import AliasSampler, draw_contrast_indices
from ..ops.gather import all_gather_cat, world_info

__all__ = ['init_memory', 'memory_update', 'cross_view_scores', 'contrast_losses',
           'NCEMemoryBank', 'CRITERIA', 'SOFTMAX_COMPAT']

CRITERIA = ('softmax', 'nce')
SOFTMAX_COMPAT = ('fixed', 'reference')


def init_memory(n: int, dim: int, generator: Optional[torch.Generator] = None) -> Tensor:
    """(n, dim) float32 U(-a, a) with a = 1/sqrt(dim/3), so E||row||^2 = 1."""
    bound = 1.0 / math.sqrt(dim / 3)
    return torch.rand(n, dim, generator=generator) * (2 * bound) - bound


def first_occurrence(y: Tensor) -> Tensor:
    """(B,) bool: True at the first position of each distinct value of ``y`` (B,)."""
    y = y.flatten()
    order = torch.argsort(y, stable=True)
    sorted_y = y[order]
    first_sorted = torch.ones_like(sorted_y, dtype=torch.bool)
    first_sorted[1:] = sorted_y[1:] != sorted_y[:-1]
    out = torch.zeros_like(first_sorted)
    out[order] = first_sorted
    return out


def memory_update(bank: Tensor, y: Tensor, z: Tensor, momentum: float) -> Tensor:
    """A new bank with rows ``y`` (B,) set to ``normalize(m * bank[y] + (1 - m) * z)``.

    ``z`` (B, D). Rows not in ``y`` are bit-equal copies; for a repeated index the first
    occurrence wins.

    Example:
        >>> memory_update(torch.tensor([[1., 0.], [0., 0.]]), torch.tensor([0]),
        ...               torch.tensor([[0., 1.]]), 0.5)[0].tolist()
        [0.7071067690849304, 0.7071067690849304]
    """
    keep = first_occurrence(y)
    y, z = y.flatten()[keep], z.detach()[keep].to(bank.dtype)
    rows = F.normalize(bank[y] * momentum + z * (1 - momentum), dim=1, eps=1e-12)
    return bank.index_copy(0, y, rows)


def cross_view_scores(bank_r: Tensor, bank_d: Tensor, idx: Tensor, z_r: Tensor, z_d: Tensor):
    """``(s_r, s_d)``, each (B, K+1): ``s_r[b,k] = <M_d[idx[b,k]], z_r[b]>`` and
    ``s_d[b,k] = <M_r[idx[b,k]], z_d[b]>``; the bank rows carry no gradient."""
    s_r = torch.bmm(bank_d[idx].detach(), z_r.unsqueeze(2)).squeeze(2)
    s_d = torch.bmm(bank_r[idx].detach(), z_d.unsqueeze(2)).squeeze(2)
    return s_r, s_d


def contrast_losses(s_r: Tensor, s_d: Tensor, criterion: str, temperature: float,
                    n_data: int = None, z_r: Tensor = None, z_d: Tensor = None,
                    softmax_compat: str = 'fixed'):
    """``(L_r, L_d)`` of the two views' scores (B, K+1).

    ``criterion='softmax'``: CE of s/T against 0 per view. ``softmax_compat='reference'``
    reproduces the reference's bug: the "RGB" loss is CE of s_r/T^2 and the "depth" loss CE of
    s_r/T, so ``s_d`` (and the depth encoder) gets no gradient. ``criterion='nce'``: NCE with
    the given normalisers ``z_r``, ``z_d``.
    """
    if criterion == 'softmax':
        if softmax_compat == 'reference':
            return (softmax_nce_loss(s_r / temperature, temperature),
                    softmax_nce_loss(s_r, temperature))
        return softmax_nce_loss(s_r, temperature), softmax_nce_loss(s_d, temperature)
    return (nce_loss(nce_scores(s_r, temperature, z_r), n_data),
            nce_loss(nce_scores(s_d, temperature, z_d), n_data))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class NCEMemoryBank:
    """Banks ``M_r``, ``M_d`` (N, D) and the cross-view criterion.

    Args:
        n_data: N, the pool size (bank rows follow the pool's sorted key order).
        dim: D.
        num_negatives: K.
        temperature: T.
        momentum: m.
        criterion: ``'softmax'`` or ``'nce'``.
        softmax_compat: ``'fixed'`` or ``'reference'`` (see :func:`contrast_losses`).
        probs: (N,) sampling weights of negatives (default uniform).
        seed: seed of the bank init and of the index generator.
        exclude_positive: redraw negatives equal to the positive.
        keys: the pool's sample keys in bank-row order (checksummed into the state).
    """

    def __init__(self, n_data: int, dim: int = 128, num_negatives: int = 2048,
                 temperature: float = 0.05, momentum: float = 0.5, criterion: str = 'softmax',
                 softmax_compat: str = 'fixed', probs: Optional[Tensor] = None, seed: int = 0,
                 exclude_positive: bool = False, keys: Optional[Sequence[str]] = None):
        if criterion not in CRITERIA:
            raise ValueError(f'criterion must be one of {CRITERIA}, got {criterion!r}')
        if softmax_compat not in SOFTMAX_COMPAT:
            raise ValueError(f'softmax_compat must be one of {SOFTMAX_COMPAT}, got '
                             f'{softmax_compat!r}')
        if n_data < num_negatives:
            print_log(f'NCE memory: pool of {n_data} samples is smaller than K = '
                      f'{num_negatives} negatives: negatives repeat', logger='current',
                      level=logging.WARNING)
        self.n_data, self.dim, self.num_negatives = int(n_data), int(dim), int(num_negatives)
        self.temperature, self.momentum = float(temperature), float(momentum)
        self.criterion, self.softmax_compat = criterion, softmax_compat
        self.seed, self.exclude_positive = int(seed), bool(exclude_positive)
        self.sampler = AliasSampler(torch.ones(n_data) if probs is None else probs)
        self.keys_sha256 = _sha256('\n'.join(keys).encode()) if keys is not None else ''
        g = torch.Generator().manual_seed(self.seed)
        self.bank_r = init_memory(n_data, dim, g)
        self.bank_d = init_memory(n_data, dim, g)
        self.z_r: Optional[Tensor] = None
        self.z_d: Optional[Tensor] = None
        self.iteration = 0

    def _generator(self) -> torch.Generator:
        seq = np.random.SeedSequence([self.seed, self.iteration])
        return torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))

    def contrast_indices(self, y: Tensor) -> Tensor:
        """(B_local, K+1) indices: this rank's rows of the global batch's matrix, drawn from a
        generator seeded by (seed, iteration), so they do not depend on the world size."""
        rank, _ = world_info()
        sizes = all_gather_cat(torch.tensor([y.numel()], device=y.device)).cpu().tolist()
        start = sum(sizes[:rank])
        full_y = all_gather_cat(y.detach().long().flatten()).cpu()
        full = draw_contrast_indices(self.sampler, full_y, self.num_negatives, self._generator(),
                                     exclude_positive=self.exclude_positive)
        return full[start:start + y.numel()].to(y.device)

    def _normalisers(self, s_r: Tensor, s_d: Tensor) -> None:
        """Z_v = N * all_reduce(sum exp(s_v/T)) / all_reduce(count), at the first step only."""
        if self.z_r is not None:
            return
        stats = torch.stack([torch.exp(s_r.detach() / self.temperature).sum(),
                             torch.exp(s_d.detach() / self.temperature).sum(),
                             torch.tensor(float(s_r.numel()), device=s_r.device,
                                          dtype=s_r.dtype)]).double()
        if world_info()[1] > 1:
            dist.all_reduce(stats)
        self.z_r, _ = nce_normaliser(s_r, self.temperature, self.n_data, stats[0], stats[2])
        self.z_d, _ = nce_normaliser(s_d, self.temperature, self.n_data, stats[1], stats[2])
        self.z_r, self.z_d = self.z_r.float().cpu(), self.z_d.float().cpu()
        print_log(f'NCE normalisers fixed: Z_r {float(self.z_r):.4f}, Z_d {float(self.z_d):.4f}',
                  logger='current')

    def forward(self, y: Tensor, z_r: Tensor, z_d: Tensor):
        """Losses ``(L_r, L_d)`` of this rank's batch, then the bank update.

        Args:
            y: (B,) dataset indices of the rows; z_r, z_d: (B, D) unit embeddings.
        """
        device = z_r.device
        self.bank_r, self.bank_d = self.bank_r.to(device), self.bank_d.to(device)
        idx = self.contrast_indices(y)
        s_r, s_d = cross_view_scores(self.bank_r, self.bank_d, idx, z_r, z_d)
        if self.criterion == 'nce':
            self._normalisers(s_r, s_d)
        losses = contrast_losses(s_r, s_d, self.criterion, self.temperature, self.n_data,
                                 None if self.z_r is None else self.z_r.to(device),
                                 None if self.z_d is None else self.z_d.to(device),
                                 self.softmax_compat)
        self.update(y, z_r, z_d)
        return losses

    __call__ = forward

    @torch.no_grad()
    def update(self, y: Tensor, z_r: Tensor, z_d: Tensor) -> None:
        """Apply every rank's rows (all-gathered in rank order) to both banks."""
        all_y = all_gather_cat(y.long())
        all_r, all_d = all_gather_cat(z_r.detach()), all_gather_cat(z_d.detach())
        self.bank_r = memory_update(self.bank_r, all_y, all_r, self.momentum)
        self.bank_d = memory_update(self.bank_d, all_y, all_d, self.momentum)
        self.iteration += 1

    def state_dict(self) -> dict:
        return dict(bank_r=self.bank_r.cpu(), bank_d=self.bank_d.cpu(),
                    z_r=self.z_r, z_d=self.z_d, iteration=self.iteration, seed=self.seed,
                    num_negatives=self.num_negatives, temperature=self.temperature,
                    momentum=self.momentum, criterion=self.criterion,
                    alias_sha256=self.sampler.sha256(), keys_sha256=self.keys_sha256)

    def load_state_dict(self, state: dict) -> None:
        """Restore banks, Z and the generator position; refuse a state of another setup."""
        for name in ('num_negatives', 'temperature', 'momentum', 'criterion', 'seed',
                     'alias_sha256', 'keys_sha256'):
            mine = getattr(self, name) if name != 'alias_sha256' else self.sampler.sha256()
            if state.get(name) != mine:
                raise ValueError(f'NCE memory state: {name} is {state.get(name)!r} in the '
                                 f'checkpoint but {mine!r} here (another pool or config)')
        if tuple(state['bank_r'].shape) != (self.n_data, self.dim):
            raise ValueError(f"NCE memory state: bank shape {tuple(state['bank_r'].shape)} "
                             f'!= ({self.n_data}, {self.dim})')
        self.bank_r, self.bank_d = state['bank_r'].clone(), state['bank_d'].clone()
        self.z_r, self.z_d = state['z_r'], state['z_d']
        self.iteration = int(state['iteration'])
