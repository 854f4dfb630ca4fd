"""LDLRandomErasing: one rectangle of the configured area range, seeded, p respected."""
import pytest
import torch

from ferda.methods.ldl.transforms import LDLRandomErasing


def test_erases_one_rectangle_within_the_area_range_and_is_seeded():
    img = torch.full((3, 40, 40), 255, dtype=torch.uint8)  # the fill never draws 255
    erase = LDLRandomErasing(p=1.0)
    for seed in range(20):
        torch.manual_seed(seed)
        out = erase(img)
        changed = (out != 255).any(0)
        rows, cols = changed.nonzero(as_tuple=True)
        h, w = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
        assert int(changed.sum()) <= h * w and h * w >= 0.9 * int(changed.sum())
        assert 0.02 * 1600 * 0.5 <= h * w <= 0.3 * 1600 * 1.3
        torch.manual_seed(seed)
        assert torch.equal(erase(img), out)
    assert torch.equal(LDLRandomErasing(p=0.0)(img), img)


def test_bad_input():
    with pytest.raises(TypeError, match='expects a uint8'):
        LDLRandomErasing()(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match='LDLRandomErasing needs'):
        LDLRandomErasing(area=(0.5, 0.2))
