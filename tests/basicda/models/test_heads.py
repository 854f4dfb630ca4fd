import warnings

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from basicda.models.heads import (BottleneckWNHead, LinearClsHead, MLPClsHead,
                                  map_legacy_weight_norm_keys)
from basicda.registry import MODELS


def test_bottleneck_head_shapes_and_registry():
    head = MODELS.build(dict(type='BottleneckWNHead', in_dim=2048, num_classes=7))
    feats = torch.randn(4, 2048)
    z = head.forward_features(feats)
    assert z.shape == (4, 256) and head.feature_dim == 256
    assert head(feats).shape == (4, 7)


def test_bottleneck_head_structure_and_init():
    torch.manual_seed(0)
    head = BottleneckWNHead(2048, 7, bottleneck_dim=256)
    assert_close(head.bottleneck.bias, torch.zeros(256))
    # xavier normal: std = sqrt(2 / (fan_in + fan_out))
    expected_std = torch.tensor((2.0 / (2048 + 256)) ** 0.5)
    assert_close(head.bottleneck.weight.std(), expected_std, rtol=0.02, atol=0)
    bn = head.bn
    assert isinstance(bn, nn.BatchNorm1d) and bn.affine
    assert (bn.num_features, bn.eps, bn.momentum) == (256, 1e-5, 0.1)
    # z = BN(W1 f + b1): no ReLU, no dropout anywhere
    assert not any(isinstance(m, (nn.ReLU, nn.Dropout)) for m in head.modules())
    head.eval()
    feats = torch.randn(3, 2048)
    z = head.forward_features(feats)
    expected_z = (head.bottleneck(feats) - bn.running_mean) / torch.sqrt(bn.running_var + 1e-5)
    assert_close(z, expected_z * bn.weight + bn.bias)


@pytest.mark.parametrize('make', [lambda: BottleneckWNHead(64, 7, bottleneck_dim=16),
                                  lambda: LinearClsHead(16, 7, weight_norm=True),
                                  lambda: MLPClsHead(64, 7, hidden_dim=16, weight_norm=True)])
def test_weight_norm_init(make):
    torch.manual_seed(0)
    head = make()
    g = head.fc.parametrizations.weight.original0  # (C, 1)
    v = head.fc.parametrizations.weight.original1  # (C, K)
    assert g.shape == (7, 1) and v.shape == (7, 16)
    assert_close(g, v.norm(dim=1, keepdim=True))
    assert_close(head.fc.weight, v)
    # w_c = g_c v_c / ||v_c|| after g moves
    with torch.no_grad():
        g.mul_(3.0)
    assert_close(head.fc.weight, 3.0 * v)


def test_bottleneck_classifier_bias_zero():
    assert_close(BottleneckWNHead(32, 7, 8).fc.bias, torch.zeros(7))


def test_linear_head_plain_and_features():
    torch.manual_seed(0)
    head = LinearClsHead(512, 7)
    feats = torch.randn(5, 512)
    assert head.forward_features(feats) is feats and head.feature_dim == 512
    assert_close(head(feats), feats @ head.fc.weight.t() + head.fc.bias)
    assert not hasattr(head.fc, 'parametrizations')


def test_mlp_head_is_linear_relu_linear():
    torch.manual_seed(0)
    head = MLPClsHead(512, 7)
    assert head.hidden.weight.shape == (128, 512) and head.fc.weight.shape == (7, 128)
    assert head.feature_dim == 128
    feats = torch.randn(5, 512)
    hidden = (feats @ head.hidden.weight.t() + head.hidden.bias).clamp(min=0)
    assert_close(head.forward_features(feats), hidden)
    assert_close(head(feats), hidden @ head.fc.weight.t() + head.fc.bias)
    assert (hidden == 0).any() and (hidden > 0).any()  # the ReLU acts
    with pytest.raises(ValueError, match='hidden_dim must be a positive int, got 0'):
        MLPClsHead(512, 7, hidden_dim=0)


def test_mlp_head_checkpoint_never_loads_into_a_linear_head():
    from basicda.models.backbones import check_arch_meta
    from basicda.registry import MODELS
    cfg = dict(type='ImageClassifier', num_classes=7,
               backbone=dict(type='TimmBackbone', name='test_resnet'),
               head=dict(type='MLPClsHead'))
    mlp = MODELS.build(cfg)
    assert mlp.arch_meta['head'] == 'MLPClsHead' and mlp.arch_meta['feature_dim'] == 128
    linear = MODELS.build(dict(cfg, head=dict(type='LinearClsHead')))
    with pytest.raises(ValueError, match="'head': model has 'LinearClsHead', checkpoint has "
                                         "'MLPClsHead'"):
        check_arch_meta(linear.arch_meta, mlp.arch_meta)
    again = MODELS.build(cfg)
    again.load_state_dict(mlp.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32)
    assert_close(again.eval()(x), mlp.eval()(x), rtol=0, atol=0)


def test_linear_head_weight_norm_equals_plain_at_init():
    torch.manual_seed(0)
    plain = LinearClsHead(32, 7)
    torch.manual_seed(0)
    normed = LinearClsHead(32, 7, weight_norm=True)
    feats = torch.randn(4, 32)
    assert_close(normed(feats), plain(feats))


def legacy_classifier(in_dim, num_classes):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        return torch.nn.utils.weight_norm(nn.Linear(in_dim, num_classes), name='weight', dim=0)


def test_legacy_keys_load_and_give_same_output():
    torch.manual_seed(1)
    legacy = BottleneckWNHead(32, 7, bottleneck_dim=8)
    legacy.fc = legacy_classifier(8, 7)
    with torch.no_grad():
        legacy.fc.weight_g.mul_(torch.linspace(0.5, 2.0, 7)[:, None])  # g != ||v||
        legacy.fc.bias.normal_()
        legacy.bn.running_mean.normal_()
    legacy_state = legacy.state_dict()
    assert {'fc.weight_g', 'fc.weight_v'} <= set(legacy_state)

    feats = torch.randn(4, 32)
    legacy.eval()
    expected = legacy(feats)

    # nested under a model, as in a checkpoint of the whole classifier
    wrapper = nn.Module()
    wrapper.head = BottleneckWNHead(32, 7, bottleneck_dim=8)
    wrapper.load_state_dict({f'head.{k}': v for k, v in legacy_state.items()}, strict=True)
    wrapper.eval()
    assert_close(wrapper.head(feats), expected)

    mapped = map_legacy_weight_norm_keys(legacy_state)
    assert 'fc.weight_g' not in mapped and 'fc.parametrizations.weight.original0' in mapped
    assert 'fc.weight_g' in legacy_state  # input untouched
    fresh = BottleneckWNHead(32, 7, bottleneck_dim=8)
    assert set(mapped) == set(fresh.state_dict())
    fresh.load_state_dict(mapped, strict=True)
    fresh.eval()
    assert_close(fresh(feats), expected)


def test_map_legacy_keys_conflict_and_passthrough():
    t = torch.zeros(1)
    assert map_legacy_weight_norm_keys({'weight_g': t, 'a.b': t}).keys() == {
        'parametrizations.weight.original0', 'a.b'}
    with pytest.raises(ValueError, match='fc.weight_g'):
        map_legacy_weight_norm_keys({'fc.weight_g': t, 'fc.parametrizations.weight.original0': t})


@pytest.mark.parametrize('kwargs, bad', [(dict(in_dim=0, num_classes=7), 'in_dim'),
                                         (dict(in_dim=8, num_classes=-1), 'num_classes')])
def test_bad_dims_raise(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        LinearClsHead(**kwargs)
    with pytest.raises(ValueError, match=bad):
        BottleneckWNHead(**kwargs)
