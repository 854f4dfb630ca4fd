"""Checkpoint safety for mmengine 0.10.7 on current torch.

Faults of mmengine 0.10.7 are fixed here, in one place:

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
  :class:`AtomicLocalBackend` writes through :mod:`basicda.fileio` (temporary
  file in the same folder, fsync, rename: atomic on POSIX).
* **Finding the checkpoint to resume.** ``CheckpointHook`` writes the
  ``last_checkpoint`` pointer with a plain ``open(.., 'w')`` after the checkpoint,
  so a kill in between leaves it empty (or pointing to the previous file) and
  mmengine's auto-resume then fails on ``''``. :func:`latest_checkpoint` takes the
  newest ``epoch_N.pth`` / ``iter_N.pth`` in the folder when the pointer is
  missing, empty, stale or dangling, skips a damaged (truncated) newest checkpoint
  with a warning, and reads a pointer relative to the folder, which
  :class:`DACheckpointHook` writes (atomically) so a moved run folder resumes from
  itself. ``DARunner`` and ``ferda pipeline`` use it.

:func:`install` registers both with mmengine's own extension points
(``CheckpointLoader.register_scheme``, ``register_backend``, ``copyreg``); it is idempotent
and runs when :mod:`basicda.engine` is imported.
"""
import copyreg
import glob
import logging
import os.path as osp
import re
import zipfile
from pathlib import Path
from typing import Any, List, Optional, Union

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio import io as fileio_io
from mmengine.hooks import CheckpointHook
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from basicda.fileio import atomic_write_bytes, atomic_write_text
from basicda.registry import HOOKS

from .dist import broadcast_buffers

POINTER = 'last_checkpoint'


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


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)


_INSTALLED = False
_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def checkpoint_files(work_dir: str) -> List[str]:
    """The ``epoch_N.pth`` / ``iter_N.pth`` files directly in ``work_dir``, newest
    (highest N) first."""
    numbered = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = _NUMBERED.match(osp.basename(path))
        if match:
            numbered.append((int(match.group(2)), path))
    return [path for _, path in sorted(numbered, reverse=True)]


def read_pointer(work_dir: str) -> Optional[str]:
    """The checkpoint named by ``<work_dir>/last_checkpoint``, or None when the file
    is missing or empty. A relative name (what :class:`DACheckpointHook` writes) is
    resolved against ``work_dir``, so a copied or moved run folder resumes from
    itself; an absolute one (mmengine's, older runs) is returned as it is."""
    pointer = osp.join(work_dir, POINTER)
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        named = f.read().strip()
    if not named:
        return None
    return named if osp.isabs(named) else osp.join(work_dir, named)


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from (truncated, corrupt), or None if it is intact.

    torch's zip checkpoints are checked member by member against their CRCs
    (``zipfile.testzip``), which catches a truncated copy without unpickling it;
    a legacy non-zip file is checked by loading it.
    """
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            return None if bad is None else f'member {bad} fails its CRC check'
        safe_load(path)
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "do not resume from it"
        return f'{type(e).__name__}: {e}'.splitlines()[0]


def latest_checkpoint(work_dir: str, verify: bool = True) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from, or None if there is none.

    Reads the ``last_checkpoint`` pointer (:func:`read_pointer`), but falls back to
    (or prefers) the highest-numbered ``epoch_N.pth`` / ``iter_N.pth`` in
    ``work_dir`` when the pointer is missing, empty, names a file that does not
    exist, or names an older numbered checkpoint than one on disk (a kill between
    writing the checkpoint and the pointer). A pointer to an existing file without a
    number in its name (a custom name) is kept. With ``verify``, a candidate that is
    truncated or corrupt (:func:`checkpoint_problem`) is skipped with a warning naming
    it, and the next newest intact one is returned.

    Example:
        ``work_dir`` with ``epoch_1.pth``, ``epoch_2.pth`` and an empty
        ``last_checkpoint`` -> ``<work_dir>/epoch_2.pth``; if ``epoch_2.pth`` is
        truncated -> ``<work_dir>/epoch_1.pth`` and a warning naming ``epoch_2.pth``.

    Raises:
        RuntimeError: every checkpoint in ``work_dir`` is damaged (the message lists them).
    """
    candidates = checkpoint_files(work_dir)
    named = read_pointer(work_dir)
    if named and osp.isfile(named):
        match = _NUMBERED.match(osp.basename(named))
        newest = _NUMBERED.match(osp.basename(candidates[0])) if candidates else None
        if newest is None or match is None or int(match.group(2)) >= int(newest.group(2)):
            candidates = [named] + [c for c in candidates
                                    if osp.abspath(c) != osp.abspath(named)]
    if not verify:
        return candidates[0] if candidates else None
    broken = []
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            if broken:
                print_log(f'resuming from {path}: the newer checkpoint(s) '
                          f'{", ".join(broken)} are damaged', logger='current',
                          level=logging.WARNING)
            return path
        broken.append(path)
        print_log(f'checkpoint {path} is damaged ({problem}); falling back to an older one',
                  logger='current', level=logging.WARNING)
    if broken:
        raise RuntimeError(f'every checkpoint in {work_dir} is damaged: {", ".join(broken)}. '
                           'Resume from another copy with --resume PATH, or start again with '
                           '--overwrite.')
    return None


@HOOKS.register_module()
class DACheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` that makes the buffers identical on all ranks
    before every periodic save, and whose ``last_checkpoint`` pointer holds the
    checkpoint's path *relative to the work dir*, written atomically.

    Buffers: rank 0 saves, and the other ranks train on from their own BN
    statistics unless they get rank 0's (:func:`~basicda.engine.dist.broadcast_buffers`);
    a resume would then differ from the run that went on. ``Runner.save_checkpoint``
    and its ``before_save_checkpoint`` run on rank 0 only, so the broadcast happens
    here, where every rank passes. Best checkpoints are saved right after a
    validation, whose buffers ``BroadcastBuffersHook`` already synced.

    mmengine writes the absolute path with a plain ``open(.., 'w')``, so a copied or
    moved run folder resumed from the original folder. The parent's pointer is
    rewritten right after it (a kill in between leaves the absolute pointer, which
    :func:`read_pointer` still reads).
    """

    def before_train(self, runner) -> None:
        # best_ckpt* / last_ckpt in the resumed message hub are absolute paths of the
        # folder the run was in; in a moved folder, point them at its own copies
        hub = runner.message_hub
        for key, path in list(hub.runtime_info.items()):
            if (key == 'last_ckpt' or key.startswith('best_ckpt')) and isinstance(path, str) \
                    and not osp.exists(path):
                here = osp.join(runner.work_dir, osp.basename(path))
                if osp.exists(here):
                    hub.update_info(key, here)
        super().before_train(runner)

    def _save_checkpoint_with_step(self, runner, step, meta):
        broadcast_buffers(runner.model)
        super()._save_checkpoint_with_step(runner, step, meta)
        if is_main_process() and self.last_ckpt is not None:
            relative = osp.relpath(osp.abspath(self.last_ckpt), osp.abspath(runner.work_dir))
            atomic_write_text(relative, osp.join(runner.work_dir, POINTER))


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
