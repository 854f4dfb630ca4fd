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
