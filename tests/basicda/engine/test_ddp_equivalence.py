"""One SGD step of a BN-free net: 1 process with batch 8 equals 2 gloo processes
with 4 + 4 (source-only.md section 6), through the DDP wrapper config we build."""
import pytest
import torch
from torch import nn

from basicda.engine import ddp_wrapper_cfg
from tests.dist_utils import spawn_gloo


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))


def _data():
    g = torch.Generator().manual_seed(1)
    return torch.randn(8, 6, generator=g), torch.randint(0, 3, (8, ), generator=g)


def _step(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = nn.functional.cross_entropy(model(x), y)  # mean over the local batch
    opt.zero_grad()
    loss.backward()
    opt.step()


def _worker(rank, world_size, out):
    from mmengine.registry import MODEL_WRAPPERS
    cfg = ddp_wrapper_cfg()
    assert cfg['device_ids'] is None  # CPU
    model = MODEL_WRAPPERS.build(cfg, default_args=dict(module=_net()))
    x, y = _data()
    part = slice(4 * rank, 4 * rank + 4)
    _step(model, x[part], y[part])
    if rank == 0:
        torch.save(model.module.state_dict(), out)


@pytest.mark.slow
def test_two_gloo_processes_match_one(tmp_path):
    reference = _net()
    _step(reference, *_data())
    out = str(tmp_path / 'ddp.pth')
    spawn_gloo(_worker, 2, out)
    ddp_state = torch.load(out, weights_only=True)
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(ddp_state[key], value, rtol=0, atol=1e-6)
