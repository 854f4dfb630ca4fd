import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.testing import assert_close
from torch.utils.data import DataLoader, Dataset

from basicda.banks import IndexedBank, fill_bank

N, D, C = 7, 3, 2


class _Samples(Dataset):
    """Sample i: a fixed random vector and its dataset index."""

    def __init__(self, n=N):
        self.x = torch.randn(n, D, generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(index=i, x=self.x[i])


WEIGHT = torch.randn(D, C, generator=torch.Generator().manual_seed(1))


def _forward(batch):
    feat = F.normalize(batch['x'], dim=1)
    return batch['index'], dict(feat=feat, prob=(batch['x'] @ WEIGHT).softmax(dim=1),
                                unused=feat.sum(1, keepdim=True))


def _expected_rows():
    x = _Samples().x
    return F.normalize(x, dim=1), (x @ WEIGHT).softmax(dim=1)


def test_update_writes_in_order_so_a_later_duplicate_wins():
    bank = IndexedBank(3, dict(feat=2))
    bank.update(torch.tensor([2, 0, 2]), feat=torch.tensor([[1., 1.], [2., 2.], [3., 3.]]))
    assert bank.get('feat').tolist() == [[2., 2.], [0., 0.], [3., 3.]]
    assert bank.filled.tolist() == [True, False, True]
    # many duplicates of one row: the last one, whatever the storage order
    index = torch.tensor([1] * 50 + [0] + [1] * 49)
    values = torch.arange(100.)[:, None].expand(100, 2)
    bank.update(index, feat=values)
    assert bank.get('feat')[1].tolist() == [99., 99.] and bank.get('feat')[0].tolist() == [50., 50.]


def test_assert_filled_counts_the_missing_rows():
    bank = IndexedBank(4, dict(feat=2, prob=3))
    bank.update(torch.tensor([1, 3]), feat=torch.ones(2, 2), prob=torch.ones(2, 3))
    with pytest.raises(RuntimeError, match=r'AaD bank: 2 of 4 rows were never written .*\[0, 2\]'):
        bank.assert_filled('AaD bank')
    bank.update(torch.tensor([0, 2]), feat=torch.ones(2, 2), prob=torch.ones(2, 3))
    bank.assert_filled('AaD bank')


def test_update_checks_fields_shapes_and_indices():
    bank = IndexedBank(4, dict(feat=2, prob=3))
    with pytest.raises(KeyError, match=r"missing \['prob'\]"):
        bank.update(torch.tensor([0]), feat=torch.ones(1, 2))
    with pytest.raises(KeyError, match=r"unexpected \['score'\]"):
        bank.update(torch.tensor([0]), feat=torch.ones(1, 2), prob=torch.ones(1, 3),
                    score=torch.ones(1, 1))
    with pytest.raises(ValueError, match=r"'prob' must have shape \(1, 3\)"):
        bank.update(torch.tensor([0]), feat=torch.ones(1, 2), prob=torch.ones(1, 2))
    with pytest.raises(ValueError, match=r'\[0, 4\)'):
        bank.update(torch.tensor([4]), feat=torch.ones(1, 2), prob=torch.ones(1, 3))
    with pytest.raises(KeyError, match='no field'):
        bank.get('score')
    assert not bank.filled.any()


def test_init_randn_is_seeded_but_not_filled():
    a = IndexedBank(5, dict(feat=4), init='randn', generator=torch.Generator().manual_seed(0))
    b = IndexedBank(5, dict(feat=4), init='randn', generator=torch.Generator().manual_seed(0))
    assert torch.equal(a.get('feat'), b.get('feat')) and a.get('feat').abs().sum() > 0
    assert not a.filled.any()
    assert IndexedBank(5, dict(feat=4)).get('feat').abs().sum() == 0


def test_state_dict_round_trip_and_mismatch(tmp_path):
    bank = IndexedBank(3, dict(feat=2, prob=2))
    bank.update(torch.tensor([1]), feat=torch.tensor([[1., 2.]]), prob=torch.tensor([[.5, .5]]))
    path = tmp_path / 'bank.pth'
    torch.save(bank.export_state(), path)
    restored = IndexedBank(3, dict(feat=2, prob=2)).to('cpu')
    restored.import_state(torch.load(path, weights_only=True))
    for name in ('feat', 'prob'):
        assert torch.equal(restored.get(name), bank.get(name))
    assert torch.equal(restored.filled, bank.filled)
    with pytest.raises(ValueError, match=r"'feat' has shape \(3, 2\), the bank expects \(4, 2\)"):
        IndexedBank(4, dict(feat=2, prob=2)).import_state(bank.export_state())
    with pytest.raises(KeyError, match=r"missing \['score'\], unexpected \['prob'\]"):
        IndexedBank(3, dict(feat=2, score=2)).import_state(bank.export_state())


def test_fill_bank_writes_every_row_by_dataset_index():
    feat, prob = _expected_rows()
    for shuffle in (False, True):
        bank = IndexedBank(N, dict(feat=D, prob=C))
        loader = DataLoader(_Samples(), batch_size=3, shuffle=shuffle,
                            generator=torch.Generator().manual_seed(0))
        assert fill_bank(bank, loader, _forward) == N
        bank.assert_filled()
        assert_close(bank.get('feat'), feat, rtol=0, atol=0)
        assert_close(bank.get('prob'), prob, rtol=0, atol=0)


def test_fill_bank_rejects_a_loader_that_drops_samples():
    bank = IndexedBank(N, dict(feat=D, prob=C))
    loader = DataLoader(_Samples(), batch_size=3, drop_last=True)
    with pytest.raises(ValueError, match='1 missing'):
        fill_bank(bank, loader, _forward)
    assert not bank.filled.any()
    with pytest.raises(KeyError, match='fields'):
        fill_bank(bank, DataLoader(_Samples(), batch_size=3), _forward, fields=['feat'])


def test_fill_bank_leaves_the_training_iterator_where_it_was():
    dataset = _Samples()

    def train_loader():
        return DataLoader(dataset, batch_size=2, shuffle=True,
                          generator=torch.Generator().manual_seed(3))

    reference = [batch['index'].tolist() for batch in train_loader()]
    train_iter = iter(train_loader())
    seen = [next(train_iter)['index'].tolist()]
    fill_bank(IndexedBank(N, dict(feat=D, prob=C)), DataLoader(dataset, batch_size=3), _forward)
    seen += [batch['index'].tolist() for batch in train_iter]
    assert seen == reference


def _fill_worker(rank, world_size, port, out):
    from mmengine.dataset import DefaultSampler

    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    dataset = _Samples()
    sampler = DefaultSampler(dataset, shuffle=False, round_up=False)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler)
    bank = IndexedBank(N, dict(feat=D, prob=C))
    local_rows = fill_bank(bank, loader, _forward)
    torch.save(dict(bank=bank.export_state(), local_rows=local_rows), f'{out}.{rank}')
    dist.destroy_process_group()


def test_two_gloo_ranks_with_uneven_shards_fill_the_same_bank_as_one_process(tmp_path):
    expected = IndexedBank(N, dict(feat=D, prob=C))
    fill_bank(expected, DataLoader(_Samples(), batch_size=2), _forward)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    out = str(tmp_path / 'bank')
    mp.spawn(_fill_worker, args=(2, port, out), nprocs=2, join=True)
    results = [torch.load(f'{out}.{rank}', weights_only=True) for rank in range(2)]
    assert [r['local_rows'] for r in results] == [4, 3]  # 7 samples, no padding
    for result in results:
        state = result['bank']
        assert state['filled'].all()
        for name in ('feat', 'prob'):
            assert_close(state['values'][name], expected.get(name), rtol=0, atol=1e-7)


def test_bank_rows_are_buffers_of_the_owner_outside_its_state_dict():
    owner = torch.nn.Module()
    owner.bank = IndexedBank(0, dict(feat=2))  # sized later
    owner.bank.resize(3)
    owner.bank.update(torch.tensor([1]), feat=torch.tensor([[1., 2.]]))
    owner.double()
    assert owner.bank.get('feat').dtype == torch.float64 and owner.bank.filled.tolist() == [
        False, True, False]
    assert owner.state_dict() == {}  # checkpointed by the method through export_state
    fresh = IndexedBank(0, dict(feat=2))
    fresh.import_state(owner.bank.export_state())  # a 0-row bank takes the state's N
    assert fresh.num_samples == 3 and fresh.get('feat')[1].tolist() == [1., 2.]
    with pytest.raises(ValueError, match='num_samples must be an int >= 0'):
        IndexedBank(-1, dict(feat=2))
