import pytest
import torch
from mmengine.logging import MessageHub
from torch.testing import assert_close

from basicda.losses import (mixup, mixup_lambda_generator, mixup_loss, mixup_perm_generator,
                            sample_mixup)
from basicda.registry import MODELS


def _model(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(type='MixupClassifier', num_classes=3, seed=7,
                             backbone=dict(type='TimmBackbone', name='test_resnet'),
                             head=dict(type='LinearClsHead'), **kw))


def test_loss_is_mixup_loss_with_lambda_and_perm_from_the_step_streams():
    model = _model(mixup_alpha=0.2, mixaug_alpha=0.5)
    MessageHub.get_current_instance().update_info('iter', 11)
    x = torch.randn(4, 3, 16, 16)
    y = torch.tensor([0, 1, 2, 1])
    out = model.loss(x, dict(gt_label=y))
    lam, _ = sample_mixup(4, 0.2, mixup_lambda_generator(7, 11))
    _, perm = sample_mixup(4, 0.2, mixup_lambda_generator(7, 11), mixup_perm_generator(7, 11, 0))
    x_mix, y_a, y_b = mixup(x, y, lam, perm)
    expected = mixup_loss(model.head(model.backbone(x_mix)), y_a, y_b, lam, 0.5)
    assert_close(out['loss_mixup'], expected)
    assert abs(float(out['mixup_lambda']) - lam) < 1e-6
    # the same step draws the same lambda (resume); another step another one
    assert_close(model.loss(x, dict(gt_label=y))['loss_mixup'], expected)
    MessageHub.get_current_instance().update_info('iter', 12)
    assert not torch.allclose(model.loss(x, dict(gt_label=y))['loss_mixup'], expected)


def test_mixup_off_is_plain_cross_entropy_and_soft_targets_use_kl():
    model = _model(mixup_alpha=None)
    x = torch.randn(3, 3, 16, 16)
    y = torch.tensor([0, 2, 1])
    logits = model.head(model.backbone(x))
    assert_close(model.loss(x, dict(gt_label=y))['loss_mixup'],
                 torch.nn.functional.cross_entropy(logits, y))
    q = torch.tensor([[1., 0, 0], [0, .5, .5], [0, 1., 0]])
    kl = (torch.special.xlogy(q, q) - q * logits.log_softmax(1)).sum(1).mean()
    assert_close(model.loss(x, dict(gt_label=y, soft_label=q))['loss_mixup'], kl)


def test_perm_streams_differ_per_rank():
    a = torch.randperm(16, generator=mixup_perm_generator(1, 3, 0))
    b = torch.randperm(16, generator=mixup_perm_generator(1, 3, 1))
    assert not torch.equal(a, b)
    assert torch.equal(a, torch.randperm(16, generator=mixup_perm_generator(1, 3, 0)))


def _toy_student(mixup_alpha):
    """A MixupClassifier with a BN-free backbone (so DDP = one large batch exactly)."""
    model = _model(mixup_alpha=mixup_alpha, check_ranks=True)
    torch.manual_seed(1)
    model.backbone = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 8),
                                         torch.nn.Tanh())
    model.head = MODELS.build(dict(type='LinearClsHead', in_dim=8, num_classes=3))
    return model


def _toy_batch():
    g = torch.Generator().manual_seed(3)
    return torch.randn(8, 3, 2, 2, generator=g), torch.randint(0, 3, (8,), generator=g)


def _sgd_step(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    net = model
    if torch.distributed.is_initialized():
        net = torch.nn.parallel.DistributedDataParallel(model)
    out = net(x, dict(gt_label=y), mode='loss')
    out['loss_mixup'].backward()
    opt.step()
    return out


def _ddp_worker(rank, world_size, out_dir):
    MessageHub.get_current_instance().update_info('iter', 5)
    x, y = _toy_batch()
    shard = slice(rank * 4, rank * 4 + 4)
    model = _toy_student(None)  # mixup off: the global step is the batch-8 step
    _sgd_step(model, x[shard], y[shard])
    mixed = _toy_student(0.2)  # mixup on: lambda checked equal across ranks inside
    lam = _sgd_step(mixed, x[shard], y[shard])['mixup_lambda']
    bad = _toy_student(0.2)
    bad.seed = 7 + rank  # a rank with another seed draws another lambda: the check raises
    try:
        bad(x[shard], dict(gt_label=y[shard]), mode='loss')
        raised = ''
    except RuntimeError as err:
        raised = str(err)
    torch.save(dict(params=[p.detach() for p in model.parameters()], lam=lam, raised=raised),
               f'{out_dir}/rank{rank}.pt')


@pytest.mark.slow
def test_two_gloo_ranks_equal_one_batch_and_share_lambda(tmp_path):
    from tests.dist_utils import spawn_gloo
    spawn_gloo(_ddp_worker, 2, str(tmp_path))
    MessageHub.get_current_instance().update_info('iter', 5)
    x, y = _toy_batch()
    single = _toy_student(None)
    _sgd_step(single, x, y)
    ranks = [torch.load(tmp_path / f'rank{r}.pt', weights_only=True) for r in range(2)]
    for r in ranks:
        for got, want in zip(r['params'], single.parameters()):
            assert_close(got, want.detach(), rtol=0, atol=1e-6)
    assert ranks[0]['lam'] == ranks[1]['lam']
    assert all('mixup lambda differs between ranks' in r['raised'] for r in ranks)
    lam, _ = sample_mixup(4, 0.2, mixup_lambda_generator(7, 5), mixup_perm_generator(7, 5, 0))
    assert_close(ranks[0]['lam'], torch.tensor(lam))
    assert not any(torch.equal(a, b.detach()) for a, b in
                   zip(ranks[0]['params'], _toy_student(None).parameters()))  # it moved


def test_mixup_off_also_switches_the_mixaug_term_off():
    """Reference difference 3 (docs/clup.md): with mixup off (alpha < 0) the reference
    trains on plain cross-entropy and skips the beta x loss term too."""
    model = _model(mixup_alpha=-1.0, mixaug_alpha=0.5)
    x = torch.randn(3, 3, 16, 16)
    y = torch.tensor([0, 2, 1])
    logits = model.head(model.backbone(x))
    assert_close(model.loss(x, dict(gt_label=y))['loss_mixup'],
                 torch.nn.functional.cross_entropy(logits, y))
