"""Checkpoint safety for mmengine 0.10.7 on current torch.

Two faults of mmengine 0.10.7 are fixed here, in one place:

* **Loading.** ``load_from_local`` calls ``torch.load`` with torch's default, which
  since torch 2.6 is ``weights_only=True`` and rejects the mmengine and numpy
  objects a resume checkpoint holds (``UnpicklingError`` on ``HistoryBuffer``).
  We keep ``weights_only=True`` and allow exactly the few types listed in
  :data:`SAFE_GLOBALS`, never by switching the safety off.
* **HistoryBuffer.** Its ``__getstate__`` pickles bound statistics methods as
  ``getattr(HistoryBuffer, 'min')``; allowing ``getattr`` would void the safety.
  :func:`_reduce_history_buffer` makes it pickle as a plain constructor call
  ``HistoryBuffer(log_history, count_history, max_length)`` instead.
* **Saving.** ``LocalBackend.put`` writes bytes straight to the final name, so a
  kill mid-write leaves a truncated checkpoint that ``--resume`` then picks up.
  :class:`AtomicLocalBackend` writes a temporary file in the same folder,
  fsyncs it and renames it over the target (atomic on POSIX).
* **Finding the checkpoint to resume.** ``CheckpointHook`` writes the
  ``last_checkpoint`` pointer with a plain ``open(.., 'w')`` after the checkpoint,
  so a kill in between leaves it empty (or pointing to the previous file) and
  mmengine's auto-resume then fails on ``''``. :func:`latest_checkpoint` takes the
  newest ``epoch_N.pth`` / ``iter_N.pth`` in the folder when the pointer is
  missing, empty, stale or dangling (``DARunner`` uses it).

:func:`install` registers both with mmengine's own extension points
(``CheckpointLoader.register_scheme``, ``register_backend``, ``copyreg``); it is idempotent
and runs when :mod:`basicda.engine` is imported.
"""
import copyreg
import glob
import os
import re
import os.path as osp
import tempfile
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio import io as fileio_io
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_globals() -> list:
    """numpy objects that appear in mmengine message hubs and RNG states."""
    items: list = [np.ndarray, np.dtype]
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    items += [_reconstruct, scalar]
    # dtype classes (np.dtypes.Float64DType, ...) pickled with every ndarray/scalar
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        items += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return items


#: The only non-tensor types a checkpoint of ours may contain.
SAFE_GLOBALS = [HistoryBuffer] + _numpy_globals()


def safe_load(filename: Union[str, Path], map_location: Any = 'cpu') -> Any:
    """``torch.load`` with ``weights_only=True`` plus :data:`SAFE_GLOBALS`.

    Raises:
        FileNotFoundError: the file does not exist (the message names it).
        pickle.UnpicklingError: the file holds a type outside the allow-list; the
            message from torch names the type.
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        return torch.load(filename, map_location=map_location, weights_only=True)


def _load_from_local(filename, map_location):
    return safe_load(filename, map_location=map_location)


def _reduce_history_buffer(buffer: HistoryBuffer):
    log_history, count_history = buffer.data
    return HistoryBuffer, (log_history, count_history, buffer.max_length)


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` so that readers see the old or the new file,
    never a partial one."""
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(filepath) + '.', suffix='.tmp',
                               dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)


_INSTALLED = False
_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from, or None if there is none.

    Reads mmengine's ``last_checkpoint`` pointer, but falls back to (or prefers) the
    highest-numbered ``epoch_N.pth`` / ``iter_N.pth`` in ``work_dir`` when the
    pointer is missing, empty, names a file that does not exist, or names an older
    numbered checkpoint than one on disk (a kill between writing the checkpoint and
    the pointer). A pointer to an existing file without a number in its name (a
    custom name) is kept.

    Example:
        ``work_dir`` with ``epoch_1.pth``, ``epoch_2.pth`` and an empty
        ``last_checkpoint`` -> ``<work_dir>/epoch_2.pth``.
    """
    numbered = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = _NUMBERED.match(osp.basename(path))
        if match:
            numbered.append((int(match.group(2)), path))
    newest = max(numbered)[1] if numbered else None
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = ''
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
    if named and osp.isfile(named):
        match = _NUMBERED.match(osp.basename(named))
        if newest is None or match is None or \
                int(match.group(2)) >= max(numbered)[0]:
            return named
    return newest


def install() -> None:
    """Register the safe loader and the atomic local backend with mmengine."""
    global _INSTALLED
    if _INSTALLED:
        return
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    fileio_io.backend_instances.clear()  # drop LocalBackend objects cached before us
    _INSTALLED = True
