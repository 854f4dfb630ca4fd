"""Seeded k-means: k-means++ seeding, faiss's Lloyd iterations, restarts keeping
the lowest objective (nearest neighbours: :mod:`basicda.ops.knn`).

`Billion-scale similarity search with GPUs <https://arxiv.org/abs/1702.08734>`_
(Johnson et al., 2017) describes faiss; k-means++ (Arthur & Vassilvitskii, SODA
2007) the seeding. ``docs/clup.md`` fixes how CluP calls it:

* ``backend='faiss'`` (the default): every restart seeds with greedy k-means++
  (:func:`kmeans_plusplus`, a pure NumPy function) and hands the seeds to faiss's
  Lloyd iterations; the restart of lowest objective wins. On clustered data
  faiss's own random-sample initialisation lands in far worse minima (issue 17:
  13-18x the inertia of scikit-learn on Gaussian blobs); it stays available as
  ``backend='faiss-random'``, the default before k-means++;
* ``min_points_per_centroid = 1`` and ``max_points_per_centroid = ceil(N / K)``,
  so faiss never subsamples the training set (its default of 256 subsamples as
  soon as :math:`N > 256 K`);
* the final assignment is the nearest centroid (L2) of *every* point;
* ``backend='sklearn'`` is the reference-faithful path and the test oracle;
* cluster ids are canonicalised (first appearance over ascending sample index).

faiss >= 1.8 stops a restart early once the objective no longer decreases
(``early_stop_threshold = 0``); at that point Lloyd's iteration is at a fixed
point, so the result equals running all ``niter`` iterations.

faiss's Lloyd iterations and assignments run on a GPU when
``faiss.get_num_gpus() > 0`` (the ``gpu`` extra), on the CPU otherwise; the GPU
path is not exercised by the tests (no GPU on the test machines).

Inputs may be NumPy arrays or tensors; results come back in the same kind (a
tensor input gives tensors on its device).
"""
import contextlib
import math
from typing import Iterator, Optional, Tuple, Union

import faiss
import numpy as np
import torch
from torch import Tensor

__all__ = ['canonicalize_clusters', 'faiss_kmeans', 'kmeans', 'kmeans_plusplus', 'KMEANS_BACKENDS',
           'KMEANS_INITS']

ArrayLike = Union[np.ndarray, Tensor]

#: 'faiss': k-means++ seeds + faiss Lloyd (default); 'faiss-random': faiss's random-sample
#: initialisation (the default before issue 17); 'sklearn': the reference's KMeans
KMEANS_BACKENDS = ('faiss', 'faiss-random', 'sklearn')
KMEANS_INITS = ('k-means++', 'random')


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


def _squared_distances(points: np.ndarray, sq_norms: np.ndarray,
                       centres: np.ndarray) -> np.ndarray:
    """(M, N) squared L2 distances of ``centres`` (M, D) to ``points`` (N, D), float32,
    clamped at 0 (the expansion can go slightly negative); ``sq_norms`` is (N,)."""
    d2 = centres @ points.T  # (M, N)
    d2 *= -2.0
    d2 += sq_norms[None]
    d2 += (centres * centres).sum(1)[:, None]
    return np.maximum(d2, 0.0, out=d2)


def kmeans_plusplus(x: ArrayLike, k: int, seed: int = 0, n_local_trials: Optional[int] = None,
                    n_seedings: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    r"""k-means++ seeds by :math:`D^2` sampling, optionally greedy; several seedings at once.

    The first seed is a uniformly drawn point. Each next seed is drawn with
    probability proportional to :math:`D(x)^2`, the squared distance of a point to
    its nearest seed so far. Greedy k-means++ (scikit-learn's default) draws
    ``n_local_trials`` candidates that way and keeps the one that lowers the
    potential :math:`\sum_x D(x)^2` most (the first on a tie); ``n_local_trials=1``
    is the plain algorithm of Arthur & Vassilvitskii. ``n_seedings`` independent
    seedings (one per k-means restart) advance together, so each step computes the
    distances of all their candidates in one product (one read of ``x``); they
    draw from one ``numpy.random.default_rng(seed)`` stream.

    Args:
        x (ndarray | Tensor): points; cast to float32.
        k (int): number of seeds :math:`K`, :math:`1 \le K \le N`.
        seed (int): seed of the draws. Default: 0.
        n_local_trials (int, optional): candidates per step; ``None`` gives
            scikit-learn's :math:`2 + \lfloor \ln K \rfloor`. Default: None.
        n_seedings (int): :math:`R`, independent seedings. Default: 1.

    Shape:
        - x: :math:`(N, D)`.
        - Output: ``(centres, indices)``: :math:`(R, K, D)` float32 rows of ``x``
          and their :math:`(R, K)` int64 row indices, NumPy.

    Example:
        >>> x = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=np.float32)
        >>> _, picked = kmeans_plusplus(x, 2, seed=0)
        >>> sorted(int(i) // 2 for i in picked[0])  # one seed in each pair
        [0, 1]
    """
    points = _as_float32_matrix(x, 'x')
    n = points.shape[0]
    _check_k(k, n)
    trials = 2 + int(np.log(k)) if n_local_trials is None else int(n_local_trials)
    if trials < 1:
        raise ValueError(f'n_local_trials must be >= 1 or None, got {n_local_trials}')
    if n_seedings < 1:
        raise ValueError(f'n_seedings must be >= 1, got {n_seedings}')
    r = int(n_seedings)
    rng = np.random.default_rng(seed)
    sq_norms = (points * points).sum(1)  # (N,)
    picked = np.empty((r, int(k)), dtype=np.int64)
    picked[:, 0] = rng.integers(n, size=r)
    closest = _squared_distances(points, sq_norms, points[picked[:, 0]])  # (R, N)
    rows = np.arange(r)
    for step in range(1, int(k)):
        cumulative = np.cumsum(closest, axis=1, dtype=np.float64)  # (R, N)
        total = cumulative[:, -1:]  # (R, 1)
        draws = rng.random((r, trials)) * total  # (R, T)
        candidates = np.empty((r, trials), dtype=np.int64)
        for i in range(r):
            candidates[i] = np.searchsorted(cumulative[i], draws[i], side='right')
        candidates = np.minimum(candidates, n - 1)
        # every point already sits on a seed: any point will do
        flat = total[:, 0] <= 0
        if flat.any():
            candidates[flat] = rng.integers(n, size=(int(flat.sum()), trials))
        # (R, T, N) distance to the nearest seed if candidate t of seeding r were added
        dist = _squared_distances(points, sq_norms, points[candidates.reshape(-1)])
        dist = dist.reshape(r, trials, n)
        np.minimum(dist, closest[:, None, :], out=dist)
        best = np.argmin(dist.sum(2), axis=1)  # (R,), ties: first
        picked[:, step] = candidates[rows, best]
        closest = dist[rows, best]
    return points[picked], picked


def _flat_l2_index(d: int):
    """Exact L2 index for faiss's assignments: on GPU 0 when faiss has GPUs, else CPU.
    (The GPU branch is not exercised by the tests: no GPU on the test machines.)"""
    if faiss.get_num_gpus() > 0:
        resources = faiss.StandardGpuResources()
        index = faiss.GpuIndexFlatL2(resources, d)
        index.keep_alive = resources  # the resources must outlive the index
        return index
    return faiss.IndexFlatL2(d)


def _lloyd(points: np.ndarray, k: int, niter: int, nredo: int, seed: int, spherical: bool,
           init_centroids: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float]:
    """One faiss training (``nredo`` random restarts, or one run from ``init_centroids``);
    returns the (K, D) centroids and faiss's final objective."""
    n, d = points.shape
    clustering = faiss.Clustering(d, int(k))
    clustering.niter = int(niter)
    clustering.nredo = int(nredo)
    clustering.seed = int(seed)
    clustering.spherical = bool(spherical)
    clustering.min_points_per_centroid = 1
    # faiss subsamples when N > k * max_points_per_centroid; ceil(N / K) rules that out.
    clustering.max_points_per_centroid = max(1, math.ceil(n / k))
    if init_centroids is not None:
        faiss.copy_array_to_vector(np.ascontiguousarray(init_centroids, dtype=np.float32).ravel(),
                                   clustering.centroids)
    clustering.train(points, _flat_l2_index(d))
    stats = clustering.iteration_stats
    objective = stats.at(stats.size() - 1).obj if stats.size() else float('inf')
    return faiss.vector_to_array(clustering.centroids).reshape(int(k), d).copy(), float(objective)


def faiss_kmeans(x: ArrayLike, k: int, niter: int = 300, nredo: int = 10, seed: int = 1234,
                 spherical: bool = False, num_threads: Optional[int] = None,
                 init: str = 'k-means++',
                 n_local_trials: Optional[int] = None) -> Tuple[ArrayLike, ArrayLike]:
    r"""Seeded Lloyd k-means with restarts (faiss), without subsampling.

    Minimises the within-cluster sum of squares

    .. math::
        \min_{\mu_1..\mu_K} \sum_{i=1}^{N} \min_p \lVert x_i - \mu_p \rVert_2^2

    from ``nredo`` initialisations of up to ``niter`` Lloyd iterations each and
    keeps the run of lowest objective (the first on a tie). ``init='k-means++'``
    seeds every restart with :func:`kmeans_plusplus` (the ``nredo`` seedings are
    drawn together from ``seed``);
    ``init='random'`` is faiss's own random-sample initialisation. With
    ``spherical=True`` the centroids are L2-normalised after every update. Every
    point is then assigned to its nearest centroid (L2). Ids are faiss's (not
    canonicalised; see :func:`kmeans`).

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
        init (str): ``'k-means++'`` or ``'random'``. Default: ``'k-means++'``.
        n_local_trials (int, optional): candidates per k-means++ step, see
            :func:`kmeans_plusplus`. Default: None (greedy, scikit-learn's count).

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
    if init not in KMEANS_INITS:
        raise ValueError(f'init must be one of {KMEANS_INITS}, got {init!r}')
    with _faiss_threads(num_threads):
        if init == 'random':
            centroids, _ = _lloyd(points, k, niter, nredo, seed, spherical)
        else:
            seedings, _ = kmeans_plusplus(points, k, seed=seed, n_local_trials=n_local_trials,
                                          n_seedings=nredo)  # (nredo, K, D)
            centroids, best = None, float('inf')
            for seeds in seedings:
                found, objective = _lloyd(points, k, niter, 1, seed, spherical, seeds)
                if centroids is None or objective < best:
                    centroids, best = found, objective
        index = _flat_l2_index(d)
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

    ``backend='faiss'`` calls :func:`faiss_kmeans` (greedy k-means++ seeds,
    ``nredo = n_init``, ``niter = max_iter``, no subsampling); ``'faiss-random'``
    the same with faiss's random-sample initialisation (the default before
    k-means++ seeding; kept to reproduce older runs). ``backend='sklearn'``
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
        backend (str): one of :data:`KMEANS_BACKENDS`. Default: ``'faiss'``.
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
    if backend in ('faiss', 'faiss-random'):
        centroids, raw_ids = faiss_kmeans(points, k, niter=max_iter, nredo=n_init, seed=seed,
                                          num_threads=num_threads,
                                          init='random' if backend == 'faiss-random'
                                          else 'k-means++')
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
