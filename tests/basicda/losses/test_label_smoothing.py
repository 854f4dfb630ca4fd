import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from basicda.losses import LabelSmoothingCrossEntropy, label_smoothing_ce
from basicda.registry import MODELS


def test_spec_worked_example():
    loss = label_smoothing_ce(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]), eps=0.1)
    assert_close(loss, torch.tensor(0.372878), atol=1e-6, rtol=0)


def test_worked_example_by_hand():
    # log softmax([2, 0, 0]) = [2 - lse, -lse, -lse] with lse = log(e^2 + 2)
    lse = math.log(math.exp(2) + 2)
    t = [0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3]
    expected = -(t[0] * (2 - lse) + t[1] * (-lse) + t[2] * (-lse))
    loss = label_smoothing_ce(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]), eps=0.1)
    assert_close(loss, torch.tensor(expected), atol=1e-6, rtol=0)


@pytest.mark.parametrize('eps', [0.0, 0.1, 0.5])
def test_matches_pytorch_semantics(eps):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 7, generator=g, dtype=torch.float64)
    target = torch.randint(0, 7, (16,), generator=g)
    assert_close(label_smoothing_ce(logits, target, eps),
                 F.cross_entropy(logits, target, label_smoothing=eps))


def test_mean_over_batch():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    target = torch.tensor([0, 2])
    per_sample = torch.stack(
        [label_smoothing_ce(logits[i:i + 1], target[i:i + 1]) for i in range(2)])
    assert_close(label_smoothing_ce(logits, target), per_sample.mean())


def test_gradient_flows():
    logits = torch.zeros(2, 3, requires_grad=True)
    label_smoothing_ce(logits, torch.tensor([0, 1])).backward()
    # At uniform logits, dL/do = (softmax - t) / B; the true class gets a negative gradient.
    smoothed = 0.9 * F.one_hot(torch.tensor([0, 1]), 3) + 0.1 / 3
    expected = (torch.full((2, 3), 1 / 3) - smoothed) / 2
    assert_close(logits.grad, expected)


def test_module_is_registered_and_wraps_function():
    module = MODELS.build(dict(type='LabelSmoothingCrossEntropy', eps=0.2))
    assert isinstance(module, LabelSmoothingCrossEntropy)
    logits, target = torch.randn(4, 5), torch.tensor([0, 1, 2, 3])
    assert_close(module(logits, target), label_smoothing_ce(logits, target, 0.2))
    assert 'eps=0.2' in repr(module)


@pytest.mark.parametrize('eps', [-0.1, 1.0])
def test_bad_eps_raises(eps):
    with pytest.raises(ValueError, match=str(eps)):
        label_smoothing_ce(torch.zeros(1, 3), torch.tensor([0]), eps)
    with pytest.raises(ValueError, match=str(eps)):
        LabelSmoothingCrossEntropy(eps)


def test_bad_shapes_and_dtype_raise():
    with pytest.raises(ValueError, match=r'\(3,\)'):
        label_smoothing_ce(torch.zeros(3), torch.tensor([0]))
    with pytest.raises(ValueError, match=r'\(2,\)'):
        label_smoothing_ce(torch.zeros(2, 3), torch.tensor([0]))
    with pytest.raises(TypeError, match='float32'):
        label_smoothing_ce(torch.zeros(1, 3), torch.tensor([0.0]))
