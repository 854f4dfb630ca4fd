"""Every EERCL config builds: its model (EERCL around the source classifier), the
three-view training set, the refresh view and every evaluation set, on the tiny SynFER
or on the real datasets' fixture files (tests/test_real_dataset_configs.py writers)."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO
from tests.test_real_dataset_configs import (_afe, _ckplus, _expw, _fer2013, _jaffe, _rafdb,
                                             _sfew)

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'eercl', '*.py')))
EERCL_CONFIGS = [p for p in CONFIGS if osp.basename(p).startswith('eercl_')]
# dataset name in a config file name -> fixture writer
WRITERS = dict(rafdb=_rafdb, afe=_afe, ckplus=_ckplus, jaffe=_jaffe, sfew=_sfew,
               fer2013=_fer2013, expw=_expw)


def _datasets(path):
    """The datasets a config file name names: '<source>-to-<target>' or '<source>'."""
    data = osp.splitext(osp.basename(path))[0].split('_')[-1]
    return data.split('-to-')


def test_every_method_config_has_its_source_stage():
    assert len(EERCL_CONFIGS) == 13
    for path in EERCL_CONFIGS:
        cfg = Config.fromfile(path)
        (stage,) = cfg.pipeline
        assert stage['name'] == 'source' and stage['into'] == 'model.source_checkpoint'
        assert stage['checkpoint'] == 'best'
        assert osp.isfile(osp.join(REPO, stage['config'])), stage['config']
        assert cfg.model.source_checkpoint is None
        assert cfg.model_wrapper_cfg == dict(type='basicda.MethodDDP', broadcast_buffers=False)
        hooks = [h['type'] for h in cfg.custom_hooks]
        assert hooks[:2] == ['BankRefreshHook', 'MethodStateHook']
        # BN buffers are broadcast from rank 0 by the runtime's hooks, not a custom one
        assert 'SyncBuffersHook' not in hooks
        assert cfg.default_hooks.sync_buffers.type == 'BroadcastBuffersHook'
        assert cfg.test_cfg.checkpoint == 'current'  # last iteration, label-free
        assert cfg.train_cfg.type == 'ResumableIterBasedTrainLoop'
        assert cfg.train_dataloader.sampler.type == 'SeededAugSampler'


def test_reference_config_sets_every_switch():
    path = osp.join(REPO, 'configs', 'eercl',
                    'eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild_reference.py')
    cfg = Config.fromfile(path)
    assert cfg.model.aad.world_scaling is False
    assert cfg.model.aad.self_exclusion == 'drop_first'
    assert cfg.model.pseudo_label.empty_prototype == 'zero'
    assert cfg.model.infonce.queue_init == 'randn'
    assert cfg.model.infonce.queue_overflow == 'drop'
    refresh = cfg.custom_hooks[0]
    assert refresh.refresh_pipeline == 'weak' and refresh.bank_fill_drop_last is True
    strong = cfg.train_dataloader.dataset.views[0]
    assert [t['magnitude_semantics'] for t in strong if t['type'] == 'TVRandRangeAug'] == ['mmcls']


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p))
def test_config_builds(path, synfer_workdir, tmp_path, monkeypatch):
    import basicda.engine  # noqa: F401
    import ferda.datasets  # noqa: F401
    import ferda.methods  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.methods.eercl.hooks import BankRefreshHook
    from ferda.registry import DATASETS, HOOKS, MODELS

    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'ferda' and cfg.runner_type == 'DARunner'
    init_default_scope('ferda')
    synfer = cfg.val_dataloader.dataset.reader.data_root.startswith('data/synfer')
    if synfer:
        monkeypatch.chdir(synfer_workdir)
        size = 64
    else:
        for name in _datasets(path):
            WRITERS[name](str(tmp_path))
        monkeypatch.chdir(tmp_path)
        size = 224
    model = MODELS.build(cfg.model).eval()
    num_classes = model.num_classes
    with torch.no_grad():
        assert model(torch.rand(1, 3, 64, 64), mode='tensor').shape == (1, num_classes)

    def build(dataset_cfg):
        if dataset_cfg['type'] == 'FaceDataset':
            dataset_cfg = dict(dataset_cfg, cache_images=False)
        return DATASETS.build(dataset_cfg)

    train_cfg = cfg.train_dataloader.dataset
    if train_cfg.type == 'MultiViewDataset':  # EERCL: three views of the target train set
        train = DATASETS.build(dict(train_cfg, dataset=dict(train_cfg.dataset,
                                                            cache_images=False)))
        item = train[(0, 123)]
        assert item['inputs'].shape == (3, 3, size, size)
        assert item['inputs'].dtype == torch.uint8
        refresh = HOOKS.build(cfg.custom_hooks[0])
        assert isinstance(refresh, BankRefreshHook)
        view = refresh.test_pipeline if refresh.refresh_pipeline == 'test' else 'weak'
        assert train.single_view(view)[0]['inputs'].shape == (3, size, size)
        assert not train_cfg.dataset.pipeline  # the views hold every transform
    else:  # the source stage
        item = build(train_cfg)[0]
        assert item['inputs'].dtype == torch.uint8
    loaders = [cfg.val_dataloader, cfg.test_dataloader]
    loaders += list(cfg.val_cfg.get('extra_dataloaders', {}).values())
    loaders += list(cfg.test_cfg.get('extra_dataloaders', {}).values())
    for loader in loaders:
        dataset = build(loader.dataset)
        inputs = dataset[0]['inputs']
        assert inputs.dtype == torch.uint8 and inputs.shape[0] == 3
        if train_cfg.type == 'MultiViewDataset':
            assert inputs.shape == (3, size, size)
        assert dataset.reader.num_classes == num_classes
