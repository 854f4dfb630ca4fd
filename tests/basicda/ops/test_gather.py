import pytest
import torch
from torch.testing import assert_close

from basicda.ops.gather import (all_gather_cat, broadcast_object, broadcast_tensor,
                                gather_by_index, gather_with_local_grad, world_info)
from tests.dist_utils import spawn_gloo


def test_single_process_is_identity():
    x = torch.arange(6.).reshape(3, 2)
    assert world_info() == (0, 1)
    assert_close(all_gather_cat(x), x)
    assert broadcast_object({'a': 1}) == {'a': 1}
    assert_close(broadcast_tensor(x.clone()), x)
    y = x.clone().requires_grad_()
    assert gather_with_local_grad(y) is y


def test_gather_by_index_scatters_rows_and_checks_coverage():
    out = gather_by_index(torch.tensor([2, 0, 1]),
                          {'f': torch.tensor([[2.], [0.], [1.]]), 'y': torch.tensor([7, 5, 6])}, 3)
    assert out['f'].flatten().tolist() == [0., 1., 2.]
    assert out['y'].tolist() == [5, 6, 7]
    with pytest.raises(ValueError, match='1 duplicated .* 1 missing'):
        gather_by_index(torch.tensor([0, 0]), {'f': torch.zeros(2, 1)}, 2)
    with pytest.raises(ValueError, match='outside'):
        gather_by_index(torch.tensor([0, 3]), {'f': torch.zeros(2, 1)}, 2)
    with pytest.raises(ValueError, match='rows for'):
        gather_by_index(torch.tensor([0, 1]), {'f': torch.zeros(3, 1)}, 2)


def _worker(rank, world_size, out):
    # uneven shards (3 + 2 rows of a 5-sample dataset, strided like DefaultSampler(round_up=False))
    index = torch.arange(rank, 5, world_size)
    feats = index.float().unsqueeze(1) * torch.tensor([[1., 10.]])
    cat = all_gather_cat(feats)
    full = gather_by_index(index, {'f': feats}, 5)['f']
    live = feats.clone().requires_grad_()
    mixed = gather_with_local_grad(live)
    mixed.sum().backward()
    obj = broadcast_object({'rank': rank})
    t = broadcast_tensor(torch.tensor([float(rank)]))
    torch.save(dict(cat=cat, full=full, grad=live.grad, obj=obj, t=t,
                    requires_grad=mixed.requires_grad), f'{out}.{rank}')


@pytest.mark.slow
def test_two_gloo_processes(tmp_path):
    out = str(tmp_path / 'gather')
    spawn_gloo(_worker, 2, out)
    r0, r1 = (torch.load(f'{out}.{r}', weights_only=True) for r in range(2))
    # rank order: rank 0's rows (samples 0, 2, 4) then rank 1's (1, 3)
    assert r0['cat'][:, 0].tolist() == [0., 2., 4., 1., 3.]
    assert_close(r0['cat'], r1['cat'])
    expected = torch.arange(5.).unsqueeze(1) * torch.tensor([[1., 10.]])
    for r in (r0, r1):
        assert_close(r['full'], expected)
        assert r['obj'] == {'rank': 0} and r['t'].tolist() == [0.]
        assert r['requires_grad']
    # gradient reaches only the local rows, each once
    assert_close(r0['grad'], torch.ones(3, 2))
    assert_close(r1['grad'], torch.ones(2, 2))
