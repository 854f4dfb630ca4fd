"""UF1/UAR/WA, pooled vs fold-averaged (docs/dvscl.md §3; hand-worked numbers, scikit-learn)."""
import numpy as np
import pytest
from sklearn.metrics import f1_score, recall_score

from basicda.evaluation.uf1_uar import fold_average_uf1_uar, loso_metrics, uf1_uar


def test_worked_example():
    uf1, uar, wa = uf1_uar([0, 0, 1, 1], [0, 3, 1, 1])
    # classes {0,1,3}: F1 = 2/3, 1, 0 -> 5/9; recall over {0,1}: (1/2 + 1)/2
    assert (uf1, uar, wa) == pytest.approx((5 / 9, 0.75, 0.75), abs=1e-12)


def test_pooled_is_not_the_fold_average():
    folds = [([0, 0, 1], [0, 0, 1]), ([2, 2, 0], [2, 0, 0])]
    y = sum((f[0] for f in folds), [])
    y_hat = sum((f[1] for f in folds), [])
    uf1, uar, _ = uf1_uar(y, y_hat)
    assert uf1 == pytest.approx(0.84126984, abs=1e-8)
    assert uar == pytest.approx(0.83333333, abs=1e-8)
    avg_uf1, avg_uar, _ = fold_average_uf1_uar(folds)
    assert (avg_uf1, avg_uar) == pytest.approx((0.83333333, 0.875), abs=1e-8)


def test_against_sklearn():
    rng = np.random.default_rng(0)
    for _ in range(20):
        y, y_hat = rng.integers(0, 4, 30), rng.integers(0, 4, 30)
        uf1, uar, wa = uf1_uar(y, y_hat)
        labels = np.union1d(y, y_hat)
        assert uf1 == pytest.approx(f1_score(y, y_hat, labels=labels, average='macro'))
        assert uar == pytest.approx(recall_score(y, y_hat, labels=np.unique(y),
                                                 average='macro'))
        assert wa == pytest.approx(np.mean(y == y_hat))


def test_loso_metrics_reports_both_f1s():
    m = loso_metrics([0, 0, 1, 1], [0, 3, 1, 1], 4)
    assert m['uf1'] == pytest.approx(5 / 9) and m['macro_f1'] == pytest.approx(5 / 6)
    assert m['uar'] == m['mca'] == 0.75 and m['confusion'][0][3] == 1
    with pytest.raises(ValueError, match='equally long non-empty'):
        uf1_uar([0, 1], [0])
