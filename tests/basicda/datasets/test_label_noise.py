"""flip_labels against the worked examples of docs/ldl.md."""
import numpy as np
import pytest

from basicda.datasets.label_noise import flip_labels


def test_binary_full_rate_flips_every_row():
    out, rows = flip_labels([0, 1, 1, 0], 1.0, 2, seed=5)
    assert out.tolist() == [1, 0, 0, 1] and rows.tolist() == [0, 1, 2, 3]


def test_exact_count_no_row_keeps_its_label_and_seeded():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 0, 1, 2])
    out, rows = flip_labels(labels, 0.3, 7, seed=11)
    changed = np.flatnonzero(out != labels)
    assert changed.tolist() == rows.tolist() and len(rows) == 3
    again, _ = flip_labels(labels, 0.3, 7, seed=11)
    assert np.array_equal(out, again)
    assert not np.array_equal(out, flip_labels(labels, 0.3, 7, seed=12)[0])


def test_rows_outside_the_mask_never_change_and_rounding_is_half_up():
    labels = np.zeros(10, dtype=int)
    mask = np.arange(10) < 5
    for seed in range(20):
        out, rows = flip_labels(labels, 0.5, 7, seed, candidate_mask=mask)
        assert len(rows) == 3  # floor(0.5 * 5 + 0.5) = 3
        assert (out[5:] == 0).all() and (rows < 5).all()
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 2\)'):
        flip_labels([0, 2], 0.5, 2, 0)
