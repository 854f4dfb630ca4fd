"""Multi-view transforms: several independently augmented views of one image."""
from typing import List, Sequence

import torch

from basicda.registry import TRANSFORMS

from .transforms import build_pipeline


@TRANSFORMS.register_module()
class MultiCrop:
    """``num`` views from each of several pipelines, in order (SwAV's multi-crop).

    Args:
        crops: ``[dict(num=2, pipeline=[...]), dict(num=6, pipeline=[...])]``; each
            entry's pipeline is applied ``num`` times with fresh randomness.

    Shape:
        - image: uint8 (3, H, W).
        - Output: a list of V = sum(num) uint8 tensors (3, h_v, w_v); collated
          into V batches (B, 3, h_v, w_v).
    """

    def __init__(self, crops: Sequence[dict]) -> None:
        if not crops:
            raise ValueError('MultiCrop needs at least one crop group')
        self.groups = []
        for i, group in enumerate(crops):
            num = int(group.get('num', 0))
            if num < 1 or 'pipeline' not in group:
                raise ValueError(f'MultiCrop crops[{i}] needs num >= 1 and a pipeline, got {group}')
            self.groups.append((num, build_pipeline(group['pipeline'])))

    @property
    def num_views(self) -> int:
        return sum(num for num, _ in self.groups)

    def __call__(self, image: torch.Tensor) -> List[torch.Tensor]:
        return [pipeline(image) for num, pipeline in self.groups for _ in range(num)]

    def __repr__(self) -> str:
        return f'MultiCrop(num={[num for num, _ in self.groups]})'
