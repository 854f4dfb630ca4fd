"""The optional pseudo-label refresh of the CluP student (rounds of RoundBasedTrainLoop
with PseudoLabelRefreshHook): the dataset/sampler update, the refresh rounds of a tiny
run, their labels against an independent recomputation and against the first (hook)
implementation, a run without a round being the plain student, and a kill between
rounds + --resume (bit-identical weights, refreshed labels restored, not recomputed).

The student starts from random init on a hand-made artefact (no source/SwAV stages),
so the whole file takes a few tiny trainings."""
import os

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO, assert_same_training_state, run, train_cmd

REFRESH = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_student_refresh.py')
STUDENT = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_student.py')
# what ClusterPseudoLabelLoop writes into pseudo_labels.pt
MAIN_KEYS = {'labels', 'conf', 'soft', 'selected', 'predictions', 'cluster_ids', 'candidates',
             'target_checksum', 'teacher_sha256', 'settings_hash', 'num_clusters', 'fraction',
             'mode', 'drop_outliers', 'iter_clusters', 'n_init', 'max_iter', 'seed', 'backend',
             'min_per_class', 'ssl_cycles', 'num_classes', 'num_samples', 'teacher_checkpoint'}
# 'faiss-random': the k-means default when refresh_golden.json was recorded (before k-means++)
SETTINGS = dict(num_clusters=8, fraction=0.5, mode='purity', drop_outliers=False, iter_clusters=1,
                n_init=2, max_iter=20, seed=1234, backend='faiss-random', min_per_class=0,
                ssl_cycles=0)


def _load(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(str(path))


def _inner_dataset_cfg():
    return Config.fromfile(REFRESH).train_dataloader.dataset.dataset


@pytest.fixture(scope='module')
def artefact(synfer_workdir):
    """A stage-3a artefact for the tiny wild train set (49 samples): 70 % correct labels,
    24 samples selected (3 full batches of 8)."""
    import ferda.methods  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.methods.clup.artefact import save_artefact, settings_hash, target_checksum
    from ferda.registry import DATASETS

    init_default_scope('ferda')
    cwd = os.getcwd()
    os.chdir(synfer_workdir)
    try:
        target = DATASETS.build(dict(_inner_dataset_cfg(), cache_images=False))
    finally:
        os.chdir(cwd)
    truth = torch.as_tensor(target.labels)
    n = len(truth)
    g = torch.Generator().manual_seed(0)
    labels = torch.where(torch.rand(n, generator=g) < 0.7, truth,
                         torch.randint(0, 7, (n,), generator=g))
    path = synfer_workdir / 'refresh_test_pseudo_labels.pt'
    save_artefact(str(path), dict(
        labels=labels, conf=torch.rand(n, generator=g), soft=torch.nn.functional.one_hot(
            labels, 7).float(), selected=torch.arange(0, 48, 2), predictions=labels.clone(),
        cluster_ids=[], candidates=[torch.arange(n)], target_checksum=target_checksum(
            target.records), teacher_sha256='0' * 64, settings_hash=settings_hash(SETTINGS),
        num_classes=7, num_samples=n, teacher_checkpoint='hand-made', **SETTINGS))
    return path


def _train(cwd, config, work, artefact, *extra, check=True):
    return run(train_cmd(config, '--work-dir', str(work), *extra, '--cfg-options',
                         f'train_dataloader.dataset.labels_file={artefact}'), cwd=cwd,
               check=check)


@pytest.fixture(scope='module')
def straight(synfer_workdir, artefact):
    """4 epochs with a refresh after epochs 1, 2 and 3; every checkpoint kept."""
    work = synfer_workdir / 'runs' / 'refresh_straight'
    _train(synfer_workdir, REFRESH, work, artefact)
    return work


def test_set_pseudo_labels_and_sampler_update(synfer_workdir, artefact, monkeypatch):
    import ferda.methods  # noqa: F401
    from mmengine.dataset import DefaultSampler, InfiniteSampler

    from ferda.methods.clup import PseudoLabelDataset, update_sampler_length

    monkeypatch.chdir(synfer_workdir)
    cfg = dict(_inner_dataset_cfg(), cache_images=False)
    dataset = PseudoLabelDataset(cfg, labels_file=str(artefact))
    sampler = DefaultSampler(dataset, shuffle=True, seed=3)
    assert len(dataset) == len(sampler) == 24
    labels = torch.full((49,), -1, dtype=torch.long)
    labels[[1, 5, 9, 40]] = torch.tensor([6, 0, 3, 3])
    dataset.set_pseudo_labels(labels, torch.tensor([1, 5, 9, 40]))
    assert update_sampler_length(sampler) == 4 and len(sampler) == 4
    assert sorted(sampler) == [0, 1, 2, 3]
    assert [dataset[i]['data_samples']['gt_label'] for i in range(4)] == [6, 0, 3, 3]
    assert [dataset[i]['data_samples']['sample_idx'] for i in range(4)] == [1, 5, 9, 40]
    # rank 1 of 2, with and without round-up, as a sampler built on the new length
    monkeypatch.setattr('mmengine.dataset.sampler.get_dist_info', lambda: (1, 2))
    for round_up in (True, False):
        stale = DefaultSampler(list(range(24)), shuffle=False, seed=0, round_up=round_up)
        stale.dataset = list(range(5))
        fresh = DefaultSampler(list(range(5)), shuffle=False, seed=0, round_up=round_up)
        update_sampler_length(stale)
        assert (stale.num_samples, stale.total_size, list(stale)) == \
            (fresh.num_samples, fresh.total_size, list(fresh))
    with pytest.raises(TypeError, match='DefaultSampler'):
        update_sampler_length(InfiniteSampler(dataset, seed=0))

    good = torch.tensor([1, 5, 9, 40])
    for bad, match in [((labels[:48], good), r'labels must be \(49,\)'),
                       ((labels.float(), good), 'integers'),
                       ((labels, good[:0]), 'non-empty'),
                       ((labels, torch.tensor([1, 49])), r'in \[0, 49\)'),
                       ((labels, torch.tensor([5, 1])), 'strictly ascending'),
                       ((labels, torch.tensor([1, 1])), 'strictly ascending'),
                       ((labels, torch.tensor([0, 1])), r'labels in \[0, 7\)')]:
        with pytest.raises(ValueError, match=match):
            dataset.set_pseudo_labels(*bad)
    with pytest.raises(ValueError, match=r'soft must be \(49, 7\)'):
        dataset.set_pseudo_labels(labels, good, torch.zeros(49, 6))
    soft = PseudoLabelDataset(cfg, labels_file=str(artefact), soft=True)
    with pytest.raises(ValueError, match='needs soft'):
        soft.set_pseudo_labels(labels, good)
    q = torch.rand(49, 7)
    soft.set_pseudo_labels(labels, good, q)
    assert torch.equal(soft[3]['data_samples']['soft_label'], q[40])
    assert len(dataset) == 4  # the failed calls changed nothing


def test_round_schedule_and_hook_arguments():
    from basicda.engine.loops.round_loop import round_due, rounds_done
    from ferda.methods.clup import PseudoLabelRefreshHook

    assert [e for e in range(1, 31) if round_due(e, 10, 30)] == [10, 20]
    assert [rounds_done(e, 2, 4) for e in range(5)] == [0, 0, 1, 1, 1]
    assert [rounds_done(e, 1, 4) for e in range(5)] == [0, 1, 2, 3, 3]
    with pytest.raises(TypeError, match='needs refresh_dataloader=dict'):
        PseudoLabelRefreshHook(refresh_dataloader=None)
    assert PseudoLabelRefreshHook({}, fraction=0.2, mode=None).overrides == {'fraction': 0.2}


def test_synfer_refresh_config():
    import ferda.methods  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import HOOKS

    init_default_scope('ferda')
    path = os.path.join(REPO, 'configs', 'clup',
                        'clup_resnet18_1xb32-swav-30e-refresh10_synfer-lab-to-wild.py')
    cfg = Config.fromfile(path)
    base = Config.fromfile(path.replace('-refresh10', ''))
    # the refresh config adds exactly the refresh hook to the base's hooks
    refresh_hooks = [h for h in cfg.custom_hooks if h['type'] == 'PseudoLabelRefreshHook']
    others = [h for h in cfg.custom_hooks if h['type'] != 'PseudoLabelRefreshHook']
    assert cfg.pipeline == base.pipeline and others == base.custom_hooks
    assert len(refresh_hooks) == 1
    hook = HOOKS.build(refresh_hooks[0])
    assert hook.overrides == {}
    assert cfg.train_cfg == dict(type='RoundBasedTrainLoop', max_epochs=30, val_interval=1,
                                 round_interval=10, selection=dict(type='clup_refresh_selection'))
    refresh = hook.refresh_dataloader
    assert refresh['dataset']['reader'] == cfg.train_dataloader.dataset.dataset.reader
    assert refresh['dataset']['pipeline'] == cfg._test_pipeline
    assert cfg._test_pipeline == cfg.val_dataloader.dataset.pipeline
    assert refresh['sampler'] == dict(type='DefaultSampler', shuffle=False, round_up=False)
    assert cfg.train_dataloader.persistent_workers is False


@pytest.mark.slow
def test_refresh_rounds_rewrite_the_training_set(straight, artefact):
    from ferda.methods.clup.artefact import settings_hash

    log = (straight / 'logs' / 'train.log').read_text()
    assert not (straight / 'pseudo_labels_refresh_4.pt').exists()  # never after the last epoch
    for r in (1, 2, 3):
        out = torch.load(straight / f'pseudo_labels_refresh_{r}.pt', weights_only=True)
        assert set(out) == MAIN_KEYS | {'round', 'epoch', 'source_artefact'}
        assert (out['round'], out['epoch'], out['seed']) == (r, r, 1234 + r)
        assert out['settings_hash'] == settings_hash(dict(SETTINGS, seed=1234 + r))
        state = _load(straight / f'epoch_{r}.pth')['message_hub']['runtime_info']['round_loop']
        # the dataset (whose selection the checkpoint stores) trains on this selection
        assert state['round'] == r and torch.equal(state['result']['selected'], out['selected'])
        assert torch.equal(state['result']['labels'], out['labels'])
        assert state['inputs']['settings'] == dict(SETTINGS, seed=1234 + r)
        assert state['inputs']['feat']['shape'][0] == 49
        n = len(out['selected'])
        assert f'pseudo-label refresh round {r} after epoch {r}: selected {n}/49' in log
        # the next epoch has the new length (drop_last, batch 8)
        assert f'Epoch(train) [{r + 1}][{n // 8}/{n // 8}]' in log
    assert 'diag/refresh_selection_precision' in log and 'refresh_round: 3.0000' in log


@pytest.mark.slow
def test_no_round_is_the_plain_student(synfer_workdir, artefact, straight):
    # one epoch of the refreshing config (no round: never after the last epoch) vs the
    # config without the refresh: the round loop and the hook change nothing else
    off, plain = synfer_workdir / 'runs' / 'refresh_off', synfer_workdir / 'runs' / 'plain'
    _train(synfer_workdir, REFRESH, off, artefact, '--cfg-options', 'train_cfg.max_epochs=1')
    _train(synfer_workdir, STUDENT, plain, artefact, '--cfg-options', 'train_cfg.max_epochs=1')
    assert not list(off.glob('pseudo_labels_refresh_*'))
    assert 'pseudo-label refresh round' not in (off / 'logs' / 'train.log').read_text()
    a, b = _load(off / 'epoch_1.pth'), _load(plain / 'epoch_1.pth')
    assert 'round_loop' not in a['message_hub']['runtime_info']
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key]), key
    # a checkpoint without round state cannot resume a refreshing run past round 1
    bad = _train(synfer_workdir, REFRESH, plain, artefact, '--resume',
                 str(plain / 'epoch_1.pth'), check=False)
    assert bad.returncode != 0 and "no 'round_loop' state" in bad.stderr


@pytest.mark.slow
def test_kill_between_rounds_then_resume_continues_with_the_same_selection(
        synfer_workdir, artefact, straight):
    config = synfer_workdir / 'refresh_kill.py'
    config.write_text(f"_base_ = [{REFRESH!r}]\n"
                      "custom_imports = dict(imports=['tests.hooks'], "
                      "allow_failed_imports=False)\n"
                      "custom_hooks = _base_.custom_hooks + "
                      "[dict(type='KillAfterCheckpointHook', at=2, by_epoch=True)]\n")
    work = synfer_workdir / 'runs' / 'refresh_killed'
    killed = _train(synfer_workdir, str(config), work, artefact, check=False)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert (work / 'pseudo_labels_refresh_2.pt').exists()
    assert not (work / 'pseudo_labels_refresh_3.pt').exists()
    _train(synfer_workdir, str(config), work, artefact, '--resume')
    log = (work / 'logs' / 'train.log').read_text()
    round2 = torch.load(straight / 'pseudo_labels_refresh_2.pt', weights_only=True)
    assert f'resumed at epoch 2 with round 2: {len(round2["selected"])} training samples' in log
    assert log.count('pseudo-label refresh round 2 after') == 1  # restored, not recomputed
    # round 3 is recomputed after the resume, from the same student
    for r in (2, 3):
        a, b = _round_labels(straight, r), _round_labels(work, r)
        for key in a:
            assert torch.equal(a[key], b[key]), (r, key)
    a, b = _load(straight / 'epoch_4.pth'), _load(work / 'epoch_4.pth')
    # weights, optimiser, schedulers, oracle record, RNG states
    assert_same_training_state(a, b)
    sa, sb = (c['message_hub']['runtime_info']['round_loop'] for c in (a, b))
    assert torch.equal(sa['result']['selected'], sb['result']['selected'])
    assert sa['inputs'] == sb['inputs']


def _round_labels(work, r):
    out = torch.load(work / f'pseudo_labels_refresh_{r}.pt', weights_only=True)
    return {k: out[k] for k in ('labels', 'selected', 'soft', 'conf', 'predictions')}


@pytest.mark.slow
def test_refresh_labels_are_the_students_pseudo_labels(straight, synfer_workdir, monkeypatch):
    """Oracle for every refresh round r: the student of epoch_r.pth (the weights the
    refresh relabelled with) embeds target train with the refresh loader, and
    clup_pseudo_labels with the artefact's settings and seed 1234 + r labels it."""
    import ferda.methods  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    from ferda.methods.clup.loop import clup_pseudo_labels, embed_dataset
    from ferda.registry import MODELS

    init_default_scope('ferda')
    monkeypatch.chdir(synfer_workdir)
    cfg = Config.fromfile(REFRESH)
    loader = Runner.build_dataloader(cfg.custom_hooks[1].refresh_dataloader, seed=0)
    for r in (1, 2, 3):
        model = MODELS.build(cfg.model)
        model.load_state_dict(_load(straight / f'epoch_{r}.pth')['state_dict'])
        model.eval()
        gathered = embed_dataset(model, loader)
        expected = clup_pseudo_labels(gathered['feat'], gathered['logits'],
                                      **dict(SETTINGS, seed=1234 + r))
        found = _round_labels(straight, r)
        for key in found:
            torch.testing.assert_close(found[key], torch.as_tensor(expected[key]), rtol=0,
                                       atol=0, msg=f'round {r}: {key}')


GOLDEN = os.path.join(os.path.dirname(__file__), 'refresh_golden.json')


@pytest.mark.slow
def test_refresh_labels_equal_those_of_the_hook_implementation(straight):
    """The rounds' labels and selections of this tiny run as the first implementation
    (PseudoLabelRefreshHook, a hook that rewrote the loop's sampler and max_iters)
    produced them, recorded before the refresh moved onto RoundBasedTrainLoop."""
    import json

    with open(GOLDEN) as f:
        golden = json.load(f)
    for r in (1, 2, 3):
        found = _round_labels(straight, r)
        assert found['selected'].tolist() == golden[str(r)]['selected'], r
        assert found['labels'].tolist() == golden[str(r)]['labels'], r
