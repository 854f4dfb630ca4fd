"""The active-learning run's pieces: selection identical with 1 and 2 processes (a pool
of 37 forces uneven shards), the pool dataset reading labels only on selection, BALD's
refusal of a dropout-free head, encoder key normalisation, re-initialisation, and
``bald_compat='reference'`` (train-mode BALD, docs/active-learning.md §8.1)."""
import copy
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler, default_collate
from torch.utils.data import DataLoader, Dataset

from basicda.active import AL_STRATEGIES, LabelPool, bald_scores, initial_set
from basicda.datasets import ActivePoolDataset
from basicda.engine.loops.active_learning_loop import (acquire, check_strategy_head,
                                                       load_encoder, normalise_encoder_keys,
                                                       pool_inputs, reset_parameters)
from basicda.models.heads import LinearClsHead
from basicda.registry import DATASETS, MODELS
from tests.dist_utils import spawn_gloo

N_POOL, N_INIT, B, SEED_R = 37, 5, 4, 1234


class ToyImages(Dataset):
    """N seeded 3x12x12 uint8 images; data_samples carry the pool index."""

    def __init__(self, n=N_POOL):
        g = torch.Generator().manual_seed(7)
        self.images = torch.randint(0, 256, (n, 3, 12, 12), generator=g, dtype=torch.uint8)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return dict(inputs=self.images[i], data_samples=dict(sample_idx=i))


def _model():
    import tests.hooks  # noqa: F401  (registers ToyConvBackbone)
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ImageClassifier', num_classes=7,
        backbone=dict(type='ToyConvBackbone', out_dim=16, width=8),
        head=dict(type='LinearClsHead', dropout=0.5),
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[127.5] * 3, std=[51.0] * 3)))


def _select_all(batch_size=5):
    """Every strategy's (chosen, scores, labelled after) on this process group."""
    model = _model()
    data = ToyImages()
    loader = DataLoader(data, batch_size=batch_size, collate_fn=default_collate,
                        sampler=DefaultSampler(data, shuffle=False, round_up=False))
    out = {}
    for name in sorted(AL_STRATEGIES.module_dict):
        pool = LabelPool(N_POOL, initial_set(N_POOL, N_INIT, 0))
        chosen, scores = acquire(model, loader, pool, name, B, SEED_R, mc_passes=4,
                                 dropout_p=0.5)
        out[name] = dict(chosen=np.asarray(chosen).tolist(),
                         scores=[repr(float(s)) for s in scores],
                         labelled=pool.labelled.tolist())
    return out


def _worker(rank, world_size, folder):
    with open(osp.join(folder, f'rank{rank}.json'), 'w') as f:
        json.dump(_select_all(batch_size=3), f)
    _reference_worker(rank, folder)


@pytest.mark.slow
def test_selection_is_identical_with_one_and_two_processes(tmp_path):
    """Every strategy, 1 vs 2 gloo processes; the same spawn also runs bald_compat=
    'reference' on 2 processes (:func:`_check_reference_two_processes`)."""
    single = _select_all()
    assert set(single) == {'random', 'entropy', 'margin', 'least_confidence', 'coreset',
                           'badge', 'bald'}
    spawn_gloo(_worker, 2, str(tmp_path))
    for rank in range(2):
        with open(tmp_path / f'rank{rank}.json') as f:
            _assert_same_selection(json.load(f), single)
    for name, res in single.items():
        assert len(res['chosen']) == B and len(res['labelled']) == N_INIT + B, name
    _check_reference_two_processes(tmp_path)


def _assert_same_selection(found, expected):
    """Same indices, in the same order, on every strategy; scores equal up to the float32
    noise of a convolution run on other batch compositions (the features, not the
    selection arithmetic, see the module docstring of basicda.ops.embed)."""
    assert set(found) == set(expected)
    for name in expected:
        assert found[name]['chosen'] == expected[name]['chosen'], name
        assert found[name]['labelled'] == expected[name]['labelled'], name
        np.testing.assert_allclose(np.array(found[name]['scores'], float),
                                   np.array(expected[name]['scores'], float), rtol=1e-5,
                                   atol=1e-7, err_msg=name)


def test_selection_does_not_depend_on_the_batch_size():
    _assert_same_selection(_select_all(batch_size=2), _select_all(batch_size=37))


@DATASETS.register_module(force=True)
class CountingPool(Dataset):
    """A pool whose records count how often their label is read."""

    class Record:
        def __init__(self, i, reads):
            self.sample_id, self._i, self._reads = f's{i:02d}', i, reads

        @property
        def label(self):
            self._reads.append(self._i)
            return self._i % 3

    def __init__(self, n=6, with_label=True):
        self.with_label = with_label
        self.reads = []
        self.records = [self.Record(i, self.reads) for i in range(n)]

    def __len__(self):
        return len(self.records)

    def __getitem__(self, i):
        return dict(inputs=torch.zeros(1), data_samples=dict(sample_idx=i))


def test_pool_dataset_reads_a_label_only_when_selected():
    ds = ActivePoolDataset(dict(type='CountingPool', n=6))
    assert ds.dataset.with_label is False  # the pool itself is built unlabelled
    assert len(ds) == 0 and ds.dataset.reads == []
    ds.apply_selection(dict(labelled=[4, 1]))
    assert sorted(ds.dataset.reads) == [1, 4]
    ds.apply_selection(dict(labelled=[1, 4, 5]))
    assert sorted(ds.dataset.reads) == [1, 4, 5]  # earlier labels are not read again
    assert len(ds) == 3
    item = ds[2]['data_samples']
    assert item['sample_idx'] == 5 and item['gt_label'] == 5 % 3
    assert ds.sample_ids == [f's{i:02d}' for i in range(6)]
    with pytest.raises(ValueError, match='labelled twice'):
        ds.apply_selection(dict(labelled=[1, 1]))
    with pytest.raises(ValueError, match=r'must be in \[0, 6\)'):
        ds.apply_selection(dict(labelled=[6]))


def test_bald_refuses_a_head_without_dropout():
    with pytest.raises(ValueError, match="strategy='bald' needs a head with dropout"):
        check_strategy_head('bald', LinearClsHead(8, 3))
    assert check_strategy_head('bald', LinearClsHead(8, 3, dropout=0.5)) == 0.5
    assert check_strategy_head('margin', LinearClsHead(8, 3)) == 0.0
    with pytest.raises(ValueError, match=r'dropout must be in \[0, 1\)'):
        LinearClsHead(8, 3, dropout=1.0)


def test_head_dropout_is_active_in_training_only():
    head = LinearClsHead(8, 3, dropout=0.5)
    x = torch.ones(4, 8)
    head.eval()
    assert torch.equal(head(x), head.fc(x))
    head.train()
    torch.manual_seed(0)
    assert not torch.equal(head(x), head.fc(x))
    assert set(head.state_dict()) == set(LinearClsHead(8, 3).state_dict())


def test_normalise_encoder_keys():
    t = torch.zeros(1)
    state = {'module.encoder.conv1.weight': t, 'backbone.fc.bias': t, 'layer1.0.bn1.weight': t,
             'module.projection.0.weight': t, 'head.fc.weight': t}
    assert sorted(normalise_encoder_keys(state)) == ['conv1.weight', 'fc.bias',
                                                     'layer1.0.bn1.weight']


def test_reset_parameters_is_seeded_and_refuses_weight_norm():
    a, b = LinearClsHead(8, 3), LinearClsHead(8, 3)
    torch.manual_seed(5)
    reset_parameters(a)
    torch.manual_seed(5)
    reset_parameters(b)
    assert torch.equal(a.fc.weight, b.fc.weight)
    before = a.fc.weight.clone()
    reset_parameters(a)
    assert not torch.equal(a.fc.weight, before)
    with pytest.raises(ValueError, match='weight_norm=False'):
        reset_parameters(LinearClsHead(8, 3, weight_norm=True))


def test_load_encoder_strict(tmp_path):
    src, dst = _model().backbone, _model().backbone
    torch.manual_seed(3)
    reset_parameters(src)
    state = {f'module.encoder.{k}': v for k, v in src.state_dict().items()}
    state['module.projection.0.weight'] = torch.zeros(2, 2)  # SimCLR's projection: dropped
    path = str(tmp_path / 'encoder.pth')
    torch.save(state, path)
    load_encoder(dst, path)
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v), k
    missing = dict(state)
    del missing['module.encoder.net.0.weight']
    torch.save(missing, path)
    with pytest.raises(ValueError, match=r'(?s)encoder.pth does not fit model.backbone.*Missing.*net.0.weight'):
        load_encoder(dst, path)


def test_selection_loader_cfg_switch():
    from basicda.engine.loops.active_learning_loop import selection_loader_cfg

    train_pipeline = [dict(type='TVRandomCrop', size=48, padding=4)]
    pool = dict(batch_size=8, dataset=dict(type='FaceDataset', reader=dict(type='R'),
                                           pipeline=[]))
    train = dict(dataset=dict(type='ActivePoolDataset', dataset=dict(
        type='FaceDataset', reader=dict(type='R'), pipeline=train_pipeline)))
    assert selection_loader_cfg(pool, train) is pool  # default: un-augmented views
    out = selection_loader_cfg(pool, train, 'train')
    assert out['dataset']['pipeline'] == train_pipeline and out['batch_size'] == 8
    assert pool['dataset']['pipeline'] == []  # the config is not changed in place
    with pytest.raises(ValueError, match="selection_transform must be one of"):
        selection_loader_cfg(pool, train, 'augmented')
    with pytest.raises(KeyError, match='train_dataloader.dataset.dataset.pipeline'):
        selection_loader_cfg(pool, dict(dataset=dict(type='FaceDataset')), 'train')


# -- bald_compat='reference' (docs/active-learning.md §8): the reference's train-mode BALD --


@MODELS.register_module(force=True)
class ToyBNBackbone(torch.nn.Module):
    """conv -> BatchNorm -> ReLU -> mean pool: (B, 3, H, W) -> (B, width), with BN
    running statistics to watch."""

    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(3, width, 3, stride=2, padding=1), torch.nn.BatchNorm2d(width),
            torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
        self.out_dim = width

    def forward(self, x):
        return self.net(x)


def _bn_model(dropout):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ImageClassifier', num_classes=3,
        backbone=dict(type='ToyBNBackbone', width=4),
        head=dict(type='LinearClsHead', dropout=dropout),
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[127.5] * 3, std=[51.0] * 3)))


def _pool_loader(n=10, batch_size=4):
    data = ToyImages(n)
    return DataLoader(data, batch_size=batch_size, collate_fn=default_collate,
                      sampler=DefaultSampler(data, shuffle=False, round_up=False))


def _bn_buffers(model):
    return {k: v.clone() for k, v in model.state_dict().items() if 'net.1.' in k}


def test_bald_compat_unknown_value_is_refused_naming_the_key():
    head = LinearClsHead(8, 3, dropout=0.5)
    with pytest.raises(ValueError, match=r"train_cfg\.bald_compat must be one of .*'refrence'"):
        check_strategy_head('bald', head, bald_compat='refrence')
    with pytest.raises(ValueError, match=r'train_cfg\.bald_compat'):
        check_strategy_head('margin', head, bald_compat='ours')


def test_bald_compat_reference_accepts_a_dropout_free_head_the_default_refuses():
    with pytest.raises(ValueError, match="strategy='bald' needs a head with dropout"):
        check_strategy_head('bald', LinearClsHead(8, 3))
    with pytest.raises(ValueError, match="strategy='bald' needs a head with dropout"):
        check_strategy_head('bald', LinearClsHead(8, 3), bald_compat=None)
    assert check_strategy_head('bald', LinearClsHead(8, 3), bald_compat='reference') == 0.0


@pytest.mark.parametrize('bald_compat', [None, 'reference'])
def test_bald_selection_changes_bn_running_stats_only_under_reference(bald_compat):
    """Default: BN in eval mode, buffers untouched. 'reference': T train-mode passes over
    the pool, so the buffers equal those of a copy that ran the same T x batches
    train-mode forwards (an independent replay); the model's mode is restored."""
    model, loader = _bn_model(0.5), _pool_loader()
    replay = copy.deepcopy(model)
    before = _bn_buffers(model)
    model.eval()
    pool = LabelPool(10, [0, 5])
    acquire(model, loader, pool, 'bald', 2, SEED_R, mc_passes=3, dropout_p=0.5,
            bald_compat=bald_compat)
    assert not model.training
    after = _bn_buffers(model)
    if bald_compat is None:
        for k in before:
            assert torch.equal(after[k], before[k]), k
        return
    assert int(after['backbone.net.1.num_batches_tracked']) == 3 * 3  # 3 passes x 3 batches
    assert not torch.equal(after['backbone.net.1.running_mean'],
                           before['backbone.net.1.running_mean'])
    replay.train()
    with torch.no_grad():
        for _ in range(3):
            for batch in loader:
                replay.backbone(replay.data_preprocessor(batch, False)['inputs'])
    for k, v in _bn_buffers(replay).items():
        torch.testing.assert_close(after[k], v, rtol=0, atol=1e-6, msg=k)


def test_bald_compat_reference_without_dropout_gives_zero_mutual_information():
    """p_head = 0 under 'reference': each pass is a train-mode forward of the same
    batches, so all T passes give the same p (checked against a hand replay, batch by
    batch, of the train-mode network) and the score H(mean p) - mean H(p) = H(p) - H(p)
    is 0 up to float rounding. The default refuses this head."""
    model, loader = _bn_model(0.0), _pool_loader()
    replay = copy.deepcopy(model).train()
    model.eval()  # the passes must switch to train mode themselves
    pool = LabelPool(10, [0, 5])
    inputs = pool_inputs(model, loader, pool, 'bald', SEED_R, mc_passes=4,
                         bald_compat='reference')
    mc = inputs['mc_prob']
    assert mc.shape == (4, 8, 3)
    for t in range(1, 4):
        np.testing.assert_array_equal(mc[t], mc[0])
    with torch.no_grad():
        rows = [torch.softmax(replay(replay.data_preprocessor(batch, False)['inputs'],
                                     mode='tensor').double(), 1) for batch in loader]
    np.testing.assert_allclose(mc[0], torch.cat(rows).numpy()[pool.unlabelled], atol=1e-6)
    # train mode: batch statistics, not the eval-mode probabilities
    assert np.abs(mc[0] - inputs['prob']).max() > 1e-3
    assert np.abs(bald_scores(mc)).max() < 1e-12
    with pytest.raises(ValueError, match="strategy='bald' needs a head with dropout"):
        check_strategy_head('bald', model.head)


def test_bald_compat_reference_is_seeded_and_leaves_the_rng_alone():
    """With a dropout head the train-mode passes differ (torch's dropout, seeded per
    pass from the round seed): the same round seed gives the same passes, another seed
    others. The passes draw nothing from the caller's torch RNG: it ends as after the
    default path (whose one eval pass's DataLoader draws a seed in both)."""
    def mc(seed_r, model=None):
        return pool_inputs(model or _bn_model(0.5), _pool_loader(), LabelPool(10, [0, 5]),
                           'bald', seed_r, mc_passes=3, bald_compat='reference')['mc_prob']
    a = mc(SEED_R)
    np.testing.assert_array_equal(mc(SEED_R), a)
    assert np.abs(mc(SEED_R + 1) - a).max() > 1e-6
    assert np.abs(a[1] - a[0]).max() > 1e-6  # dropout differs between passes
    states = []
    for compat in (None, 'reference'):
        model = _bn_model(0.5)
        pool_inputs(model, _pool_loader(), LabelPool(10, [0, 5]), 'bald', SEED_R,
                    mc_passes=3, dropout_p=0.5, bald_compat=compat)
        states.append(torch.get_rng_state())
    assert torch.equal(states[0], states[1])



def _reference_worker(rank, folder):
    """bald_compat='reference' on 2 processes (run by :func:`_worker`, sharing its spawn)."""
    model, loader = _bn_model(0.0), _pool_loader(n=13, batch_size=2)
    pool = LabelPool(13, [0, 5])
    chosen, _ = acquire(model, loader, pool, 'bald', 2, SEED_R, mc_passes=2,
                        bald_compat='reference')
    bn = model.backbone.net[1]
    with open(osp.join(folder, f'reference_rank{rank}.json'), 'w') as f:
        json.dump(dict(chosen=np.asarray(chosen).tolist(), tracked=int(bn.num_batches_tracked),
                       mean=[repr(float(v)) for v in bn.running_mean],
                       labelled=pool.labelled.tolist()), f)


def _check_reference_two_processes(folder):
    """The train-mode passes are collectives like the default's: both ranks finish and
    label the same items. Each rank's BN runs its own shard once per pass (13 items over
    2 ranks in batches of 2: 4 batches on rank 0, 3 on rank 1), then every rank holds
    rank 0's statistics (2 passes x 4 batches)."""
    res = []
    for rank in range(2):
        with open(folder / f'reference_rank{rank}.json') as f:
            res.append(json.load(f))
    assert res[0]['chosen'] == res[1]['chosen'] and len(res[0]['chosen']) == 2
    assert res[0]['labelled'] == res[1]['labelled']
    assert [r['tracked'] for r in res] == [2 * 4, 2 * 4]
    assert res[0]['mean'] == res[1]['mean']
