"""Every real-data CluP config and the stages it chains build on fixture data: the SwAV
model and its multi-crop dataset, the pseudo-label pass (teacher + target train at 160 px),
and the student (swav_s1 backbone + fresh head) with its target train and test sets."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from ferda.tools.pipeline import read_stages
from tests.conftest import REPO
from tests.test_real_dataset_configs import _afe, _expw, _fer2013, _rafdb

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'clup', 'clup_*swav-s1*.py')))


def test_the_four_official_setups_exist():
    names = {osp.basename(p) for p in CONFIGS}
    assert names == {f'clup_resnet18-swav-s1_1xb32-50e_{s}-to-{t}.py'
                     for s in ('afe', 'rafdb') for t in ('expw', 'fer2013')}


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_clup_setup_builds(path, tmp_path, monkeypatch):
    import basicda.engine  # noqa: F401
    import ferda.methods  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import DATASETS, MODELS

    init_default_scope('ferda')
    cfg = Config.fromfile(path)
    stages = {s['name']: s for s in read_stages(cfg, path)}
    assert list(stages) == ['source', 'swav', 'pseudo_labels']
    for writer in (_afe, _rafdb, _expw, _fer2013):
        writer(str(tmp_path))
    monkeypatch.chdir(tmp_path)

    swav_cfg = Config.fromfile(stages['swav']['config'])
    swav = MODELS.build(swav_cfg.model)
    assert swav.arch_meta['stem'] == 'swav_s1' and swav.arch_meta['num_prototypes'] == 5000
    crops = DATASETS.build(swav_cfg.train_dataloader.dataset)[0]['inputs']
    assert [tuple(c.shape) for c in crops] == [(3, 160, 160)] * 2 + [(3, 64, 64)] * 6

    pl_cfg = Config.fromfile(stages['pseudo_labels']['config'])
    for key, value in stages['pseudo_labels']['options'].items():
        assert key.startswith('test_cfg.') and key[len('test_cfg.'):] in pl_cfg.test_cfg
        pl_cfg.merge_from_dict({key: value})
    assert pl_cfg.train_cfg is None and pl_cfg.test_cfg.type == 'ClusterPseudoLabelLoop'
    teacher = MODELS.build(pl_cfg.model)
    source_cfg = Config.fromfile(stages['source']['config'])
    assert pl_cfg.model.to_dict() == source_cfg.model.to_dict()  # the teacher is the source
    target = DATASETS.build(pl_cfg.test_dataloader.dataset)
    assert target[0]['inputs'].shape == (3, 160, 160)
    assert pl_cfg.test_dataloader.sampler.round_up is False

    student = MODELS.build(cfg.model).eval()
    assert student.arch_meta['stem'] == 'swav_s1'
    inner = DATASETS.build(cfg.train_dataloader.dataset.dataset)
    assert inner.reader.split == 'train'
    assert type(inner.reader) is type(target.reader) and len(inner) == len(target)
    test = DATASETS.build(cfg.val_dataloader.dataset)
    assert test.reader.split == 'test'
    with torch.no_grad():
        assert student(test[0]['inputs'][None].float(), mode='tensor').shape == (1, 7)
        assert teacher(target[0]['inputs'][None].float(), mode='tensor').shape == (1, 7)


SYNFER = sorted(glob.glob(osp.join(REPO, 'configs', 'clup', 'clup_*synfer*.py')))


@pytest.mark.parametrize('path', SYNFER, ids=osp.basename)
def test_synfer_clup_configs_and_their_stages_build(path, synfer_workdir, monkeypatch):
    import basicda.engine  # noqa: F401
    import ferda.methods  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import DATASETS, MODELS

    init_default_scope('ferda')
    monkeypatch.chdir(synfer_workdir)
    cfg = Config.fromfile(path)
    stages = read_stages(cfg, path)
    assert stages[0]['name'] == 'source' and stages[-1]['name'] == 'pseudo_labels'
    for stage in stages[1:]:
        stage_cfg = Config.fromfile(stage['config'])
        MODELS.build(stage_cfg.model)
        loader = stage_cfg.train_dataloader or stage_cfg.test_dataloader
        dataset = DATASETS.build(dict(loader.dataset, cache_images=False))
        assert dataset.reader.split == 'train'
        # the stages see the same target train list as the student
        assert dataset.reader.__class__.__name__ == DATASETS.build(dict(
            cfg.train_dataloader.dataset.dataset, cache_images=False)).reader.__class__.__name__
    student = MODELS.build(cfg.model).eval()
    test = DATASETS.build(dict(cfg.val_dataloader.dataset, cache_images=False))
    assert test.reader.split == 'test'
    assert cfg.val_evaluator.prefix == cfg.custom_hooks[0]['target_prefixes'][0]
    with torch.no_grad():
        assert student(test[0]['inputs'][None].float(), mode='tensor').shape == (1, 7)


@pytest.mark.parametrize('path', CONFIGS + SYNFER, ids=osp.basename)
def test_student_drops_the_incomplete_last_batch(path):
    """The selection has any size; a last batch of one sample would stop BN training."""
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.dataset.type == 'PseudoLabelDataset'
    assert cfg.train_dataloader.drop_last is True
