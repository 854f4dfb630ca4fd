"""SimCLR pre-training: negatives from all ranks (2 gloo processes == 1 process with the
whole batch, loss and gradients), the view ids, the exported encoder and its loading."""
import os.path as osp

import pytest
import torch
import torch.distributed as dist

from basicda.engine.hooks import encoder_file_state
from basicda.engine.loops.active_learning_loop import load_encoder
from basicda.losses import supcon_loss
from basicda.models.backbones import TimmBackbone
from basicda.ssl import SimCLR, view_ids
from tests.dist_utils import spawn_gloo
from tests.hooks import ToyConvBackbone  # noqa: F401  (registers the BN-free backbone)

N_IMAGES = 8


def _model():
    torch.manual_seed(0)
    return SimCLR(backbone=dict(type='ToyConvBackbone', out_dim=16, width=8), hidden_dim=16,
                  out_dim=8)


def _views():
    gen = torch.Generator().manual_seed(1)
    return [torch.randint(0, 256, (N_IMAGES, 3, 12, 12), generator=gen, dtype=torch.uint8)
            for _ in range(2)]


def _loss_and_grads(model, views):
    loss = model.loss(views)['loss_simclr']
    loss.backward()
    return loss.detach(), {k: p.grad.clone() for k, p in model.named_parameters()}


def _rank_fn(rank, world_size, split, out_path):
    model, views = _model(), _views()
    start = sum(split[:rank])
    local = [v[start:start + split[rank]] for v in views]
    loss, grads = _loss_and_grads(model, local)
    # what DDP does: average the parameter gradients (and we average the logged loss)
    dist.all_reduce(loss)
    for g in grads.values():
        dist.all_reduce(g)
        g /= world_size
    if rank == 0:
        torch.save(dict(loss=loss / world_size, grads=grads), out_path)


def test_view_ids_worked_example():
    assert view_ids(3, 2, offset=10).tolist() == [10, 11, 12, 10, 11, 12]


def test_one_process_loss_is_supcon_loss_of_the_views():
    model, views = _model(), _views()
    z = model.embed(views)
    expected = supcon_loss(z, view_ids(N_IMAGES, 2), 0.1, 0.07)
    assert torch.allclose(model.loss(views)['loss_simclr'], expected, rtol=0, atol=0)


@pytest.mark.parametrize('split', [(4, 4), (3, 5)])
def test_two_processes_equal_one_with_the_whole_batch(tmp_path, split):
    single_loss, single_grads = _loss_and_grads(_model(), _views())
    out = str(tmp_path / 'ddp.pth')
    spawn_gloo(_rank_fn, 2, split, out)
    ddp = torch.load(out)
    torch.testing.assert_close(ddp['loss'], single_loss, rtol=0, atol=1e-6)
    for key, grad in single_grads.items():
        torch.testing.assert_close(ddp['grads'][key], grad, rtol=0, atol=1e-6,
                                   msg=f'gradient of {key} differs')


def test_supcon_reads_labels_and_simclr_does_not():
    views = _views()
    simclr = _model()
    assert torch.isfinite(simclr.loss(views, data_samples=None)['loss_simclr'])
    torch.manual_seed(0)
    supcon = SimCLR(backbone=dict(type='ToyConvBackbone', out_dim=16, width=8), hidden_dim=16,
                    out_dim=8, pretrain_method='supcon')
    with pytest.raises((KeyError, ValueError), match='gt_label'):
        supcon.loss(views, data_samples={})
    labels = torch.tensor([0, 1, 0, 1, 2, 2, 3, 3])
    z = supcon.embed(views)
    torch.testing.assert_close(supcon.loss(views, dict(gt_label=labels))['loss_simclr'],
                               supcon_loss(z, labels.repeat(2), 0.1, 0.07), rtol=0, atol=0)
    with pytest.raises(ValueError, match='pretrain_method must be one of'):
        SimCLR(backbone=dict(type='ToyConvBackbone'), pretrain_method='byol')


def test_exported_encoder_loads_strictly_and_checks_the_stem(tmp_path):
    model = SimCLR(backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False,
                                 stem='cifar'))
    path = str(tmp_path / 'encoder.pth')
    torch.save(encoder_file_state(model, 5, 100), path)
    saved = torch.load(path)
    assert not any(k.startswith(('projection', 'backbone.')) for k in saved['state_dict'])
    target = TimmBackbone('resnet18', pretrained=False, stem='cifar')
    load_encoder(target, path)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key
    other = TimmBackbone('resnet18', pretrained=False, stem='default')
    with pytest.raises(ValueError, match=r"encoder.pth: .*'stem'"):
        load_encoder(other, path)
    assert osp.isfile(path)


def test_pretrain_size_resizes_the_views_before_the_backbone():
    views = _views()
    torch.manual_seed(0)
    small = SimCLR(backbone=dict(type='ToyConvBackbone', out_dim=16, width=8), hidden_dim=16,
                   out_dim=8, pretrain_size=8)
    resized = [torch.nn.functional.interpolate(v.float(), size=(8, 8), mode='bilinear',
                                               align_corners=False, antialias=True)
               for v in views]
    x = (torch.cat(resized) - 127.5) / 51.0
    expected = torch.nn.functional.normalize(small.projection(small.backbone(x)), dim=1)
    torch.testing.assert_close(small.embed(views), expected, rtol=0, atol=0)
    assert not torch.allclose(_model().embed(views), small.embed(views))
    with pytest.raises(ValueError, match='pretrain_size must be >= 1'):
        SimCLR(backbone=dict(type='ToyConvBackbone'), pretrain_size=0)
