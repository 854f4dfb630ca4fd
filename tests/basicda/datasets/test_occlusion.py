"""lower_face_mask against the worked example of docs/ldl.md, at 16 and 112 px."""
import numpy as np
import torch
import pytest

from basicda.datasets.occlusion import OCCLUSION_SHAPES, lower_face_mask, region_bounds


def test_rect_worked_example():
    mask = lower_face_mask(10, 10, 'rect', (0.2, 0.6, 0.8, 1.0))
    expected = np.zeros((10, 10), bool)
    expected[6:10, 2:8] = True
    assert mask.sum() == 24 and np.array_equal(mask, expected)


@pytest.mark.parametrize('size', [16, 112])
@pytest.mark.parametrize('shape', OCCLUSION_SHAPES)
def test_every_shape_stays_inside_its_region(shape, size):
    region = (0.15, 0.55, 0.85, 1.0)
    r0, r1, c0, c1 = region_bounds(size, size, region)
    mask = lower_face_mask(size, size, shape, region)
    assert mask.dtype == bool and mask.shape == (size, size)
    assert not mask[:r0].any()  # nothing above the region's top
    assert mask[r1 - 1].any() or shape == 'kn95'
    if shape != 'lower_half':
        assert not mask[:, :c0].any() and not mask[:, c1:].any()
    else:
        assert mask[r0:].all()
    rect = lower_face_mask(size, size, 'rect', region).sum()
    assert 0 < mask.sum() <= (rect if shape != 'lower_half' else size * size)


def test_bad_arguments():
    with pytest.raises(ValueError, match="shape must be one of .* got 'scarf'"):
        lower_face_mask(8, 8, 'scarf')
    with pytest.raises(ValueError, match='region must be'):
        lower_face_mask(8, 8, 'rect', (0.5, 0.5, 0.4, 1.0))


def test_occluder_fill_colours():
    from basicda.datasets.occlusion import occluder_fill
    rng = np.random.default_rng(0)
    blue = occluder_fill('surgical_blue', 3, 2, 3, rng)
    assert blue.shape == (3, 2, 3) and blue.dtype == np.uint8
    assert blue[:, 0, 0].tolist() == [110, 160, 200] and (blue == blue[:, :1, :1]).all()
    # greyscale: the rounded mean of the triple, (110 + 160 + 200) / 3 = 156.67 -> 157
    assert occluder_fill('surgical_blue', 1, 1, 1, rng).tolist() == [[[157]]]
    assert occluder_fill('white', 1, 1, 1, rng).tolist() == [[[245]]]
    # random: one colour over the whole occluder; noise: per pixel
    rand = occluder_fill('random', 3, 4, 4, np.random.default_rng(1))
    assert (rand == rand[:, :1, :1]).all()
    noise = occluder_fill('noise', 3, 8, 8, np.random.default_rng(1))
    assert len(np.unique(noise)) > 20
    with pytest.raises(ValueError, match="colour must be one of .* got 'pink'"):
        occluder_fill('pink', 3, 1, 1, rng)


def _image(seed, c=3, size=10):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (c, size, size), dtype=torch.uint8, generator=g)


def test_transform_paints_the_mask_only():
    from basicda.datasets.occlusion import LowerFaceOcclusion
    img = _image(0)
    out = LowerFaceOcclusion('rect', 'black', region=(0.2, 0.6, 0.8, 1.0))(img)
    mask = np.zeros((10, 10), bool)
    mask[6:10, 2:8] = True  # the worked example: rows 6-9 x columns 2-7
    assert (out[:, torch.from_numpy(mask)] == 20).all()
    assert torch.equal(out[:, torch.from_numpy(~mask)], img[:, torch.from_numpy(~mask)])
    grey = LowerFaceOcclusion('lower_half', 'grey')(_image(1, c=1, size=16))
    assert (grey[0, 9:] == 128).all()  # r0 = round(0.55 * 16) = 9, full width
    assert torch.equal(grey[0, :9], _image(1, c=1, size=16)[0, :9])


@pytest.mark.parametrize('colour', ['random', 'noise'])
def test_transform_is_deterministic_per_image(colour):
    from basicda.datasets.occlusion import LowerFaceOcclusion
    a, b = _image(2), _image(3)
    t = LowerFaceOcclusion('ellipse', colour, seed=5)
    first = (t(a), t(b))
    # the same image gets the same paint whatever came before it, from a fresh transform
    again = LowerFaceOcclusion('ellipse', colour, seed=5)
    assert torch.equal(again(b), first[1]) and torch.equal(again(a), first[0])
    assert not torch.equal(LowerFaceOcclusion('ellipse', colour, seed=6)(a), first[0])


def test_transform_in_a_pipeline_and_bad_input():
    from basicda.datasets import build_pipeline
    pipeline = build_pipeline([dict(type='TVResize', size=(16, 16), antialias=True),
                               dict(type='LowerFaceOcclusion', shape='kn95', colour='white')])
    out = pipeline(_image(4, size=32))
    assert out.shape == (3, 16, 16) and (out[:, 9] == 245).any()
    from basicda.datasets.occlusion import LowerFaceOcclusion
    with pytest.raises(TypeError, match='expects a uint8 .C, H, W. tensor'):
        LowerFaceOcclusion('rect')(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="colour must be one of"):
        LowerFaceOcclusion('rect', 'pink')
