import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ferda.methods.ldl.trust import read_flipped_ids, trust_report


def test_trust_report_worked_example():
    # lambda = sigmoid([0, 0, 2, -2]) = [0.5, 0.5, 0.88079708, 0.11920292]; 'b.jpg' flipped
    # (matched to sample id 'b' without its extension); 'z.jpg' is not a training row.
    # AUROC of 1 - lambda = [0.5, 0.5, 0.1192, 0.8808] for b against a, c, d:
    # tie with a (1/2), above c (1), below d (0) -> 1.5 / 3 = 0.5
    report = trust_report([[0.0], [0.0], [2.0], [-2.0]], [0, 1, 1, 0], ['a', 'b', 'c', 'd'], 3,
                          {'b.jpg', 'z.jpg'})
    s2 = 1 / (1 + math.exp(-2))
    assert report['n'] == 4 and report['n_flipped'] == 1
    assert report['n_flipped_not_in_train'] == 1
    assert report['lambda_mean'] == pytest.approx(0.5, abs=1e-12)
    assert report['lambda_mean_per_class'][:2] == pytest.approx([(0.5 + 1 - s2) / 2,
                                                                (0.5 + s2) / 2], abs=1e-12)
    assert math.isnan(report['lambda_mean_per_class'][2])
    assert report['lambda_mean_flipped'] == pytest.approx(0.5, abs=1e-12)
    assert report['lambda_mean_clean'] == pytest.approx(0.5, abs=1e-12)
    assert report['auroc'] == pytest.approx(0.5, abs=1e-12)


def test_trust_report_auroc_is_sklearns_on_one_minus_lambda():
    rng = np.random.default_rng(0)
    lam_hat = rng.normal(size=50)
    ids = [f'train_{i:05d}' for i in range(50)]
    flipped = rng.random(50) < 0.3
    report = trust_report(lam_hat, rng.integers(0, 7, 50), ids, 7,
                          {f'{i}.jpg' for i, f in zip(ids, flipped) if f})
    lam = 1 / (1 + np.exp(-lam_hat))
    assert report['auroc'] == pytest.approx(roc_auc_score(flipped, 1 - lam), abs=1e-12)
    assert report['n_flipped'] == int(flipped.sum())


def test_trust_report_without_flips_and_bad_lengths():
    report = trust_report([0.0, 0.0], [0, 0], ['a', 'b'], 2)
    assert 'auroc' not in report and report['lambda_mean'] == 0.5
    with pytest.raises(ValueError, match='2 trust rows, 2 labels and 3 sample ids'):
        trust_report([0.0, 0.0], [0, 0], ['a', 'b', 'c'], 2)


def test_read_flipped_ids(tmp_path):
    path = tmp_path / 'x.flips.csv'
    path.write_text('row,line,id,old,new\n700,701,train_00001.jpg,2,7\n3,4,train_00009.jpg,1,2\n')
    assert read_flipped_ids(str(path)) == {'train_00001.jpg', 'train_00009.jpg'}
    path.write_text('row,line,id,old,new\n700,701,train_00001.jpg,2\n')
    with pytest.raises(ValueError, match=r'x\.flips\.csv:2: expected 5 fields, found 4'):
        read_flipped_ids(str(path))
    path.write_text('row,line,old,new\n')
    with pytest.raises(ValueError, match=r'x\.flips\.csv:1: expected a header with an id'):
        read_flipped_ids(str(path))
