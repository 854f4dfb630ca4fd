"""Atomic file writes: the one way every file of a run is written.

A reader (a resumed run, ``ferda results``, a user's ``cat``) sees the old file or the
new one, never half of one: the bytes go to a hidden temporary file in the same folder
(``.<name>.<random>.tmp``), are flushed and fsynced, and the temporary file is renamed
over the target (``os.replace``, atomic on POSIX within one file system). A process
killed mid-write leaves only such a ``.tmp`` file, which :func:`remove_stale_tmp`
deletes when the next run starts in that folder.

Use :func:`atomic_path` when a library writes the file itself (``torch.save``,
``np.lib.format.open_memmap``), the other helpers for bytes, text and JSON.
"""
import contextlib
import glob
import hashlib
import json
import os
import os.path as osp
import re
import tempfile
from pathlib import Path
from typing import Any, Iterator, List, Union

PathLike = Union[str, Path]

#: ``.<target name>.<random>.tmp``, the temporary file of :func:`atomic_path`.
_TMP = re.compile(r'^\..+\.[A-Za-z0-9_]+\.tmp$')


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[str]:
    """Yield a temporary path next to ``path``; on a clean exit it is fsynced and
    renamed to ``path``, on an exception it is removed and ``path`` is untouched.

    Example:
        >>> with atomic_path('runs/x/epoch_1.pth') as tmp:
        ...     torch.save(state, tmp)
    """
    path = str(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path) + '.', suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, 'rb+') as f:  # the writer may have used its own handle
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write_bytes(data: bytes, path: PathLike) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    with atomic_path(path) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def atomic_write_text(text: str, path: PathLike, encoding: str = 'utf-8') -> None:
    """Write ``text`` to ``path`` atomically."""
    atomic_write_bytes(text.encode(encoding), path)


def atomic_write_json(obj: Any, path: PathLike, **dump_kwargs) -> None:
    """``json.dump(obj)`` to ``path`` atomically; ``dump_kwargs`` go to ``json.dumps``."""
    atomic_write_text(json.dumps(obj, **dump_kwargs), path)


def remove_stale_tmp(folder: PathLike) -> List[str]:
    """Delete the temporary files that interrupted atomic writes left directly in
    ``folder``; returns their paths. Call it only where no other process is writing
    (e.g. a run folder whose lock this process holds)."""
    removed = []
    for path in glob.glob(osp.join(str(folder), '.*.tmp')):
        if _TMP.match(osp.basename(path)) and osp.isfile(path):
            os.remove(path)
            removed.append(path)
    return sorted(removed)


def sha256_file(path: PathLike, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file's bytes, read in ``chunk``-byte blocks (checkpoints, caches,
    artefacts and fold files are verified with it)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()
