"""Re-ordering classifier rows between two class orders.

CluP's checkpoints index classes alphabetically; ours use the canonical order
(``docs/source-only.md`` §1). Importing such a checkpoint permutes the rows of
the classifier weight and bias (and of weight-norm ``g``/``v``) so that class
names, not positions, are preserved.
"""
from collections import Counter
from typing import Dict, Mapping, Sequence

import torch
from torch import Tensor

__all__ = ['class_permutation', 'permute_head', 'DEFAULT_HEAD_KEYS']

#: Classifier tensors of ``LinearClsHead``/``BottleneckWNHead`` held as ``model.head``,
#: in both the parametrisation and the legacy weight-norm spellings.
DEFAULT_HEAD_KEYS = tuple(
    f'head.fc.{suffix}' for suffix in ('weight', 'bias', 'parametrizations.weight.original0',
                                       'parametrizations.weight.original1', 'weight_g',
                                       'weight_v'))


def class_permutation(src_names: Sequence[str], dst_names: Sequence[str]) -> Tensor:
    """Indices ``perm`` such that destination class ``k`` is source class ``perm[k]``.

    Applying it to anything indexed by source class, ``x_dst = x_src[perm]``, gives
    the destination order.

    Args:
        src_names (sequence of str): class names in the source order, :math:`C` unique.
        dst_names (sequence of str): the same names in the destination order.

    Returns:
        Tensor: :math:`(C,)` int64 permutation.

    Example:
        >>> alphabetical = ['Anger', 'Disgust', 'Fear', 'Happiness', 'Neutral', 'Sadness',
        ...                 'Surprise']
        >>> canonical = ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger',
        ...              'Neutral']
        >>> class_permutation(alphabetical, canonical)
        tensor([6, 2, 1, 3, 5, 0, 4])
    """
    src_names, dst_names = list(src_names), list(dst_names)
    for label, names in (('src_names', src_names), ('dst_names', dst_names)):
        duplicates = sorted(n for n, k in Counter(names).items() if k > 1)
        if duplicates:
            raise ValueError(f'{label} has duplicate class names {duplicates}')
    if set(src_names) != set(dst_names):
        raise ValueError(f'src_names and dst_names must hold the same classes; only in src: '
                         f'{sorted(set(src_names) - set(dst_names))}, only in dst: '
                         f'{sorted(set(dst_names) - set(src_names))}')
    index = {name: i for i, name in enumerate(src_names)}
    return torch.tensor([index[name] for name in dst_names], dtype=torch.long)


def permute_head(state_dict: Mapping[str, Tensor],
                 perm: Tensor,
                 keys: Sequence[str] = DEFAULT_HEAD_KEYS) -> Dict[str, Tensor]:
    """Return a copy of ``state_dict`` whose classifier rows follow ``perm``.

    Each listed key that is present gets ``tensor[perm]`` (rows along dim 0);
    absent keys are skipped, every other tensor is passed through unchanged.

    Args:
        state_dict (Mapping[str, Tensor]): e.g. a model state dict.
        perm (Tensor): :math:`(C,)` permutation from :func:`class_permutation`.
        keys (sequence of str): classifier tensors whose dim 0 is the class.
            Default: :data:`DEFAULT_HEAD_KEYS`.

    Shape:
        - each permuted tensor: :math:`(C, *)`; the output keeps its shape.

    Raises:
        ValueError: ``perm`` is not a permutation, none of ``keys`` is present, or a
            tensor's dim 0 is not :math:`C`.
    """
    perm = torch.as_tensor(perm)
    if perm.dim() != 1 or perm.dtype != torch.long or not torch.equal(
            torch.sort(perm).values, torch.arange(perm.numel())):
        raise ValueError(f'perm must be a 1-D int64 permutation of 0..C-1, got {perm.tolist()}')
    present = [k for k in keys if k in state_dict]
    if not present:
        raise ValueError(f'none of the classifier keys {list(keys)} is in the state dict; pass '
                         f'keys=... (state dict keys start with {sorted(state_dict)[:10]})')
    out = dict(state_dict)
    for key in present:
        tensor = state_dict[key]
        if tensor.dim() == 0 or tensor.shape[0] != perm.numel():
            raise ValueError(f'{key} has shape {tuple(tensor.shape)}; expected dim 0 = '
                             f'{perm.numel()} classes')
        out[key] = tensor[perm.to(tensor.device)]
    return out
