"""Seeded k-means, backed by faiss (nearest neighbours: :mod:`basicda.ops.knn`).

`Billion-scale similarity search with GPUs <https://arxiv.org/abs/1702.08734>`_
(Johnson et al., 2017) describes the library; the k-means is Lloyd's algorithm
with random-sample initialisation and ``nredo`` restarts, keeping the restart of
lowest objective. ``docs/clup.md`` §2.3 fixes how CluP calls it:

* ``min_points_per_centroid = 1`` and ``max_points_per_centroid = ceil(N / K)``,
  so faiss never subsamples the training set (its default of 256 subsamples as
  soon as :math:`N > 256 K`);
* the final assignment is the nearest centroid (L2) of *every* point;
* ``backend='sklearn'`` is the reference-faithful path and the test oracle;
* cluster ids are canonicalised (first appearance over ascending sample index).

faiss >= 1.8 stops a restart early once the objective no longer decreases
(``early_stop_threshold = 0``); at that point Lloyd's iteration is at a fixed
point, so the result equals running all ``niter`` iterations.

Inputs may be NumPy arrays or tensors; results come back in the same kind (a
tensor input gives tensors on its device). faiss itself runs on the CPU here.
"""
import contextlib
import math
from typing import Iterator, Optional, Tuple, Union

import faiss
import numpy as np
import torch
from torch import Tensor

__all__ = ['canonicalize_clusters', 'faiss_kmeans', 'kmeans', 'KMEANS_BACKENDS']

ArrayLike = Union[np.ndarray, Tensor]

KMEANS_BACKENDS = ('faiss', 'sklearn')


def _as_float32_matrix(x: ArrayLike, name: str) -> np.ndarray:
    """C-contiguous float32 (N, D) copy-or-view of ``x`` for faiss."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f'{name} must have shape (N, D), got {x.shape}')
    if x.dtype.kind not in 'fiu':
        raise TypeError(f'{name} must hold real numbers, got dtype {x.dtype}')
    x = np.ascontiguousarray(x, dtype=np.float32)
    if not np.isfinite(x).all():
        raise ValueError(f'{name} contains NaN or infinite values')
    return x


def _like(value: np.ndarray, reference: ArrayLike):
    """``value`` as a tensor on ``reference``'s device if ``reference`` is a tensor."""
    if isinstance(reference, Tensor):
        return torch.from_numpy(value).to(reference.device)
    return value


@contextlib.contextmanager
def _faiss_threads(num_threads: Optional[int]) -> Iterator[None]:
    """Run faiss with ``num_threads`` OpenMP threads, restoring the previous count."""
    if num_threads is None:
        yield
        return
    if num_threads < 1:
        raise ValueError(f'num_threads must be >= 1 or None, got {num_threads}')
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(num_threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _check_k(k: int, n: int, name: str = 'k') -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f'{name} must be an int, got {type(k).__name__}')
    if k < 1:
        raise ValueError(f'{name} must be >= 1, got {k}')
    if k > n:
        raise ValueError(f'{name} must be <= the number of points N = {n}, got {name} = {k}; '
                         f'lower {name} or pass more points')


def canonicalize_clusters(ids: ArrayLike) -> ArrayLike:
    """Renumber cluster ids in order of first appearance over ascending sample index.

    Two partitions that group the samples identically get identical ids, whatever
    numbering the clustering produced, so artefacts compare byte for byte.

    Args:
        ids (Tensor | ndarray): cluster id of each sample (any integers).

    Shape:
        - ids: :math:`(N,)`.
        - Output: :math:`(N,)` int64, values in :math:`[0, K')` with :math:`K'`
          the number of distinct ids; same kind (and device) as ``ids``.

    Example:
        >>> canonicalize_clusters(torch.tensor([2, 2, 0, 1, 0]))
        tensor([0, 0, 1, 2, 1])
    """
    array = ids.detach().cpu().numpy() if isinstance(ids, Tensor) else np.asarray(ids)
    if array.ndim != 1:
        raise ValueError(f'ids must have shape (N,), got {array.shape}')
    if array.size and array.dtype.kind not in 'iu':
        raise TypeError(f'ids must hold integers, got dtype {array.dtype}')
    _, first, inverse = np.unique(array, return_index=True, return_inverse=True)
    # rank[u] = position of unique value u when uniques are ordered by first appearance
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind='stable')] = np.arange(len(first), dtype=np.int64)
    return _like(rank[inverse.reshape(-1)].astype(np.int64), ids)


def faiss_kmeans(x: ArrayLike, k: int, niter: int = 300, nredo: int = 10, seed: int = 1234,
                 spherical: bool = False,
                 num_threads: Optional[int] = None) -> Tuple[ArrayLike, ArrayLike]:
    r"""Seeded Lloyd k-means with restarts (faiss), without subsampling.

    Minimises the within-cluster sum of squares

    .. math::
        \min_{\mu_1..\mu_K} \sum_{i=1}^{N} \min_p \lVert x_i - \mu_p \rVert_2^2

    from ``nredo`` random-sample initialisations of ``niter`` iterations each and
    keeps the run of lowest objective. With ``spherical=True`` the centroids are
    L2-normalised after every update. Every point is then assigned to its nearest
    centroid (L2). Ids are faiss's (not canonicalised; see :func:`kmeans`).

    Args:
        x (ndarray | Tensor): points; cast to float32.
        k (int): number of clusters :math:`K`, :math:`1 \le K \le N`.
        niter (int): Lloyd iterations per restart. Default: 300.
        nredo (int): restarts; the lowest objective wins. Default: 10.
        seed (int): seed of the initialisations. Default: 1234.
        spherical (bool): unit-norm centroids. Default: False.
        num_threads (int, optional): OpenMP threads for this call (restored
            afterwards); ``None`` keeps faiss's current setting. BLAS results can
            depend on the thread count, so fix it for bit-identical runs.
            Default: None.

    Shape:
        - x: :math:`(N, D)`.
        - Output: ``(centroids, assignments)`` of shapes :math:`(K, D)` float32 and
          :math:`(N,)` int64, NumPy or tensors (on ``x``'s device) like ``x``.

    Example:
        >>> x = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=np.float32)
        >>> centroids, ids = faiss_kmeans(x, 2, seed=0)
        >>> sorted(centroids.tolist())
        [[0.0, 0.5], [10.0, 10.5]]
    """
    points = _as_float32_matrix(x, 'x')
    n, d = points.shape
    _check_k(k, n)
    if niter < 1:
        raise ValueError(f'niter must be >= 1, got {niter}')
    if nredo < 1:
        raise ValueError(f'nredo must be >= 1, got {nredo}')
    clustering = faiss.Clustering(d, int(k))
    clustering.niter = int(niter)
    clustering.nredo = int(nredo)
    clustering.seed = int(seed)
    clustering.spherical = bool(spherical)
    clustering.min_points_per_centroid = 1
    # faiss subsamples when N > k * max_points_per_centroid; ceil(N / K) rules that out.
    clustering.max_points_per_centroid = max(1, math.ceil(n / k))
    with _faiss_threads(num_threads):
        clustering.train(points, faiss.IndexFlatL2(d))
        centroids = faiss.vector_to_array(clustering.centroids).reshape(int(k), d).copy()
        index = faiss.IndexFlatL2(d)
        index.add(centroids)
        _, nearest = index.search(points, 1)  # (N, 1)
    return _like(centroids, x), _like(nearest[:, 0].astype(np.int64), x)


def _inertia(points: np.ndarray, centroids: np.ndarray, ids: np.ndarray,
             chunk: int = 8192) -> float:
    """Sum of squared distances to the assigned centroid, accumulated in float64."""
    total = 0.0
    for start in range(0, len(points), chunk):
        diff = points[start:start + chunk] - centroids[ids[start:start + chunk]]  # (chunk, D)
        total += float(np.einsum('nd,nd->', diff, diff, dtype=np.float64))
    return total


def kmeans(x: ArrayLike, k: int, n_init: int = 10, max_iter: int = 300, seed: int = 1234,
           backend: str = 'faiss',
           num_threads: Optional[int] = None) -> Tuple[ArrayLike, ArrayLike, float]:
    r"""k-means of ``docs/clup.md`` §2.3 with canonical cluster ids and the inertia.

    ``backend='faiss'`` calls :func:`faiss_kmeans` (random-sample init,
    ``nredo = n_init``, ``niter = max_iter``, no subsampling). ``backend='sklearn'``
    calls ``sklearn.cluster.KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter,
    random_state=seed)`` (k-means++, Lloyd, tol 1e-4): the reference's path.
    ``n_init`` is always passed, since sklearn >= 1.4 defaults to one run.

    Ids are then renumbered by :func:`canonicalize_clusters` and the centroid
    rows permuted to match; centroids of clusters that received no point come
    last, in the backend's order. The inertia is

    .. math::
        I = \sum_{i=1}^{N} \lVert x_i - \mu_{k(i)} \rVert_2^2

    for the returned assignment, summed in float64.

    Args:
        x (ndarray | Tensor): points; cast to float32.
        k (int): number of clusters :math:`K`, :math:`1 \le K \le N`.
        n_init (int): restarts. Default: 10.
        max_iter (int): iterations per restart. Default: 300.
        seed (int): seed. Default: 1234.
        backend (str): ``'faiss'`` or ``'sklearn'``. Default: ``'faiss'``.
        num_threads (int, optional): faiss OpenMP threads (faiss backend only),
            see :func:`faiss_kmeans`. Default: None.

    Shape:
        - x: :math:`(N, D)`.
        - Output: ``(ids, centroids, inertia)``: :math:`(N,)` int64,
          :math:`(K, D)` float32 (NumPy or tensors like ``x``) and a float.

    Example:
        >>> x = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=np.float32)
        >>> ids, centroids, inertia = kmeans(x, 2, seed=0)
        >>> ids.tolist(), inertia
        ([0, 0, 1, 1], 1.0)
    """
    if backend not in KMEANS_BACKENDS:
        raise ValueError(f'backend must be one of {KMEANS_BACKENDS}, got {backend!r}')
    points = _as_float32_matrix(x, 'x')
    _check_k(k, points.shape[0])
    if n_init < 1:
        raise ValueError(f'n_init must be >= 1, got {n_init}')
    if max_iter < 1:
        raise ValueError(f'max_iter must be >= 1, got {max_iter}')
    if backend == 'faiss':
        centroids, raw_ids = faiss_kmeans(points, k, niter=max_iter, nredo=n_init, seed=seed,
                                          num_threads=num_threads)
    else:
        from sklearn.cluster import KMeans
        model = KMeans(n_clusters=int(k), n_init=int(n_init), max_iter=int(max_iter),
                       random_state=seed).fit(points)
        centroids = model.cluster_centers_.astype(np.float32)
        raw_ids = model.labels_.astype(np.int64)
    ids = canonicalize_clusters(raw_ids)
    # order[p] = backend id of canonical cluster p; unused backend ids go last
    order = np.full(int(k), -1, dtype=np.int64)
    order[ids] = raw_ids
    used = order[:ids.max() + 1] if len(ids) else order[:0]
    unused = np.setdiff1d(np.arange(int(k)), used)
    centroids = np.ascontiguousarray(centroids[np.concatenate([used, unused])])
    inertia = _inertia(points, centroids, ids)
    return _like(ids, x), _like(centroids, x), inertia
