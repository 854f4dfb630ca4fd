"""ScoringNet: shape, the lower bound sigma(-1.3), no gradient below the clamp, Keras BN."""
import pytest
import torch

from ferda.methods.ldl.scoring import ScoringNet
from ferda.registry import MODELS


def test_shape_bound_and_bn_settings():
    torch.manual_seed(0)
    net = MODELS.build(dict(type='ScoringNet', feature_dim=8, hidden=(16, 4)))
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert [(bn.eps, bn.momentum) for bn in bns] == [(1e-3, 0.01), (1e-3, 0.01)]
    s = net(torch.randn(5, 8), torch.randn(5, 3, 8))
    assert s.shape == (5, 3)
    assert abs(net.min_score - 0.214165) < 1e-6
    assert (s >= net.min_score - 1e-7).all() and (s < 1).all()


def test_no_gradient_below_the_clamp():
    net = ScoringNet(feature_dim=2, hidden=(4, 4), norm='none')
    with torch.no_grad():
        net.mlp[-1].bias.fill_(-10.0)  # every logit far below -1.3
    anchor = torch.randn(3, 2, requires_grad=True)
    s = net(anchor, torch.randn(3, 2, 2))
    torch.testing.assert_close(s, torch.full((3, 2), net.min_score))
    s.sum().backward()
    assert torch.count_nonzero(anchor.grad) == 0
    assert torch.count_nonzero(net.mlp[0].weight.grad) == 0
    with torch.no_grad():
        net.mlp[-1].bias.fill_(10.0)
    anchor.grad = None
    net(anchor, torch.randn(3, 2, 2)).sum().backward()
    assert torch.count_nonzero(net.mlp[-1].bias.grad) == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="norm must be one of .* got 'ln'"):
        ScoringNet(norm='ln')
    with pytest.raises(ValueError, match=r'anchor must be \(B, D\) = \(2, 4\)'):
        ScoringNet(feature_dim=4, hidden=(4, 4))(torch.zeros(3, 4), torch.zeros(2, 1, 4))
