"""EERCL end to end on a tiny SynFER through train.py (tests/configs/tiny_eercl_synfer.py:
12 iterations, R = 5, checkpoints and evaluation every 6), and resume after SIGKILL
(docs/eercl.md §7): a run killed right after the checkpoint of iteration 6 (before that
validation) and resumed ends bit-identical to the uninterrupted run: weights, teacher,
banks, queues, prototypes, the batches and augmentations it saw, the logged losses and
the results."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import REPO, assert_same_training_state, run, train_cmd
from tests.hooks import write_config

TINY = osp.join(REPO, 'tests', 'configs', 'tiny_eercl_synfer.py')

pytestmark = pytest.mark.slow


def _config(folder, name, kill_at=None):
    hooks = [dict(type='RecordBatchesHook')]
    if kill_at is not None:
        hooks.append(dict(type='KillAfterCheckpointHook', at=kill_at))
    return write_config(osp.join(str(folder), name), TINY, hooks=hooks)


def _jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def _scalars(work):
    """Training scalars by step, over every (re)start of the run."""
    rows = {}
    for path in sorted(glob.glob(osp.join(str(work), '2*', 'vis_data', 'scalars.json'))):
        for row in _jsonl(path):
            if 'loss' in row:
                rows[row['step']] = {k: v for k, v in row.items() if 'time' not in k}
    return rows


@pytest.fixture(scope='module')
def straight(synfer_workdir):
    config = _config(synfer_workdir, 'eercl_straight.py')
    run(train_cmd(config, '--work-dir', 'runs/eercl_straight'), cwd=synfer_workdir)
    return synfer_workdir / 'runs' / 'eercl_straight'


def test_tiny_run_writes_results_and_method_state(straight, synfer_workdir):
    from basicda.datasets.multi_view import SeededAugSampler
    from basicda.engine.checkpoint import safe_load

    results = json.loads((straight / 'results.json').read_text())
    assert results['checkpoint'] == 'current'  # the last iteration (label-free)
    assert set(results['metrics']) == {'wild_test', 'lab_test'}
    assert sum(map(sum, results['metrics']['wild_test']['confusion'])) == 14
    assert set(results['oracle']) == {'wild_test'}
    ckpt = safe_load(straight / 'iter_12.pth')
    assert ckpt['meta']['arch']['backbone'] == 'test_resnet'
    state = ckpt['method_state']
    assert bool(state['aad_bank']['filled'].all()) and state['last_refresh'] == 10
    assert state['queue_weak']['valid'] == 16  # 12 x 8 rows pushed into 16: wrapped
    assert any(k.startswith('teacher.') for k in ckpt['state_dict'])
    assert 'relation_cls' in ckpt['state_dict']
    log = (straight / 'logs' / 'train.log').read_text()
    for t in (0, 5, 10):
        assert f'iteration {t}: banks refreshed' in log
    scalars = _scalars(straight)
    assert {'diag/mask_ratio', 'diag/cluster_label_acc', 'diag/teacher_acc',
            'aad/att_ref'} <= set(scalars[12])
    assert not any('loss' in k and k.startswith('diag/') for k in scalars[12])
    # the refresh loader never touched the training stream: the batches are exactly the
    # sampler's order, epoch after epoch (49 samples, 6 batches of 8 per epoch)
    seen = [row['sample_idx'] for row in _jsonl(straight / 'batches.jsonl')]
    sampler = SeededAugSampler(list(range(49)), shuffle=True, seed=0)
    expected = []
    for epoch in range(2):
        sampler.set_epoch(epoch)
        order = [k[0] for k in sampler]
        expected += [order[i:i + 8] for i in range(0, 48, 8)]
    assert seen == expected


def test_label_free_selectors_report_the_points_they_select(straight, tmp_path):
    """results.json's selectors hold, per criterion, the wild_test metrics of the evaluation
    point that criterion prefers among the logged ones (steps 6 and 12), and of the last;
    ``ferda results`` tables them beside the run's own result and the oracle."""
    import shutil

    from ferda.tools.results import main as results_main
    rows = {}
    for path in glob.glob(osp.join(str(straight), '2*', 'vis_data', 'scalars.json')):
        for row in _jsonl(path):
            if 'wild_test/entropy' in row:
                rows[row['step']] = row
    # the val rows of scalars.json count evaluations; they ran at iterations 6 and 12
    logged = dict(zip((6, 12), (rows[k] for k in sorted(rows))))
    assert len(rows) == 2
    res = json.loads((straight / 'results.json').read_text())
    sel = res['selectors']
    assert set(sel) == {'last', 'entropy', 'im', 'snd'}
    pick = {'last': max(logged),
            'entropy': min(logged, key=lambda s: (logged[s]['wild_test/entropy'], s)),
            'im': max(logged, key=lambda s: (logged[s]['wild_test/im'], -s)),
            'snd': max(logged, key=lambda s: (logged[s]['wild_test/snd'], -s))}
    for name, step in pick.items():
        entry = sel[name]['wild_test']
        assert entry['step'] == step
        for key in ('accuracy', 'entropy', 'im', 'snd'):
            assert entry[key] == pytest.approx(logged[step][f'wild_test/{key}'], abs=1e-4)
    # the run's result is its last iteration (checkpoint 'current')
    assert sel['last']['wild_test']['accuracy'] == res['metrics']['wild_test']['accuracy']
    run_dir = tmp_path / 'eercl_run'  # the dumped config under a name of the naming rule
    run_dir.mkdir()
    shutil.copy(straight / 'results.json', run_dir)
    shutil.copy(straight / 'eercl_straight.py',
                run_dir / 'eercl_test-resnet_1xb8-12it_synfer-lab-to-wild.py')
    table = results_main([str(run_dir), '--datasets', 'wild_test', '--metrics', 'accuracy'])
    assert table['columns'] == ['accuracy', 'accuracy [entropy]', 'accuracy [im]',
                                'accuracy [last]', 'accuracy [snd]', 'accuracy (oracle)']
    cells = table['rows'][0]['cells']
    assert cells['accuracy [snd]'][0] == sel['snd']['wild_test']['accuracy']
    assert cells['accuracy (oracle)'][0] == res['oracle']['wild_test']['accuracy']


def test_resume_after_sigkill_is_bit_identical(straight, synfer_workdir):
    from basicda.engine.checkpoint import safe_load

    config = _config(synfer_workdir, 'eercl_killed.py', kill_at=6)
    killed = synfer_workdir / 'runs' / 'eercl_killed'
    proc = run(train_cmd(config, '--work-dir', 'runs/eercl_killed'), cwd=synfer_workdir,
               check=False)
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert (killed / 'iter_6.pth').is_file() and not (killed / 'iter_12.pth').is_file()
    run(train_cmd(config, '--work-dir', 'runs/eercl_killed', '--resume'), cwd=synfer_workdir)
    assert 'repeating the validation of iteration 6' in (killed / 'logs' / 'train.log').read_text()

    # weights, teacher, optimiser, schedulers, oracle record, RNG state and the method
    # state (banks, queues, prototypes)
    a, b = safe_load(straight / 'iter_12.pth'), safe_load(killed / 'iter_12.pth')
    assert a['method_state'] and a['oracle_tracker'] and a['label_free_selection']
    assert_same_training_state(a, b)
    # the same batches, with the same augmentations, after the resume
    straight_rows = _jsonl(straight / 'batches.jsonl')
    killed_rows = _jsonl(killed / 'batches.jsonl')
    assert killed_rows == straight_rows
    assert _scalars(killed) == _scalars(straight)
    ra = json.loads((straight / 'results.json').read_text())
    rb = json.loads((killed / 'results.json').read_text())
    assert ra['metrics'] == rb['metrics'] and ra['oracle'] == rb['oracle']
    assert ra['selectors'] == rb['selectors']


def test_two_process_gloo_run(synfer_workdir):
    """2 gloo processes through the experiment script: DDP via MethodDDP, shuffle-BN,
    uneven refresh shards gathered by index, replica checksums after every refresh."""
    from basicda.engine.checkpoint import safe_load

    run(['bash', osp.join(REPO, 'experiments', 'train.sh'), 'eercl_ddp2', TINY, '2',
         '--cfg-options', 'model.check_replicas=True'], cwd=synfer_workdir)
    work = synfer_workdir / 'runs' / 'eercl_ddp2'
    results = json.loads((work / 'results.json').read_text())
    assert sum(map(sum, results['metrics']['wild_test']['confusion'])) == 14
    assert sum(map(sum, results['metrics']['lab_test']['confusion'])) == 21
    state = safe_load(work / 'iter_12.pth')['method_state']
    assert bool(state['weak_bank']['filled'].all()) and bool(state['aad_bank']['filled'].all())
    assert state['last_refresh'] == 10
