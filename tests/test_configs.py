"""Every config in configs/ loads, and its model and datasets build (timm style:
driven by the files that exist, so a new config is tested without editing this)."""
import glob
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO

def _is_classifier_config(path: str) -> bool:
    """Supervised classifier runs; method configs (CluP stages, EERCL) wrap their models and
    datasets and have their own build tests (tests/test_clup_configs.py,
    tests/ferda/methods/eercl/test_configs.py)."""
    rel = osp.relpath(path, osp.join(REPO, 'configs'))
    return '_base_' not in rel and (rel.split(os.sep)[0] in ('source_only', 'demo') or
                                    osp.basename(rel).startswith('source_'))


CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if _is_classifier_config(p))


def test_there_are_configs():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_builds(path, synfer_workdir, monkeypatch):
    import basicda.engine  # noqa: F401
    import ferda.datasets  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import DATASETS, MODELS

    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'ferda'
    assert cfg.runner_type == 'DARunner'
    init_default_scope('ferda')
    model = MODELS.build(cfg.model)
    model.eval()
    size = 64
    with torch.no_grad():
        logits = model(torch.rand(2, 3, size, size), mode='tensor')
    assert logits.shape == (2, cfg.model.num_classes)

    if not cfg.train_dataloader.dataset.reader.data_root.startswith('data/synfer'):
        return  # real datasets: built on fixtures in tests/test_real_dataset_configs.py
    monkeypatch.chdir(synfer_workdir)  # configs read data/synfer relative to the cwd
    loaders = [cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader]
    loaders += list(cfg.val_cfg.get('extra_dataloaders', {}).values())
    for loader in loaders:
        dataset = DATASETS.build(dict(loader.dataset, cache_images=False))
        item = dataset[0]
        assert item['inputs'].dtype == torch.uint8 and item['inputs'].shape[0] == 3
        assert dataset.reader.num_classes == cfg.model.num_classes
