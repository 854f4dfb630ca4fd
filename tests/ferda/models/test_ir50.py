import pytest
import torch
from torch import nn
from torch.testing import assert_close

from ferda.models import IR50, IRUnit
from ferda.registry import MODELS


@pytest.fixture(scope='module')
def embedding_model():
    torch.manual_seed(0)
    return IR50(input_size=112, out='embedding').eval()


def test_gap_output_and_layout():
    torch.manual_seed(0)
    net = MODELS.build(dict(type='IR50')).eval()
    assert net.out == 'gap' and net.out_dim == 512 and not hasattr(net, 'output_layer')
    units = list(net.body)
    assert len(units) == 3 + 4 + 14 + 3 and all(isinstance(u, IRUnit) for u in units)
    firsts = [units[i] for i in (0, 3, 7, 21)]
    assert [u.res_layer[3].stride for u in firsts] == [(2, 2)] * 4
    assert [u.res_layer[3].out_channels for u in firsts] == [64, 128, 256, 512]
    assert all(u.res_layer[3].stride == (1, 1)
               for i, u in enumerate(units) if i not in (0, 3, 7, 21))
    stem = net.input_layer
    assert stem[0].kernel_size == (3, 3) and stem[0].out_channels == 64
    assert isinstance(stem[1], nn.BatchNorm2d) and isinstance(stem[2], nn.PReLU)
    with torch.no_grad():
        assert net.forward_features(torch.randn(1, 3, 112, 112)).shape == (1, 512, 7, 7)
        small = torch.randn(2, 3, 32, 32)  # pooling is size-agnostic; keeps the test fast
        assert_close(net(small), net.forward_features(small).mean(dim=(2, 3)))
        assert net(small).shape == (2, 512)


def test_embedding_output(embedding_model):
    head = embedding_model.output_layer
    assert isinstance(head[0], nn.BatchNorm2d) and isinstance(head[1], nn.Dropout)
    assert isinstance(head[4], nn.BatchNorm1d)
    assert (head[3].in_features, head[3].out_features) == (25088, 512)
    with torch.no_grad():
        out = embedding_model(torch.randn(2, 3, 112, 112))
    assert out.shape == (2, 512)


def test_checkpoint_loads_strictly_into_both_outputs(tmp_path, embedding_model):
    with torch.no_grad():  # non-default statistics, so the buffers must load too
        embedding_model.output_layer[4].running_mean.uniform_(-1, 1)
        embedding_model.input_layer[1].running_var.uniform_(0.5, 2)
    path = tmp_path / 'ir50_ms1m.pth'
    torch.save({f'module.{k}': v for k, v in embedding_model.state_dict().items()}, path)
    small = torch.randn(1, 3, 32, 32)  # 'gap' works at any size; keeps the test fast
    with torch.no_grad():
        expected_map = embedding_model.forward_features(small)

    torch.manual_seed(1)
    loaded = IR50(out='embedding', checkpoint=str(path))
    expected_state = embedding_model.state_dict()
    assert loaded.state_dict().keys() == expected_state.keys()
    for key, value in loaded.state_dict().items():
        assert_close(value, expected_state[key], rtol=0, atol=0)
    torch.manual_seed(2)
    gap = IR50(out='gap', checkpoint=str(path)).eval()  # output_layer.* dropped
    with torch.no_grad():
        assert_close(gap(small), expected_map.mean(dim=(2, 3)), rtol=0, atol=0)


def test_checkpoint_mismatch_raises(tmp_path):
    state = IR50(out='gap').state_dict()
    del state['body.23.res_layer.4.weight']
    state['body.24.res_layer.0.weight'] = torch.zeros(1)
    path = tmp_path / 'bad.pth'
    torch.save(state, path)
    with pytest.raises(ValueError, match=r"missing keys \['body.23.res_layer.4.weight'\], "
                       r"unexpected keys \['body.24.res_layer.0.weight'\]"):
        IR50(checkpoint=str(path))


def test_bad_arguments():
    with pytest.raises(ValueError, match="'pool'"):
        IR50(out='pool')
    with pytest.raises(ValueError, match='96'):
        IR50(input_size=96)
