"""Lower-face occlusion masks (face masks) for a robustness test grid (``docs/ldl.md``).

Pure geometry: a region (l, t, r, b) in image fractions becomes pixel bounds
:math:`r_0 = \\mathrm{round}(tH)`, :math:`r_1 = \\mathrm{round}(bH)` (exclusive),
columns likewise, and a shape is filled inside it with ``cv2.fillPoly`` (vertices
rounded). No shape sets a pixel above :math:`r_0`.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np

__all__ = ['OCCLUSION_SHAPES', 'DEFAULT_REGION', 'region_bounds', 'lower_face_mask']

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
