import math

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import f1_score, precision_score, recall_score
from torch.testing import assert_close

from basicda.evaluation import (cls_metrics, confusion_matrix, information_maximization,
                                prediction_entropy, snd_score)

Y_TRUE = torch.tensor([0, 0, 0, 1, 1, 2])
Y_PRED = torch.tensor([0, 0, 1, 1, 2, 2])


def f64(values):
    return torch.tensor(values, dtype=torch.float64)


def test_confusion_matrix_spec_example():
    m = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert m.dtype == torch.long
    assert_close(m, torch.tensor([[2, 1, 0], [0, 1, 1], [0, 0, 1]]))


def test_cls_metrics_spec_example():
    out = cls_metrics(confusion_matrix(Y_TRUE, Y_PRED, 3))
    assert_close(f64(out['accuracy']), f64(0.666667), atol=1e-6, rtol=0)
    assert_close(out['recall'], f64([0.666667, 0.5, 1.0]), atol=1e-6, rtol=0)
    assert_close(f64(out['mca']), f64(0.722222), atol=1e-6, rtol=0)
    assert_close(out['precision'], f64([1.0, 0.5, 0.5]), atol=1e-6, rtol=0)
    assert_close(out['f1'], f64([0.8, 0.5, 0.666667]), atol=1e-6, rtol=0)
    assert_close(f64(out['macro_f1']), f64(0.655556), atol=1e-6, rtol=0)
    assert_close(out['support'], torch.tensor([3, 2, 1]))


@pytest.mark.filterwarnings('ignore:y_pred contains classes not in y_true')
def test_absent_classes_match_sklearn():
    # 5 classes: class 3 is never predicted, class 4 never occurs in the truth
    # (but is predicted once), class 2 is predicted only wrongly.
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 3, 3, 0])
    y_pred = np.array([0, 1, 1, 1, 0, 1, 0, 0, 1, 4])
    m = confusion_matrix(torch.from_numpy(y_true), torch.from_numpy(y_pred), 5)
    assert_close(m.numpy(), sk_confusion_matrix(y_true, y_pred, labels=range(5)))
    out = cls_metrics(m)
    present = sorted(set(y_true.tolist()))
    assert_close(f64(out['accuracy']), f64((y_true == y_pred).mean()))
    assert_close(f64(out['mca']), f64(balanced_accuracy_score(y_true, y_pred)))
    assert_close(f64(out['macro_f1']),
                 f64(f1_score(y_true, y_pred, average='macro', labels=present, zero_division=0)))
    assert_close(out['f1'], f64(f1_score(y_true, y_pred, average=None, labels=range(5),
                                         zero_division=0)))
    assert_close(out['precision'], f64(precision_score(y_true, y_pred, average=None,
                                                       labels=range(5), zero_division=0)))
    assert_close(out['recall'], f64(recall_score(y_true, y_pred, average=None, labels=range(5),
                                                 zero_division=0)))
    assert_close(out['support'], torch.tensor([3, 3, 2, 2, 0]))


def test_random_against_sklearn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    out = cls_metrics(confusion_matrix(torch.from_numpy(y_true), torch.from_numpy(y_pred), 7))
    assert_close(f64(out['mca']), f64(balanced_accuracy_score(y_true, y_pred)))
    assert_close(f64(out['macro_f1']), f64(f1_score(y_true, y_pred, average='macro')))


def test_perfect_and_empty_predictions():
    out = cls_metrics(torch.eye(3, dtype=torch.long) * 4)
    assert_close(f64([out['accuracy'], out['mca'], out['macro_f1']]), f64([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match='empty'):
        cls_metrics(torch.zeros(3, 3, dtype=torch.long))


def test_confusion_matrix_bad_inputs():
    with pytest.raises(ValueError, match=r'\[0, 3\), got values in \[0, 3\]'):
        confusion_matrix(torch.tensor([0, 3]), torch.tensor([0, 1]), 3)
    with pytest.raises(ValueError, match=r'\(2,\) and \(3,\)'):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 1, 2]), 3)
    with pytest.raises(TypeError, match='float32'):
        confusion_matrix(torch.tensor([0.0]), torch.tensor([0]), 3)
    with pytest.raises(ValueError, match=r'\(2, 3\)'):
        cls_metrics(torch.zeros(2, 3))


def test_snd_spec_example():
    probs = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert_close(snd_score(probs, tau=1.0), torch.tensor(0.619184), atol=1e-6, rtol=0)


def test_snd_row_entropies_by_hand():
    # Row 0 sees row 1 (cos 1) and row 2 (cos 0): a = softmax([1, 0]);
    # row 2 sees two orthogonal rows: a = [1/2, 1/2].
    a = torch.softmax(torch.tensor([1.0, 0.0], dtype=torch.float64), 0)
    h0 = float(-(a * a.log()).sum())
    assert_close(f64([h0, h0, math.log(2)]), f64([0.582203, 0.582203, 0.693147]), atol=1e-6, rtol=0)
    probs = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    assert_close(snd_score(probs, tau=1.0), f64((2 * h0 + math.log(2)) / 3))


def test_snd_against_numpy_and_row_permutation():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(12, 4))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    s = u @ u.T / 0.05
    entropies = []
    for i in range(12):
        row = np.delete(s[i], i)
        a = np.exp(row - row.max())
        a /= a.sum()
        entropies.append(-(a * np.log(a)).sum())
    probs = torch.from_numpy(p)
    assert_close(snd_score(probs), f64(np.mean(entropies)))
    assert_close(snd_score(probs[torch.randperm(12)]), f64(np.mean(entropies)))


def test_snd_subsample_is_seeded():
    probs = torch.softmax(torch.randn(50, 3, generator=torch.Generator().manual_seed(0)), 1)
    assert_close(snd_score(probs, max_rows=20, seed=3), snd_score(probs, max_rows=20, seed=3))
    rows = torch.randperm(50, generator=torch.Generator().manual_seed(3))[:20]
    assert_close(snd_score(probs, max_rows=20, seed=3), snd_score(probs[rows]))


def test_snd_bad_inputs():
    with pytest.raises(ValueError, match='tau must be > 0, got 0.0'):
        snd_score(torch.ones(3, 2), tau=0.0)
    with pytest.raises(ValueError, match='at least 2 rows, got 1'):
        snd_score(torch.ones(1, 2))
    with pytest.raises(ValueError, match=r'\(3,\)'):
        snd_score(torch.ones(3))


def test_entropy_and_im_worked_example():
    # rows (1, 0) and (.5, .5): H = 0 and log 2; the mean row (.75, .25) has
    # H = -(.75 log .75 + .25 log .25) = 0.562335
    probs = f64([[1.0, 0.0], [0.5, 0.5]])
    assert_close(prediction_entropy(probs), f64(math.log(2) / 2))
    assert_close(information_maximization(probs), f64(0.562335 - math.log(2) / 2),
                 atol=1e-6, rtol=0)
    # one confident prediction per class: entropy 0, IM = log C (its maximum)
    assert_close(information_maximization(torch.eye(3, dtype=torch.float64)), f64(math.log(3)))
    # every sample says the same thing: IM 0 however confident
    assert_close(information_maximization(f64([[0.9, 0.1]] * 4)), f64(0.0), atol=1e-12, rtol=0)


def test_entropy_and_im_against_scipy():
    from scipy.stats import entropy as scipy_entropy
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(20, 5))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    row_h = scipy_entropy(p, axis=1)
    assert_close(prediction_entropy(torch.from_numpy(p)), f64(row_h.mean()))
    assert_close(information_maximization(torch.from_numpy(p)),
                 f64(scipy_entropy(p.mean(0)) - row_h.mean()))
    with pytest.raises(ValueError, match=r'prediction_entropy: probs must have shape \(N, C\)'):
        prediction_entropy(torch.ones(3))
