"""Run-folder safety (basicda/engine/run_dir.py), the atomic-write helper
(basicda/fileio.py), buffer broadcast and the evaluation ETA."""
import os
import signal
import subprocess
import sys

import pytest
import torch

from basicda.engine.run_dir import (RunDirError, check_run_dir, lock_run_dir, log_failure,
                                    peer_failed)
from basicda.fileio import atomic_path, atomic_write_json, remove_stale_tmp
from tests.conftest import REPO
from tests.dist_utils import spawn_gloo


def test_atomic_path_keeps_the_target_and_leaves_no_temp_file_on_error(tmp_path):
    target = tmp_path / 'a.pt'
    with atomic_path(target) as tmp:
        torch.save({'x': 1}, tmp)
    assert torch.load(target)['x'] == 1
    with pytest.raises(ValueError, match='boom'):
        with atomic_path(target) as tmp:
            torch.save({'x': 2}, tmp)
            raise ValueError('boom')
    assert torch.load(target)['x'] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.pt']


def test_remove_stale_tmp_removes_only_interrupted_writes(tmp_path):
    (tmp_path / '.epoch_3.pth.k2j4_x9a.tmp').write_bytes(b'half')  # what atomic_path leaves
    (tmp_path / 'notes.tmp').write_text('a user file')
    (tmp_path / '.hidden').write_text('x')
    atomic_write_json({'a': 1}, tmp_path / 'results.json')
    removed = remove_stale_tmp(tmp_path)
    assert [os.path.basename(p) for p in removed] == ['.epoch_3.pth.k2j4_x9a.tmp']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.hidden', 'notes.tmp', 'results.json']


def test_second_locker_is_refused_with_the_holder_named_until_the_holder_dies(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sys; from basicda.engine.run_dir import lock_run_dir; '
         f'lock_run_dir({str(tmp_path)!r}); print("locked", flush=True); sys.stdin.read()'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=REPO))
    try:
        assert holder.stdout.readline().strip() == 'locked'  # the holder says it holds it
        with pytest.raises(RunDirError, match=rf'in use by another trainer \(pid {holder.pid} on '):
            lock_run_dir(str(tmp_path))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock_run_dir(str(tmp_path))  # the kernel released the dead holder's lock
    assert f'pid {os.getpid()} on' in (tmp_path / 'run.lock').read_text()


def test_check_run_dir_refuses_a_run_folder_unless_resume_or_overwrite(tmp_path):
    assert check_run_dir(str(tmp_path), resume=False, overwrite=False) == []  # empty: fine
    for name in ('epoch_1.pth', 'epoch_2.pth', 'best_acc_epoch_2.pth', 'cfg.resume-1.py',
                 'results.json'):
        (tmp_path / name).write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text('epoch_2.pth')
    (tmp_path / 'cfg.py').write_text('x = 1')
    with pytest.raises(RunDirError, match=r'already holds a run \(epoch_2.pth, epoch_1.pth, '
                                          r'best_acc_epoch_2.pth.*--resume.*--overwrite'):
        check_run_dir(str(tmp_path), resume=False, overwrite=False)
    assert check_run_dir(str(tmp_path), resume=True, overwrite=False) == []
    check_run_dir(str(tmp_path), resume=False, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['cfg.py']


def _raise(message):
    raise RuntimeError(message)


def test_log_failure_writes_the_error_once_with_its_traceback(tmp_path):
    log = tmp_path / 'logs' / 'train.log'
    try:
        _raise('bad value in loss')
    except RuntimeError as e:
        error = e
    log_failure(str(log), 1, error)
    log_failure(str(log), 0, error)  # the same failure on another rank
    text = log.read_text()
    assert text.count('ERROR rank 1 failed: RuntimeError: bad value in loss') == 1
    assert 'ERROR rank 0' not in text
    assert text.count('Traceback (most recent call last)') == 1 and 'in _raise' in text
    gone = RuntimeError('[pair.cc:561] Connection closed by peer [127.0.0.1]:1234. ...')
    assert peer_failed(gone) and not peer_failed(error)
    log_failure(str(log), 0, gone)
    assert 'ERROR rank 0 failed: a collective failed, most likely because another rank' \
        in log.read_text()
    assert log.read_text().count('Traceback') == 1


def _broadcast_worker(rank, world_size, out):
    from basicda.engine.dist import broadcast_buffers
    bn = torch.nn.BatchNorm1d(3)
    bn.running_mean.fill_(float(rank + 1))
    bn.running_var.fill_(float(10 * (rank + 1)))
    bn.num_batches_tracked.fill_(5 + rank)
    broadcast_buffers(bn)
    torch.save(dict(bn.state_dict()), f'{out}/rank{rank}.pt')


def test_broadcast_buffers_gives_every_rank_the_buffers_of_rank_0(tmp_path):
    spawn_gloo(_broadcast_worker, 2, str(tmp_path))
    for rank in (0, 1):
        state = torch.load(tmp_path / f'rank{rank}.pt')
        # rank 0's values (1, 10, 5), not an average (1.5, 15, 5.5)
        assert state['running_mean'].tolist() == [1.0, 1.0, 1.0]
        assert state['running_var'].tolist() == [10.0, 10.0, 10.0]
        assert int(state['num_batches_tracked']) == 5


def test_remaining_seconds():
    from basicda.engine.hooks import remaining_seconds
    assert remaining_seconds(10.0, 4, 10) == 15.0  # 2.5 s per batch, 6 batches left
    assert remaining_seconds(10.0, 12, 10) == 0.0  # never negative ("eta: -1 day")


def test_resume_config_path(tmp_path):
    from basicda.engine.runner import resume_config_path
    assert resume_config_path(str(tmp_path), 'a.py') == str(tmp_path / 'a.py')
    (tmp_path / 'a.py').write_text('first')
    assert resume_config_path(str(tmp_path), 'a.py') == str(tmp_path / 'a.resume-1.py')
    (tmp_path / 'a.resume-1.py').write_text('second')
    assert resume_config_path(str(tmp_path), 'a.py') == str(tmp_path / 'a.resume-2.py')
