"""lower_face_mask against the worked example of docs/ldl.md, at 16 and 112 px."""
import numpy as np
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
