"""Round stopping and restart rules (docs/active-learning.md §2.6)."""
import itertools

import numpy as np
import pytest

from basicda.active import is_saturated, restart_due, stop_reason


def _oracle(acc, window=10, min_diff=0.001):
    """The definition, pair by pair."""
    last = list(acc)[-window:]
    return len(acc) >= window and all(
        last[j] - last[i] < min_diff for i, j in itertools.combinations(range(window), 2))


def test_is_saturated_doc_examples():
    assert is_saturated([0.5] * 10)
    assert not is_saturated([0.5] * 9 + [0.502])
    assert not is_saturated([0.5] * 9)
    # a fall is not a rise; only the last 10 count
    assert is_saturated([0.1] + [0.6] + [0.5] * 9)
    with pytest.raises(ValueError, match='window >= 2'):
        is_saturated([0.5], window=1)


def test_is_saturated_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    for _ in range(300):
        acc = (0.5 + rng.integers(-3, 4, size=rng.integers(5, 15)) * 0.0004).tolist()
        assert is_saturated(acc) == _oracle(acc), acc


def test_stop_reason_order():
    assert stop_reason([0.3, 0.9995]) == 'target'
    assert stop_reason([0.5] * 10) == 'saturated'
    assert stop_reason([0.5] * 10 + [0.9999]) == 'target'
    assert stop_reason([0.1, 0.2, 0.3], max_epochs=3) == 'max_epochs'
    assert stop_reason([0.1, 0.2, 0.3]) is None


def test_restart_due():
    assert restart_due(49, 0.19) and restart_due(149, 0.0)
    assert not restart_due(49, 0.2) and not restart_due(50, 0.1)
