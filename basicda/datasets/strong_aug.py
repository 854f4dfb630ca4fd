"""Strong augmentation of CRCo / EERCL: RandRange-Aug and Cutout, on uint8 tensors.

``docs/eercl.md`` §2.9 step 3-4. RandRange-Aug (CRCo's ``RandRangeAug`` over
mmcls ops) draws 2 of 14 ops with replacement. Each op with a magnitude draws
its own level :math:`\\ell \\sim U\\{1..L\\}` (:math:`L = 10`) and uses

.. math::
    v = \\frac{\\ell}{L}\\,(\\max - \\min) + \\min ,

then applies with probability 0.5, negating :math:`v` with probability 0.5 for
the signed ops. The image operations are torchvision's
(``transforms.v2.functional``); randomness comes from torch's global RNG, so
seeding (and ``RngStateHook``) makes a run reproducible, and every call consumes
the same number of random draws whatever ops it picks.

``magnitude_semantics`` (§4):

* ``'torchvision'`` (ours): Brightness, Color, Contrast and Sharpness use the
  factor :math:`v \\in [0.1, 1.9]` directly, unsigned;
* ``'mmcls'`` (the reference): their factor is :math:`1 \\pm v`, up to 2.9
  and down to -0.9. torchvision rejects negative factors, so those are
  computed as the same blend extrapolated,
  :math:`\\mathrm{clip}(f x + (1 - f)\\,x_0)` with :math:`x_0` the op's
  degenerate image (black, grey, mean grey, blurred).

Differences to mmcls that remain: Shear interpolates bilinearly (torchvision's
tensor affine has no bicubic), and Contrast's grey level is torchvision's mean.
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as F

from basicda.registry import TRANSFORMS

__all__ = ['RANGE_AUG_OPS', 'MAGNITUDE_SEMANTICS', 'range_value', 'op_magnitude',
           'apply_range_op', 'TVRandRangeAug', 'TVCutout']

# name -> (min, max) of the magnitude, or None for ops without one (the reference's list)
RANGE_AUG_OPS = {
    'AutoContrast': None,
    'Brightness': (0.1, 1.9),
    'Color': (0.1, 1.9),
    'Contrast': (0.1, 1.9),
    'Equalize': None,
    'Identity': None,
    'Posterize': (4, 8),
    'Rotate': (-30, 30),
    'Sharpness': (0.1, 1.9),
    'ShearX': (0, 0.3),
    'ShearY': (0, 0.3),
    'Solarize': (0, 256),
    'TranslateX': (-0.3, 0.3),
    'TranslateY': (-0.3, 0.3),
}
_OP_NAMES = tuple(RANGE_AUG_OPS)
_COLOUR_OPS = ('Brightness', 'Color', 'Contrast', 'Sharpness')
_GEOMETRIC_OPS = ('Rotate', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY')
MAGNITUDE_SEMANTICS = ('torchvision', 'mmcls')

_ADJUST = {
    'Brightness': F.adjust_brightness,
    'Color': F.adjust_saturation,
    'Contrast': F.adjust_contrast,
    'Sharpness': F.adjust_sharpness,
}


def range_value(level: int, low: float, high: float, total_level: int = 10) -> float:
    r"""The magnitude of a level: :math:`v = \ell / L \cdot (\max - \min) + \min`.

    Example:
        >>> range_value(5, -30, 30)
        0.0
    """
    return float(level) / total_level * float(high - low) + low


def op_magnitude(name: str, value: float, negate: bool, semantics: str = 'torchvision') -> float:
    """The argument :func:`apply_range_op` receives for op ``name`` at value ``value``.

    Geometric ops are signed in both semantics; colour ops are the factor
    ``value`` (torchvision) or ``1 -/+ value`` (mmcls); Posterize and Solarize
    are unsigned.

    Example:
        >>> op_magnitude('Brightness', 0.5, True, 'mmcls')
        0.5
    """
    if semantics not in MAGNITUDE_SEMANTICS:
        raise ValueError(f'magnitude_semantics must be one of {MAGNITUDE_SEMANTICS}, got '
                         f'{semantics!r}')
    sign = -1.0 if negate else 1.0
    if name in _GEOMETRIC_OPS:
        return sign * value
    if name in _COLOUR_OPS:
        return 1.0 + sign * value if semantics == 'mmcls' else value
    return value


def _blend_factor(img: Tensor, name: str, factor: float) -> Tensor:
    if factor >= 0:
        return _ADJUST[name](img, factor)
    # torchvision computes clip(f x + (1 - f) x0) but refuses f < 0; x0 is its f = 0 output
    degenerate = _ADJUST[name](img, 0.0).float()
    mixed = factor * img.float() + (1.0 - factor) * degenerate
    return mixed.clamp_(0, 255).to(img.dtype)


def apply_range_op(img: Tensor, name: str, magnitude: Optional[float] = None,
                   fill: int = 128) -> Tensor:
    """Apply one RandRange-Aug op with its final argument (see :func:`op_magnitude`).

    * AutoContrast, Equalize, Identity: no argument.
    * Brightness, Color (saturation), Contrast, Sharpness: blend factor.
    * Rotate: degrees (nearest, filled with ``fill``).
    * ShearX/Y: shear factor :math:`s`, i.e. :math:`\\arctan s` degrees about
      the top-left corner as PIL and mmcv shear (bilinear, ``fill``).
    * TranslateX/Y: fraction of the width / height (nearest, ``fill``).
    * Posterize: bits, rounded up (mmcls).
    * Solarize: threshold; pixels :math:`\\ge` it are inverted, so a threshold
      above 255 changes nothing.

    Shape:
        - img: uint8 :math:`(3, H, W)`; output: the same.
    """
    if name not in RANGE_AUG_OPS:
        raise KeyError(f'unknown RandRange-Aug op {name!r}; ops are {list(RANGE_AUG_OPS)}')
    if name == 'Identity':
        return img
    if name == 'AutoContrast':
        return F.autocontrast(img)
    if name == 'Equalize':
        return F.equalize(img)
    if magnitude is None:
        raise ValueError(f'op {name!r} needs a magnitude')
    if name in _ADJUST:
        return _blend_factor(img, name, magnitude)
    fill_value = [float(fill)] * img.shape[-3]
    if name == 'Rotate':
        return F.rotate(img, magnitude, interpolation=InterpolationMode.NEAREST, fill=fill_value)
    if name in ('ShearX', 'ShearY'):
        degrees = math.degrees(math.atan(magnitude))
        shear = [degrees, 0.0] if name == 'ShearX' else [0.0, degrees]
        return F.affine(img, angle=0.0, translate=[0.0, 0.0], scale=1.0, shear=shear,
                        interpolation=InterpolationMode.BILINEAR, fill=fill_value, center=[0, 0])
    if name in ('TranslateX', 'TranslateY'):
        height, width = img.shape[-2:]
        offset = [magnitude * width, 0.0] if name == 'TranslateX' else [0.0, magnitude * height]
        return F.affine(img, angle=0.0, translate=offset, scale=1.0, shear=[0.0, 0.0],
                        interpolation=InterpolationMode.NEAREST, fill=fill_value)
    if name == 'Posterize':
        return F.posterize(img, int(math.ceil(magnitude)))
    # Solarize
    return img if magnitude > 255 else F.solarize(img, float(magnitude))


def _check_uint8_image(img: Tensor, owner: str) -> None:
    if not isinstance(img, Tensor) or img.dtype != torch.uint8 or img.dim() != 3:
        got = f'{img.dtype} {tuple(img.shape)}' if isinstance(img, Tensor) else type(img).__name__
        raise TypeError(f'{owner} expects a uint8 (C, H, W) tensor, got {got}')


def _check_probability(value: float, name: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f'{name} must be in [0, 1], got {value}')


@TRANSFORMS.register_module()
class TVRandRangeAug:
    """RandRange-Aug: ``num_ops`` random ops, each at a random level (CRCo).

    Args:
        num_ops (int): ops drawn (with replacement) per image. Default: 2.
        total_level (int): :math:`L`; levels are drawn from
            :math:`\\{1..L\\}`. Default: 10.
        prob (float): probability that a drawn op is applied. Default: 0.5.
        negative_prob (float): probability that a signed op's value is
            negated. Default: 0.5.
        magnitude_semantics (str): ``'torchvision'`` or ``'mmcls'``, see the
            module docstring. Default: ``'torchvision'``.
        fill (int): value of pixels uncovered by geometric ops. Default: 128.

    Shape:
        - Input: uint8 :math:`(3, H, W)`; output: the same shape and dtype.

    Example:
        >>> aug = TVRandRangeAug()
        >>> aug(torch.zeros(3, 8, 8, dtype=torch.uint8)).shape
        torch.Size([3, 8, 8])
    """

    def __init__(self, num_ops: int = 2, total_level: int = 10, prob: float = 0.5,
                 negative_prob: float = 0.5, magnitude_semantics: str = 'torchvision',
                 fill: int = 128) -> None:
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f'num_ops must be an int >= 0, got {num_ops!r}')
        if isinstance(total_level, bool) or not isinstance(total_level, int) or total_level < 1:
            raise ValueError(f'total_level must be an int >= 1, got {total_level!r}')
        _check_probability(prob, 'prob')
        _check_probability(negative_prob, 'negative_prob')
        if magnitude_semantics not in MAGNITUDE_SEMANTICS:
            raise ValueError(f'magnitude_semantics must be one of {MAGNITUDE_SEMANTICS}, got '
                             f'{magnitude_semantics!r}')
        if not 0 <= fill <= 255:
            raise ValueError(f'fill must be a uint8 value in [0, 255], got {fill}')
        self.num_ops, self.total_level = num_ops, total_level
        self.prob, self.negative_prob = prob, negative_prob
        self.magnitude_semantics, self.fill = magnitude_semantics, fill

    def sample(self) -> List[Tuple[str, Optional[float]]]:
        """Draw this call's ops: ``[(name, magnitude or None), ...]``, skipped ops left out.

        Always draws ``4 * num_ops`` numbers from torch's global RNG (op, level,
        apply, sign), so the stream position does not depend on the ops drawn.
        """
        ops = torch.randint(len(_OP_NAMES), (self.num_ops,)).tolist()
        levels = torch.randint(1, self.total_level + 1, (self.num_ops,)).tolist()
        apply = (torch.rand(self.num_ops) < self.prob).tolist()
        negate = (torch.rand(self.num_ops) < self.negative_prob).tolist()
        chosen = []
        for op, level, applied, negated in zip(ops, levels, apply, negate):
            name = _OP_NAMES[op]
            value_range = RANGE_AUG_OPS[name]
            if name == 'Identity' or not applied:
                continue
            if value_range is None:
                chosen.append((name, None))
                continue
            value = range_value(level, *value_range, total_level=self.total_level)
            chosen.append((name, op_magnitude(name, value, negated, self.magnitude_semantics)))
        return chosen

    def __call__(self, img: Tensor) -> Tensor:
        _check_uint8_image(img, type(self).__name__)
        for name, magnitude in self.sample():
            img = apply_range_op(img, name, magnitude, self.fill)
        return img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_ops={self.num_ops}, total_level={self.total_level}, '
                f'prob={self.prob}, negative_prob={self.negative_prob}, '
                f'magnitude_semantics={self.magnitude_semantics!r}, fill={self.fill})')


@TRANSFORMS.register_module()
class TVCutout:
    """Fill one ``size`` x ``size`` patch with ``fill``, with probability ``p`` (mmcv's cutout).

    As in mmcv, the centre :math:`(y_0, x_0)` is uniform over the image, the
    top-left corner is :math:`(\\lfloor\\max(0, y_0 - s/2)\\rfloor,
    \\lfloor\\max(0, x_0 - s/2)\\rfloor)`, and the patch is cut off only at the
    bottom and right borders. Always draws 3 numbers from torch's global RNG.

    Args:
        size (int): patch side :math:`s` in pixels. Default: 16.
        fill (int): patch value. Default: 128.
        p (float): probability of applying. Default: 0.5.

    Shape:
        - Input: uint8 :math:`(C, H, W)`; output: the same.

    Example:
        >>> out = TVCutout(size=2, p=1.0)(torch.zeros(3, 4, 4, dtype=torch.uint8))
        >>> int(out.eq(128).sum()) in (3, 6, 12)  # a 1x1, 1x2 or 2x2 patch on 3 channels
        True
    """

    def __init__(self, size: int = 16, fill: int = 128, p: float = 0.5) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f'size must be an int >= 1, got {size!r}')
        if not 0 <= fill <= 255:
            raise ValueError(f'fill must be a uint8 value in [0, 255], got {fill}')
        _check_probability(p, 'p')
        self.size, self.fill, self.p = size, fill, p

    def box(self, height: int, width: int, u: Sequence[float]) -> Tuple[int, int, int, int]:
        """``(top, left, h, w)`` of the patch for uniform draws ``u = (u_y, u_x)``."""
        top = int(max(0.0, u[0] * height - self.size / 2))
        left = int(max(0.0, u[1] * width - self.size / 2))
        return top, left, min(height, top + self.size) - top, min(width, left + self.size) - left

    def __call__(self, img: Tensor) -> Tensor:
        _check_uint8_image(img, type(self).__name__)
        draws = torch.rand(3).tolist()  # apply, centre y, centre x
        if not draws[0] < self.p:
            return img
        top, left, h, w = self.box(img.shape[-2], img.shape[-1], draws[1:])
        return F.erase(img, top, left, h, w, torch.tensor(self.fill, dtype=img.dtype))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, fill={self.fill}, p={self.p})'
