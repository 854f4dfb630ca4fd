"""DVSCL's augmentation switches (docs/dvscl.md §4, §5.1): ``view_aug`` shared vs independent
(flips of the two views agree / disagree, depth colour-jittered only when independent) and
``probe_transforms`` ours (deterministic test split) vs the reference's (random test flips,
depth resized before the crop)."""
import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from basicda.datasets import apply_to_views, build_pipeline
from ferda.methods.dvscl import DVSCLPretrainAug, DVSCLProbeAug  # noqa: F401 (registers)


def _views(size=16):
    gen = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (3, size, size), generator=gen, dtype=torch.uint8)
    depth = torch.randint(0, 256, (1, size, size), generator=gen, dtype=torch.uint8)
    return dict(rgb=rgb, depth=depth.expand(3, -1, -1).contiguous())


def _flipped(out, image):
    if torch.equal(out, image):
        return False
    if torch.equal(out, TF.horizontal_flip(image)):
        return True
    return None  # changed otherwise (colour)


def _draws(pipeline_cfg, n=24, size=16):
    torch.manual_seed(0)
    pipeline = build_pipeline(pipeline_cfg)
    return [apply_to_views(pipeline, _views(size)) for _ in range(n)]


def test_shared_view_aug_flips_both_views_together_and_leaves_depth_colour():
    views = _views()
    outs = _draws([dict(type='DVSCLPretrainAug', view_aug='shared')])
    flips = [(_flipped(o['depth'], views['depth']),
              _flipped(TF.rgb_to_grayscale(o['rgb']), TF.rgb_to_grayscale(views['rgb'])))
             for o in outs]
    assert {d for d, _ in flips} == {True, False}  # depth: only flipped, never recoloured
    plain = _draws([dict(type='DVSCLPretrainAug', view_aug='shared', grayscale_p=0,
                         jitter=0)])
    assert all(_flipped(o['rgb'], views['rgb']) == _flipped(o['depth'], views['depth'])
               for o in plain)
    # the same draws as the pipeline the configs spelled out before the switch existed
    old = _draws([dict(type='PerView', pipelines=dict(rgb=[
        dict(type='TVRandomGrayscale', p=0.2),
        dict(type='TVColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.4)])),
        dict(type='TVRandomHorizontalFlip', p=0.5)])
    assert all(torch.equal(a[v], b[v]) for a, b in zip(outs, old) for v in ('rgb', 'depth'))


def test_independent_view_aug_mismatches_flips_and_jitters_depth():
    views = _views()
    plain = _draws([dict(type='DVSCLPretrainAug', view_aug='independent', grayscale_p=0,
                         jitter=0)])
    pairs = [(_flipped(o['rgb'], views['rgb']), _flipped(o['depth'], views['depth']))
             for o in plain]
    assert any(r != d for r, d in pairs) and any(r == d for r, d in pairs)
    jittered = _draws([dict(type='DVSCLPretrainAug', view_aug='independent')])
    assert any(_flipped(o['depth'], views['depth']) is None for o in jittered)
    with pytest.raises(ValueError, match="view_aug must be one of"):
        DVSCLPretrainAug(view_aug='mixed')


def test_probe_transforms_ours_and_reference():
    views = _views(20)
    ours = _draws([dict(type='DVSCLProbeAug', size=14, train=False)], size=20)
    for o in ours:  # deterministic: the centre crop of both views
        for v in ('rgb', 'depth'):
            assert torch.equal(o[v], TF.center_crop(views[v], [14, 14]))
    ref = _draws([dict(type='DVSCLProbeAug', size=14, train=False,
                       probe_transforms='reference')], size=20)
    crop_rgb = TF.center_crop(views['rgb'], [14, 14])
    # depth: Resize(14 * 256 / 224 = 16), then the crop
    resized = TF.center_crop(TF.resize(views['depth'], [16, 16], antialias=True), [14, 14])
    rgb_flips = {_flipped(o['rgb'], crop_rgb) for o in ref}
    depth_flips = {_flipped(o['depth'], resized) for o in ref}
    assert rgb_flips == depth_flips == {True, False}  # random flips at test time, depth resized
    with pytest.raises(ValueError, match="probe_transforms must be one of"):
        DVSCLProbeAug(14, probe_transforms='theirs')
