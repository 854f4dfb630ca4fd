import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from basicda.evaluation import binary_auroc


def test_worked_example():
    # pairs (pos, neg): 0.35 > 0.1, 0.35 < 0.4, 0.8 > 0.1, 0.8 > 0.4 -> 3 of 4
    assert binary_auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # a tie between a positive and a negative counts one half: (1 + 0.5) / 2
    assert binary_auroc([0.2, 0.5, 0.5], [0, 0, 1]) == 0.75
    assert binary_auroc([1.0, 2.0], [False, True]) == 1.0
    assert binary_auroc([2.0, 1.0], [False, True]) == 0.0


@pytest.mark.parametrize('seed', range(5))
def test_matches_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 200
    y = rng.random(n) < 0.3
    scores = np.round(rng.normal(size=n) + y, 1)  # rounding makes many ties
    assert binary_auroc(scores, y) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match='1 positive and 0 negative'):
        binary_auroc([0.3], [1])
    with pytest.raises(ValueError, match='same length, got 2 and 3'):
        binary_auroc([0.3, 0.2], [1, 0, 0])
    with pytest.raises(ValueError, match='finite'):
        binary_auroc([np.nan, 0.2], [1, 0])
