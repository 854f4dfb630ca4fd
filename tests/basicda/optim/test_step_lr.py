"""ldl_lr against the worked example of docs/ldl.md (RAF-DB r18: bpe = 384)."""
import pytest

from basicda.optim import batches_per_epoch, ldl_lr


def test_worked_example_changes_at_the_epoch_boundary():
    bpe = batches_per_epoch(12271, 32)
    assert bpe == 384  # RAF-DB train, the last smaller batch kept
    expected = {3839: 1e-3, 3840: 1e-4, 7680: 1e-5, 15360: 1e-6}
    for iteration, lr in expected.items():
        assert ldl_lr(iteration, 1e-3, 0.1, [10, 20, 40], bpe) == pytest.approx(lr, rel=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match='iteration must be >= 0 and bpe > 0'):
        ldl_lr(-1, 1e-3, 0.1, [10], 384)
    with pytest.raises(ValueError, match='num_samples and batch_size must be > 0'):
        batches_per_epoch(0, 32)
