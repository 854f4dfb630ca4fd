"""Per-sample banks indexed by dataset index, and their full refresh.

EERCL (``docs/eercl.md`` §2.2) keeps a weak bank (student features and
probabilities, refreshed every R iterations) and an AaD bank (teacher features
and scores, filled once and then updated with every batch). A bank row belongs
to one dataset sample, so rows are addressed by the dataset index that the
loader returns with each sample, never by loader position.

A bank is a small ``nn.Module`` whose rows are non-persistent buffers created in
``__init__`` (sized 0 until the dataset length is known, then :meth:`resize`\ d),
so they follow the owning model's ``.to()``. They stay out of the model's
``state_dict``: the method checkpoints them through :meth:`IndexedBank.export_state`,
and DDP with ``broadcast_buffers=False`` never broadcasts them (every rank
writes the same gathered rows, so the replicas agree anyway).

:func:`fill_bank` writes every row from a dedicated loader (test pipeline,
unshuffled, sharded without padding) and gathers the shards by dataset index;
it never touches the training iterator (the reference refreshed through the
training loader and so restarted its epoch, §4).
"""
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from basicda.ops.embed import embed_by_index

__all__ = ['IndexedBank', 'BANK_INIT', 'fill_bank']

BANK_INIT = ('zeros', 'randn')
_BUFFER = 'rows_'  # buffer name prefix of a field


def _check_num_samples(num_samples: int) -> None:
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 0:
        raise ValueError(f'num_samples must be an int >= 0, got {num_samples!r}')


class IndexedBank(nn.Module):
    r"""Named fields of ``num_samples`` rows each, written by dataset index.

    Every :meth:`update` writes all fields of the given rows together, so one
    ``filled`` mask describes the whole bank.

    Args:
        num_samples (int): :math:`N`, the dataset length; 0 for a bank sized
            later by :meth:`resize` (or by :meth:`import_state`).
        fields (dict): field name -> row width, e.g. ``dict(feat=256, prob=7)``.
        dtype (torch.dtype): Default: ``torch.float32``.
        device (torch.device | str, optional): Default: None (CPU).
        init (str): initial values of unwritten rows: ``'zeros'``, or
            ``'randn'`` (N(0, 1), the reference's; it matters only when rows are
            used before being written). ``filled`` starts False either way.
            Default: ``'zeros'``.
        generator (torch.Generator, optional): source of the ``'randn'`` rows
            (CPU). Default: None (torch's global RNG).

    Shape:
        - ``get(name)``: :math:`(N, \text{fields[name]})`; ``filled``: :math:`(N,)` bool.

    Example:
        >>> bank = IndexedBank(3, dict(feat=2))
        >>> bank.update(torch.tensor([2, 0, 2]), feat=torch.tensor([[1., 1.], [2., 2.], [3., 3.]]))
        >>> bank.get('feat').tolist(), bank.filled.tolist()
        ([[2.0, 2.0], [0.0, 0.0], [3.0, 3.0]], [True, False, True])
    """

    def __init__(self, num_samples: int, fields: Mapping[str, int],
                 dtype: torch.dtype = torch.float32,
                 device: Optional[Union[torch.device, str]] = None, init: str = 'zeros',
                 generator: Optional[torch.Generator] = None) -> None:
        _check_num_samples(num_samples)
        if not isinstance(fields, Mapping) or not fields:
            raise ValueError(f'fields must be a non-empty dict name -> width, got {fields!r}')
        for name, width in fields.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f'field names must be Python identifiers, got {name!r}')
            if isinstance(width, bool) or not isinstance(width, int) or width < 1:
                raise ValueError(f'field {name!r} must have an int width >= 1, got {width!r}')
        if init not in BANK_INIT:
            raise ValueError(f'init must be one of {BANK_INIT}, got {init!r}')
        super().__init__()
        self.fields = dict(fields)
        self.init = init
        for name, width in self.fields.items():
            self.register_buffer(_BUFFER + name, torch.zeros(0, width, dtype=dtype, device=device),
                                 persistent=False)
        self.register_buffer('_filled', torch.zeros(0, dtype=torch.bool, device=device),
                             persistent=False)
        self.num_samples = 0
        self.resize(num_samples, generator)

    def resize(self, num_samples: int, generator: Optional[torch.Generator] = None) -> None:
        """Make the bank ``num_samples`` rows long, every row unwritten and at its
        initial value (``init``), on the bank's device and dtype."""
        _check_num_samples(num_samples)
        for name, width in self.fields.items():
            stored = self.get(name)
            if self.init == 'randn':
                value = torch.randn(num_samples, width, generator=generator, dtype=stored.dtype)
                value = value.to(stored.device)
            else:
                value = stored.new_zeros(num_samples, width)
            setattr(self, _BUFFER + name, value)
        self._filled = self._filled.new_zeros(num_samples)
        self.num_samples = num_samples

    @property
    def device(self) -> torch.device:
        return self._filled.device

    @property
    def filled(self) -> Tensor:
        """(N,) bool: rows written at least once."""
        return self._filled

    def get(self, name: str) -> Tensor:
        """The (N, width) rows of field ``name`` (the stored tensor: read, do not modify)."""
        if name not in self.fields:
            raise KeyError(f'bank has no field {name!r}; fields are {list(self.fields)}')
        return getattr(self, _BUFFER + name)

    def _check_rows(self, index: Tensor, values: Mapping[str, Tensor]) -> None:
        missing = sorted(set(self.fields) - set(values))
        unexpected = sorted(set(values) - set(self.fields))
        if missing or unexpected:
            raise KeyError(f'update must give every field of the bank {list(self.fields)}: '
                           f'missing {missing}, unexpected {unexpected}')
        if (not isinstance(index, Tensor) or index.dim() != 1 or index.dtype.is_floating_point
                or index.dtype == torch.bool):
            raise ValueError(f'index must be a 1-D integer tensor of dataset indices, got '
                             f'{index!r:.80}')
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= self.num_samples):
            raise ValueError(f'index must be in [0, {self.num_samples}), got values in '
                             f'[{int(index.min())}, {int(index.max())}]')
        for name, value in values.items():
            expected = (index.shape[0], self.fields[name])
            if tuple(value.shape) != expected:
                raise ValueError(f'field {name!r} must have shape {expected} for '
                                 f'{index.shape[0]} indices, got {tuple(value.shape)}')

    @torch.no_grad()
    def update(self, index: Tensor, **values: Tensor) -> None:
        """Write row ``index[i]`` of every field from ``values[name][i]`` (detached).

        Rows are written in the given order, so of duplicate indices the last
        wins (the order of a rank-ordered gather). Every field must be given.

        Args:
            index (LongTensor): :math:`(n,)` dataset indices in ``[0, N)``.
            **values (Tensor): one :math:`(n, \\text{width})` tensor per field.
        """
        self._check_rows(index, values)
        index = index.to(device=self.device, dtype=torch.long)
        # advanced-index assignment with repeated indices has no defined winner:
        # keep only the last occurrence of each index
        sorted_index, order = torch.sort(index, stable=True)
        last = torch.ones_like(sorted_index, dtype=torch.bool)
        last[:-1] = sorted_index[1:] != sorted_index[:-1]
        rows, source = sorted_index[last], order[last]
        for name, value in values.items():
            stored = self.get(name)
            stored[rows] = value.detach().to(stored.device, stored.dtype)[source]
        self._filled[rows] = True

    def assert_filled(self, name_of_bank: str = 'bank') -> None:
        """Raise ``RuntimeError`` if some row was never written, saying how many."""
        missing = int((~self._filled).sum())
        if missing:
            first = torch.nonzero(~self._filled).flatten()[:5].tolist()
            raise RuntimeError(
                f'{name_of_bank}: {missing} of {self.num_samples} rows were never written '
                f'(e.g. dataset indices {first}); fill it from a loader that yields every sample '
                f'once (no drop_last, no padding sampler) before using it')

    def export_state(self) -> Dict[str, object]:
        """``{'values': {field: (N, width)}, 'filled': (N,)}`` (copies; tensors only)."""
        return dict(values={name: self.get(name).detach().clone() for name in self.fields},
                    filled=self._filled.clone())

    def import_state(self, state: Mapping[str, object]) -> None:
        """Restore :meth:`export_state` output; the field names and widths must match.
        A bank of 0 rows (sized later) is resized to the state's N; otherwise N must
        match."""
        if set(state) != {'values', 'filled'}:
            raise KeyError(f'IndexedBank state must have keys ["filled", "values"], got '
                           f'{sorted(state)}')
        values, filled = state['values'], state['filled']
        missing = sorted(set(self.fields) - set(values))
        unexpected = sorted(set(values) - set(self.fields))
        if missing or unexpected:
            raise KeyError(f'IndexedBank state fields differ from the bank {list(self.fields)}: '
                           f'missing {missing}, unexpected {unexpected}')
        if self.num_samples == 0 and isinstance(filled, Tensor) and filled.dim() == 1:
            self.resize(int(filled.shape[0]))
        for name, value in values.items():
            expected = (self.num_samples, self.fields[name])
            if tuple(value.shape) != expected:
                raise ValueError(f'IndexedBank state field {name!r} has shape '
                                 f'{tuple(value.shape)}, the bank expects {expected} (another '
                                 f'dataset or feature size?)')
        if tuple(filled.shape) != (self.num_samples,) or filled.dtype != torch.bool:
            raise ValueError(f'IndexedBank state "filled" must be ({self.num_samples},) bool, got '
                             f'{filled.dtype} {tuple(filled.shape)}')
        for name, value in values.items():
            self.get(name).copy_(value.detach())
        self._filled.copy_(filled)

    def extra_repr(self) -> str:
        return (f'num_samples={self.num_samples}, fields={self.fields}, '
                f'filled={int(self._filled.sum())}')


ForwardFn = Callable[[object], Tuple[Tensor, Mapping[str, Tensor]]]


@torch.no_grad()
def fill_bank(bank: IndexedBank, loader: Iterable, forward_fn: ForwardFn,
              fields: Optional[Sequence[str]] = None) -> int:
    """Write every row of ``bank`` from one pass over ``loader``, on every rank.

    Each rank runs ``forward_fn`` on its shard; the outputs are gathered by
    dataset index (:func:`basicda.ops.embed.embed_by_index`, the identity on
    one process) and all :math:`N` rows written, so the replicas are identical
    and equal to a one-process fill. ``loader`` must yield every dataset index
    exactly once over all ranks: unshuffled, no ``drop_last``, and a
    non-padding sampler (mmengine ``DefaultSampler(shuffle=False,
    round_up=False)``, whose shards are uneven); a missing or duplicated index
    raises. Only ``loader`` is iterated. Runs without autograd; putting the
    networks in eval mode is ``forward_fn``'s job.

    Args:
        bank (IndexedBank): the bank to fill.
        loader (iterable): this rank's batches.
        forward_fn (callable): ``forward_fn(batch) -> (index, values)`` with
            ``index`` :math:`(n,)` dataset indices and ``values`` a dict
            name -> :math:`(n, \\text{width})`.
        fields (sequence of str, optional): the keys of ``values`` written to the
            bank; they must be the bank's fields (other keys are ignored).
            Default: None, the bank's fields.

    Returns:
        int: the number of rows this rank computed (its shard size).
    """
    fields = list(bank.fields) if fields is None else list(fields)
    if set(fields) != set(bank.fields):
        raise KeyError(f'fill_bank writes whole rows: fields must be the bank fields '
                       f'{sorted(bank.fields)}, got {sorted(fields)}')
    computed = [0]

    def counted(batch):
        index, values = forward_fn(batch)
        computed[0] += torch.as_tensor(index).numel()
        return index, values

    rows = embed_by_index(loader, counted, bank.num_samples, keys=fields, device=bank.device)
    bank.update(rows['index'], **{name: rows[name] for name in fields})
    return computed[0]
