"""1 vs 2 processes through train.py: training, not only evaluation.

The BN-free toy source-only run (tests/configs/tiny_toy_source-only_synfer.py: no BN,
no random augmentation, whole batches) trained by 1 process with batch 8 and by 2 gloo
processes with batch 4 each sees the same samples at every step and ends with the same
weights, optimiser state, schedulers and oracle record (up to float summation order:
DDP averages the two local gradients). A 2-process run killed right after a checkpoint
and resumed with 2 processes ends bit-identical to the uninterrupted 2-process run.
"""
import json
import os.path as osp
import sys

import pytest

from tests.conftest import REPO, assert_same_training_state, run, train_cmd
from tests.hooks import write_config

TOY = osp.join(REPO, 'tests', 'configs', 'tiny_toy_source-only_synfer.py')
SCRIPT = osp.join(REPO, 'experiments', 'train.sh')
RECORD = dict(type='RecordBatchesHook')

pytestmark = pytest.mark.slow


def _load(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(str(path))


def _jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def _train(workdir, config, name, processes, *flags, check=True):
    if processes == 1:
        cmd = train_cmd(config, '--work-dir', f'runs/{name}', *flags)
    else:
        cmd = ['bash', SCRIPT, name, config, str(processes), *flags]
    return run(cmd, cwd=workdir, check=check)


@pytest.fixture(scope='module')
def config(synfer_workdir):
    return write_config(str(synfer_workdir / 'toy_record.py'), TOY, hooks=[RECORD])


@pytest.fixture(scope='module')
def one(synfer_workdir, config):
    _train(synfer_workdir, config, 'toy_one', 1)
    return synfer_workdir / 'runs' / 'toy_one'


@pytest.fixture(scope='module')
def two(synfer_workdir, config):
    _train(synfer_workdir, config, 'toy_two', 2, '--cfg-options', 'train_dataloader.batch_size=4')
    return synfer_workdir / 'runs' / 'toy_two'


def test_two_processes_train_like_one(one, two):
    # step t of the 2-process run trains on the 1-process batch of step t, split in two
    single = _jsonl(one / 'batches.jsonl')
    rank0, rank1 = _jsonl(two / 'batches.jsonl'), _jsonl(two / 'batches_rank1.jsonl')
    assert len(single) == len(rank0) == len(rank1) > 2
    for a, b0, b1 in zip(single, rank0, rank1):
        assert a['iter'] == b0['iter'] == b1['iter']
        assert len(b0['sample_idx']) == len(b1['sample_idx']) == 4
        assert sorted(a['sample_idx']) == sorted(b0['sample_idx'] + b1['sample_idx'])
        assert a['inputs_sum'] == b0['inputs_sum'] + b1['inputs_sum']
    last = max(int(p.stem.split('_')[1]) for p in one.glob('epoch_*.pth'))
    a, b = _load(one / f'epoch_{last}.pth'), _load(two / f'epoch_{last}.pth')
    # the processes' RNG streams differ by design (per-rank worker seeds)
    assert_same_training_state(a, b, atol=1e-6, skip=('rng_state',))
    # and training did move the weights: the equality is not that of two idle runs
    first = _load(one / 'epoch_1.pth')['state_dict']
    assert max(float((a['state_dict'][k] - first[k]).abs().max()) for k in first) > 1e-3
    ra = json.loads((one / 'results.json').read_text())['metrics']
    rb = json.loads((two / 'results.json').read_text())['metrics']
    assert ra.keys() == rb.keys()
    for name in ra:
        assert ra[name]['confusion'] == rb[name]['confusion'], name


def test_two_process_kill_and_resume_is_bit_identical(synfer_workdir, two):
    config = write_config(str(synfer_workdir / 'toy_kill.py'), TOY, hooks=[
        RECORD, dict(type='KillAfterCheckpointHook', at=1, by_epoch=True)])
    flags = ['--cfg-options', 'train_dataloader.batch_size=4']
    killed = synfer_workdir / 'runs' / 'toy_two_killed'
    proc = _train(synfer_workdir, config, 'toy_two_killed', 2, *flags, check=False)
    # both ranks killed themselves (torchrun reports each), none failed otherwise
    assert proc.returncode != 0, proc.stderr[-3000:]
    assert proc.stderr.count('Signal 9 (SIGKILL) received by PID') == 2, proc.stderr[-3000:]
    assert (killed / 'epoch_1.pth').is_file() and not (killed / 'epoch_2.pth').is_file()
    _train(synfer_workdir, config, 'toy_two_killed', 2, *flags, '--resume')
    assert 'resumed at epoch 1' in (killed / 'logs' / 'train.log').read_text()
    assert_same_training_state(_load(two / 'epoch_2.pth'), _load(killed / 'epoch_2.pth'))
    # the batches after the resume are those of the uninterrupted run
    for name in ('batches.jsonl', 'batches_rank1.jsonl'):
        assert _jsonl(killed / name) == _jsonl(two / name), name
    ra = json.loads((two / 'results.json').read_text())
    rb = json.loads((killed / 'results.json').read_text())
    assert ra['metrics'] == rb['metrics'] and ra['oracle'] == rb['oracle']
