"""The on-disk format of a prepared face cache (datasets.md §4, step 5).

A cache folder holds::

    images_{k}.u8.npy     # (n_k, S, S, 3) uint8 shards, <= 2 GiB each, in index order
    index.csv             # idx,sample_id,rel_path,label,split,extras (extras as JSON)
    meta.json             # arguments, histograms, skip report, versions, sha256 of everything
    splits/<split>.txt    # sorted sample ids of each split, and splits/SHA256SUMS
    progress.json         # resume bookkeeping (checksum of each finished shard); not hashed

Everything here is a pure function of its arguments, so the same records give the same bytes:
no timestamps, JSON with sorted keys, ``\\n`` line ends.
:mod:`ferda.datasets.prepare` writes the format, :mod:`ferda.datasets.cached_dataset` reads it.
"""
import csv
import hashlib
import io
import json
import os
import os.path as osp
import platform
from typing import Sequence

import cv2
import mmcv
import numpy as np

from basicda.fileio import atomic_write_bytes
from basicda.fileio import sha256_file  # noqa: F401  (re-exported: the cache readers import it from here)

from .records import SampleRecord

FORMAT_VERSION = 1
MAX_SHARD_BYTES = 2 * 1024**3
NPY_HEADER_BYTES = 4096  # an upper bound on the .npy header that precedes the data
INDEX_FILE, META_FILE, PROGRESS_FILE = 'index.csv', 'meta.json', 'progress.json'
SPLITS_DIR, SUMS_FILE = 'splits', 'SHA256SUMS'
INDEX_COLUMNS = ('idx', 'sample_id', 'rel_path', 'label', 'split', 'extras')


def shard_name(k: int) -> str:
    return f'images_{k}.u8.npy'


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()




def shard_ranges(num_samples: int, size: int,
                 max_shard_bytes: int = MAX_SHARD_BYTES) -> list[tuple[int, int]]:
    """``[(start, stop), ...]``: consecutive index ranges whose shards fit ``max_shard_bytes``.

    Example:
        >>> shard_ranges(5, 2, max_shard_bytes=4096 + 2 * 12)
        [(0, 2), (2, 4), (4, 5)]
    """
    per_sample = size * size * 3
    per_shard = (max_shard_bytes - NPY_HEADER_BYTES) // per_sample
    if per_shard < 1:
        raise ValueError(f'max_shard_bytes={max_shard_bytes} cannot hold one {size}x{size}x3 '
                         f'image ({per_sample} bytes + header)')
    return [(s, min(s + per_shard, num_samples)) for s in range(0, num_samples, per_shard)]


def library_versions() -> dict:
    """Versions of the libraries whose output ends up in the shards."""
    return dict(python=platform.python_version(), numpy=np.__version__, opencv=cv2.__version__,
                mmcv=mmcv.__version__)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def dumps(value) -> str:
    """Deterministic JSON: sorted keys, fixed separators."""
    return json.dumps(_jsonable(value), sort_keys=True, indent=1, ensure_ascii=False) + '\n'


def portable_path(path: str, data_root: str, out_dir: str) -> str:
    """``path`` relative to the data root, ``<cache>/...`` inside the cache, else absolute."""
    path = osp.abspath(path)
    for root, prefix in ((out_dir, '<cache>/'), (data_root, '')):
        rel = osp.relpath(path, osp.abspath(root))
        if not rel.startswith(os.pardir):
            return prefix + rel.replace(os.sep, '/')
    return path


def index_csv(records: Sequence[SampleRecord], data_root: str) -> bytes:
    """The bytes of ``index.csv``; ``extras`` without inline pixels, as sorted-key JSON."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(INDEX_COLUMNS)
    for idx, rec in enumerate(records):
        rel = '' if rec.img_path is None else osp.relpath(rec.img_path, data_root)
        extras = {k: v for k, v in rec.extras.items() if k != 'pixels'}
        writer.writerow([idx, rec.sample_id, rel.replace(os.sep, '/'), rec.label, rec.split,
                         json.dumps(_jsonable(extras), sort_keys=True, separators=(',', ':'))])
    return buf.getvalue().encode('utf-8')


def split_lists(records: Sequence[SampleRecord]) -> dict[str, bytes]:
    """``{'<split>.txt': sorted sample ids, one per line}``."""
    by_split = {}
    for rec in records:
        by_split.setdefault(rec.split, []).append(rec.sample_id)
    return {f'{split}.txt': ''.join(f'{i}\n' for i in sorted(ids)).encode('utf-8')
            for split, ids in sorted(by_split.items())}


def class_histograms(records: Sequence[SampleRecord], num_classes: int) -> dict[str, list]:
    """``{split: counts per canonical class}``."""
    hist = {}
    for rec in records:
        hist.setdefault(rec.split, [0] * num_classes)[rec.label] += 1
    return dict(sorted(hist.items()))


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`basicda.fileio.atomic_write_bytes`),
    so a kill never leaves half a file under the final name."""
    atomic_write_bytes(data, path)
