"""Clustering + selection cost: our faiss path against the reference's sklearn path.

DESIGN.md §7 asks for speed as a ratio measured in one run. Both paths get the
same features (seeded Gaussian blobs through :func:`shot_normalize`) and the same
source-model predictions, and both are timed from features to selected indices:
k-means, cluster matching and class-proportional selection.

Heavy at the defaults (N = 50000, D = 512, K = 1000, 10 restarts of up to 300
iterations each); tests call it with tiny sizes.
"""
import importlib
import time
from typing import Dict, Optional

import numpy as np
import torch

from basicda.pseudo_label.cluster import cluster_pseudo_labels, select_purest, shot_normalize
from .kmeans import kmeans

__all__ = ['bench_clustering']


def _synthetic_features(n: int, d: int, k: int, num_classes: int, seed: int):
    """Blobs around ``k`` random centres; each blob's source predictions are 70 % one class."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)).astype(np.float32)  # (K, D)
    blob = rng.integers(0, k, size=n)  # (N,)
    h = centres[blob] + rng.standard_normal((n, d)).astype(np.float32)  # (N, D)
    blob_class = rng.integers(0, num_classes, size=k)  # (K,)
    noisy = rng.random(n) < 0.3
    predictions = np.where(noisy, rng.integers(0, num_classes, size=n), blob_class[blob])
    z = shot_normalize(torch.from_numpy(h)).numpy()  # (N, D + 1)
    return z, torch.from_numpy(predictions.astype(np.int64))


def bench_clustering(n: int = 50000, d: int = 512, k: int = 1000, seed: int = 0,
                     sklearn_n_init: int = 10, n_init: int = 10, max_iter: int = 300,
                     num_classes: int = 7, fraction: float = 0.1,
                     num_threads: Optional[int] = None) -> Dict[str, float]:
    """Time features -> selection with faiss k-means and with sklearn ``KMeans``.

    Args:
        n (int): samples :math:`N`. Default: 50000.
        d (int): feature dimension :math:`D` (before the appended 1). Default: 512.
        k (int): clusters :math:`K`. Default: 1000.
        seed (int): seed of the data and of both k-means. Default: 0.
        sklearn_n_init (int): restarts of sklearn's ``KMeans`` (reference: 10).
            Default: 10.
        n_init (int): restarts of the faiss path. Default: 10.
        max_iter (int): iteration cap of both. Default: 300.
        num_classes (int): :math:`C`. Default: 7.
        fraction (float): selected fraction :math:`r`. Default: 0.1.
        num_threads (int, optional): faiss OpenMP threads; sklearn uses its own
            thread pool (threadpoolctl). Default: None (faiss's current setting).

    Returns:
        dict: ``faiss_seconds`` and ``sklearn_seconds`` (each path end to end),
        ``ratio`` = sklearn / faiss seconds (> 1: ours is faster),
        ``faiss_inertia``, ``sklearn_inertia``, ``faiss_selected``,
        ``sklearn_selected`` (counts), and the sizes ``n``, ``d``, ``k``.

    Example:
        >>> out = bench_clustering(n=200, d=8, k=10, sklearn_n_init=2, n_init=2)
        >>> sorted(out)[:3]
        ['d', 'faiss_inertia', 'faiss_seconds']
    """
    importlib.import_module('sklearn.cluster')  # import time is not clustering time

    z, predictions = _synthetic_features(n, d, k, num_classes, seed)
    out: Dict[str, float] = dict(n=n, d=d, k=k)
    for backend, restarts in (('faiss', n_init), ('sklearn', sklearn_n_init)):
        start = time.perf_counter()
        ids, _, inertia = kmeans(z, k, n_init=restarts, max_iter=max_iter, seed=seed,
                                 backend=backend, num_threads=num_threads)
        labels, purity, _ = cluster_pseudo_labels(torch.from_numpy(ids), predictions,
                                                  num_classes, k)
        selected = select_purest(labels, purity, fraction, num_classes)
        out[f'{backend}_seconds'] = time.perf_counter() - start
        out[f'{backend}_inertia'] = inertia
        out[f'{backend}_selected'] = int(selected.numel())
    out['ratio'] = out['sklearn_seconds'] / max(out['faiss_seconds'], 1e-12)
    return out
