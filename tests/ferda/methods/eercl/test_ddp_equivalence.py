"""EERCL on 2 gloo processes (B = 2 each) equals 1 process (B = 4) (docs/eercl.md §6).

BN-free toy network + frozen WN classifier, tensor data, batches fed directly: rank r
gets rows [2r, 2r + 2) of the same global batch, so the gathered order equals the
1-process order. 3 iterations with R = 2 (refreshes and prototypes at 0 and 2). Banks,
queues and prototypes equal (atol 1e-7), student parameters equal (atol 1e-6). With
``aad_world_scaling=False`` the AaD gradient is half the 1-process one (the reference).
"""
import pytest
import torch
import torch.distributed as dist
from mmengine.logging import MessageHub

from tests.dist_utils import spawn_gloo

from tests.ferda.methods.eercl.toy import batch, refresh_batches, toy_data, toy_eercl

GLOBAL_BATCHES = [[5, 1, 7, 2], [0, 3, 6, 4], [2, 7, 1, 0]]
INTERVAL = 2


def _optim(model, lr, momentum):
    from ferda.methods.eercl.optim import TrainableParamsOptimWrapperConstructor
    ctor = TrainableParamsOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=lr, momentum=momentum)))
    return ctor(model)


def _run(rank, world_size, iterations, lr, momentum, **model_kwargs):
    """Train the toy EERCL; returns (model, optional DDP wrapper)."""
    model = toy_eercl(**model_kwargs)
    views, test_view, labels = toy_data()
    model.init_banks(len(labels))
    net = model
    if world_size > 1:
        from mmengine.registry import MODEL_WRAPPERS

        from basicda.engine import ddp_wrapper_cfg
        net = MODEL_WRAPPERS.build(ddp_wrapper_cfg(dict(broadcast_buffers=False)),
                                   default_args=dict(module=model))
    optim_wrapper = _optim(model, lr, momentum)
    # the refresh loader shards without padding: rank r reads r, r + G, ...
    shard = refresh_batches(test_view, labels, range(rank, len(labels), world_size), 2)
    hub = MessageHub.get_current_instance()
    hub.update_info('max_iters', iterations)
    per_rank = 4 // world_size
    for t in range(iterations):
        hub.update_info('iter', t)
        if t % INTERVAL == 0:
            model.refresh_banks(shard, t)
        rows = GLOBAL_BATCHES[t][rank * per_rank:(rank + 1) * per_rank]
        net.train_step(batch(views, labels, rows), optim_wrapper)
    return model


def _state(model):
    state = model.method_state_dict()
    state['student'] = {k: v.detach().clone() for k, v in model.student.state_dict().items()}
    return state


def _worker(rank, world_size, out):
    scaled = _state(_run(rank, world_size, 3, lr=0.1, momentum=0.9))
    unscaled = _state(_run(rank, world_size, 1, lr=1.0, momentum=0.0,
                           pseudo_label=dict(weight=0.0), infonce=dict(weight=0.0),
                           aad=dict(world_scaling=False)))
    gathered = [None] * world_size
    dist.all_gather_object(gathered, (scaled, unscaled))
    if rank == 0:
        torch.save(gathered, out)


def _assert_method_state_equal(a, b, atol):
    for key in ('weak_bank', 'aad_bank'):
        for field in ('feat', 'prob'):
            torch.testing.assert_close(a[key]['values'][field], b[key]['values'][field],
                                       rtol=0, atol=atol, msg=f'{key}.{field}')
        assert torch.equal(a[key]['filled'], b[key]['filled'])
    for key in ('queue_weak', 'queue_strong'):
        torch.testing.assert_close(a[key]['data'], b[key]['data'], rtol=0, atol=atol, msg=key)
        assert (a[key]['ptr'], a[key]['valid']) == (b[key]['ptr'], b[key]['valid'])
    torch.testing.assert_close(a['prototypes'], b['prototypes'], rtol=0, atol=atol)
    assert torch.equal(a['prototype_valid'], b['prototype_valid'])
    assert a['last_refresh'] == b['last_refresh'] == 2 or a['last_refresh'] == b['last_refresh']


@pytest.mark.slow
def test_two_gloo_processes_match_one(tmp_path):
    single = _state(_run(0, 1, 3, lr=0.1, momentum=0.9))
    initial = dict(student=toy_eercl().student.state_dict())
    single_unscaled = _state(_run(0, 1, 1, lr=1.0, momentum=0.0, pseudo_label=dict(weight=0.0),
                                  infonce=dict(weight=0.0), aad=dict(world_scaling=False)))
    out = str(tmp_path / 'ddp.pth')
    spawn_gloo(_worker, 2, out)
    gathered = torch.load(out, weights_only=False)
    for rank, (scaled, unscaled) in enumerate(gathered):
        # every rank holds the same replicas as the single process
        _assert_method_state_equal(scaled, single, atol=1e-7)
        assert scaled['last_refresh'] == 2
        for key, value in single['student'].items():
            torch.testing.assert_close(scaled['student'][key], value, rtol=0, atol=1e-6,
                                       msg=f'rank {rank}: {key}')
        # reference scaling: the AaD step (plain SGD, lr 1) is half the 1-process one
        for key, value in single_unscaled['student'].items():
            if 'backbone' not in key:
                continue
            step_one = value - initial['student'][key]
            step_two = unscaled['student'][key] - initial['student'][key]
            assert step_one.abs().max() > 1e-4, key
            torch.testing.assert_close(step_two, 0.5 * step_one, rtol=0, atol=1e-7, msg=key)
