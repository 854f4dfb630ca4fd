"""NCE memory: init, update, cross-view gradient flow, state, and 2-process equivalence
(docs/dvscl.md §2)."""
import math
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F

from basicda.banks.nce_memory import NCEMemoryBank, init_memory, memory_update
from tests.dist_utils import spawn_gloo

DIM = 16


def test_init_memory_bound_and_norm():
    bank = init_memory(10000, 128, torch.Generator().manual_seed(0))
    bound = 1 / math.sqrt(128 / 3)
    assert abs(bound - 0.15309311) < 1e-8
    assert float(bank.abs().max()) <= bound and float(bank.abs().max()) > 0.99 * bound
    assert abs(float((bank ** 2).sum(1).mean()) - 1) < 0.02


def test_memory_update_worked_example():
    bank = torch.randn(4, 2)
    bank[1] = torch.tensor([1.0, 0.0])
    new = memory_update(bank, torch.tensor([1]), torch.tensor([[0.0, 1.0]]), 0.5)
    torch.testing.assert_close(new[1], torch.tensor([1 / math.sqrt(2)] * 2))
    for r in (0, 2, 3):
        assert torch.equal(new[r], bank[r])
    # a repeated index: the first occurrence wins
    dup = memory_update(bank, torch.tensor([2, 2]), torch.tensor([[0.0, 1.0], [1.0, 0.0]]), 0.0)
    torch.testing.assert_close(dup[2], torch.tensor([0.0, 1.0]))


def encoders(seed=0):
    g = torch.Generator().manual_seed(seed)
    enc_r, enc_d = torch.nn.Linear(8, DIM), torch.nn.Linear(6, DIM)
    with torch.no_grad():
        for p in list(enc_r.parameters()) + list(enc_d.parameters()):
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return enc_r, enc_d


def data(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 8, generator=g), torch.randn(n, 6, generator=g)


@pytest.mark.parametrize('compat', ['fixed', 'reference'])
def test_softmax_gradient_reaches_the_depth_encoder(compat):
    enc_r, enc_d = encoders()
    x_r, x_d = data(16)
    bank = NCEMemoryBank(16, DIM, num_negatives=5, temperature=0.1, softmax_compat=compat)
    y = torch.tensor([0, 5, 9, 3])
    l_r, l_d = bank(y, F.normalize(enc_r(x_r[y]), dim=1), F.normalize(enc_d(x_d[y]), dim=1))
    (l_r + l_d).backward()
    for p in enc_r.parameters():
        assert p.grad is not None and bool((p.grad != 0).any())
    for p in enc_d.parameters():
        if compat == 'fixed':
            assert p.grad is not None and bool((p.grad != 0).all())
        else:  # the reference's bug reproduced: the depth encoder never learns
            assert p.grad is None


def run_steps(enc_r, enc_d, bank, x_r, x_d, batches, rank=0, world=1):
    """SGD steps on global batches; each rank takes its contiguous share of the rows."""
    losses = []
    params = list(enc_r.parameters()) + list(enc_d.parameters())
    for y in batches:
        share = len(y) // world
        mine = y[rank * share:(rank + 1) * share]
        l_r, l_d = bank(mine, F.normalize(enc_r(x_r[mine]), dim=1),
                        F.normalize(enc_d(x_d[mine]), dim=1))
        loss = l_r + l_d
        for p in params:
            p.grad = None
        loss.backward()
        total = loss.detach().clone()
        if world > 1:  # what DDP does: average the gradients (and we average the losses)
            for p in params:
                dist.all_reduce(p.grad)
                p.grad /= world
            dist.all_reduce(total)
            total /= world
        with torch.no_grad():
            for p in params:
                p -= 0.5 * p.grad
        losses.append(float(total))
    return dict(bank=bank.state_dict(), losses=losses,
                params=[p.detach().clone() for p in params])


CASES = [('softmax', 16, [[0, 5, 9, 3], [2, 15, 7, 7], [1, 4, 12, 8]]),
         ('nce', 16, [[0, 5, 9, 3], [2, 15, 7, 7], [1, 4, 12, 8]]),
         ('softmax', 7, [[0, 5, 6, 3], [2, 4, 6, 1], [6, 0, 6, 5]])]  # padding-like repeats


def _single(criterion, n, batches):
    enc_r, enc_d = encoders()
    x_r, x_d = data(n)
    bank = NCEMemoryBank(n, DIM, num_negatives=5, temperature=0.1, criterion=criterion, seed=3)
    return run_steps(enc_r, enc_d, bank, x_r, x_d, [torch.tensor(b) for b in batches])


def _worker(rank, world, criterion, n, batches, out):
    enc_r, enc_d = encoders()
    x_r, x_d = data(n)
    bank = NCEMemoryBank(n, DIM, num_negatives=5, temperature=0.1, criterion=criterion, seed=3)
    res = run_steps(enc_r, enc_d, bank, x_r, x_d, [torch.tensor(b) for b in batches], rank,
                    world)
    torch.save(res, osp.join(out, f'rank{rank}.pt'))


@pytest.mark.slow
@pytest.mark.parametrize('criterion,n,batches', CASES)
def test_two_processes_equal_one(tmp_path, criterion, n, batches):
    spawn_gloo(_worker, 2, criterion, n, batches, str(tmp_path))
    single = _single(criterion, n, batches)
    for rank in range(2):
        res = torch.load(tmp_path / f'rank{rank}.pt', weights_only=False)
        for key in ('bank_r', 'bank_d'):
            torch.testing.assert_close(res['bank'][key], single['bank'][key], atol=1e-6,
                                       rtol=0)
        if criterion == 'nce':
            torch.testing.assert_close(res['bank']['z_r'], single['bank']['z_r'])
            torch.testing.assert_close(res['bank']['z_d'], single['bank']['z_d'])
        assert res['losses'] == pytest.approx(single['losses'], abs=1e-6)
        for a, b in zip(res['params'], single['params']):
            torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_state_round_trip_and_mismatch():
    enc_r, enc_d = encoders()
    x_r, x_d = data(16)
    bank = NCEMemoryBank(16, DIM, num_negatives=5, criterion='nce', keys=[str(i) for i in
                                                                           range(16)])
    run_steps(enc_r, enc_d, bank, x_r, x_d, [torch.tensor([0, 1, 2, 3])])
    state = bank.state_dict()
    other = NCEMemoryBank(16, DIM, num_negatives=5, criterion='nce',
                          keys=[str(i) for i in range(16)])
    other.load_state_dict(state)
    assert torch.equal(other.bank_r, bank.bank_r) and other.iteration == 1
    assert float(other.z_r) == float(bank.z_r)
    # the next draw continues from the same generator position
    assert torch.equal(other.contrast_indices(torch.tensor([4])),
                       bank.contrast_indices(torch.tensor([4])))
    moved = NCEMemoryBank(16, DIM, num_negatives=5, criterion='nce',
                          keys=[str(i) for i in range(1, 17)])
    with pytest.raises(ValueError, match=r'keys_sha256 is .* \(another pool'):
        moved.load_state_dict(state)
    with pytest.raises(ValueError, match='num_negatives is 5 in the checkpoint but 6'):
        NCEMemoryBank(16, DIM, num_negatives=6, criterion='nce').load_state_dict(state)
