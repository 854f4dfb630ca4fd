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
