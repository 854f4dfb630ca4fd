"""The confusion-matrix image (basicda/engine/hooks/confusion_matrix.py:render_confusion)."""
import numpy as np
import pytest

from basicda.engine.hooks import render_confusion

LOW, HIGH = np.array([247, 251, 255]), np.array([8, 48, 107])


def _cell(image, i, j, C, cell=28):
    """The colour of cell (i, j) near its corner (away from the count's text), found from the
    grid's bottom-right corner: the grid is the C*cell square ending 8 px from the right."""
    h, w, _ = image.shape
    right = w - 8
    left = right - C * cell
    # top: the first row whose pixel at the grid's left edge is not white below the title
    col = image[:, left + 1]
    top = int(np.argmax((col != 255).any(1) & (np.arange(h) > 30)))
    return image[top + i * cell + 2, left + j * cell + 2]


def test_colours_are_the_row_rates_and_image_is_rgb_uint8():
    m = np.array([[3, 1], [0, 4]])  # row rates [[.75, .25], [0, 1]]
    img = render_confusion(m, ['a', 'b'], 'title')
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    expected = {(0, 0): 0.75, (0, 1): 0.25, (1, 0): 0.0, (1, 1): 1.0}
    for (i, j), rate in expected.items():
        want = np.round(LOW + (HIGH - LOW) * rate)
        assert np.array_equal(_cell(img, i, j, 2), want), (i, j)


def test_a_row_without_samples_is_drawn_as_rate_zero_and_size_follows_classes():
    img3 = render_confusion(np.zeros((3, 3), dtype=int))
    assert np.array_equal(_cell(img3, 1, 2, 3), LOW)
    img7 = render_confusion(np.eye(7, dtype=int) * 5)
    assert img7.shape[1] - img3.shape[1] == 4 * 28
    assert np.array_equal(_cell(img7, 6, 6, 7), HIGH)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r'must be \(C, C\)'):
        render_confusion(np.zeros((2, 3)))
    with pytest.raises(ValueError, match='3 class names for a 2x2'):
        render_confusion(np.zeros((2, 2)), ['a', 'b', 'c'])
