import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from torch.testing import assert_close

from basicda.losses import sinkhorn_knopp, swav_loss
from basicda.models import ImageClassifier, TimmBackbone
from basicda.ssl import SwAV, local_queue_length, push_queue, swav_collapse_stats


def _model(**kw):
    torch.manual_seed(0)
    args = dict(backbone=dict(type='TimmBackbone', name='test_resnet'), hidden_dim=16, out_dim=8,
                num_prototypes=6)
    args.update(kw)
    return SwAV(**args)


def _crops(b=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    big = [torch.randint(0, 256, (b, 3, 32, 32), generator=g, dtype=torch.uint8) for _ in range(2)]
    small = [torch.randint(0, 256, (b, 3, 16, 16), generator=g, dtype=torch.uint8)
             for _ in range(3)]
    return big + small


def _hub(epoch=0, it=0):
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', epoch)
    hub.update_info('iter', it)


def test_queue_length_and_fifo_push():
    assert local_queue_length(3840, 64, 2) == 1920
    assert local_queue_length(3840, 256, 1) == 3840
    assert local_queue_length(100, 32, 2) == 32  # 100 // 64 * 32
    q = torch.arange(8.).reshape(4, 2)
    out = push_queue(q, torch.tensor([[10., 11.]]))
    assert out.tolist() == [[10, 11], [0, 1], [2, 3], [4, 5]]  # newest first, oldest out
    with pytest.raises(ValueError, match='cannot push 5 rows into a queue of 4'):
        push_queue(q, torch.zeros(5, 2))


def test_loss_equals_the_pure_functions_and_groups_crops_by_size():
    model = _model()
    _hub()
    crops = _crops()
    z = model.embed(crops)
    assert len(z) == 5 and all(t.shape == (4, 8) for t in z)
    assert_close(z[0].norm(dim=1), torch.ones(4))
    scores = [model.prototypes(t) for t in z]
    codes = [sinkhorn_knopp(scores[a].detach(), 0.05, 3) for a in (0, 1)]
    expected = swav_loss(scores, codes, (0, 1), 0.1)
    assert_close(model(crops, mode='loss')['loss_swav'], expected)


def test_collapse_stats_worked_example_and_flat_prototypes():
    scores = [torch.tensor([[1., 0.], [1., 1.]])] * 2
    stats = swav_collapse_stats(scores, [torch.tensor([[1., 0.], [.5, .5]])], [0])
    assert_close(stats['score_std'], torch.tensor(0.5 ** 0.5 / 2))
    assert_close(stats['code_max'], torch.tensor(0.75))
    # identical prototypes: every image scores the same on all P -> flat, uniform codes
    model = _model()
    _hub()
    with torch.no_grad():
        model.prototypes.weight.copy_(model.prototypes.weight[:1].expand(6, -1))
    out = model(_crops(), mode='loss')
    assert out['score_std'] < 1e-6
    assert_close(out['code_max'], torch.tensor(1 / 6))
    assert_close(out['loss_swav'], torch.tensor(6.).log())  # the collapse sits at ln P
    # random prototypes: spread scores, codes sharper than uniform
    out = _model()(_crops(), mode='loss')
    assert out['score_std'] > 0.05 and out['code_max'] > 1 / 6 + 0.01


def test_train_step_normalises_and_freezes_prototypes():
    model = _model(freeze_prototypes_iters=1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5, weight_decay=0.1))
    data = dict(inputs=_crops())
    _hub(it=0)
    model.train_step(data, wrapper)
    unit = F.normalize(model.prototypes.weight, dim=1)
    # iteration 0 is frozen: the (normalised) prototypes did not move, the rest did
    frozen = model.prototypes.weight.detach().clone()
    assert_close(frozen.norm(dim=1), torch.ones(6))
    assert_close(frozen, unit)
    _hub(it=1)
    before_proj = model.projector[0].weight.detach().clone()
    model.train_step(data, wrapper)
    assert not torch.allclose(model.prototypes.weight, frozen)
    assert not torch.allclose(model.projector[0].weight, before_proj)


def test_queue_is_created_at_its_epoch_used_when_full_and_checkpointed():
    model = _model(queue_length=8, queue_start_epoch=1)
    _hub(epoch=0)
    assert model(_crops(), mode='loss')['queue_used'] == 0 and model.queue is None
    _hub(epoch=1)
    assert model(_crops(), mode='loss')['queue_used'] == 0  # created empty, 4 of 8 rows
    assert model.queue.shape == (2, 8, 8) and model.queue_fill == 4
    assert model(_crops(seed=1), mode='loss')['queue_used'] == 0
    assert model.queue_fill == 8
    state = model.method_state_dict()
    out = model(_crops(seed=2), mode='loss')
    assert out['queue_used'] == 1
    fresh = _model(queue_length=8, queue_start_epoch=1)
    fresh.load_state_dict(model.state_dict())
    fresh.load_method_state_dict(state)
    model.load_method_state_dict(state)
    assert_close(fresh(_crops(seed=3), mode='loss')['loss_swav'],
                 model(_crops(seed=3), mode='loss')['loss_swav'])
    with pytest.raises(ValueError, match='ranks'):
        fresh.load_method_state_dict(dict(state, world_size=2))


def test_student_loads_the_swav_backbone_strictly_and_checks_the_stem(tmp_path):
    swav = _model(backbone=dict(type='TimmBackbone', name='resnet18', stem='swav_s1'))
    path = str(tmp_path / 'swav.pth')
    torch.save(dict(state_dict=swav.state_dict(), meta=dict(arch=swav.arch_meta)), path)
    student = TimmBackbone('resnet18', stem='swav_s1', checkpoint=path)
    for key, value in student.model.state_dict().items():
        assert torch.equal(value, swav.backbone.model.state_dict()[key]), key
    with pytest.raises(ValueError, match="'stem': model has 'default', checkpoint has 'swav_s1'"):
        TimmBackbone('resnet18', stem='default', checkpoint=path)
    # solo-learn / Lightning layout: backbone.* keys, no meta
    lightning = str(tmp_path / 'solo.ckpt')
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in
                                swav.backbone.model.state_dict().items()}), lightning)
    again = TimmBackbone('resnet18', stem='swav_s1', checkpoint=lightning)
    x = torch.randn(2, 3, 32, 32)
    student.eval(), again.eval()
    assert_close(again(x), student(x), rtol=0, atol=0)


def test_student_save_and_reload_gives_identical_logits(tmp_path):
    cfg = dict(type='ImageClassifier', num_classes=7,
               backbone=dict(type='TimmBackbone', name='resnet18', stem='swav_s1'),
               head=dict(type='LinearClsHead'))
    from basicda.registry import MODELS
    torch.manual_seed(0)
    a = MODELS.build(cfg).eval()
    path = tmp_path / 's.pth'
    torch.save(a.state_dict(), path)
    b = MODELS.build(cfg).eval()
    b.load_state_dict(torch.load(path, weights_only=True), strict=True)
    x = torch.randn(2, 3, 40, 40)
    assert_close(a(x), b(x), rtol=0, atol=0)
    assert isinstance(a, ImageClassifier)


def _queue_worker(rank, world_size, out):
    model = _model(queue_length=8 * world_size, queue_start_epoch=0)
    _hub(epoch=0)
    model(_crops(seed=rank), mode='loss')  # each rank fills its own queue (4 of 8 rows)
    model.sync_method_state()  # a collective on every rank; rank 0 alone saves
    if rank == 0:
        torch.save(model.method_state_dict(), f'{out}.state')
    torch.distributed.barrier()
    fresh = _model(queue_length=8 * world_size, queue_start_epoch=0)
    fresh.load_method_state_dict(torch.load(f'{out}.state', weights_only=True))
    torch.save(dict(own=model.queue, restored=fresh.queue, fill=fresh.queue_fill),
               f'{out}.r{rank}')


@pytest.mark.slow
def test_per_rank_queues_are_gathered_for_the_checkpoint_and_resplit(tmp_path):
    from tests.dist_utils import spawn_gloo

    out = str(tmp_path / 'q')
    spawn_gloo(_queue_worker, 2, out)
    state = torch.load(f'{out}.state', weights_only=True)
    assert state['world_size'] == 2 and state['queue'].shape == (2, 2, 8, 8)
    assert not torch.equal(state['queue'][0], state['queue'][1])
    for rank in range(2):
        r = torch.load(f'{out}.r{rank}', weights_only=True)
        assert torch.equal(r['restored'], r['own']) and r['fill'] == 4
