"""The LDL reference's random erasing of the anchor view (``docs/ldl.md`` §7 lists it)."""
import math
from typing import Tuple

import torch
from torch import Tensor

from basicda.registry import TRANSFORMS  # where build_pipeline looks transforms up

__all__ = ['LDLRandomErasing']


@TRANSFORMS.register_module()
class LDLRandomErasing:
    """Erase one random rectangle of a uint8 (C, H, W) image with uniform noise.

    With probability ``p``: area A ~ U(area) * H W, aspect r ~ U(aspect, 1 / aspect),
    h = round(sqrt(A r)), w = round(sqrt(A / r)); retried until h < H and w < W (at most
    ``max_tries`` times; the reference compares w with the height and retries without
    bound), placed uniformly, and filled with i.i.d. integers in [0, 255) per pixel and
    channel. Draws from torch's generator (seeded per sample by ``SeededAugSampler``).

    Args:
        p (float): 0.5. area (tuple): (0.02, 0.3). aspect (float): 0.3.
        max_tries (int): 100.
    """

    def __init__(self, p: float = 0.5, area: Tuple[float, float] = (0.02, 0.3),
                 aspect: float = 0.3, max_tries: int = 100) -> None:
        if not 0 <= p <= 1 or not 0 < area[0] <= area[1] < 1 or not 0 < aspect <= 1:
            raise ValueError(f'LDLRandomErasing needs p in [0, 1], 0 < area[0] <= area[1] < 1 '
                             f'and aspect in (0, 1]; got p={p}, area={area}, aspect={aspect}')
        self.p, self.area, self.aspect, self.max_tries = p, tuple(area), aspect, max_tries

    def __call__(self, img: Tensor) -> Tensor:
        if img.dtype != torch.uint8 or img.dim() != 3:
            raise TypeError(f'LDLRandomErasing expects a uint8 (C, H, W) tensor, got '
                            f'{img.dtype} {tuple(img.shape)}')
        if float(torch.rand(())) >= self.p:
            return img
        c, height, width = img.shape
        for _ in range(self.max_tries):
            area = float(torch.empty(()).uniform_(*self.area)) * height * width
            ratio = float(torch.empty(()).uniform_(self.aspect, 1 / self.aspect))
            h, w = int(round(math.sqrt(area * ratio))), int(round(math.sqrt(area / ratio)))
            if 0 < h < height and 0 < w < width:
                top = int(torch.randint(0, height - h + 1, ()))
                left = int(torch.randint(0, width - w + 1, ()))
                out = img.clone()
                out[:, top:top + h, left:left + w] = torch.randint(0, 255, (c, h, w),
                                                                   dtype=torch.uint8)
                return out
        return img
