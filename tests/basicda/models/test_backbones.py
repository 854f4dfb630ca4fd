import pytest
import torch
from torch import nn
from torch.testing import assert_close

from basicda.models.backbones import (TimmBackbone, apply_cifar_stem, apply_swav_stem,
                                      check_arch_meta,
                                      load_local_state_dict, strip_key_prefixes)
from basicda.registry import MODELS


def test_resnet18_default_shape_and_meta():
    net = MODELS.build(dict(type='TimmBackbone', name='resnet18'))
    assert net.out_dim == 512
    assert net.arch_meta == dict(backbone='resnet18', stem='default', out_dim=512)
    net.eval()
    x = torch.randn(2, 3, 64, 64)
    assert net(x).shape == (2, 512)
    assert net.forward_features(x).shape == (2, 512, 2, 2)


def test_swav_stem_at_160_px():
    torch.manual_seed(0)
    net = TimmBackbone('resnet18', stem='swav_s1').eval()
    conv1 = net.model.conv1
    assert (conv1.kernel_size, conv1.stride, conv1.padding, conv1.bias) == ((7, 7), (1, 1), (2, 2),
                                                                             None)
    assert conv1.weight.shape == (64, 3, 7, 7)
    assert isinstance(net.model.maxpool, nn.Identity)
    x = torch.randn(1, 3, 160, 160)
    with torch.no_grad():
        assert net.model.conv1(x).shape == (1, 64, 158, 158)
        fmap = net.forward_features(x)
        assert fmap.shape == (1, 512, 20, 20)
        assert_close(net(x), fmap.mean(dim=(2, 3)))
    assert net(x).shape == (1, 512)
    assert net.arch_meta['stem'] == 'swav_s1'


def test_cifar_stem_at_48_px():
    """docs/active-learning.md: 3x3 stride-1 stem, no max-pool: 48 -> 48 -> 24 -> 12 -> 6."""
    net = TimmBackbone('resnet18', stem='cifar').eval()
    conv1 = net.model.conv1
    assert (conv1.kernel_size, conv1.stride, conv1.padding, conv1.bias) == ((3, 3), (1, 1), (1, 1),
                                                                             None)
    assert conv1.weight.shape == (64, 3, 3, 3) and isinstance(net.model.maxpool, nn.Identity)
    x = torch.randn(1, 3, 48, 48)
    with torch.no_grad():
        assert net.model.conv1(x).shape == (1, 64, 48, 48)
        assert net.forward_features(x).shape == (1, 512, 6, 6)
    assert net.arch_meta == dict(backbone='resnet18', stem='cifar', out_dim=512)
    with pytest.raises(TypeError, match='apply_cifar_stem needs a ResNet'):
        apply_cifar_stem(nn.Linear(2, 2))


def test_apply_swav_stem_rejects_non_resnet():
    with pytest.raises(TypeError, match='Linear'):
        apply_swav_stem(nn.Linear(2, 2))


def test_pretrained_without_checkpoint_raises():
    with pytest.raises(ValueError, match=r'cannot be\s+downloaded.*checkpoint=<local file>'):
        TimmBackbone('resnet18', pretrained=True)


def test_bad_stem_and_no_kwargs_catch_all():
    with pytest.raises(ValueError, match="'swav'"):
        TimmBackbone('resnet18', stem='swav')
    with pytest.raises(TypeError, match="unexpected keyword argument 'drop_rate'"):
        TimmBackbone('resnet18', drop_rate=0.1)


def test_checkpoint_with_backbone_prefix_reproduces_outputs(tmp_path):
    torch.manual_seed(0)
    source = TimmBackbone('resnet18').eval()
    with torch.no_grad():  # non-trivial BN statistics, so buffers must load too
        source.model.bn1.running_mean.uniform_(-0.5, 0.5)
    state = {f'backbone.{k}': v for k, v in source.model.state_dict().items()}
    state['backbone.fc.weight'] = torch.zeros(7, 512)  # a classifier the backbone drops
    state['backbone.fc.bias'] = torch.zeros(7)
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': state}, path)

    torch.manual_seed(1)
    target = TimmBackbone('resnet18', checkpoint=str(path)).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert_close(target(x), source(x), rtol=0, atol=0)


def test_pretrained_with_local_checkpoint_loads(tmp_path):
    # pretrained=True with a local file is the offline way to get pretrained weights
    source = TimmBackbone('resnet18')
    path = tmp_path / 'tv.pth'
    torch.save(source.model.state_dict(), path)
    loaded = TimmBackbone('resnet18', pretrained=True, checkpoint=str(path))
    for key, value in source.model.state_dict().items():
        assert_close(loaded.model.state_dict()[key], value, rtol=0, atol=0)


@pytest.mark.parametrize('wrap', ['raw', 'state_dict', 'model'])
def test_load_local_state_dict_unwraps(tmp_path, wrap):
    state = {'conv1.weight': torch.randn(2, 3), 'fc.bias': torch.randn(2)}
    path = tmp_path / 'w.pth'
    torch.save({'raw': state, 'state_dict': {'state_dict': state, 'meta': {'epoch': 1}},
                'model': {'model': state}}[wrap], path)
    loaded = load_local_state_dict(str(path))
    assert loaded.keys() == state.keys()
    for key in state:
        assert_close(loaded[key], state[key], rtol=0, atol=0)


def test_checkpoint_missing_keys_raise_by_name(tmp_path):
    state = TimmBackbone('resnet18').model.state_dict()
    del state['layer4.1.bn2.weight']
    state['module.projector.0.weight'] = torch.zeros(2, 2)
    path = tmp_path / 'partial.pth'
    torch.save({f'module.encoder.{k}': v for k, v in state.items()}, path)
    with pytest.raises(ValueError, match=r"1 backbone keys are missing: \['layer4.1.bn2.weight'\]"):
        TimmBackbone('resnet18', checkpoint=str(path))


def test_checkpoint_unexpected_keys_are_reported(tmp_path):
    state = TimmBackbone('resnet18').model.state_dict()
    state['projector.0.weight'] = torch.zeros(2, 2)
    path = tmp_path / 'extra.pth'
    torch.save(state, path)
    net = TimmBackbone('resnet18')
    missing, unexpected = net.load_checkpoint(str(path))
    assert missing == [] and unexpected == ['projector.0.weight']


def test_load_local_state_dict_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_state_dict(str(tmp_path / 'nope.pth'))
    path = tmp_path / 'bad.pth'
    torch.save({'epoch': 3}, path)
    with pytest.raises(ValueError, match='epoch'):
        load_local_state_dict(str(path))


def test_strip_key_prefixes():
    t = torch.zeros(1)
    out = strip_key_prefixes({'module.backbone.conv1.weight': t, 'encoder.fc.bias': t,
                              'layer1.0.conv1.weight': t})
    assert list(out) == ['conv1.weight', 'fc.bias', 'layer1.0.conv1.weight']
    with pytest.raises(ValueError, match='collide'):
        strip_key_prefixes({'module.a': t, 'a': t})


def test_check_arch_meta():
    expected = dict(backbone='resnet18', stem='swav_s1', out_dim=512)
    check_arch_meta(expected, dict(expected, head='LinearClsHead'))  # extra keys are fine
    with pytest.raises(ValueError, match=r"'stem': model has 'swav_s1', checkpoint has 'default'"):
        check_arch_meta(expected, dict(expected, stem='default'))
    with pytest.raises(ValueError, match="'stem' missing"):
        check_arch_meta(expected, dict(backbone='resnet18', out_dim=512))


SLIM = dict(layers=(1, 1, 1, 1), channels=(32, 64, 128, 256))


def test_model_kwargs_build_a_slim_resnet_and_record_it():
    net = MODELS.build(dict(type='TimmBackbone', name='resnet18', model_kwargs=SLIM)).eval()
    # one BasicBlock per stage, widths 32..256, timm's 64-channel 7x7 stem (stem_width only
    # acts on the deep stem)
    assert net.out_dim == 256
    assert [len(getattr(net.model, f'layer{i}')) for i in range(1, 5)] == [1, 1, 1, 1]
    assert net.model.conv1.weight.shape == (64, 3, 7, 7)
    convs = [m for m in net.model.modules() if isinstance(m, nn.Conv2d)]
    # stem + 2 per block + a 1x1 shortcut in every stage (64 -> 32 in stage 1, strided after)
    assert len(convs) == 1 + 8 + 4
    assert sum(p.numel() for p in net.parameters()) < 11_176_512 / 8  # resnet18 minus fc
    assert net.arch_meta == dict(backbone='resnet18', stem='default', out_dim=256,
                                 model_kwargs=dict(channels=[32, 64, 128, 256],
                                                   layers=[1, 1, 1, 1]))
    assert net(torch.randn(2, 3, 64, 64)).shape == (2, 256)


def test_model_kwargs_refuses_what_the_wrapper_sets():
    with pytest.raises(ValueError, match=r"\['num_classes', 'pretrained'\] are set by"):
        TimmBackbone('resnet18', model_kwargs=dict(num_classes=7, pretrained=True))


def test_arch_meta_refuses_slim_into_default_and_back():
    default = TimmBackbone('resnet18').arch_meta
    slim = TimmBackbone('resnet18', model_kwargs=SLIM).arch_meta
    with pytest.raises(ValueError, match=r"'model_kwargs': model has none, checkpoint has"):
        check_arch_meta(default, dict(slim, out_dim=512))  # even with a matching out_dim
    with pytest.raises(ValueError, match=r"'model_kwargs': model has \{'channels'"):
        check_arch_meta(dict(slim, out_dim=512), default)
    check_arch_meta(slim, dict(slim))
    # a checkpoint's meta reads tuples back as lists (or as tuples): both match
    check_arch_meta(slim, dict(slim, model_kwargs=dict(SLIM)))
    check_arch_meta(default, dict(default, model_kwargs={}))  # an empty record = none


def test_slim_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    source = TimmBackbone('resnet18', model_kwargs=SLIM).eval()
    path = tmp_path / 'slim.pth'
    torch.save({'state_dict': source.model.state_dict(), 'meta': dict(arch=source.arch_meta)},
               path)
    target = TimmBackbone('resnet18', model_kwargs=SLIM, checkpoint=str(path)).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert_close(target(x), source(x), rtol=0, atol=0)
    with pytest.raises(ValueError, match='model_kwargs'):
        TimmBackbone('resnet18', checkpoint=str(path))


def _is_nhwc(t):
    return t.dim() == 4 and t.is_contiguous(memory_format=torch.channels_last) and \
        not t.is_contiguous()


def test_channels_last_layout_same_function_and_checkpoints_cross():
    torch.manual_seed(0)
    plain = TimmBackbone('resnet18', model_kwargs=SLIM)
    nhwc = TimmBackbone('resnet18', model_kwargs=SLIM, channels_last=True)
    nhwc.load_state_dict(plain.state_dict())  # a default-layout checkpoint loads
    assert _is_nhwc(nhwc.model.conv1.weight) and not _is_nhwc(plain.model.conv1.weight)
    assert 'channels_last' not in nhwc.arch_meta and nhwc.arch_meta == plain.arch_meta
    x = torch.randn(4, 3, 64, 64)
    plain.train(), nhwc.train()
    out_plain, out_nhwc = plain(x), nhwc(x)
    assert_close(out_nhwc, out_plain, rtol=1e-4, atol=1e-5)  # float rounding only
    assert_close(nhwc.forward_features(x), plain.forward_features(x), rtol=1e-4, atol=1e-5)
    # a training step keeps the layout (momentum buffers follow their parameters)
    opt = torch.optim.SGD(nhwc.parameters(), lr=0.1, momentum=0.9)
    out_nhwc.square().mean().backward()
    opt.step()
    assert _is_nhwc(nhwc.model.conv1.weight)
    assert _is_nhwc(opt.state[nhwc.model.conv1.weight]['momentum_buffer'])
    # and its weights load back into the default layout
    back = TimmBackbone('resnet18', model_kwargs=SLIM)
    back.load_state_dict(nhwc.state_dict())
    assert not _is_nhwc(back.model.conv1.weight)
    assert torch.equal(back.model.conv1.weight, nhwc.model.conv1.weight)
