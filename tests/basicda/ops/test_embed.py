"""embed_by_index: rows by dataset index, equal for 1 and 2 gloo processes with
uneven and empty shards; coverage checks."""
import pytest
import torch
from torch.testing import assert_close
from torch.utils.data import DataLoader, Dataset

from basicda.ops.embed import embed_by_index
from tests.dist_utils import spawn_gloo

D, C = 3, 4
WEIGHT = torch.randn(D, C, generator=torch.Generator().manual_seed(1))


class _Samples(Dataset):
    """Sample i: a fixed random vector and its dataset index."""

    def __init__(self, n):
        self.x = torch.randn(n, D, generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(index=i, x=self.x[i])


def _forward(batch):
    logits = batch['x'] @ WEIGHT
    return batch['index'], dict(logits=logits, label=logits.argmax(1), extra=batch['x'])


def _oracle(n):
    """The model applied to the whole dataset at once, row j = sample j."""
    x = _Samples(n).x
    return dict(logits=x @ WEIGHT, label=(x @ WEIGHT).argmax(1))


def test_one_process_orders_rows_by_dataset_index_whatever_the_loader_order():
    expected = _oracle(7)
    for shuffle in (False, True):
        loader = DataLoader(_Samples(7), batch_size=3, shuffle=shuffle,
                            generator=torch.Generator().manual_seed(2))
        out = embed_by_index(loader, _forward, 7, keys=['logits', 'label'])
        assert sorted(out) == ['index', 'label', 'logits']  # 'extra' not gathered
        assert out['index'].tolist() == list(range(7))
        assert_close(out['logits'], expected['logits'], rtol=0, atol=1e-6)
        assert out['label'].tolist() == expected['label'].tolist()


def test_coverage_checks_and_allow_missing():
    dropping = DataLoader(_Samples(7), batch_size=3, drop_last=True)  # sample 6 dropped
    with pytest.raises(ValueError, match=r'0 duplicated .* 1 missing \(e.g. \[6\]'):
        embed_by_index(dropping, _forward, 7)
    out = embed_by_index(dropping, _forward, 7, allow_missing=True)
    assert out['index'].tolist() == list(range(6))
    assert_close(out['logits'], _oracle(7)['logits'][:6], rtol=0, atol=1e-6)
    twice = [dict(index=torch.tensor([0, 1]), x=torch.zeros(2, D))] * 2
    with pytest.raises(ValueError, match='2 duplicated'):
        embed_by_index(twice, _forward, 2, allow_missing=True)
    with pytest.raises(KeyError, match="missing \\['prob'\\]"):
        embed_by_index(dropping, _forward, 7, keys=['prob'])
    with pytest.raises(KeyError, match="'index' is the name"):
        embed_by_index(dropping, lambda b: (b['index'], dict(index=b['x'])), 7)


def _worker(rank, world_size, n, out):
    from mmengine.dataset import DefaultSampler

    dataset = _Samples(n)
    loader = DataLoader(dataset, batch_size=2,
                        sampler=DefaultSampler(dataset, shuffle=False, round_up=False))
    result = embed_by_index(loader, _forward, n, keys=['logits', 'label'])
    torch.save(dict(result, shard=len(loader.sampler)), f'{out}.{rank}')
    padded = DataLoader(dataset, batch_size=2, sampler=DefaultSampler(dataset, shuffle=False))
    try:
        embed_by_index(padded, _forward, n)
    except ValueError as error:
        torch.save(str(error), f'{out}.error{rank}')


@pytest.mark.parametrize('n, shards', [(7, [4, 3]), (1, [1, 0])])
def test_two_gloo_processes_gather_the_one_process_matrix(tmp_path, n, shards):
    out = str(tmp_path / 'embed')
    spawn_gloo(_worker, 2, n, out)
    single = embed_by_index(DataLoader(_Samples(n), batch_size=2), _forward, n)
    for rank in range(2):
        result = torch.load(f'{out}.{rank}', weights_only=True)
        assert result['shard'] == shards[rank]  # uneven (or empty) shards, no padding
        assert result['index'].tolist() == list(range(n))
        assert_close(result['logits'], single['logits'], rtol=0, atol=0)
        assert torch.equal(result['label'], single['label'])
        if n % 2:  # the padding sampler repeats sample 0 on the short rank
            error = torch.load(f'{out}.error{rank}', weights_only=True)
            assert '1 duplicated (e.g. [0]' in error
