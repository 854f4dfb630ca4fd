"""Clustering quality and cost: the default k-means against the old default and the
reference's scikit-learn path, on data with real cluster structure.

DESIGN.md §7 asks for speed as a ratio measured in one run; issue 17 asks for
quality next to it. Every backend gets the same features and the same
source-model predictions, and is timed from features to selected indices
(k-means, cluster matching, class-proportional selection). Reported per backend:
seconds, inertia, the number selected and their *purity* (precision of the
selected pseudo-labels against the ground truth).

:func:`blob_features` draws Gaussian blobs whose centres are 10x farther apart
than the unit noise (Gaussian noise around unscaled random centres has no real
cluster structure, and every k-means does equally well on it); :func:`bench_on_features`
runs the same comparison on any features, e.g. a source model's.
"""
import importlib
import time
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from basicda.pseudo_label.cluster import cluster_pseudo_labels, select_purest, shot_normalize
from .kmeans import KMEANS_BACKENDS, kmeans

__all__ = ['blob_features', 'bench_on_features', 'bench_clustering']


def blob_features(n: int, d: int, k: int, num_classes: int, seed: int, scale: float = 10.0,
                  noise: float = 0.3):
    r"""Gaussian blobs with real structure and noisy source predictions.

    Centres :math:`\mu_j = s\,g_j`, :math:`g_j \sim N(0, I_D)`; point :math:`i` of
    blob :math:`b_i` (uniform over :math:`K`) is :math:`\mu_{b_i} + \epsilon_i`,
    :math:`\epsilon_i \sim N(0, I_D)`. Blob :math:`j` belongs to class
    :math:`c_j` (uniform over :math:`C`); the source prediction of a point is its
    class, replaced by a uniform class with probability ``noise``.

    Shape:
        - Output: ``(h, truth, predictions)``: :math:`(N, D)` float32 features,
          :math:`(N,)` int64 true classes and :math:`(N,)` int64 predictions.
    """
    rng = np.random.default_rng(seed)
    centres = scale * rng.standard_normal((k, d)).astype(np.float32)  # (K, D)
    blob = rng.integers(0, k, size=n)  # (N,)
    h = (centres[blob] + rng.standard_normal((n, d))).astype(np.float32)  # (N, D)
    truth = rng.integers(0, num_classes, size=k)[blob]  # (N,)
    noisy = rng.random(n) < noise
    predictions = np.where(noisy, rng.integers(0, num_classes, size=n), truth)
    return h, truth.astype(np.int64), predictions.astype(np.int64)


def bench_on_features(h: np.ndarray, truth: Optional[np.ndarray], predictions: np.ndarray,
                      k: int, num_classes: int, backends: Sequence[str] = KMEANS_BACKENDS,
                      n_init: int = 10, max_iter: int = 300, seed: int = 0,
                      fraction: float = 0.1,
                      num_threads: Optional[int] = None) -> Dict[str, Dict[str, float]]:
    """Time and score CluP's features -> selection with each k-means backend.

    Features go through :func:`shot_normalize` as in CluP, then k-means with ``k``
    clusters and ``n_init`` restarts, purity matching and selection of a fraction
    ``fraction`` of the samples.

    Args:
        h (ndarray): (N, D) features.
        truth (ndarray, optional): (N,) true classes; None leaves purity out.
        predictions (ndarray): (N,) source-model predictions.
        k (int): clusters. num_classes (int): :math:`C`.
        backends (sequence of str): k-means backends to compare. Default: all.
        n_init, max_iter, seed: k-means settings, the same for every backend.
        fraction (float): selected fraction :math:`r`. Default: 0.1.
        num_threads (int, optional): faiss OpenMP threads. Default: None.

    Returns:
        dict: backend -> ``seconds``, ``inertia``, ``selected`` (count) and, with
        ``truth``, ``purity`` (fraction of selected samples whose pseudo-label is
        their true class) and ``cluster_purity`` (the fraction of all samples in
        their cluster's majority true class).
    """
    importlib.import_module('sklearn.cluster')  # import time is not clustering time
    z = shot_normalize(torch.from_numpy(np.asarray(h, dtype=np.float32))).numpy()  # (N, D + 1)
    preds = torch.as_tensor(predictions).long()
    out: Dict[str, Dict[str, float]] = {}
    for backend in backends:
        start = time.perf_counter()
        ids, _, inertia = kmeans(z, k, n_init=n_init, max_iter=max_iter, seed=seed,
                                 backend=backend, num_threads=num_threads)
        labels, purity, _ = cluster_pseudo_labels(torch.from_numpy(ids), preds, num_classes, k)
        selected = select_purest(labels, purity, fraction, num_classes)
        row = dict(seconds=time.perf_counter() - start, inertia=inertia,
                   selected=int(selected.numel()))
        if truth is not None:
            true = torch.as_tensor(truth).long()
            row['purity'] = float((labels[selected] == true[selected]).float().mean()) \
                if selected.numel() else float('nan')
            counts = np.zeros((k, num_classes), dtype=np.int64)
            np.add.at(counts, (ids, true.numpy()), 1)
            row['cluster_purity'] = float(counts.max(1).sum() / len(ids))
        out[backend] = row
    return out


def bench_clustering(n: int = 10000, d: int = 128, k: int = 250, seed: int = 0,
                     n_init: int = 10, max_iter: int = 300, num_classes: int = 7,
                     fraction: float = 0.1, backends: Sequence[str] = KMEANS_BACKENDS,
                     num_threads: Optional[int] = None) -> Dict[str, object]:
    """:func:`bench_on_features` on :func:`blob_features` of size N x D with K blobs
    and K clusters; adds ``n``, ``d``, ``k`` and ``speedup`` = sklearn seconds /
    faiss seconds (> 1: the default is faster) when both ran.

    Example:
        >>> out = bench_clustering(n=200, d=8, k=10, n_init=2)
        >>> sorted(out['faiss'])
        ['cluster_purity', 'inertia', 'purity', 'seconds', 'selected']
    """
    h, truth, predictions = blob_features(n, d, k, num_classes, seed)
    out: Dict[str, object] = dict(n=n, d=d, k=k)
    out.update(bench_on_features(h, truth, predictions, k, num_classes, backends, n_init=n_init,
                                 max_iter=max_iter, seed=seed, fraction=fraction,
                                 num_threads=num_threads))
    if 'faiss' in out and 'sklearn' in out:
        out['speedup'] = out['sklearn']['seconds'] / max(out['faiss']['seconds'], 1e-12)
    return out
