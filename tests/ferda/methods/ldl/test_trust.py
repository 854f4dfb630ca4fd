import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ferda.methods.ldl.trust import ambiguity_kl_report, read_flipped_ids, trust_report


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


def test_ambiguity_kl_report_worked_example():
    # one ambiguous row (0.7 / 0.3); the second row's blend is one-hot and is left out
    report = ambiguity_kl_report([[0.7, 0.3, 0.0], [0.0, 1.0, 0.0]],
                                 [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], [0, 1])
    assert report['n'] == 2 and report['n_ambiguous'] == 1
    # 0.7 ln(0.7 / 0.5) + 0.3 ln(0.3 / 0.5)
    assert report['kl_target_mean'] == pytest.approx(0.0822828785, abs=1e-9)
    # 0.7 ln(0.7 / (1 + 1e-10)) + 0.3 ln(0.3 / 1e-10)
    assert report['kl_onehot_mean'] == pytest.approx(6.2968909769, abs=1e-9)
    assert report['frac_target_closer'] == 1.0


def test_ambiguity_kl_report_against_numpy():
    # rows rounded as in synfer_meta.csv (sum 0.9999) are renormalised; means over the
    # ambiguous rows only, the one-hot of the stored (possibly noisy) label
    rng = np.random.default_rng(1)
    blend = np.zeros((6, 4))
    blend[np.arange(6), [0, 1, 2, 3, 0, 1]] = 1.0
    blend[[0, 2, 3], [2, 3, 1]] = [0.3, 0.25, 0.4]
    blend[[0, 2, 3], [0, 2, 3]] = [0.6999, 0.75, 0.6]
    t = rng.dirichlet(np.ones(4), size=6)
    labels = np.array([0, 1, 2, 1, 0, 1])  # row 3 trained on a flipped label
    report = ambiguity_kl_report(blend, t, labels, eps=1e-6)
    rows = [0, 2, 3]
    w = blend[rows] / blend[rows].sum(1, keepdims=True)
    kl_t = [sum(wc * math.log(wc / (tc + 1e-6)) for wc, tc in zip(wr, tr) if wc > 0)
            for wr, tr in zip(w, t[rows])]
    onehot = np.eye(4)[labels[rows]]
    kl_1 = [sum(wc * math.log(wc / (oc + 1e-6)) for wc, oc in zip(wr, orow) if wc > 0)
            for wr, orow in zip(w, onehot)]
    assert report['n_ambiguous'] == 3
    assert report['kl_target_mean'] == pytest.approx(np.mean(kl_t), rel=1e-12)
    assert report['kl_onehot_mean'] == pytest.approx(np.mean(kl_1), rel=1e-12)
    assert report['frac_target_closer'] == pytest.approx(np.mean(np.less(kl_t, kl_1)))


def test_ambiguity_kl_report_edge_cases_and_bad_input():
    none = ambiguity_kl_report([[1.0, 0.0]], [[0.6, 0.4]], [0])
    assert none['n_ambiguous'] == 0 and none['kl_target_mean'] is None
    with pytest.raises(ValueError, match=r'expected blend and targets \(N, C\) and labels'):
        ambiguity_kl_report([[1.0, 0.0]], [[0.6, 0.4, 0.0]], [0])
    with pytest.raises(ValueError, match=r'labels must be in 0..1'):
        ambiguity_kl_report([[1.0, 0.0]], [[0.6, 0.4]], [2])
    with pytest.raises(ValueError, match='blend row 1 has no mass'):
        ambiguity_kl_report([[1.0, 0.0], [0.0, 0.0]], [[0.6, 0.4], [0.5, 0.5]], [0, 0])
