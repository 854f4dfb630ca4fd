"""LDL's neighbour lists in valence-arousal space, cached in the run (``docs/ldl.md`` §2.1).

Without a ``knn`` column, each training row's K neighbours are its exact nearest rows
in VA space (:func:`basicda.ops.knn.knn_exact`, L1, self excluded). The search runs
once, on rank 0, and is broadcast; the result is saved as ``knn.npy`` in the run
folder with a ``knn.json`` sidecar (K, metric, sha256 of the VA array and of the
neighbour array). A later start in the same folder (a resume) reuses the file only
if the VA array, K and the metric are unchanged and the file is intact; otherwise it
refuses with the differing value.
"""
import hashlib
import json
import os.path as osp
from typing import Tuple

import numpy as np

from basicda.fileio import atomic_path, atomic_write_json
from basicda.ops.gather import broadcast_object, world_info
from basicda.ops.knn import knn_exact

__all__ = ['array_sha256', 'check_va', 'va_neighbours']

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


def _search(va: np.ndarray, k: int, metric: str, backend: str) -> np.ndarray:
    return knn_exact(va, k, metric=metric, exclude_self=True, backend=backend).astype(np.int64)


def va_neighbours(va: np.ndarray, k: int, run_dir: str = None, metric: str = 'l1',
                  backend: str = 'faiss') -> Tuple[np.ndarray, str]:
    """The (N, k) neighbour indices of every VA row, computed on rank 0 and broadcast,
    cached as ``run_dir/knn.npy`` (reused when the VA hash, k and metric match).

    Args:
        va (ndarray): (N, 2) VA (:func:`check_va`).
        k (int): neighbours per row.
        run_dir (str, optional): the run folder; None: no cache.
        metric (str): ``'l1'`` or ``'l2'``. backend (str): ``'faiss'`` or ``'torch'``.

    Returns:
        tuple[ndarray, str]: the neighbours (N, k) int64 and the VA sha256.

    Raises:
        ValueError: the cached file was made from other VA values, k or metric, or
            its content does not match its recorded hash.
    """
    va = check_va(va)
    va_hash = array_sha256(va)
    rank, _ = world_info()
    result = None
    if rank == 0:
        result = _load_or_build(va, va_hash, k, run_dir, metric, backend)
    result = broadcast_object(result, src=0)
    return np.asarray(result, dtype=np.int64), va_hash


def _load_or_build(va, va_hash, k, run_dir, metric, backend):
    meta = dict(k=int(k), metric=metric, va_sha256=va_hash)
    if run_dir is None:
        return _search(va, k, metric, backend)
    path, meta_path = osp.join(run_dir, KNN_FILE), osp.join(run_dir, KNN_META)
    if osp.exists(path) or osp.exists(meta_path):
        if not (osp.exists(path) and osp.exists(meta_path)):
            raise ValueError(f'{run_dir}: {KNN_FILE} and {KNN_META} must exist together; '
                             'delete the one left to recompute the neighbours')
        with open(meta_path) as f:
            saved = json.load(f)
        for key, value in meta.items():
            if saved.get(key) != value:
                raise ValueError(f'{meta_path}: {key} is {saved.get(key)!r} but this run has '
                                 f'{value!r}; the neighbours were built from other data '
                                 '(start a new run folder)')
        nidx = np.load(path)
        if array_sha256(nidx) != saved.get('knn_sha256'):
            raise ValueError(f'{path}: content does not match knn_sha256 in {meta_path} '
                             '(modified or damaged file)')
        return nidx
    nidx = _search(va, k, metric, backend)
    with atomic_path(path) as tmp:
        with open(tmp, 'wb') as f:
            np.save(f, nidx)
    atomic_write_json(dict(meta, knn_sha256=array_sha256(nidx)), meta_path, indent=1)
    return nidx
