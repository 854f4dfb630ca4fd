import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from basicda.losses import (mixup, mixup_lambda_generator, mixup_loss, sample_mixup,
                            soft_target_kl)

LOGITS = torch.tensor([[2., 0.], [0., 0.]])
Y_A, Y_B = torch.tensor([0, 1]), torch.tensor([1, 0])


def test_mixup_spec_example():
    x_mix, y_a, y_b = mixup(torch.tensor([[1., 0.], [0., 1.]]), torch.tensor([0, 1]), 0.7,
                            torch.tensor([1, 0]))
    assert_close(x_mix, torch.tensor([[0.7, 0.3], [0.3, 0.7]]))
    assert_close(y_a, torch.tensor([0, 1]))
    assert_close(y_b, torch.tensor([1, 0]))


def test_mixup_soft_targets_and_identity():
    x = torch.randn(4, 3, 2, 2, generator=torch.Generator().manual_seed(0))
    q = torch.softmax(torch.randn(4, 5), 1)
    perm = torch.tensor([2, 0, 3, 1])
    x_mix, q_a, q_b = mixup(x, q, 0.25, perm)
    assert_close(x_mix, 0.25 * x + 0.75 * x[perm])
    assert_close(q_b, q[perm])
    assert_close(mixup(x, q, 1.0, torch.arange(4))[0], x)
    with pytest.raises(ValueError, match='1.5'):
        mixup(x, q, 1.5, perm)
    with pytest.raises(ValueError, match='batch size'):
        mixup(x, q, 0.5, perm[:3])


def test_mixup_loss_spec_example():
    assert_close(mixup_loss(LOGITS, Y_A, Y_B, 0.7, 0.0), torch.tensor(0.710038), rtol=0,
                 atol=1e-6)
    assert_close(mixup_loss(LOGITS, Y_A, Y_B, 0.7, 0.5), torch.tensor(0.915056), rtol=0,
                 atol=1e-6)


def test_mixup_loss_by_hand_and_limits():
    ce_a = 0.5 * (math.log1p(math.exp(-2)) + math.log(2))  # CE(o, y_a), mean over 2
    ce_b = 0.5 * (math.log1p(math.exp(2)) + math.log(2))
    for beta in (0.0, 0.5):
        expected = 0.7 * ce_a + 0.3 * ce_b + beta * ce_a
        assert_close(mixup_loss(LOGITS, Y_A, Y_B, 0.7, beta), torch.tensor(expected,
                                                                              dtype=torch.float32))
    assert_close(mixup_loss(LOGITS, Y_A, Y_B, 1.0), F.cross_entropy(LOGITS, Y_A))
    assert_close(mixup_loss(LOGITS, Y_A, Y_B, 0.0), F.cross_entropy(LOGITS, Y_B))


def test_mixup_loss_soft_default_and_custom_criterion():
    q = torch.tensor([[.5, .5], [1., 0.]])
    q_b = q.flip(0)
    expected = 0.6 * soft_target_kl(LOGITS, q) + 0.4 * soft_target_kl(LOGITS, q_b)
    assert_close(mixup_loss(LOGITS, q, q_b, 0.6), expected)

    def smoothed(o, y):
        return F.cross_entropy(o, y, label_smoothing=0.1)

    assert_close(mixup_loss(LOGITS, Y_A, Y_B, 0.7, 0.2, smoothed),
                 0.9 * smoothed(LOGITS, Y_A) + 0.3 * smoothed(LOGITS, Y_B))
    with pytest.raises(ValueError, match='beta'):
        mixup_loss(LOGITS, Y_A, Y_B, 0.7, -1.0)


def test_soft_target_kl_spec_example():
    loss = soft_target_kl(torch.tensor([[0., 0.], [math.log(3), 0.]]),
                          torch.tensor([[.5, .5], [1., 0.]]))
    assert_close(loss, torch.tensor(0.143841), rtol=0, atol=1e-6)
    assert_close(loss, torch.tensor(0.5 * -math.log(0.75)))


def test_soft_target_kl_matches_kl_div_and_vanishes_at_target():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64)
    q = torch.softmax(torch.randn(6, 4, generator=g, dtype=torch.float64), 1)
    q[0] = torch.tensor([0., 1., 0., 0.], dtype=torch.float64)  # 0 log 0 = 0
    assert_close(soft_target_kl(logits, q),
                 F.kl_div(F.log_softmax(logits, 1), q, reduction='batchmean'))
    assert_close(soft_target_kl(logits, torch.softmax(logits, 1)),
                 torch.tensor(0., dtype=torch.float64))
    with pytest.raises(ValueError, match=r'\(2, 3\)'):
        soft_target_kl(torch.zeros(2, 2), torch.zeros(2, 3))


def test_sample_mixup_uses_only_the_given_generators():
    torch.manual_seed(0)
    global_state = torch.random.get_rng_state()
    first = sample_mixup(8, 0.2, torch.Generator().manual_seed(5),
                         torch.Generator().manual_seed(6))
    assert torch.equal(torch.random.get_rng_state(), global_state)
    torch.manual_seed(99)
    second = sample_mixup(8, 0.2, torch.Generator().manual_seed(5),
                          torch.Generator().manual_seed(6))
    assert first[0] == second[0] and torch.equal(first[1], second[1])
    assert 0.0 <= first[0] <= 1.0
    assert sorted(first[1].tolist()) == list(range(8))
    # lambda depends only on its generator, not on the permutation's
    third = sample_mixup(8, 0.2, torch.Generator().manual_seed(5),
                         torch.Generator().manual_seed(7))
    assert third[0] == first[0]


def test_sample_mixup_off_and_reference_swap():
    g = torch.Generator().manual_seed(0)
    for alpha in (None, 0, -1.0):
        lam, perm = sample_mixup(4, alpha, g)
        assert lam == 1.0
        assert_close(perm, torch.arange(4))
    lam, perm = sample_mixup(6, 0, g, torch.Generator().manual_seed(1), zero_means_swap=True)
    assert lam == 0.0 and sorted(perm.tolist()) == list(range(6))


def test_sample_mixup_follows_beta_moments():
    lams = np.array([sample_mixup(1, 0.2, torch.Generator().manual_seed(i))[0]
                     for i in range(3000)])
    # Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); standard errors are ~0.008 / ~0.003
    assert abs(lams.mean() - 0.5) < 0.03
    assert abs(lams.var() - 1 / (4 * 1.4)) < 0.012


def test_mixup_lambda_generator_is_a_function_of_seed_and_step():
    lam = sample_mixup(2, 0.2, mixup_lambda_generator(1234, 7))[0]
    assert lam == sample_mixup(2, 0.2, mixup_lambda_generator(1234, 7))[0]
    others = {sample_mixup(2, 0.2, mixup_lambda_generator(1234, s))[0] for s in range(8, 12)}
    others.add(sample_mixup(2, 0.2, mixup_lambda_generator(1235, 7))[0])
    assert lam not in others
    with pytest.raises(ValueError, match='step=-1'):
        mixup_lambda_generator(0, -1)


def test_mixaug_weight_is_zero_when_mixup_is_off():
    from basicda.losses.mixup import mixaug_weight
    logits, y = torch.tensor([[2., 0.], [0., 0.]]), torch.tensor([0, 1])
    # hand-worked: mean CE = (log(1 + e^-2) + log 2) / 2 = 0.41003; mixup on adds 0.5 x that
    plain = (math.log(1 + math.exp(-2)) + math.log(2)) / 2
    off = mixup_loss(logits, y, y, 1.0, mixaug_weight(-1.0, 0.5))
    assert abs(float(off) - plain) < 1e-6 and abs(plain - 0.41003) < 1e-5
    on = mixup_loss(logits, y, y, 1.0, mixaug_weight(0.2, 0.5))
    assert abs(float(on) - 1.5 * plain) < 1e-6  # 0.61505
    assert mixaug_weight(None, 0.5) == 0.0
    assert mixaug_weight(0.0, 0.5, zero_means_swap=True) == 0.5  # the reference's swap is mixup
