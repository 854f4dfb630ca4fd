"""Source-only end to end on a tiny SynFER, through the experiment script and
train.py: run folder contents, resume after SIGKILL, 2-process DDP, bad configs."""
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import REPO, TINY_CONFIG, run, train_cmd

EVAL_SETS = ('lab_val', 'lab_test', 'wild_test', 'lowres_test')


def _split_sizes(workdir):
    from ferda.datasets import ExpwReader, Fer2013CsvReader, RafDbReader
    root = osp.join(workdir, 'data', 'synfer')
    lab = dict(data_root=f'{root}/lab', val_split_file=f'{root}/lab/basic/splits/val_seed0.txt')
    return dict(
        lab_val=len(RafDbReader(split='val', **lab).load()),
        lab_test=len(RafDbReader(split='test', **lab).load()),
        wild_test=len(ExpwReader(f'{root}/wild', 'test',
                                 f'{root}/wild/splits/expw_seed0.csv').load()),
        lowres_test=len(Fer2013CsvReader(f'{root}/lowres', 'test').load()))


def test_experiment_script_writes_the_run_folder(synfer_workdir):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    log = synfer_workdir / 'runs' / 'e2e' / 'logs' / 'train.log'
    out = open(synfer_workdir / 'e2e.out', 'w+')
    proc = subprocess.Popen(['bash', osp.join(REPO, 'experiments', 'source_only.sh'), 'e2e',
                             TINY_CONFIG], cwd=synfer_workdir, env=env,
                            stdout=out, stderr=subprocess.STDOUT, text=True)
    sizes = []
    while proc.poll() is None:
        if log.is_file():
            sizes.append(log.stat().st_size)
        time.sleep(0.1)
    out.seek(0)
    assert proc.returncode == 0, out.read()[-5000:]
    # the log was written while the run went on, not once at the end
    assert len(set(s for s in sizes if s > 0)) >= 3, sizes

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


def _state(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(path)


def test_resume_after_sigkill_matches_uninterrupted_run(synfer_workdir):
    opts = ['--cfg-options', 'train_cfg.max_epochs=3']
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/straight', *opts), cwd=synfer_workdir)

    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    killed = synfer_workdir / 'runs' / 'killed'
    proc = subprocess.Popen(train_cmd(TINY_CONFIG, '--work-dir', 'runs/killed', *opts),
                            cwd=synfer_workdir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while not (killed / 'epoch_1.pth').is_file():
        assert proc.poll() is None, 'run ended before its first checkpoint'
        assert time.time() < deadline
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / 'epoch_3.pth').is_file(), 'killed too late to test resume'
    # the checkpoint left behind is complete and loadable (atomic write)
    assert 'state_dict' in _state(killed / 'epoch_1.pth')

    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/killed', '--resume', *opts),
        cwd=synfer_workdir)
    a = _state(synfer_workdir / 'runs' / 'straight' / 'epoch_3.pth')
    b = _state(killed / 'epoch_3.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key in a['state_dict']:
        torch.testing.assert_close(a['state_dict'][key], b['state_dict'][key], rtol=0, atol=0,
                                   msg=f'{key} differs after resume')
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
    run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         '--master_port=29533', '-m', 'ferda.tools.cli', 'test', TINY_CONFIG, ckpt,
         '--work-dir', 'runs/eval2', '--launcher', 'pytorch'], cwd=synfer_workdir)
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
    start = time.time()
    proc = run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/bad', '--cfg-options', option),
               cwd=synfer_workdir, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr + proc.stdout
    assert 'Epoch(train)' not in proc.stdout + proc.stderr
    assert time.time() - start < 120
