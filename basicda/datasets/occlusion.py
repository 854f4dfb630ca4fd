"""Lower-face occlusion masks (face masks) for a robustness test grid (``docs/ldl.md``).

Pure geometry: a region (l, t, r, b) in image fractions becomes pixel bounds
:math:`r_0 = \\mathrm{round}(tH)`, :math:`r_1 = \\mathrm{round}(bH)` (exclusive),
columns likewise, and a shape is filled inside it with ``cv2.fillPoly`` (vertices
rounded). No shape sets a pixel above :math:`r_0`.

:class:`LowerFaceOcclusion` paints such a mask into a uint8 image in a test pipeline, in one
of :data:`OCCLUSION_COLOURS`, deterministically per image.
"""
import zlib
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch import Tensor

from basicda.registry import TRANSFORMS

__all__ = ['OCCLUSION_SHAPES', 'OCCLUSION_COLOURS', 'DEFAULT_REGION', 'region_bounds',
           'lower_face_mask', 'occluder_fill', 'LowerFaceOcclusion']

OCCLUSION_SHAPES = ('rect', 'surgical', 'kn95', 'ellipse', 'lower_half')
# (l, t, r, b) of an aligned face when no landmarks are given
DEFAULT_REGION = (0.15, 0.55, 0.85, 1.0)


def _round(x: float) -> int:
    return int(np.floor(x + 0.5))  # half up, not Python's half to even


def region_bounds(h: int, w: int, region: Sequence[float]) -> Tuple[int, int, int, int]:
    """Pixel bounds (r0, r1, c0, c1), end-exclusive, of a fractional region (l, t, r, b)."""
    left, top, right, bottom = (float(v) for v in region)
    if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
        raise ValueError(f'region must be (l, t, r, b) with 0 <= l < r <= 1 and '
                         f'0 <= t < b <= 1, got {tuple(region)}')
    return _round(top * h), _round(bottom * h), _round(left * w), _round(right * w)


def lower_face_mask(h: int, w: int, shape: str,
                    region: Sequence[float] = DEFAULT_REGION) -> np.ndarray:
    """Boolean (h, w) mask of an occluder of ``shape`` in ``region``.

    Shapes: ``rect`` (the region), ``surgical`` (trapezoid, 80 % of the width at
    the top), ``kn95`` (pentagon pointed at the chin), ``ellipse`` (inscribed),
    ``lower_half`` (full width from the region's top down).

    Example:
        >>> int(lower_face_mask(10, 10, 'rect', (0.2, 0.6, 0.8, 1.0)).sum())
        24
    """
    if shape not in OCCLUSION_SHAPES:
        raise ValueError(f'shape must be one of {OCCLUSION_SHAPES}, got {shape!r}')
    r0, r1, c0, c1 = region_bounds(h, w, region)
    x0, x1, y0, y1 = c0, c1 - 1, r0, r1 - 1  # inclusive pixel corners
    width, height = x1 - x0, y1 - y0
    if shape == 'lower_half':
        x0, x1 = 0, w - 1
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif shape == 'rect':
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif shape == 'surgical':
        inset = 0.1 * width
        pts = [(x0 + inset, y0), (x1 - inset, y0), (x1, y1), (x0, y1)]
    elif shape == 'kn95':
        side = y0 + 0.6 * height
        pts = [(x0, y0), (x1, y0), (x1, side), ((x0 + x1) / 2, y1), (x0, side)]
    else:  # ellipse inscribed in the region
        angle = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        pts = list(zip(cx + width / 2 * np.cos(angle), cy + height / 2 * np.sin(angle)))
    poly = np.array([[_round(x), _round(y)] for x, y in pts], dtype=np.int32)
    canvas = np.zeros((h, w), np.uint8)
    cv2.fillPoly(canvas, [poly], 1)
    return canvas.astype(bool)


# RGB fills; 'random' is one colour per image, 'noise' one value per pixel and channel
OCCLUSION_COLOURS = {
    'surgical_blue': (110, 160, 200),
    'white': (245, 245, 245),
    'black': (20, 20, 20),
    'grey': (128, 128, 128),
    'random': None,
    'noise': None,
}


def occluder_fill(colour: str, channels: int, h: int, w: int,
                  rng: np.random.Generator) -> np.ndarray:
    """The (channels, h, w) uint8 paint of an occluder of ``colour``.

    A fixed colour is its RGB triple (``channels`` = 3) or the triple's rounded mean
    (``channels`` = 1, greyscale images); ``random`` draws one triple ~ U{0..255}^3 from
    ``rng``, ``noise`` draws every pixel and channel ~ U{0..255}.

    Example:
        >>> occluder_fill('black', 1, 1, 2, np.random.default_rng(0)).tolist()
        [[[20, 20]]]
    """
    if colour not in OCCLUSION_COLOURS:
        raise ValueError(f'colour must be one of {tuple(OCCLUSION_COLOURS)}, got {colour!r}')
    if channels not in (1, 3):
        raise ValueError(f'occlusion needs a 1- or 3-channel image, got {channels} channels')
    if colour == 'noise':
        return rng.integers(0, 256, (channels, h, w), dtype=np.uint8)
    rgb = (rng.integers(0, 256, 3) if colour == 'random'
           else np.array(OCCLUSION_COLOURS[colour]))
    value = rgb if channels == 3 else np.array([_round(float(np.mean(rgb)))])
    return np.broadcast_to(value.astype(np.uint8)[:, None, None], (channels, h, w)).copy()


@TRANSFORMS.register_module()
class LowerFaceOcclusion:
    """Paint a lower-face occluder (a face mask) into a uint8 (C, H, W) image.

    Test-time transform: put it after the resize of a test pipeline (before normalisation,
    which the model's data preprocessor does). The mask is :func:`lower_face_mask` of
    ``shape`` in ``region`` at the image's size, painted with :func:`occluder_fill`. The
    random colours are drawn from ``numpy.random.Generator(PCG64([seed, crc32(image
    bytes)]))``: the same image always gets the same paint, in any order, on any number of
    processes or workers.

    Args:
        shape (str): one of :data:`OCCLUSION_SHAPES`.
        colour (str): one of :data:`OCCLUSION_COLOURS`. Default: ``'surgical_blue'``.
        region (tuple | None): (l, t, r, b) fractions; None = :data:`DEFAULT_REGION`
            (an aligned face).
        seed (int): Default: 0.
    """

    def __init__(self, shape: str, colour: str = 'surgical_blue',
                 region: Optional[Sequence[float]] = None, seed: int = 0) -> None:
        if shape not in OCCLUSION_SHAPES:
            raise ValueError(f'shape must be one of {OCCLUSION_SHAPES}, got {shape!r}')
        if colour not in OCCLUSION_COLOURS:
            raise ValueError(f'colour must be one of {tuple(OCCLUSION_COLOURS)}, got '
                             f'{colour!r}')
        self.shape, self.colour, self.seed = shape, colour, int(seed)
        self.region = tuple(DEFAULT_REGION if region is None else region)
        region_bounds(8, 8, self.region)  # validate early

    def __call__(self, img: Tensor) -> Tensor:
        if not isinstance(img, Tensor) or img.dtype != torch.uint8 or img.dim() != 3:
            raise TypeError('LowerFaceOcclusion expects a uint8 (C, H, W) tensor (after the '
                            'resize, before normalisation), got '
                            f'{getattr(img, "dtype", type(img))} '
                            f'{tuple(getattr(img, "shape", ()))}')
        c, h, w = img.shape
        mask = torch.from_numpy(lower_face_mask(h, w, self.shape, self.region))  # (H, W)
        array = img.contiguous().numpy()
        rng = np.random.Generator(np.random.PCG64([self.seed, zlib.crc32(array.tobytes())]))
        paint = torch.from_numpy(occluder_fill(self.colour, c, h, w, rng))  # (C, H, W)
        return torch.where(mask[None], paint, img)

    def __repr__(self) -> str:
        return (f'LowerFaceOcclusion(shape={self.shape!r}, colour={self.colour!r}, '
                f'region={self.region}, seed={self.seed})')
