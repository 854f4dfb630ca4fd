"""Source-only end to end on a tiny SynFER, through the experiment script and
train.py: run folder contents, resume after SIGKILL, 2-process DDP, bad configs."""
import glob
import json
import os.path as osp
import sys

import pytest

from tests.conftest import REPO, TINY_CONFIG, assert_same_training_state, run, train_cmd
from tests.hooks import write_config

pytestmark = pytest.mark.slow

EVAL_SETS = ('lab_val', 'lab_test', 'wild_test', 'lowres_test')


def _split_sizes(workdir):
    from ferda.datasets import ExpwReader, Fer2013CsvReader, RafDbReader
    root = osp.join(workdir, 'data', 'synfer')
    lab = dict(data_root=f'{root}/lab', val_split_file=f'{root}/lab/basic/splits/val.txt')
    return dict(
        lab_val=len(RafDbReader(split='val', **lab).load()),
        lab_test=len(RafDbReader(split='test', **lab).load()),
        wild_test=len(ExpwReader(f'{root}/wild', 'test',
                                 f'{root}/wild/splits/expw.csv').load()),
        lowres_test=len(Fer2013CsvReader(f'{root}/lowres', 'test').load()))


def test_experiment_script_writes_the_run_folder(synfer_workdir):
    config = write_config(str(synfer_workdir / 'e2e_log_sizes.py'), TINY_CONFIG,
                          hooks=[dict(type='RecordLogSizeHook')])
    run(['bash', osp.join(REPO, 'experiments', 'source_only.sh'), 'e2e', config],
        cwd=synfer_workdir)
    log = synfer_workdir / 'runs' / 'e2e' / 'logs' / 'train.log'
    # the log was written while the run went on (a line per iteration), not once at the end
    with open(synfer_workdir / 'runs' / 'e2e' / 'log_sizes.jsonl') as f:
        sizes = [json.loads(line) for line in f]
    assert len(sizes) >= 3 and sizes[0] > 0
    assert all(a < b for a, b in zip(sizes, sizes[1:])), sizes
    assert log.stat().st_size > sizes[-1]

    work = synfer_workdir / 'runs' / 'e2e'
    text = log.read_text()
    assert 'Epoch(train) [2]' in text and 'Epoch(test)' in text
    assert glob.glob(str(work / '**' / 'events.out.tfevents.*'), recursive=True)
    assert (work / 'epoch_2.pth').is_file()
    assert glob.glob(str(work / 'best_lab_val_accuracy_epoch_*.pth'))
    assert glob.glob(str(work / '*.py')), 'merged config not dumped'

    results = json.loads((work / 'results.json').read_text())
    assert results['selection'] == 'best lab_val/accuracy (label-free)'
    assert osp.basename(results['checkpoint']).startswith('best_lab_val_accuracy_epoch_')
    sizes = _split_sizes(synfer_workdir)
    for name in EVAL_SETS:
        metrics = results['metrics'][name]
        assert 0.0 <= metrics['accuracy'] <= 1.0
        assert {'mca', 'macro_f1', 'ce'} <= set(metrics)
        # every sample counted exactly once
        assert sum(map(sum, metrics['confusion'])) == sizes[name]
    assert set(results['oracle']) == {'wild_test', 'lowres_test'}
    assert glob.glob(str(work / 'confusion' / 'wild_test_*.json'))
    assert 'Distributed training: False' in text  # one process: train.py without torchrun

    # the same run under torchrun (one process, a process group of 1) trains identically
    run(['bash', osp.join(REPO, 'experiments', 'source_only.sh'), 'e2e_torchrun', TINY_CONFIG],
        cwd=synfer_workdir, env=dict(FERDA_TORCHRUN='1'))
    other = synfer_workdir / 'runs' / 'e2e_torchrun'
    assert 'Distributed training: True' in (other / 'logs' / 'train.log').read_text()
    assert_same_training_state(_state(work / 'epoch_2.pth'), _state(other / 'epoch_2.pth'))
    assert json.loads((other / 'results.json').read_text())['metrics'] == results['metrics']


def _state(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(path)


def test_resume_after_sigkill_matches_uninterrupted_run(synfer_workdir):
    """Killed right after the checkpoint of epoch 1 (before its validation), resumed:
    epoch 3 holds the same weights, optimiser, schedulers, oracle record and RNG state
    as the uninterrupted run, and the results are the same."""
    opts = ['--cfg-options', 'train_cfg.max_epochs=3']
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/straight', *opts), cwd=synfer_workdir)
    config = write_config(str(synfer_workdir / 'source_only_killed.py'), TINY_CONFIG,
                          hooks=[dict(type='KillAfterCheckpointHook', at=1, by_epoch=True)])
    killed = synfer_workdir / 'runs' / 'killed'
    proc = run(train_cmd(config, '--work-dir', 'runs/killed', *opts), cwd=synfer_workdir,
               check=False)
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert not (killed / 'epoch_2.pth').is_file()
    # the checkpoint left behind is complete and loadable (atomic write)
    assert 'state_dict' in _state(killed / 'epoch_1.pth')

    run(train_cmd(config, '--work-dir', 'runs/killed', '--resume', *opts), cwd=synfer_workdir)
    assert 'resumed at epoch 1: repeating its validation' in \
        (killed / 'logs' / 'train.log').read_text()
    a = _state(synfer_workdir / 'runs' / 'straight' / 'epoch_3.pth')
    assert a['oracle_tracker'], 'no oracle record to compare'
    assert_same_training_state(a, _state(killed / 'epoch_3.pth'))
    ra = json.loads((synfer_workdir / 'runs' / 'straight' / 'results.json').read_text())
    rb = json.loads((killed / 'results.json').read_text())
    assert ra['metrics'] == rb['metrics']
    assert ra['oracle'] == rb['oracle']


def test_two_process_gloo_run_and_identical_evaluation(synfer_workdir):
    run(['bash', osp.join(REPO, 'experiments', 'source_only.sh'), 'ddp2', TINY_CONFIG, '2'],
        cwd=synfer_workdir)
    work = synfer_workdir / 'runs' / 'ddp2'
    assert (work / 'epoch_2.pth').is_file()
    assert (work / 'results.json').is_file()

    ckpt = str(work / 'epoch_2.pth')
    single = run([sys.executable, '-m', 'ferda.tools.cli', 'test', TINY_CONFIG, ckpt,
                  '--work-dir', 'runs/eval1'], cwd=synfer_workdir)
    assert 'wild_test' in single.stdout
    # --standalone: torchrun picks a free port itself
    run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
         '-m', 'ferda.tools.cli', 'test', TINY_CONFIG, ckpt, '--work-dir', 'runs/eval2',
         '--launcher', 'pytorch'], cwd=synfer_workdir)
    one = json.loads((synfer_workdir / 'runs' / 'eval1' / 'results.json').read_text())
    two = json.loads((synfer_workdir / 'runs' / 'eval2' / 'results.json').read_text())
    sizes = _split_sizes(synfer_workdir)
    assert sizes['lab_val'] % 2 == 1, 'an odd split is needed to exercise padding'
    for name in EVAL_SETS:
        assert one['metrics'][name]['confusion'] == two['metrics'][name]['confusion']
        assert sum(map(sum, two['metrics'][name]['confusion'])) == sizes[name]
        assert one['metrics'][name]['accuracy'] == two['metrics'][name]['accuracy']

    only = run([sys.executable, '-m', 'ferda.tools.cli', 'test', TINY_CONFIG, ckpt,
                '--work-dir', 'runs/eval_wild', '--data', 'wild_test'], cwd=synfer_workdir)
    wild = json.loads((synfer_workdir / 'runs' / 'eval_wild' / 'results.json').read_text())
    assert list(wild['metrics']) == ['wild_test']
    assert wild['metrics']['wild_test']['confusion'] == one['metrics']['wild_test']['confusion']
    assert '| wild_test |' in only.stdout


@pytest.mark.parametrize('option, message', [
    ('train_dataloader.dataset.reader.data_root=data/nowhere',
     'data/nowhere/basic/EmoLabel/list_patition_label.txt'),
    ('model.backbone.type=NoSuchBackbone', 'NoSuchBackbone is not in the'),
])
def test_bad_config_fails_fast_with_a_clear_message(synfer_workdir, option, message):
    proc = run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/bad', '--cfg-options', option),
               cwd=synfer_workdir, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr + proc.stdout
    # it failed while building, before any training
    assert 'Epoch(train)' not in proc.stdout + proc.stderr
    assert not (synfer_workdir / 'runs' / 'bad' / 'epoch_1.pth').exists()
