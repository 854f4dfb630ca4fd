"""LDL's step in 2 gloo processes equals one process on the same global batches
(docs/ldl.md): parameters, trust, velocity, centres and the loss. Setup: a BN-free toy
network, ScoringNet(norm='none'), N = 16, K = 2 fixed neighbours, three global batches
of 8 split 4 + 4. Also: the bank built by 2 processes over N = 7 equals the 1-process
bank, and a padded duplicate row (a sampler repeating a sample) gets its gradients summed."""
import os.path as osp

import pytest
import torch
from mmengine.optim import OptimWrapper

from tests.dist_utils import spawn_gloo

N, K, IN_DIM = 16, 2, 6
BATCHES = [[0, 5, 9, 14, 3, 7, 11, 2], [1, 4, 6, 8, 10, 12, 13, 15], [2, 3, 5, 7, 0, 9, 1, 14]]


def _model(n=N, source='online'):
    import ferda.methods  # noqa: F401
    from ferda.registry import MODELS
    from tests.ferda.methods.eercl.toy import NUM_CLASSES  # registers EerclToyBackbone

    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='LDLModel', classifier=dict(type='ImageClassifier', num_classes=NUM_CLASSES,
                                         backbone=dict(type='EerclToyBackbone'),
                                         head=dict(type='LinearClsHead')),
        scoring=dict(hidden=(8, 4), norm='none'), gamma=0.5, lamb_lr=10.0, lamb_momentum=0.9,
        neighbour_source=source))
    g = torch.Generator().manual_seed(2)
    labels = torch.randint(0, NUM_CLASSES, (n,), generator=g)
    neighbours = torch.stack([(torch.arange(n) + 1) % n, (torch.arange(n) + 3) % n], 1)
    model.init_state(labels, neighbours, torch.rand(n, K, generator=g) + 0.1, dict(x='y'))
    return model


def _inputs(n=N):
    return torch.randn(n, IN_DIM, generator=torch.Generator().manual_seed(5))


def _train(rank, world_size, out_dir, batches):
    from basicda.engine.ddp import MethodDDP

    model, x = _model(), _inputs()
    step = model.train_step
    if world_size > 1:
        wrapper = MethodDDP(model, broadcast_buffers=False)
        step = wrapper.train_step
    opt = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    losses = []
    for batch in batches:
        share = len(batch) // world_size
        index = torch.tensor(batch[rank * share:(rank + 1) * share])
        nidx = model.neighbours[index]
        inputs = torch.cat([x[index][:, None], x[nidx]], 1)
        log = step(dict(inputs=inputs, data_samples=dict(sample_idx=index,
                                                         gt_label=model.labels[index])), opt)
        losses.append(float(log['loss']))
    torch.save(dict(params={k: v.detach() for k, v in model.named_parameters()},
                    state=model.method_state_dict(), losses=losses),
               osp.join(out_dir, f'w{world_size}_rank{rank}.pt'))


def _bank(rank, world_size, out_dir, n):
    model, x = _model(n, source='bank'), _inputs(n)
    shard = list(range(rank, n, world_size))
    loader = [dict(inputs=x[shard[i:i + 2]], data_samples=dict(
        sample_idx=torch.tensor(shard[i:i + 2]))) for i in range(0, len(shard), 2)]
    model.refresh_bank(loader)
    torch.save(dict(feat=model.bank_feat, prob=model.bank_prob),
               osp.join(out_dir, f'bank_w{world_size}_rank{rank}.pt'))


@pytest.mark.slow
def test_two_processes_equal_one(tmp_path):
    _train(0, 1, str(tmp_path), BATCHES)
    spawn_gloo(_train, 2, str(tmp_path), BATCHES)
    one = torch.load(tmp_path / 'w1_rank0.pt')
    tol = dict(rtol=1e-5, atol=1e-6)
    for rank in (0, 1):
        two = torch.load(tmp_path / f'w2_rank{rank}.pt')
        for name, value in one['params'].items():
            torch.testing.assert_close(two['params'][name], value, **tol, msg=name)
        for key in ('lam_hat', 'lam_velocity', 'centres'):
            torch.testing.assert_close(two['state'][key], one['state'][key], **tol, msg=key)
    # each rank logs its own mean over 4 samples; their average is the global loss
    ranks = [torch.load(tmp_path / f'w2_rank{r}.pt')['losses'] for r in (0, 1)]
    torch.testing.assert_close(torch.tensor(ranks).mean(0), torch.tensor(one['losses']), **tol)
    assert (one['state']['lam_velocity'] != 0).sum() > 0


@pytest.mark.slow
def test_two_process_bank_equals_one_process_bank(tmp_path):
    _bank(0, 1, str(tmp_path), 7)
    spawn_gloo(_bank, 2, str(tmp_path), 7)
    one = torch.load(tmp_path / 'bank_w1_rank0.pt')
    for rank in (0, 1):
        two = torch.load(tmp_path / f'bank_w2_rank{rank}.pt')
        torch.testing.assert_close(two['feat'], one['feat'], rtol=0, atol=1e-6)
        torch.testing.assert_close(two['prob'], one['prob'], rtol=0, atol=1e-6)


def test_a_duplicated_row_gets_its_gradients_summed():
    """Sampler padding repeats a sample within the gathered batch: the trust row moves by
    the sum of both gradients (SparseRowSGD's index_add)."""
    model = _model()
    x = _inputs()
    index = torch.tensor([3, 3])
    nidx = model.neighbours[index]
    inputs = torch.cat([x[index][:, None], x[nidx]], 1)
    before = model.lam_hat.clone()
    opt = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    model.train_step(dict(inputs=inputs, data_samples=dict(sample_idx=index,
                                                           gt_label=model.labels[index])), opt)
    single = _model()
    single.train_step(dict(inputs=inputs[:1], data_samples=dict(
        sample_idx=index[:1], gt_label=single.labels[index[:1]])),
        OptimWrapper(torch.optim.SGD(single.parameters(), lr=0.0)))
    # two identical rows: each gradient is half the B = 1 gradient (divided by B = 2), summed
    torch.testing.assert_close(model.lam_hat - before, single.lam_hat - before)
