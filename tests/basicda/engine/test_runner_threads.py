"""DARunner's ``env_cfg.num_threads``: PyTorch's CPU threads for the run's process, checked
before anything is built; absent, PyTorch's count is left alone."""
import pytest
import torch
from mmengine.model import BaseModel
from torch import nn

from basicda.engine import DARunner


class _Tiny(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.linear(inputs)


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def _runner(work_dir, env_cfg):
    return DARunner(model=_Tiny(), work_dir=str(work_dir), env_cfg=env_cfg,
                    default_scope='basicda')


def test_num_threads_sets_torch_threads(tmp_path, restore_threads):
    torch.set_num_threads(2)
    _runner(tmp_path, dict(num_threads=1))
    assert torch.get_num_threads() == 1
    _runner(tmp_path / 'b', dict(num_threads=3))
    assert torch.get_num_threads() == 3


def test_without_num_threads_the_count_is_left_alone(tmp_path, restore_threads):
    torch.set_num_threads(2)
    _runner(tmp_path, dict(cudnn_benchmark=False))
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize('bad', [0, -1, 1.5, '1', True])
def test_bad_num_threads_names_the_key(tmp_path, restore_threads, bad):
    with pytest.raises(ValueError, match=r'env_cfg\.num_threads'):
        _runner(tmp_path, dict(num_threads=bad))
