import pytest
import torch
from torch import nn

from basicda.models import adapt_bn_statistics


def test_bn_statistics_become_the_target_statistics():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model[1].running_mean.fill_(5.0)
    weights = {k: v.clone() for k, v in model.state_dict().items() if 'running' not in k
               and 'num_batches' not in k}
    data = torch.randn(12, 3) * 2 + 1
    batches = [data[:6], data[6:]]
    n = adapt_bn_statistics(model, batches, lambda m, b: m(b))
    assert n == 2
    features = model[0](data).detach()  # (12, 4)
    torch.testing.assert_close(model[1].running_mean, features.mean(0))
    # cumulative average of the two per-batch unbiased variances (equal batch sizes)
    per_batch = torch.stack([features[:6].var(0), features[6:].var(0)]).mean(0)
    torch.testing.assert_close(model[1].running_var, per_batch)
    for k, v in weights.items():
        torch.testing.assert_close(model.state_dict()[k], v)
    assert not model.training and model[1].momentum == 0.1


def test_adabn_errors():
    with pytest.raises(ValueError, match='with BatchNorm layers'):
        adapt_bn_statistics(nn.Linear(2, 2), [torch.zeros(2, 2)], lambda m, b: m(b))
    with pytest.raises(ValueError, match='no target batches'):
        adapt_bn_statistics(nn.BatchNorm1d(2), [], lambda m, b: m(b))
