"""CluP end to end on a tiny SynFER through experiments/clup.sh: the four stages,
stage reuse, identical pseudo-labels with 1 and 2 gloo processes and on re-runs,
and student resume after SIGKILL."""
import json
import os

import pytest
import torch

from tests.conftest import REPO, assert_same_training_state, run, train_cmd
from tests.hooks import write_config

pytestmark = pytest.mark.slow

STUDENT = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_student.py')
TOY_STUDENT = os.path.join(REPO, 'tests', 'configs', 'tiny_toy_clup_student.py')
PSEUDO = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_pseudo-labels.py')
SCRIPT = os.path.join(REPO, 'experiments', 'clup.sh')
ARTEFACT_KEYS = ('labels', 'conf', 'soft', 'selected', 'predictions')


def _load(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(str(path))


@pytest.fixture(scope='module')
def clup_run(synfer_workdir):
    proc = run(['bash', SCRIPT, 'clup', STUDENT], cwd=synfer_workdir, timeout=900)
    return synfer_workdir / 'runs' / 'clup', proc


def test_pipeline_runs_every_stage_and_the_student(clup_run):
    root, proc = clup_run
    for stage in ('source', 'swav', 'pseudo_labels'):
        assert (root / stage / 'DONE').is_file(), stage
        assert (root / stage / 'logs' / 'train.log').is_file(), stage
    assert (root / 'swav' / 'epoch_3.pth').is_file()
    swav = _load(root / 'swav' / 'epoch_3.pth')
    assert swav['meta']['arch']['ssl'] == 'SwAV'
    # the queue (created at epoch 1, tiny) is part of the checkpoint
    assert swav['method_state']['queue'].shape[:2] == (1, 2)
    results = json.loads((root / 'results.json').read_text())
    assert results['checkpoint'] == 'current'
    # every wild test sample counted once
    from ferda.datasets import ExpwReader
    wild = root.parents[1] / 'data' / 'synfer' / 'wild'
    n_test = len(ExpwReader(str(wild), 'test', str(wild / 'splits' / 'expw.csv')).load())
    assert sum(map(sum, results['metrics']['wild_test']['confusion'])) == n_test
    assert 'wild_test' in results['oracle']
    log = (root / 'logs' / 'train.log').read_text()
    assert 'PseudoLabelDataset:' in log and 'non-backbone keys' in log
    pl_log = (root / 'pseudo_labels' / 'logs' / 'train.log').read_text()
    assert 'selection precision' in pl_log
    # the student's training set is exactly the artefact's selection
    artefact = torch.load(root / 'pseudo_labels' / 'pseudo_labels.pt', weights_only=True)
    assert f'{len(artefact["selected"])} of' in log


def test_rerun_reuses_finished_stages(clup_run, synfer_workdir):
    root, _ = clup_run
    before = (root / 'pseudo_labels' / 'pseudo_labels.pt').stat().st_mtime_ns
    proc = run(['bash', SCRIPT, 'clup', STUDENT, '--stage', 'pseudo_labels'], cwd=synfer_workdir)
    for stage in ('source', 'swav', 'pseudo_labels'):
        assert f'stage {stage}: finished before' in proc.stdout
    assert (root / 'pseudo_labels' / 'pseudo_labels.pt').stat().st_mtime_ns == before


def test_pseudo_labels_identical_with_one_and_two_processes(clup_run, synfer_workdir):
    root, _ = clup_run
    source = json.loads((root / 'source' / 'results.json').read_text())['checkpoint']
    artefacts = []
    for name, gpus in (('pl1', '1'), ('pl1b', '1'), ('pl2', '2')):
        run(['bash', os.path.join(REPO, 'experiments', 'train.sh'), name, PSEUDO, gpus,
             '--cfg-options', f'load_from={source}'], cwd=synfer_workdir)
        artefacts.append(torch.load(synfer_workdir / 'runs' / name / 'pseudo_labels.pt',
                                    weights_only=True))
    reference = torch.load(root / 'pseudo_labels' / 'pseudo_labels.pt', weights_only=True)
    for artefact in artefacts:
        for key in ARTEFACT_KEYS:
            assert torch.equal(artefact[key], reference[key]), key
        for key in ('target_checksum', 'teacher_sha256', 'settings_hash', 'num_samples'):
            assert artefact[key] == reference[key], key
        ids = [torch.load(synfer_workdir / 'runs' / n / 'round_1.pt', weights_only=True)
               ['cluster_ids'] for n in ('pl1', 'pl2')]
        assert torch.equal(ids[0], ids[1])
    assert reference['selected'].numel() > 0
    assert torch.equal(reference['selected'], reference['selected'].sort().values)


def test_existing_artefact_is_verified_not_recomputed(clup_run, synfer_workdir):
    root, _ = clup_run
    source = json.loads((root / 'source' / 'results.json').read_text())['checkpoint']
    work = synfer_workdir / 'runs' / 'pl1'
    # same run again: reused; different settings: refused with the reason
    proc = run(train_cmd(PSEUDO, '--work-dir', str(work), '--cfg-options',
                         f'load_from={source}'), cwd=synfer_workdir)
    assert 'reused, not recomputed' in (work / 'logs' / 'train.log').read_text()
    bad = run(train_cmd(PSEUDO, '--work-dir', str(work), '--cfg-options', f'load_from={source}',
                        'test_cfg.num_clusters=5'), cwd=synfer_workdir, check=False)
    assert bad.returncode != 0
    assert 'settings_hash' in bad.stderr and 'force_relabel' in bad.stderr
    del proc


def _student_flags(root):
    from basicda.engine.checkpoint import read_pointer
    swav = read_pointer(str(root / 'swav'))  # the pointer is relative to its folder
    return ['--cfg-options', f'model.backbone.checkpoint={swav}',
            f'train_dataloader.dataset.labels_file={root / "pseudo_labels" / "pseudo_labels.pt"}']


def test_student_resume_after_sigkill_continues_as_if_never_stopped(clup_run, synfer_workdir):
    """Killed right after the checkpoint of epoch 2 (before its validation), resumed:
    epoch 4 holds the same weights, optimiser, schedulers, oracle record and RNG state
    as the uninterrupted student of the pipeline, and the results are the same."""
    root, _ = clup_run
    flags = _student_flags(root)
    config = write_config(str(synfer_workdir / 'clup_student_killed.py'), STUDENT, hooks=[
        dict(type='KillAfterCheckpointHook', at=2, by_epoch=True)])
    killed = synfer_workdir / 'runs' / 'clup_killed'
    proc = run(train_cmd(config, '--work-dir', str(killed), *flags), cwd=synfer_workdir,
               check=False)
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert (killed / 'epoch_2.pth').is_file() and not (killed / 'epoch_3.pth').is_file()
    run(train_cmd(config, '--work-dir', str(killed), '--resume', *flags), cwd=synfer_workdir)
    a, b = _load(root / 'epoch_4.pth'), _load(killed / 'epoch_4.pth')
    assert a['oracle_tracker']
    assert_same_training_state(a, b)
    ra = json.loads((root / 'results.json').read_text())
    rb = json.loads((killed / 'results.json').read_text())
    assert ra['metrics'] == rb['metrics'] and ra['oracle'] == rb['oracle']


def test_student_trains_alike_on_one_and_two_processes(clup_run, synfer_workdir):
    """The BN-free toy student without mixup (tests/configs/tiny_toy_clup_student.py)
    on the pipeline's pseudo-labels: 1 process with batch 8 and 2 gloo processes with
    batch 4 end with the same weights, optimiser, schedulers and oracle record."""
    root, _ = clup_run
    labels = f'train_dataloader.dataset.labels_file={root / "pseudo_labels" / "pseudo_labels.pt"}'
    run(train_cmd(TOY_STUDENT, '--work-dir', 'runs/toy_student1', '--cfg-options', labels),
        cwd=synfer_workdir)
    run(['bash', os.path.join(REPO, 'experiments', 'train.sh'), 'toy_student2', TOY_STUDENT,
         '2', '--cfg-options', labels, 'train_dataloader.batch_size=4'], cwd=synfer_workdir)
    one, two = synfer_workdir / 'runs' / 'toy_student1', synfer_workdir / 'runs' / 'toy_student2'
    a, b = _load(one / 'epoch_4.pth'), _load(two / 'epoch_4.pth')
    assert a['meta']['iter'] >= 8
    assert_same_training_state(a, b, atol=1e-6, skip=('rng_state',))
    first = _load(one / 'epoch_1.pth')['state_dict']
    assert max(float((a['state_dict'][k] - first[k]).abs().max()) for k in first) > 1e-3
    ra = json.loads((one / 'results.json').read_text())['metrics']
    rb = json.loads((two / 'results.json').read_text())['metrics']
    assert ra['wild_test']['confusion'] == rb['wild_test']['confusion']


def test_swav_resume_continues_as_if_never_stopped(synfer_workdir):
    """3 epochs straight = 2 epochs + --resume + 1: weights, optimiser momentum,
    schedulers, RNG states and the per-rank queue (created at epoch 1, full and in use
    by then) bit-identical."""
    swav = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_swav.py')
    straight = synfer_workdir / 'runs' / 'swav_straight'
    resumed = synfer_workdir / 'runs' / 'swav_resumed'
    keep = ['--cfg-options', 'default_hooks.checkpoint.max_keep_ckpts=-1']
    run(train_cmd(swav, '--work-dir', str(straight), *keep), cwd=synfer_workdir)
    middle = _load(straight / 'epoch_2.pth')
    assert middle['method_state']['queue'] is not None  # the queue is part of the resume
    run(train_cmd(swav, '--work-dir', str(resumed), '--resume', str(straight / 'epoch_2.pth'),
                  *keep), cwd=synfer_workdir)
    a, b = _load(straight / 'epoch_3.pth'), _load(resumed / 'epoch_3.pth')
    assert not torch.equal(a['method_state']['queue'], middle['method_state']['queue'])
    # weights, optimiser momentum, schedulers, RNG states and the queue
    assert_same_training_state(a, b)
