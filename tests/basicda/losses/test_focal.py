"""Softmax focal loss against hand-worked numbers and numpy; class-weighted cross-entropy
(DVSCL's probe, docs/dvscl.md §5.1) against scikit-learn's weighted log-loss."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from basicda.losses import balanced_class_weights, focal_loss


def test_focal_loss_worked_example():
    # p_t = e^2 / (e^2 + 2) = 0.78698604; -(1 - p_t)^2 log p_t = 0.04537495 * 0.23954477
    assert float(focal_loss(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]))) == \
        pytest.approx(0.01086933, abs=1e-8)
    # alpha scales it; gamma = 0 is cross-entropy
    assert float(focal_loss(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]), alpha=0.5)) \
        == pytest.approx(0.00543467, abs=1e-8)


def test_focal_loss_matches_numpy_and_cross_entropy():
    gen = torch.Generator().manual_seed(0)
    logits, target = torch.randn(7, 4, generator=gen, dtype=torch.float64), \
        torch.randint(0, 4, (7, ), generator=gen)
    x = logits.numpy()
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    pt = p[np.arange(7), target.numpy()]
    for gamma in (0.0, 0.5, 2.0):
        expected = np.mean(-0.25 * (1 - pt) ** gamma * np.log(pt))
        assert float(focal_loss(logits, target, gamma, 0.25)) == pytest.approx(expected,
                                                                                rel=1e-12)
    assert float(focal_loss(logits, target, 0.0)) == pytest.approx(
        float(F.cross_entropy(logits, target)), rel=1e-12)
    with pytest.raises(ValueError, match='gamma must be >= 0'):
        focal_loss(logits, target, -1.0)
    with pytest.raises(ValueError, match=r'logits \(B, C\) and target \(B,\)'):
        focal_loss(logits, target[:3])


def test_class_weighted_ce_matches_sklearn():
    from sklearn.metrics import log_loss
    train_labels = [0, 0, 0, 1, 2, 2]  # weights N / (C n_c) = 6/9, 6/3, 6/6
    weights = balanced_class_weights(train_labels, 3)
    assert weights.tolist() == pytest.approx([2 / 3, 2.0, 1.0])
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 2, 0])
    ours = F.cross_entropy(logits, y, weight=weights)
    expected = log_loss(y.numpy(), logits.softmax(1).numpy(), labels=[0, 1, 2],
                        sample_weight=weights[y].numpy())
    assert float(ours) == pytest.approx(expected, rel=1e-9)
    assert not math.isclose(float(ours), float(F.cross_entropy(logits, y)), rel_tol=1e-3)
