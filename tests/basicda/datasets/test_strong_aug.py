import math

import pytest
import torch
from torchvision.transforms.v2 import functional as F

from basicda.datasets import TVCutout, TVRandRangeAug, build_pipeline
from basicda.datasets.strong_aug import (RANGE_AUG_OPS, apply_range_op, op_magnitude,
                                         range_value)


def _image(h=24, w=20, seed=0):
    return torch.randint(0, 256, (3, h, w), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))


def test_value_formula_at_a_few_levels():
    # v = l / 10 * (max - min) + min
    assert range_value(1, 0.1, 1.9) == pytest.approx(0.28)
    assert range_value(10, 0.1, 1.9) == pytest.approx(1.9)
    assert range_value(5, -30, 30) == pytest.approx(0.0)
    assert range_value(1, -30, 30) == pytest.approx(-24.0)
    assert range_value(3, 0, 0.3) == pytest.approx(0.09)
    assert range_value(10, 0, 256) == pytest.approx(256.0)
    assert range_value(2, 4, 8) == pytest.approx(4.8)


def test_magnitude_semantics():
    assert op_magnitude('Brightness', 0.5, negate=True, semantics='torchvision') == 0.5
    assert op_magnitude('Brightness', 0.5, negate=True, semantics='mmcls') == 0.5
    assert op_magnitude('Brightness', 0.5, negate=False, semantics='mmcls') == 1.5
    assert op_magnitude('Rotate', 12.0, negate=True) == -12.0
    assert op_magnitude('Solarize', 25.6, negate=True) == 25.6


def test_fourteen_ops_with_the_spec_ranges():
    assert len(RANGE_AUG_OPS) == 14
    assert RANGE_AUG_OPS['Rotate'] == (-30, 30) and RANGE_AUG_OPS['Posterize'] == (4, 8)
    assert RANGE_AUG_OPS['TranslateY'] == (-0.3, 0.3) and RANGE_AUG_OPS['Solarize'] == (0, 256)
    assert [n for n, r in RANGE_AUG_OPS.items() if r is None] == [
        'AutoContrast', 'Equalize', 'Identity']


def test_sampled_values_follow_the_levels():
    aug = TVRandRangeAug()
    torch.manual_seed(0)
    seen = {}
    for _ in range(3000):
        for name, magnitude in aug.sample():
            seen.setdefault(name, set()).add(None if magnitude is None else round(magnitude, 6))
    assert 'Identity' not in seen and len(seen) == 13
    assert seen['Rotate'] == {round(s * range_value(l, -30, 30), 6) for l in range(1, 11)
                              for s in (1, -1)}
    assert seen['Brightness'] == {round(range_value(l, 0.1, 1.9), 6) for l in range(1, 11)}
    assert seen['Posterize'] == {round(range_value(l, 4, 8), 6) for l in range(1, 11)}
    mmcls = TVRandRangeAug(magnitude_semantics='mmcls')
    factors = {round(m, 6) for _ in range(3000) for n, m in mmcls.sample() if n == 'Contrast'}
    assert factors == {round(1 + s * range_value(l, 0.1, 1.9), 6) for l in range(1, 11)
                       for s in (1, -1)}


def test_half_of_the_drawn_ops_apply():
    aug = TVRandRangeAug()
    torch.manual_seed(1)
    applied = sum(len(aug.sample()) for _ in range(4000))
    # 2 ops per image, each applied with p 0.5 unless it is Identity (1/14)
    assert applied / 8000 == pytest.approx(0.5 * 13 / 14, abs=0.02)


def test_call_applies_the_sampled_ops_in_order(monkeypatch):
    """Drawn: TranslateX 0.2 (4 of 20 columns, filled with 128), then Solarize at 0
    (every pixel x >= 0 becomes 255 - x). In this order the filled columns end at
    255 - 128 = 127; in the other order they would stay 128."""
    aug = TVRandRangeAug()
    img = _image()
    monkeypatch.setattr(aug, 'sample', lambda: [('TranslateX', 0.2), ('Solarize', 0.0)])
    out = aug(img)
    assert bool((out[:, :, :4] == 127).all())
    assert torch.equal(out[:, :, 4:], 255 - img[:, :, :-4])
    monkeypatch.setattr(aug, 'sample', lambda: [('Solarize', 0.0), ('TranslateX', 0.2)])
    out = aug(img)
    assert bool((out[:, :, :4] == 128).all())
    assert torch.equal(out[:, :, 4:], 255 - img[:, :, :-4])
    monkeypatch.setattr(aug, 'sample', lambda: [])  # no op drawn (or none applied)
    assert torch.equal(aug(img), img)


def test_shapes_dtype_and_determinism_under_manual_seed():
    for semantics in ('torchvision', 'mmcls'):
        aug = TVRandRangeAug(magnitude_semantics=semantics)
        img = _image()
        torch.manual_seed(5)
        first = [aug(img) for _ in range(20)]
        torch.manual_seed(5)
        second = [aug(img) for _ in range(20)]
        for a, b in zip(first, second):
            assert a.shape == img.shape and a.dtype == torch.uint8
            assert torch.equal(a, b)
        assert any(not torch.equal(a, img) for a in first)
    with pytest.raises(TypeError, match='uint8'):
        TVRandRangeAug()(img.float())


def test_ops_are_torchvisions():
    img = _image()
    assert torch.equal(apply_range_op(img, 'Brightness', 0.5), F.adjust_brightness(img, 0.5))
    assert torch.equal(apply_range_op(img, 'Color', 1.9), F.adjust_saturation(img, 1.9))
    assert torch.equal(apply_range_op(img, 'Posterize', 4.4), F.posterize(img, 5))
    assert torch.equal(apply_range_op(img, 'Solarize', 25.6), F.solarize(img, 25.6))
    assert torch.equal(apply_range_op(img, 'Solarize', 256.0), img)  # nothing is >= 256
    assert torch.equal(apply_range_op(img, 'Identity'), img)
    # translation by a fraction of the width, filled with 128
    shifted = apply_range_op(img, 'TranslateX', 0.2)  # 4 of 20 columns
    assert torch.equal(shifted[:, :, 4:], img[:, :, :-4])
    assert bool((shifted[:, :, :4] == 128).all())
    sheared = apply_range_op(img, 'ShearX', 0.3)
    expected = F.affine(img, angle=0., translate=[0., 0.], scale=1.,
                        shear=[math.degrees(math.atan(0.3)), 0.], center=[0, 0],
                        interpolation=F.InterpolationMode.BILINEAR, fill=[128.] * 3)
    assert torch.equal(sheared, expected)
    # about the top-left corner: a horizontal ramp moves little at the top, a lot at the bottom
    ramp = (torch.arange(20) * 10).to(torch.uint8).expand(3, 24, 20).contiguous()
    moved = (apply_range_op(ramp, 'ShearX', 0.3).float() - ramp.float()).abs()[:, :, 8:12]
    assert moved[:, 0].mean() < 5 < 50 < moved[:, -1].mean()


def test_mmcls_negative_factors_extrapolate_the_blend():
    img = _image()
    # brightness: blend with black; a negative factor gives clip(f x) = 0
    assert bool((apply_range_op(img, 'Brightness', -0.5) == 0).all())
    # contrast: clip(f x + (1 - f) mean), computed in float here
    mean = F.adjust_contrast(img, 0.0).float()
    expected = (-0.5 * img.float() + 1.5 * mean).clamp(0, 255).to(torch.uint8)
    assert torch.equal(apply_range_op(img, 'Contrast', -0.5), expected)


def test_cutout_fills_one_patch_with_128():
    img = torch.zeros(3, 40, 40, dtype=torch.uint8)
    cutout = TVCutout(size=16, fill=128, p=1.0)
    full = 0
    for seed in range(20):
        torch.manual_seed(seed)
        out = cutout(img)
        filled = (out == 128).all(dim=0)  # (H, W)
        rows, cols = filled.any(dim=1).nonzero().flatten(), filled.any(dim=0).nonzero().flatten()
        h, w = len(rows), len(cols)
        # one rectangle of at most 16 x 16, every channel 128, everything else untouched
        assert 1 <= h <= 16 and 1 <= w <= 16
        assert int(filled.sum()) == h * w and int((out != 0).sum()) == 3 * h * w
        assert rows.max() - rows.min() + 1 == h and cols.max() - cols.min() + 1 == w
        full += h == 16 and w == 16
        # clipped only at the bottom and right borders (mmcv)
        if h < 16:
            assert int(rows.max()) == 39
        if w < 16:
            assert int(cols.max()) == 39
    assert full > 0
    torch.manual_seed(0)
    assert torch.equal(cutout(img), (torch.manual_seed(0), cutout(img))[1])


def test_cutout_box_follows_mmcv():
    cutout = TVCutout(size=16)
    assert cutout.box(40, 40, (0.5, 0.5)) == (12, 12, 16, 16)
    assert cutout.box(40, 40, (0.0, 0.1)) == (0, 0, 16, 16)  # near the top: a full patch
    assert cutout.box(40, 40, (0.99, 0.9)) == (31, 28, 9, 12)


def test_cutout_p_zero_is_the_identity_and_p_is_respected():
    img = _image()
    assert torch.equal(TVCutout(p=0.0)(img), img)
    torch.manual_seed(0)
    changed = sum(not torch.equal(TVCutout(p=0.5)(img), img) for _ in range(400))
    assert changed / 400 == pytest.approx(0.5, abs=0.08)


def test_registered_and_built_from_config():
    pipeline = build_pipeline([dict(type='TVRandRangeAug', magnitude_semantics='mmcls'),
                               dict(type='TVCutout', size=8, p=1.0)])
    out = pipeline(_image())
    assert out.shape == (3, 24, 20) and out.dtype == torch.uint8
    with pytest.raises(ValueError, match='magnitude_semantics'):
        TVRandRangeAug(magnitude_semantics='pil')
    with pytest.raises(ValueError, match='p must be in'):
        TVCutout(p=1.5)
