"""EERCL glue: construction, the iteration order of train_step, relation-matrix checks,
method-state round trip, source checkpoint loading, the optimiser constructor, and the
multi-view dataset with per-sample seeds."""
import random

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from basicda.losses.relation import relation_matrix
from basicda.models.mean_teacher import make_teacher
from tests.ferda.methods.eercl.toy import (batch, refresh_batches, toy_classifier, toy_data,
                                           toy_eercl)


def _optim(model, lr=0.1, momentum=0.9):
    from ferda.methods.eercl.optim import TrainableParamsOptimWrapperConstructor
    ctor = TrainableParamsOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=lr, momentum=momentum)))
    return ctor(model)


def _ready(model, views, test_view, labels):
    model.init_banks(len(labels))
    model.refresh_banks(refresh_batches(test_view, labels, range(len(labels))), 0)


def test_classifier_frozen_and_left_out_of_the_optimiser():
    model = toy_eercl()
    assert not any(p.requires_grad for p in model.student.head.fc.parameters())
    assert not any(p.requires_grad for p in model.teacher.parameters())
    wrapper = _optim(model)
    in_optimiser = {id(p) for g in wrapper.optimizer.param_groups for p in g['params']}
    trainable = {id(p) for p in model.student.backbone.parameters()}
    assert in_optimiser == trainable


def test_frozen_parameters_give_one_log_line_not_one_warning_each():
    import logging

    from mmengine.logging import MMLogger

    from ferda.methods.eercl.optim import TrainableParamsOptimWrapperConstructor
    model = toy_eercl()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:  # a paramwise_cfg makes mmengine walk the modules and warn per frozen parameter
        TrainableParamsOptimWrapperConstructor(
            dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
            dict(custom_keys={'student.head': dict(lr_mult=10.0)}))(model)
    finally:
        logger.removeHandler(handler)
    messages = [r.getMessage() for r in records if 'requires_grad=False' in r.getMessage()]
    frozen = sum(1 for p in model.parameters() if not p.requires_grad)
    assert frozen > 1
    assert messages == [f'TrainableParamsOptimWrapperConstructor: {frozen} parameter tensor(s) '
                        'with requires_grad=False (frozen classifier, EMA teacher) are left out '
                        'of the optimiser']


def test_relation_matrices_built_from_the_frozen_classifier():
    model = toy_eercl(pseudo_label=dict(alpha=0.5))
    v = model.student.head.fc.parametrizations.weight.original1
    torch.testing.assert_close(model.relation_cls, relation_matrix(v, 0.5))
    torch.testing.assert_close(model.relation_inst, relation_matrix(v, 1.0))
    torch.testing.assert_close(model.relation_cls, model.relation_cls.t())
    assert torch.equal(model.relation_cls.diagonal(), torch.ones(3))


def test_relation_matrix_checked_on_load():
    model = toy_eercl()
    state = model.state_dict()
    fresh = toy_eercl()
    fresh.load_state_dict(state)  # consistent: loads
    torch.testing.assert_close(fresh.relation_cls, model.relation_cls)
    bad = dict(state, relation_cls=state['relation_cls'] * 0.5 + 0.5 * torch.eye(3))
    with pytest.raises(ValueError, match='relation_cls differs'):
        toy_eercl().load_state_dict(bad)
    other = dict(state)  # a classifier that does not match the stored S
    key = 'student.head.fc.parametrizations.weight.original1'
    other[key] = torch.randn_like(state[key])
    with pytest.raises(ValueError, match='recomputed'):
        toy_eercl().load_state_dict(other)


def test_train_step_order_ema_bank_queue():
    model = toy_eercl()
    views, test_view, labels = toy_data()
    _ready(model, views, test_view, labels)
    assert bool(model.aad_bank.filled.all()) and bool(model.weak_bank.filled.all())
    teacher0 = {k: v.clone() for k, v in model.teacher.named_parameters()}
    student0 = {k: v.clone() for k, v in model.student.named_parameters()}
    MessageHub.get_current_instance().update_info('iter', 0)
    MessageHub.get_current_instance().update_info('max_iters', 3)
    data = batch(views, labels, [5, 1, 7, 2])
    log = model.train_step(data, _optim(model))
    assert {'loss', 'loss_aad', 'loss_fix', 'loss_nce', 'aad/att', 'aad/dis', 'aad/att_ref',
            'diag/mask_ratio', 'diag/cluster_label_acc', 'diag/teacher_acc'} <= set(log)
    # 2. EMA before the forward: the teacher moved towards the *pre-step* student
    for name, xi in model.teacher.named_parameters():
        torch.testing.assert_close(xi, teacher0[name].lerp(student0[name], 0.01))
    # 4. the AaD bank rows of the batch hold the train-mode teacher's weak outputs
    teacher = make_teacher(model.student)
    teacher.load_state_dict(model.teacher.state_dict())
    with torch.no_grad():
        z = teacher.extract_feat(views[[5, 1, 7, 2], 2])
        q = teacher.head.fc(z).softmax(1)
    torch.testing.assert_close(model.aad_bank.get('prob')[[5, 1, 7, 2]], q)
    torch.testing.assert_close(model.aad_bank.get('feat')[[5, 1, 7, 2]],
                               torch.nn.functional.normalize(z, dim=1))
    # 7. enqueue after the step: teacher weak into Q_w, teacher strong-1 into Q_s
    assert model.queue_weak.valid == 4 and model.queue_strong.valid == 4
    torch.testing.assert_close(model.queue_weak.data[:4], q)
    # the classifier is constant: S stays valid
    torch.testing.assert_close(model.relation_cls, relation_matrix(
        model.student.head.fc.parametrizations.weight.original1, 1.0))


def test_aad_only_gradient_matches_the_loss_function():
    """With lambda_fix = lambda_nce = 0 the update is plain SGD on the AaD objective."""
    from basicda.losses.aad import aad_loss

    model = toy_eercl(pseudo_label=dict(weight=0.0), infonce=dict(weight=0.0))
    views, test_view, labels = toy_data()
    _ready(model, views, test_view, labels)
    index = [0, 3, 4, 6]
    expected = make_teacher(model.student)
    expected.load_state_dict(model.student.state_dict())
    for p in expected.backbone.parameters():
        p.requires_grad_(True)
    model.train_step(batch(views, labels, index), _optim(model, lr=1.0, momentum=0.0))
    # recompute the objective by hand from the post-update bank (it was updated before)
    bank_feat, bank_prob = model.aad_bank.get('feat'), model.aad_bank.get('prob')
    query = bank_feat[index]
    scores = query @ bank_feat.t()
    scores[torch.arange(4), torch.tensor(index)] = float('-inf')
    neighbours = scores.topk(2, dim=1).indices
    p = expected.head.fc(expected.extract_feat(views[index, 2])).softmax(1)
    loss, *_ = aad_loss(p, bank_prob[neighbours], 1.0)
    loss.backward()
    for name, param in expected.backbone.named_parameters():
        updated = dict(model.student.backbone.named_parameters())[name]
        torch.testing.assert_close(updated, param.detach() - param.grad, rtol=0, atol=1e-6)


def test_method_state_round_trip():
    model = toy_eercl()
    views, test_view, labels = toy_data()
    _ready(model, views, test_view, labels)
    model.train_step(batch(views, labels, [0, 1, 2, 3]), _optim(model))
    state = model.method_state_dict()
    other = toy_eercl()
    other.init_banks(len(labels))
    other.load_method_state_dict(state)
    again = other.method_state_dict()
    assert again['last_refresh'] == 0 and again['aad_bank_initialised']
    for key in ('weak_bank', 'aad_bank'):
        for field in ('feat', 'prob'):
            assert torch.equal(again[key]['values'][field], state[key]['values'][field])
        assert torch.equal(again[key]['filled'], state[key]['filled'])
    for key in ('queue_weak', 'queue_strong'):
        assert torch.equal(again[key]['data'], state[key]['data'])
        assert again[key]['ptr'] == state[key]['ptr'] and again[key]['valid'] == state[key]['valid']
    assert torch.equal(again['prototypes'], state['prototypes'])
    with pytest.raises(KeyError, match='expected keys'):
        other.load_method_state_dict({k: v for k, v in state.items() if k != 'prototypes'})


def test_train_step_needs_a_refresh_first():
    model = toy_eercl()
    views, _, labels = toy_data()
    model.init_banks(len(labels))
    with pytest.raises(RuntimeError, match='BankRefreshHook'):
        model.train_step(batch(views, labels, [0, 1]), _optim(model))


def test_unknown_option_fails_at_build():
    with pytest.raises(KeyError, match='unknown keys'):
        toy_eercl(aad=dict(k=3))
    with pytest.raises(ValueError, match='self_exclusion'):
        toy_eercl(aad=dict(self_exclusion='first'))


def test_source_checkpoint_loads_into_student_and_teacher_and_checks_the_arch(tmp_path):
    import ferda.methods  # noqa: F401
    from ferda.registry import MODELS

    torch.manual_seed(3)
    source = MODELS.build(toy_classifier())
    path = str(tmp_path / 'source.pth')
    torch.save(dict(state_dict=source.state_dict(), meta=dict(arch=source.arch_meta)), path)
    model = toy_eercl(source_checkpoint=path)
    for name, value in source.state_dict().items():
        torch.testing.assert_close(model.student.state_dict()[name], value, rtol=0, atol=0)
        torch.testing.assert_close(model.teacher.state_dict()[name], value, rtol=0, atol=0)
    torch.testing.assert_close(model.relation_cls, relation_matrix(
        source.head.fc.parametrizations.weight.original1))

    wrong = dict(source.arch_meta, backbone='resnet18')
    torch.save(dict(state_dict=source.state_dict(), meta=dict(arch=wrong)), path)
    with pytest.raises(ValueError, match="'backbone'"):
        toy_eercl(source_checkpoint=path)
    torch.save(dict(state_dict=source.state_dict()), path)
    with pytest.raises(KeyError, match='arch'):
        toy_eercl(source_checkpoint=path)


def test_reference_switches_change_the_behaviour():
    views, test_view, labels = toy_data()
    drop = toy_eercl(aad=dict(self_exclusion='drop_first'))
    _ready(drop, views, test_view, labels)
    own = toy_eercl()
    _ready(own, views, test_view, labels)
    query, index = own.aad_bank.get('feat')[:4], torch.arange(4)
    # with every row distinct the first of the top K + 1 is the row itself: same answer
    torch.testing.assert_close(drop._neighbour_scores(query, index),
                               own._neighbour_scores(query, index))
    randn = toy_eercl(infonce=dict(queue_init='randn'))
    assert randn.queue_weak.valid == randn.queue_weak.size


# --------------------------------------------------------------- multi-view data
class _Images(torch.utils.data.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, index):
        image = torch.full((3, 8, 8), index * 10, dtype=torch.uint8)
        return dict(inputs=image, data_samples=dict(sample_idx=index, gt_label=index % 3))


_JITTER = [dict(type='TVRandomResizedCrop', size=6, scale=(0.3, 1.0), antialias=True),
           dict(type='TVRandRangeAug', num_ops=2)]


def test_multi_view_dataset_seeded_views_do_not_move_the_global_rng():
    from basicda.datasets.multi_view import MultiViewDataset, SeededAugSampler, sample_seed

    dataset = MultiViewDataset(_Images(), views=[_JITTER, _JITTER, [dict(type='TVCenterCrop',
                                                                         size=6)]],
                               view_names=['strong1', 'strong2', 'weak'])
    sampler = SeededAugSampler(dataset, shuffle=True, seed=4)
    sampler.set_epoch(2)
    keys = list(sampler)
    assert sorted(k[0] for k in keys) == list(range(10))
    assert keys[0][1] == sample_seed(4, 2, keys[0][0])
    state = (torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())
    first = [dataset[k]['inputs'] for k in keys]
    assert torch.equal(torch.get_rng_state(), state[0])
    assert np.array_equal(np.random.get_state()[1], state[1]) and random.getstate() == state[2]
    # the same key gives the same views in any order
    again = [dataset[k]['inputs'] for k in reversed(keys)][::-1]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert first[0].shape == (3, 3, 6, 6)
    assert dataset[keys[0]]['data_samples']['sample_idx'] == keys[0][0]
    # another epoch: other augmentations of the same images
    later = [dataset[(k[0], sample_seed(4, 3, k[0]))]['inputs'] for k in keys]
    assert any(not torch.equal(a, b) for a, b in zip(first, later))
    weak = dataset.single_view('weak')
    assert torch.equal(weak[3]['inputs'], dataset[3]['inputs'][2])
    with pytest.raises(KeyError, match='no view'):
        dataset.single_view('strong3')


@pytest.mark.parametrize('options', [
    dict(aad=dict(self_exclusion='drop_first', world_scaling=False)),
    dict(pseudo_label=dict(empty_prototype='zero', loss_type='orig', use_cluster_label=False)),
    dict(infonce=dict(queue_init='randn', queue_overflow='drop')),
    dict(aad=dict(beta=5.0)),
], ids=['aad-reference', 'pseudo-label-options', 'queue-reference', 'beta'])
def test_every_switch_trains(options):
    model = toy_eercl(**options)
    views, test_view, labels = toy_data()
    _ready(model, views, test_view, labels)
    MessageHub.get_current_instance().update_info('iter', 1)
    MessageHub.get_current_instance().update_info('max_iters', 2)
    for rows in ([0, 1, 2, 3], [4, 5, 6, 7]):
        log = model.train_step(batch(views, labels, rows), _optim(model))
        assert torch.isfinite(log['loss'])
    if options.get('infonce', {}).get('queue_overflow') == 'drop':
        assert model.queue_weak.ptr == 0 and model.queue_weak.valid == 6  # 8 rows into 6


def test_refresh_fills_every_row_or_keeps_noise_with_drop_last():
    views, test_view, labels = toy_data()
    model = toy_eercl()
    model.init_banks(len(labels))
    partial = refresh_batches(test_view, labels, range(6))  # rows 6, 7 never seen
    with pytest.raises(RuntimeError, match='never written'):
        model.refresh_banks(partial, 0)
    reference = toy_eercl()
    reference.init_banks(len(labels))
    reference.refresh_banks(partial, 0, allow_missing=True)
    noise = reference.aad_bank.get('feat')[6:]
    assert noise.norm(dim=1).min() > 0 and not torch.allclose(noise.norm(dim=1), torch.ones(2))
    torch.testing.assert_close(reference.aad_bank.get('feat')[:6].norm(dim=1), torch.ones(6))


def test_method_state_is_buffers_that_follow_the_module_but_not_its_state_dict():
    model = toy_eercl()  # num_samples unknown: the banks exist with 0 rows
    views, test_view, labels = toy_data()
    assert model.weak_bank.get('feat').shape == (0, model.feature_dim)
    assert not any(k.split('.')[0] in ('weak_bank', 'aad_bank', 'queue_weak', 'queue_strong',
                                       'prototypes', 'prototype_valid')
                   for k in model.state_dict())
    _ready(model, views, test_view, labels)
    state = model.method_state_dict()
    model.double()  # a device or dtype move reaches every piece of method state
    for tensor in (model.weak_bank.get('feat'), model.aad_bank.get('prob'), model.prototypes,
                   model.queue_weak.data, model.queue_strong.data):
        assert tensor.dtype == torch.float64
    # a model built without num_samples (a test-only run) is sized by the loaded state
    fresh = toy_eercl()
    fresh.load_method_state_dict(state)
    assert fresh.num_samples == len(labels)
    assert torch.equal(fresh.aad_bank.get('feat'), state['aad_bank']['values']['feat'])
