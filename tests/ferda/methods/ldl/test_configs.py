"""The LDL SynFER configs build on the tiny SynFER: the model, and a training set whose
items hold the anchor and its K = 8 neighbours (online) or the anchor only (bank)."""
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO

ONLINE = osp.join(REPO, 'configs', 'ldl', 'ldl_resnet18_1xb32-30e_synfer-lab.py')
BANK = osp.join(REPO, 'configs', 'ldl', 'ldl_resnet18_1xb32-30e-bank_synfer-lab.py')


@pytest.mark.parametrize('path, views', [(ONLINE, 9), (BANK, 1)])
def test_config_builds(path, views, synfer_workdir, monkeypatch):
    import ferda.methods  # noqa: F401
    from ferda.registry import DATASETS, MODELS

    monkeypatch.chdir(synfer_workdir)
    cfg = Config.fromfile(path)
    assert cfg.model_wrapper_cfg == dict(type='basicda.MethodDDP', broadcast_buffers=False)
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert hooks[0] == 'LDLSetupHook' and 'MethodStateHook' in hooks
    assert ('LDLBankRefreshHook' in hooks) == (views == 1)
    assert cfg.test_cfg.checkpoint == 'current'
    model = MODELS.build(cfg.model)
    assert model.neighbour_source == ('bank' if views == 1 else 'online')
    assert (model.num_classes, model.feature_dim) == (7, 512)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    item = dataset[0]
    assert tuple(item['inputs'].shape) == (views, 3, 64, 64)
    assert type(dataset.anchor.transforms[-1]).__name__ == 'LDLRandomErasing'
    assert dataset.neighbours.shape == (len(dataset), 8) and dataset.knn_meta['source'] == 'va'
    assert (dataset.kernel > 0).all() and (dataset.kernel <= 1).all()


CSV_CONFIGS = {
    'ldl_resnet18_1xb32-60e_rafdb-ldl.py': dict(lamb_init=0.5, lamb_momentum=0.0,
                                                 class_weight='none', milestones=[10, 20, 40]),
    'ldl_resnet18_1xb32-60e_affectnet-7cls-ldl.py': dict(lamb_init=0.8, lamb_momentum=0.9,
                                                          class_weight='balanced',
                                                          milestones=[5, 10, 20]),
}


@pytest.mark.parametrize('name', sorted(CSV_CONFIGS))
def test_ldl_csv_configs_build_on_the_fixture(name, tmp_path):
    import ferda.methods  # noqa: F401
    from ferda.registry import DATASETS, MODELS
    from tests.ferda.datasets.fixtures import LDL_TEST, write_ldl

    expected = CSV_CONFIGS[name]
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'ldl', name))
    root = 'data/ldl/' + ('affectnet' if 'affectnet' in name else 'rafdb')
    assert cfg.train_dataloader.dataset.dataset.reader.data_root == root
    assert cfg.val_dataloader.dataset.reader.data_root == root
    for key in ('lamb_init', 'lamb_momentum', 'class_weight'):
        assert cfg.model[key] == expected[key], key
    assert cfg.param_scheduler[0].milestones == expected['milestones']
    assert cfg.model.classifier.backbone.pretrained  # MS-Celeb weights required
    write_ldl(str(tmp_path))
    write_ldl(str(tmp_path), LDL_TEST, 'test.csv')
    train = cfg.train_dataloader.dataset
    train.dataset.reader.data_root = str(tmp_path)
    train.num_neighbours = 2  # the fixture lists 2 neighbours per row
    dataset = DATASETS.build(train)
    assert dataset.neighbours.tolist() == [[1, 2], [0, 2], [1, 0], [2, 1]]
    assert tuple(dataset[0]['inputs'].shape) == (3, 3, 224, 224)
    cfg.model.classifier.backbone.pretrained = False
    model = MODELS.build(cfg.model)
    model.init_state(dataset.labels, dataset.neighbours, dataset.kernel, dataset.fingerprint)
    if expected['class_weight'] == 'balanced':
        assert float(model.sample_weight.sum()) > 0


IR50_CONFIGS = {
    'ldl_ir50_1xb32-60e_rafdb-ldl.py': dict(lr=1e-4, milestones=[10, 30], lamb_init=0.5,
                                             class_weight='none', root='data/ldl/rafdb'),
    'ldl_ir50_1xb32-60e_affectnet-7cls-ldl.py': dict(lr=3e-4, milestones=[5, 10, 20],
                                                      lamb_init=0.8, class_weight='balanced',
                                                      root='data/ldl/affectnet'),
}


@pytest.mark.parametrize('name', sorted(IR50_CONFIGS))
def test_ldl_ir50_configs_build_on_the_fixture(name, tmp_path):
    """The ResNet-50 column of the spec as IR-50: 112 px views, the 512-d embedding, a local
    checkpoint key (no download), the column's LR and trust options."""
    import ferda.methods  # noqa: F401
    from ferda.registry import DATASETS, MODELS
    from tests.ferda.datasets.fixtures import write_ldl

    expected = IR50_CONFIGS[name]
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'ldl', name))
    assert cfg.model.classifier.backbone == dict(type='ferda.IR50', input_size=112, out='embedding',
                                                 checkpoint=None)
    assert cfg.optim_wrapper.optimizer.lr == expected['lr']
    assert cfg.param_scheduler[0].milestones == expected['milestones']
    assert (cfg.model.lamb_init, cfg.model.class_weight) == (expected['lamb_init'],
                                                             expected['class_weight'])
    assert cfg.train_dataloader.dataset.dataset.reader.data_root == expected['root']
    assert cfg.test_dataloader.dataset.reader.data_root == expected['root']
    assert cfg.val_dataloader.dataset.pipeline == [
        dict(type='TVResize', size=(112, 112), antialias=False)]
    write_ldl(str(tmp_path))
    train = cfg.train_dataloader.dataset
    train.dataset.reader.data_root = str(tmp_path)
    train.num_neighbours = 2
    dataset = DATASETS.build(train)
    assert tuple(dataset[0]['inputs'].shape) == (3, 3, 112, 112)
    model = MODELS.build(cfg.model)
    assert (model.num_classes, model.feature_dim) == (7, 512)
    model.init_state(dataset.labels, dataset.neighbours, dataset.kernel, dataset.fingerprint)
