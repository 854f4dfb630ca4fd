"""Image transforms, registered in ``TRANSFORMS``.

Training images flow as uint8 (3, H, W) tensors; normalisation happens batched in
the model's data preprocessor, so collation stays cheap. Geometry and colour
augmentation are torchvision's ``transforms.v2`` classes, registered under a
``TV`` prefix (``dict(type='TVColorJitter', brightness=...)``): the same
arguments and semantics as torchvision, no re-implementation.
"""
from typing import List, Sequence

import torch
from torchvision.transforms import v2

from basicda.registry import TRANSFORMS

TORCHVISION_TRANSFORMS = (
    'RandomHorizontalFlip', 'RandomAffine', 'RandomRotation', 'RandomResizedCrop',
    'RandomCrop', 'CenterCrop', 'Resize', 'ColorJitter', 'RandomGrayscale', 'RandAugment',
    'RandomErasing', 'GaussianBlur', 'Grayscale',
)

for _name in TORCHVISION_TRANSFORMS:
    TRANSFORMS.register_module(name='TV' + _name, module=getattr(v2, _name))


@TRANSFORMS.register_module(name='TVRandomApply')
class RandomApply(v2.RandomApply):
    """torchvision's ``RandomApply`` built from configs:
    ``dict(type='TVRandomApply', transforms=[dict(type='TVColorJitter', ...)], p=0.8)``."""

    def __init__(self, transforms: Sequence[dict], p: float = 0.5) -> None:
        super().__init__([TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms],
                         p=p)


def build_pipeline(cfgs: Sequence[dict]) -> v2.Compose:
    """Build a list of transform configs into one callable on (3, H, W) tensors
    (an empty list gives the identity)."""
    if not cfgs:
        return v2.Identity()
    steps: List = []
    for i, cfg in enumerate(cfgs):
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise TypeError(f'pipeline[{i}] must be a dict with a "type" key, got {cfg!r}')
        steps.append(TRANSFORMS.build(cfg))
    return v2.Compose(steps)


def to_chw_uint8(image) -> torch.Tensor:
    """(H, W) or (H, W, 3) uint8 RGB numpy array -> (3, H, W) uint8 tensor
    (grey images are replicated to 3 channels)."""
    tensor = torch.from_numpy(image)
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(-1).expand(-1, -1, 3)
    if tensor.ndim != 3 or tensor.shape[-1] != 3:
        raise ValueError(f'expected an (H, W) or (H, W, 3) image, got shape {tuple(image.shape)}')
    return tensor.permute(2, 0, 1).contiguous()
