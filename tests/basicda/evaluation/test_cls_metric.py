import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from basicda.evaluation import ClsMetric
from basicda.registry import METRICS

Y_TRUE = [0, 0, 0, 1, 1, 2]
Y_PRED = [0, 0, 1, 1, 2, 2]


def samples(y_true, y_pred, num_classes=3, start=0):
    out = []
    for i, (t, p) in enumerate(zip(y_true, y_pred)):
        score = torch.zeros(num_classes)
        score[p] = 2.0
        out.append(dict(pred_score=score, gt_label=torch.tensor(t), sample_idx=start + i))
    return out


def f64(v):
    return torch.tensor(v, dtype=torch.float64)


def test_spec_example_flat_keys():
    metric = ClsMetric(num_classes=3, class_names=['a', 'b', 'c'])
    metric.process(None, samples(Y_TRUE[:4], Y_PRED[:4]))
    metric.process(None, samples(Y_TRUE[4:], Y_PRED[4:], start=4))
    out = metric.evaluate(6)
    assert list(out) == ['accuracy', 'mca', 'macro_f1', 'ce', 'recall/a', 'recall/b', 'recall/c',
                         'f1/a', 'f1/b', 'f1/c', 'confusion']
    assert_close(f64([out['accuracy'], out['mca'], out['macro_f1']]),
                 f64([0.666667, 0.722222, 0.655556]), atol=1e-6, rtol=0)
    assert_close(f64([out['recall/a'], out['recall/b'], out['recall/c']]),
                 f64([2 / 3, 0.5, 1.0]))
    assert_close(f64([out['f1/a'], out['f1/b'], out['f1/c']]), f64([0.8, 0.5, 2 / 3]))
    assert out['confusion'] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    # scores [2, 0, 0]: CE of a correct sample is log(e^2 + 2) - 2, of a wrong one log(e^2 + 2)
    lse = math.log(math.exp(2) + 2)
    assert_close(f64(out['ce']), f64((4 * (lse - 2) + 2 * lse) / 6))
    assert metric.results == []  # mmengine clears results after evaluate


def test_ce_is_plain_cross_entropy_and_default_names():
    scores = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    gts = torch.tensor([0, 3, 1, 1, 2])
    metric = METRICS.build(dict(type='ClsMetric', num_classes=4, prefix='src_val'))
    metric.process(None, [dict(pred_score=s, gt_label=int(g), sample_idx=i)
                          for i, (s, g) in enumerate(zip(scores, gts))])
    out = metric.evaluate(5)
    assert_close(f64(out['src_val/ce']), F.cross_entropy(scores, gts).double())
    assert 'src_val/recall/c3' in out and 'src_val/f1/c0' in out and 'src_val/confusion' in out
    accuracy = (scores.argmax(1) == gts).double().mean().item()
    assert_close(f64(out['src_val/accuracy']), f64(accuracy))


def test_ties_go_to_lowest_index():
    metric = ClsMetric(num_classes=3)
    metric.process(None, [dict(pred_score=torch.tensor([0.0, 1.0, 1.0]), gt_label=1, sample_idx=0),
                          dict(pred_score=torch.tensor([0.5, 0.5, 0.5]), gt_label=2, sample_idx=1)])
    assert [r['pred'] for r in metric.results] == [1, 0]


def test_duplicate_indices_raise_and_name_them():
    metric = ClsMetric(num_classes=3)
    data = samples(Y_TRUE, Y_PRED)
    data[4]['sample_idx'] = 1
    data[5]['sample_idx'] = 3
    metric.process(None, data)
    with pytest.raises(ValueError, match=r'\[1, 3\]'):
        metric.compute_metrics(metric.results)


def test_incomplete_split_raises():
    metric = ClsMetric(num_classes=3)
    metric.process(None, samples(Y_TRUE[:5], Y_PRED[:5]))
    with pytest.raises(ValueError, match='6 samples but 5'):
        metric.evaluate(6)


def test_bad_arguments_and_samples():
    with pytest.raises(ValueError, match='num_classes=3'):
        ClsMetric(3, class_names=['a', 'b'])
    with pytest.raises(ValueError, match=r"\['a'\]"):
        ClsMetric(3, class_names=['a', 'a', 'b'])
    with pytest.raises(ValueError, match='0'):
        ClsMetric(0)
    metric = ClsMetric(3)
    with pytest.raises(ValueError, match=r'\(3,\), got \(4,\)'):
        metric.process(None, [dict(pred_score=torch.zeros(4), gt_label=0, sample_idx=0)])
    with pytest.raises(ValueError, match='got 5'):
        metric.process(None, [dict(pred_score=torch.zeros(3), gt_label=5, sample_idx=0)])
    with pytest.raises(KeyError, match='sample_idx'):
        metric.process(None, [dict(pred_score=torch.zeros(3), gt_label=0)])
    with pytest.raises(TypeError, match='gt_label'):
        metric.process(None, [dict(pred_score=torch.zeros(3), gt_label=1.5, sample_idx=0)])


def test_label_free_criteria_against_numpy():
    """entropy / IM / SND of the softmax of pred_score, in sample-index order, no label read."""
    import numpy as np

    from basicda.evaluation import snd_score
    scores = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 3.0], [0.5, 0.0, 0.2]])
    metric = ClsMetric(num_classes=3, label_free=['entropy', 'im', 'snd'])
    # given out of order and with labels that must not matter
    metric.process(None, [dict(pred_score=scores[i], gt_label=0, sample_idx=i)
                          for i in (2, 0, 3, 1)])
    out = metric.evaluate(4)
    p = np.exp(scores.numpy().astype(np.float64))
    p /= p.sum(1, keepdims=True)
    row_h = -(p * np.log(p)).sum(1)
    mean = p.mean(0)
    assert out['entropy'] == pytest.approx(row_h.mean(), abs=1e-6)
    assert out['im'] == pytest.approx(-(mean * np.log(mean)).sum() - row_h.mean(), abs=1e-6)
    assert out['snd'] == pytest.approx(float(snd_score(torch.from_numpy(p))), abs=1e-6)
    assert 'entropy' not in ClsMetric(num_classes=3).compute_metrics(
        [dict(sample_idx=0, pred=0, gt=0, ce=0.0)])
    with pytest.raises(ValueError, match=r"label_free: unknown criteria \['ent'\]"):
        ClsMetric(num_classes=3, label_free=['ent'])
