"""A run a user can trust (issue 11 items 1-4, 8, 9), through train.py and
experiments/source_only.sh on a tiny SynFER:

* 2-process validation during training scores exactly the saved checkpoint;
* killing the launcher's process group kills every trainer; a second trainer on a
  live run's folder refuses, naming the holder; the lock dies with the holder;
* no silent re-run into a folder holding a run; relative ``last_checkpoint``; the
  first config kept; stale temporary files removed;
* the error of a failed rank is in ``logs/train.log``, once.
"""
import glob
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, TINY_CONFIG, run, train_cmd

HOOKS = 'tests.e2e.run_safety_hooks'
EVAL_SETS = ('lab_val', 'lab_test', 'wild_test', 'lowres_test')
pytestmark = pytest.mark.slow


def _config(folder, name, hooks, epochs=2):
    path = osp.join(str(folder), name)
    with open(path, 'w') as f:
        f.write(f"_base_ = [{TINY_CONFIG!r}]\n"
                f"custom_imports = dict(imports=[{HOOKS!r}], allow_failed_imports=False)\n"
                f"custom_hooks = [{hooks}]\n"
                f"train_cfg = dict(max_epochs={epochs})\n")
    return path


def _script(*args):
    return ['bash', osp.join(REPO, 'experiments', 'source_only.sh'), *args]


def _val_confusions(work):
    """{step: {dataset: matrix}} of the in-training validations."""
    out = {}
    for path in glob.glob(str(work / 'confusion' / '*.json')):
        record = json.loads(open(path).read())
        if '_final' not in osp.basename(path):
            out.setdefault(record['step'], {})[record['dataset']] = record['matrix']
    return out


def test_two_process_validation_scores_the_saved_checkpoint(synfer_workdir):
    run(_script('val2', TINY_CONFIG, '2'), cwd=synfer_workdir)
    work = synfer_workdir / 'runs' / 'val2'
    validations = _val_confusions(work)
    assert len(validations) == 2, sorted(validations)
    for epoch, step in zip((1, 2), sorted(validations)):
        out = f'runs/val2_test{epoch}'
        run([sys.executable, '-m', 'ferda.tools.cli', 'test', TINY_CONFIG,
             str(work / f'epoch_{epoch}.pth'), '--work-dir', out], cwd=synfer_workdir)
        tested = json.loads((synfer_workdir / out / 'results.json').read_text())['metrics']
        for name in EVAL_SETS:
            assert validations[step][name] == tested[name]['confusion'], \
                f'epoch {epoch} {name}: in-training validation != ferda test of epoch_{epoch}.pth'
    log = (work / 'logs' / 'train.log').read_text()
    assert "dist_cfg: {'backend': 'gloo'}" in log  # what the CPU run really used
    assert 'nccl' not in log


def _alive(pid):
    """The process exists and is not a zombie."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def _wait_dead(pids, timeout=60):
    end = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


def test_killing_the_script_kills_its_trainers_and_the_lock_names_the_holder(synfer_workdir):
    config = _config(synfer_workdir, 'pause.py', "dict(type='PauseAfterCheckpointHook', at=1)")
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(_script('paused', config, '2'), cwd=synfer_workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    work = synfer_workdir / 'runs' / 'paused'
    pids = []
    try:
        lines = []
        for line in proc.stdout:  # the run says when it is paused after epoch 1
            lines.append(line)
            if 'FERDA-TEST-READY' in line:
                break
        else:
            raise AssertionError('run ended before its pause:\n' + ''.join(lines[-60:]))
        pids = [int((work / 'pids' / f'rank{r}').read_text()) for r in (0, 1)]
        assert all(_alive(p) for p in pids)

        # a second trainer on the live run's folder refuses, naming the holder
        second = run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/paused', '--resume'),
                     cwd=synfer_workdir, check=False)
        assert second.returncode != 0
        assert f'runs/paused is in use by another trainer (pid {pids[0]} on ' in second.stderr
        assert 'train.py' in second.stderr  # the holder's command
        assert not (work / 'epoch_2.pth').exists()

        os.killpg(proc.pid, signal.SIGKILL)  # what a user's kill of the script group does
        proc.wait()
        survivors = _wait_dead(pids)
        assert not survivors, f'trainers {survivors} outlived their killed launcher'
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stdout.close()
    # the lock died with its holder: the run resumes
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/paused', '--resume'), cwd=synfer_workdir)
    assert (work / 'epoch_2.pth').is_file()


def test_run_folder_is_not_overwritten_and_resumes_after_a_move(synfer_workdir):
    one = ['--cfg-options', 'train_cfg.max_epochs=1']
    work = synfer_workdir / 'runs' / 'first'
    # --resume into an empty folder starts from the beginning, saying so
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/first', '--resume', *one),
        cwd=synfer_workdir)
    log = (work / 'logs' / 'train.log').read_text()
    assert '--resume: no checkpoint in' in log
    assert 'latest checkpoint None' not in log
    assert 'eta: -' not in log  # validation lines of the larger extra datasets
    assert 'nccl' not in log  # one CPU process: no process group at all
    assert (work / 'last_checkpoint').read_text() == 'epoch_1.pth'  # relative
    name = osp.basename(TINY_CONFIG)
    first_config = (work / name).read_text()
    before = (work / 'epoch_1.pth').read_bytes()

    again = run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/first', *one), cwd=synfer_workdir,
                check=False)
    assert again.returncode != 0
    assert 'runs/first already holds a run (epoch_1.pth' in again.stderr
    assert '--resume' in again.stderr and '--overwrite' in again.stderr
    assert (work / 'epoch_1.pth').read_bytes() == before

    # a moved folder resumes from itself; a stale temporary file is removed;
    # the first config stays, the resume's is written beside it
    moved = synfer_workdir / 'runs' / 'moved'
    shutil.move(str(work), str(moved))
    stale = moved / '.epoch_2.pth.abcd1234.tmp'
    stale.write_bytes(b'half a checkpoint')
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/moved', '--resume',
                  '--cfg-options', 'train_cfg.max_epochs=2'), cwd=synfer_workdir)
    log = (moved / 'logs' / 'train.log').read_text()
    assert f'Auto resuming from the latest checkpoint {moved / "epoch_1.pth"}' in log
    assert not stale.exists()
    assert (moved / name).read_text() == first_config
    stem = osp.splitext(name)[0]
    assert 'max_epochs=2' in (moved / f'{stem}.resume-1.py').read_text().replace(' ', '')
    assert (moved / 'last_checkpoint').read_text() == 'epoch_2.pth'

    # --overwrite starts again and leaves none of the old run's checkpoints behind
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/moved', '--overwrite', *one),
        cwd=synfer_workdir)
    assert not (moved / 'epoch_2.pth').exists()
    assert (moved / 'last_checkpoint').read_text() == 'epoch_1.pth'


def test_error_of_the_failed_rank_is_in_train_log_once(synfer_workdir):
    config = _config(synfer_workdir, 'fail.py', "dict(type='FailOnRankHook', rank=1)")
    proc = run(_script('failed', config, '2'), cwd=synfer_workdir, check=False)
    assert proc.returncode != 0
    log = (synfer_workdir / 'runs' / 'failed' / 'logs' / 'train.log').read_text()
    assert log.count('ERROR rank 1 failed: RuntimeError: injected failure on rank 1') == 1
    assert log.count('Traceback (most recent call last)') == 1
    assert 'in before_train_iter' in log  # the traceback itself
    # on the terminal: one line from rank 1, no second traceback of it
    out = proc.stdout + proc.stderr
    assert out.count('RuntimeError: injected failure on rank 1') == 1, out[-3000:]
