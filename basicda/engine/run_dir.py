"""Safety of a run folder: one trainer at a time, no silent overwrite, workers that
die with their launcher, and the error in the run's log.

* :func:`lock_run_dir` takes an exclusive ``fcntl.flock`` on ``<work_dir>/run.lock``
  for the life of the process. The kernel drops the lock when the process dies
  (even by SIGKILL), so there is never a stale lock to clean up. The file holds the
  holder's pid, host and command, which a refused second trainer prints.
* :func:`check_run_dir` refuses to start a fresh run in a folder that already
  holds checkpoints (``--resume`` continues it, ``--overwrite`` starts again).
* :func:`die_with_parent` asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to
  kill this process when its parent dies. torchrun starts workers in their own
  session (``start_new_session=True``), so killing the launcher's process group
  does not reach them; without this a killed ``experiments/*.sh`` leaves a trainer
  running, re-parented, still writing the run folder. The kernel signal is chosen
  over a watchdog thread that polls the parent pid because it is immediate and
  works even while Python is stuck in C code holding the GIL; it is Linux-only
  (elsewhere the function does nothing).
* :func:`log_failure` appends the error of a failed run to ``logs/train.log``.
"""
import ctypes
import fcntl
import glob
import os
import os.path as osp
import signal
import socket
import sys
import traceback
from typing import List

from .checkpoint import POINTER, checkpoint_files

LOCK_FILE = 'run.lock'
#: exported by experiments/train.sh: the pid of the torchrun that starts the workers
LAUNCHER_PID_ENV = 'FERDA_LAUNCHER_PID'
_PR_SET_PDEATHSIG = 1
#: what gloo says when the rank at the other end of a collective died
_PEER_GONE = ('Connection closed by peer', 'Connection reset by peer', 'remote worker crashing')
_held = {}  # work_dir -> open lock file; kept open (and locked) until the process ends


class RunDirError(RuntimeError):
    """The run folder cannot be used as asked (locked, or holds another run)."""


def lock_run_dir(work_dir: str) -> None:
    """Lock ``work_dir`` for this process, or raise naming the process that holds it.

    Raises:
        RunDirError: another live process holds the lock; the message gives its pid,
            host and command.
    """
    work_dir = osp.abspath(work_dir)
    if work_dir in _held:
        return
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    f = open(path, 'a+')
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip() or 'unknown process'
        f.close()
        raise RunDirError(f'{work_dir} is in use by another trainer ({holder}). Wait for it '
                          f'to end or stop it; the lock ({path}) is released when that '
                          'process exits.') from None
    f.seek(0)
    f.truncate()
    f.write(f'pid {os.getpid()} on {socket.gethostname()}: {" ".join(sys.argv)}\n')
    f.flush()
    _held[work_dir] = f


def run_artefacts(work_dir: str) -> List[str]:
    """The files that make ``work_dir`` hold a (possibly unfinished) run: numbered
    and best checkpoints and the ``last_checkpoint`` pointer."""
    found = checkpoint_files(work_dir) + sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if osp.isfile(osp.join(work_dir, POINTER)):
        found.append(osp.join(work_dir, POINTER))
    return found


def check_run_dir(work_dir: str, resume: bool, overwrite: bool) -> List[str]:
    """Refuse a fresh start in a folder that holds a run, unless ``overwrite``.

    With ``overwrite`` the old run's checkpoints, pointer, ``results.json`` and
    resume configs are deleted (else a later ``--resume`` could pick the old run's
    newer checkpoint); logs are kept (the log is appended). Returns what was deleted.

    Raises:
        RunDirError: ``work_dir`` holds checkpoints and neither ``resume`` nor
            ``overwrite`` is set; the message names the folder and the way out.
    """
    if resume:
        return []
    found = run_artefacts(work_dir)
    if not found:
        return []
    if not overwrite:
        names = ', '.join(osp.basename(p) for p in found[:4]) + (', ...' if len(found) > 4 else '')
        raise RunDirError(f'{work_dir} already holds a run ({names}). Add --resume to continue '
                          'it, choose a new EXP name (or --work-dir), or add --overwrite to '
                          'delete its checkpoints and start again.')
    found += glob.glob(osp.join(work_dir, '*.resume-*.py'))
    if osp.isfile(osp.join(work_dir, 'results.json')):
        found.append(osp.join(work_dir, 'results.json'))
    for path in found:
        os.remove(path)
    return found


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent (the launcher) dies.

    If ``FERDA_LAUNCHER_PID`` is set and is no longer our parent, the launcher died
    before the request took effect, and we exit at once.
    """
    if not sys.platform.startswith('linux'):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_PDEATHSIG) failed')
    expected = os.environ.get(LAUNCHER_PID_ENV)
    if expected and os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGKILL)


def peer_failed(error: BaseException) -> bool:
    """``error`` is a collective that broke because another rank died: torch's
    ``DistBackendError``, or gloo's plain ``RuntimeError`` whose message says the
    peer closed the connection."""
    import torch.distributed as torch_dist
    if isinstance(error, getattr(torch_dist, 'DistBackendError', ())):
        return True
    return isinstance(error, RuntimeError) and any(
        text in str(error) for text in _PEER_GONE)


def log_failure(log_file: str, rank: int, error: BaseException) -> None:
    """Append ``error`` (one line naming the rank and the error, then the traceback)
    to ``log_file``. When another rank already wrote the same traceback (the
    same failure on every rank), it is not written again; a rank whose collective
    broke because a peer died writes one line only (the peer has the error)."""
    summary = f'{type(error).__name__}: {error}'.splitlines()[0]
    if peer_failed(error):
        trace = ''
        summary = f'a collective failed, most likely because another rank failed ({summary})'
    else:
        trace = ''.join(traceback.format_exception(type(error), error, error.__traceback__))
    os.makedirs(osp.dirname(log_file) or '.', exist_ok=True)
    with open(log_file, 'a+') as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # ranks failing together append in turn
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 200_000))
        if trace and trace in f.read():
            return
        f.write(f'ERROR rank {rank} failed: {summary}\n{trace}')
        f.flush()

