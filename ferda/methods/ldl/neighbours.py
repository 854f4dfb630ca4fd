"""LDL's neighbour lists in valence-arousal space, cached in the run (``docs/ldl.md`` §2.1).

Without a ``knn`` column, each training row's K neighbours are its exact nearest rows
in VA space (:func:`basicda.ops.knn.knn_exact`, L1, self excluded). The search runs
once, on rank 0, and is broadcast. The table (from VA or from a ``knn`` column) is
saved as ``knn.npy`` in the run folder with a ``knn.json`` sidecar (K, metric, sha256
of the VA array and of the table); a later start in the same folder (a resume)
refuses a different table or a modified file, naming the differing value.
"""
import hashlib
import json
import os.path as osp
import numpy as np

from basicda.fileio import atomic_path, atomic_write_json
from basicda.ops.gather import broadcast_object, world_info
from basicda.ops.knn import knn_exact

__all__ = ['array_sha256', 'check_va', 'read_va_file', 'va_neighbours', 'record_knn']

KNN_FILE, KNN_META = 'knn.npy', 'knn.json'


def array_sha256(x: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and C-order bytes."""
    x = np.ascontiguousarray(x)
    digest = hashlib.sha256(f'{x.dtype.str}{x.shape}'.encode())
    digest.update(x.tobytes())
    return digest.hexdigest()


def check_va(va, sample_ids=None) -> np.ndarray:
    """(N, 2) float64 VA of the training rows; a missing value, the AffectNet code -2
    or a value outside [-1, 1] is an error naming the first bad sample."""
    va = np.asarray(va, dtype=np.float64)
    if va.ndim != 2 or va.shape[1] != 2:
        raise ValueError(f'valence-arousal must be an (N, 2) array, got shape {va.shape}')
    bad = ~np.isfinite(va).all(1) | (np.abs(va) > 1).any(1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        name = sample_ids[i] if sample_ids is not None else f'row {i}'
        found = tuple(float(v) for v in va[i])
        raise ValueError(f'valence-arousal of {name} is {found}: every training row needs '
                         f'values in [-1, 1] (missing or -2 is not allowed); '
                         f'{int(bad.sum())} bad rows')
    return va


def read_va_file(path: str, sample_ids) -> np.ndarray:
    """(N, 2) float64 valence-arousal of ``sample_ids`` from a CSV ``sample_id,valence,arousal``
    (header row required, other columns ignored, a BOM and CRLF accepted), for datasets whose
    annotation has no VA.

    Raises:
        ValueError: naming the file and line for a header without the three columns, a
            short row, a non-number or a repeated id; naming the file and the sample (and
            how many are missing) when a training sample has no row.

    Example:
        a file ``sample_id,valence,arousal`` / ``b,0.5,-0.25`` / ``a,0,1`` read for
        ``['a', 'b']`` gives ``[[0, 1], [0.5, -0.25]]``.
    """
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    if not lines:
        raise ValueError(f'{path}: empty file; expected the header sample_id,valence,arousal')
    header = [h.strip() for h in lines[0].split(',')]
    missing_cols = [c for c in ('sample_id', 'valence', 'arousal') if c not in header]
    if missing_cols:
        raise ValueError(f'{path}:1: expected a header with sample_id, valence and arousal; '
                         f'{", ".join(missing_cols)} missing in {lines[0]!r}')
    cols = [header.index(c) for c in ('sample_id', 'valence', 'arousal')]
    table, where = {}, {}
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [x.strip() for x in line.split(',')]
        if len(fields) != len(header):
            raise ValueError(f'{path}:{i}: expected {len(header)} fields, found {len(fields)}')
        sid = fields[cols[0]]
        if sid in table:
            raise ValueError(f'{path}:{i}: sample {sid!r} again (first at line {where[sid]})')
        try:
            table[sid] = (float(fields[cols[1]]), float(fields[cols[2]]))
        except ValueError:
            raise ValueError(f'{path}:{i}: valence and arousal must be numbers, found '
                             f'{fields[cols[1]]!r}, {fields[cols[2]]!r}') from None
        where[sid] = i
    ids = list(sample_ids)
    absent = [sid for sid in ids if sid not in table]
    if absent:
        raise ValueError(f'{path}: no valence-arousal row for training sample {absent[0]!r} '
                         f'({len(absent)} of {len(ids)} samples missing)')
    return np.array([table[sid] for sid in ids], dtype=np.float64).reshape(len(ids), 2)


def _search(va: np.ndarray, k: int, metric: str, backend: str) -> np.ndarray:
    return knn_exact(va, k, metric=metric, exclude_self=True, backend=backend).astype(np.int64)


def va_neighbours(va: np.ndarray, k: int, metric: str = 'l1',
                  backend: str = 'faiss') -> np.ndarray:
    """The (N, k) exact neighbours of every VA row, self excluded, computed on rank 0
    and broadcast (every rank gets rank 0's table).

    Args:
        va (ndarray): (N, 2) VA (:func:`check_va`).
        k (int): neighbours per row.
        metric (str): ``'l1'`` or ``'l2'``. backend (str): ``'faiss'`` or ``'torch'``.

    Returns:
        ndarray: (N, k) int64.
    """
    va = check_va(va)
    rank, _ = world_info()
    result = _search(va, k, metric, backend) if rank == 0 else None
    return np.asarray(broadcast_object(result, src=0), dtype=np.int64)


def record_knn(run_dir: str, nidx: np.ndarray, meta: dict) -> None:
    """Save the neighbour table as ``run_dir/knn.npy`` with ``knn.json`` (``meta``, e.g.
    k, metric and the VA sha256, plus ``knn_sha256``); when the run folder holds them
    already (a resume), check that they equal this run's instead.

    Raises:
        ValueError: a saved value differs from this run's, the saved table does not
            match its recorded hash, or only one of the two files exists.
    """
    path, meta_path = osp.join(run_dir, KNN_FILE), osp.join(run_dir, KNN_META)
    meta = dict(meta, knn_sha256=array_sha256(np.asarray(nidx, dtype=np.int64)))
    if not (osp.exists(path) or osp.exists(meta_path)):
        with atomic_path(path) as tmp:
            with open(tmp, 'wb') as f:
                np.save(f, np.asarray(nidx, dtype=np.int64))
        atomic_write_json(meta, meta_path, indent=1)
        return
    if not (osp.exists(path) and osp.exists(meta_path)):
        raise ValueError(f'{run_dir}: {KNN_FILE} and {KNN_META} must exist together; '
                         'delete the one left to record the neighbours again')
    with open(meta_path) as f:
        saved = json.load(f)
    if array_sha256(np.load(path)) != saved.get('knn_sha256'):
        raise ValueError(f'{path}: content does not match knn_sha256 in {meta_path} '
                         '(modified or damaged file)')
    for key in sorted(set(meta) | set(saved)):
        if saved.get(key) != meta.get(key):
            raise ValueError(f'{meta_path}: {key} is {saved.get(key)!r} but this run has '
                             f'{meta.get(key)!r}; the neighbours were built from other data '
                             '(start a new run folder)')
