"""A fixed-size FIFO of rows (MoCo-style queue) that knows which rows are filled.

EERCL keeps two queues of M = 512 teacher probability vectors as InfoNCE
negatives (``docs/eercl.md``). The rows are a non-persistent buffer of a small
``nn.Module``, created in ``__init__``, so they follow the owning model's
``.to()``; they stay out of the model's ``state_dict`` (the method checkpoints
them with the pointer through :meth:`RingQueue.export_state`), and DDP with
``broadcast_buffers=False`` leaves them alone: every rank pushes the same
gathered rows, so the replicas agree without a broadcast.

Reference behaviours reproduced by switches (§4):

* ``init='randn'``: the queue starts as N(0, 1) noise that counts as valid
  negatives from the first iteration (ours starts empty and masks unfilled rows);
* ``overflow='drop'``: a push that reaches the end fills the queue to its end
  and drops the rest, restarting at row 0 (ours wraps around).
"""
from typing import Dict, Optional, Union

import torch
from torch import Tensor, nn

__all__ = ['RingQueue', 'QUEUE_OVERFLOW', 'QUEUE_INIT']

QUEUE_OVERFLOW = ('wrap', 'drop')
QUEUE_INIT = ('empty', 'randn')


class RingQueue(nn.Module):
    r"""``size`` rows of width ``dim``, overwritten oldest first.

    A push of :math:`n` rows at pointer :math:`p` writes row :math:`i` to
    :math:`(p + i) \bmod M` (``overflow='wrap'``; if :math:`n > M` only the last
    :math:`M` rows survive), or writes rows :math:`p .. \min(p + n, M) - 1` and
    drops the rest (``overflow='drop'``). The pointer then advances by the rows
    written, modulo :math:`M`. ``valid`` counts filled rows; since filling
    starts at row 0, the filled rows are always ``data[:valid]``.

    Args:
        size (int): :math:`M`, number of rows.
        dim (int): row width (e.g. the number of classes :math:`C`).
        overflow (str): ``'wrap'`` or ``'drop'``. Default: ``'wrap'``.
        init (str): ``'empty'`` (zeros, ``valid = 0``) or ``'randn'`` (N(0, 1)
            rows, ``valid = M``; the reference). Default: ``'empty'``.
        generator (torch.Generator, optional): source of the ``'randn'`` rows
            (CPU). Default: None (torch's global RNG).
        dtype (torch.dtype): Default: ``torch.float32``.
        device (torch.device | str, optional): Default: None (CPU).

    Shape:
        - data: :math:`(M, \text{dim})`; push input: :math:`(n, \text{dim})`.

    Example:
        >>> queue = RingQueue(4, 1)
        >>> queue.push(torch.tensor([[1.], [2.], [3.]]))
        >>> queue.push(torch.tensor([[4.], [5.]]))
        >>> queue.data.flatten().tolist(), queue.ptr, queue.valid
        ([5.0, 2.0, 3.0, 4.0], 1, 4)
    """

    def __init__(self, size: int, dim: int, overflow: str = 'wrap', init: str = 'empty',
                 generator: Optional[torch.Generator] = None,
                 dtype: torch.dtype = torch.float32,
                 device: Optional[Union[torch.device, str]] = None) -> None:
        for name, value in (('size', size), ('dim', dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got {value!r}')
        if overflow not in QUEUE_OVERFLOW:
            raise ValueError(f'overflow must be one of {QUEUE_OVERFLOW}, got {overflow!r}')
        if init not in QUEUE_INIT:
            raise ValueError(f'init must be one of {QUEUE_INIT}, got {init!r}')
        super().__init__()
        self.size, self.dim, self.overflow = size, dim, overflow
        if init == 'randn':
            data = torch.randn(size, dim, generator=generator, dtype=dtype).to(device)
            self.valid = size  # the reference uses the noise rows as negatives
        else:
            data = torch.zeros(size, dim, dtype=dtype, device=device)
            self.valid = 0
        self.register_buffer('data', data, persistent=False)  # (M, dim)
        self.ptr = 0

    @torch.no_grad()
    def push(self, x: Tensor) -> None:
        """Enqueue the rows of ``x`` (n, dim), detached, in order."""
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise ValueError(f'push expects rows of shape (n, {self.dim}), got {tuple(x.shape)}')
        x = x.detach().to(device=self.data.device, dtype=self.data.dtype)
        n = x.shape[0]
        if self.overflow == 'drop':
            x = x[:self.size - self.ptr]
        elif n > self.size:
            # only the last `size` rows survive; skip the others but keep the pointer
            # where writing them one by one would have left it
            self.ptr = (self.ptr + n - self.size) % self.size
            x = x[n - self.size:]
        written = x.shape[0]
        rows = (self.ptr + torch.arange(written, device=self.data.device)) % self.size
        self.data[rows] = x  # rows are distinct, so the assignment order is irrelevant
        self.ptr = (self.ptr + written) % self.size
        self.valid = min(self.size, self.valid + written)

    def valid_mask(self) -> Tensor:
        """(M,) bool, True for filled rows (``relation_infonce(queue_valid=...)``)."""
        return torch.arange(self.size, device=self.data.device) < self.valid

    def rows(self) -> Tensor:
        """The filled rows, ``data[:valid]`` (valid, dim): a view, do not modify."""
        return self.data[:self.valid]

    def export_state(self) -> Dict[str, Union[Tensor, int]]:
        """``data`` (a copy), ``ptr`` and ``valid``: tensors and ints only, so a
        ``weights_only`` checkpoint loads it."""
        return dict(data=self.data.detach().clone(), ptr=self.ptr, valid=self.valid)

    def import_state(self, state: Dict[str, Union[Tensor, int]]) -> None:
        """Restore :meth:`export_state` output; the shape must match this queue's."""
        expected = {'data', 'ptr', 'valid'}
        if set(state) != expected:
            raise KeyError(f'RingQueue state must have keys {sorted(expected)}, missing '
                           f'{sorted(expected - set(state))}, unexpected '
                           f'{sorted(set(state) - expected)}')
        data = state['data']
        if not isinstance(data, Tensor) or tuple(data.shape) != (self.size, self.dim):
            shape = tuple(data.shape) if isinstance(data, Tensor) else type(data).__name__
            raise ValueError(f'RingQueue state "data" has shape {shape}, this queue is '
                             f'({self.size}, {self.dim}); was it saved with another size or '
                             f'number of classes?')
        ptr, valid = int(state['ptr']), int(state['valid'])
        if not 0 <= ptr < self.size:
            raise ValueError(f'RingQueue state "ptr" must be in [0, {self.size}), got {ptr}')
        if not 0 <= valid <= self.size:
            raise ValueError(f'RingQueue state "valid" must be in [0, {self.size}], got {valid}')
        self.data.copy_(data.detach())
        self.ptr, self.valid = ptr, valid

    def extra_repr(self) -> str:
        return (f'size={self.size}, dim={self.dim}, overflow={self.overflow!r}, '
                f'ptr={self.ptr}, valid={self.valid}')
