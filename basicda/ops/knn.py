"""Exact k nearest neighbours, deterministic under ties, on torch or faiss.

The one neighbour search of the engine: AaD's bank lookup (``docs/eercl.md``),
and next LDL's neighbour lists and core-set selection. Every search ranks the
bank rows of each query by a score, largest first, and breaks ties to the
**lower bank index**: ``torch.topk`` and faiss leave the order of equal values
unspecified, and a bank can hold exact duplicates (the same image twice, rows
still at their initial value). The rule is implemented by

1. ``topk`` of K + 1 scores per row (its values are exact even where the order
   of its indices is not);
2. if the (K+1)-th score is below the K-th, the K indices are the unique answer
   set, and they are reordered by (score descending, index ascending);
3. otherwise every :math:`j` scoring at least the K-th score is a candidate; the
   candidates, listed by ascending index, are stably sorted by descending score
   and the first K kept.

This costs one ``topk`` and a sort of K entries per row (step 3 only for rows
with a tie at the boundary), not a sort of the whole bank. Queries are scored in
chunks so the score matrix of a 100k bank stays small. The faiss backend
(``faiss.knn``, brute force on the CPU) fetches K + 2 rows and applies the same
rule; rows whose tie group may reach past faiss's list are recomputed by torch.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .kmeans import _faiss_threads

__all__ = ['knn', 'KNN_BACKENDS', 'KNN_METRICS', 'SELF_EXCLUSION']

KNN_BACKENDS = ('torch', 'faiss')
KNN_METRICS = ('ip', 'cosine', 'l2')
SELF_EXCLUSION = ('index', 'drop_first')

ArrayLike = Union[np.ndarray, Tensor]

# Score-matrix entries per chunk (float32: 64 MiB); a 64-row query batch against
# a 100k bank is one chunk.
_CHUNK_ELEMENTS = 1 << 24


def _sort_candidates(ids: Tensor, values: Tensor) -> Tuple[Tensor, Tensor]:
    """Reorder each row's candidates by (value descending, index ascending).

    ``ids``, ``values`` (q, m); returns both reordered (q, m).
    """
    by_index = torch.sort(ids, dim=1).indices
    ids, values = ids.gather(1, by_index), values.gather(1, by_index)
    by_value = torch.sort(values, dim=1, descending=True, stable=True).indices
    return ids.gather(1, by_value), values.gather(1, by_value)


def _ties_past_kth(scores: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    """The general case of :func:`_topk_lowest_index`: every entry tied with the
    K-th score is a candidate, the lowest indices win."""
    kth = torch.topk(scores, k, dim=1, sorted=True).values[:, -1:]  # (q, 1)
    candidate = scores >= kth  # (q, N), >= k per row
    rows, cols = candidate.nonzero(as_tuple=True)  # row-major: cols ascend within a row
    counts = torch.bincount(rows, minlength=scores.shape[0])  # (q,)
    width = int(counts.max())
    offsets = torch.cumsum(counts, 0) - counts  # (q,) first flat position of each row
    slot = torch.arange(rows.numel(), device=scores.device) - offsets[rows]
    # padding sorts last: its score is -inf and every real candidate is > -inf
    padded_cols = torch.zeros((scores.shape[0], width), dtype=torch.long, device=scores.device)
    padded_vals = scores.new_full((scores.shape[0], width), float('-inf'))
    padded_cols[rows, slot] = cols
    padded_vals[rows, slot] = scores[rows, cols]
    ids, values = _sort_candidates(padded_cols, padded_vals)
    return ids[:, :k], values[:, :k]


def _topk_lowest_index(scores: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    """Column indices (q, k) int64 of the ``k`` largest entries per row, ties to the
    lower column, and their scores (q, k).

    ``scores`` (q, N) finite except for ``-inf`` entries, with at least ``k``
    entries above ``-inf`` in every row.
    """
    if k >= scores.shape[1]:
        return _ties_past_kth(scores, k)
    # fast path: when the (K+1)-th score is below the K-th, topk's K indices are
    # the unique answer set and only their order needs fixing
    top = torch.topk(scores, k + 1, dim=1, sorted=True)  # (q, k + 1)
    ids, values = _sort_candidates(top.indices[:, :k], top.values[:, :k])
    tied = top.values[:, k] >= top.values[:, k - 1]  # (q,) a tie crosses the boundary
    if bool(tied.any()):
        rows = tied.nonzero(as_tuple=True)[0]
        ids[rows], values[rows] = _ties_past_kth(scores[rows], k)
    return ids, values


def _ranking_scores(query: Tensor, bank: Tensor, metric: str) -> Tensor:
    """(q, N) scores ranked largest first: inner products, or minus the squared
    Euclidean distances for ``'l2'`` (``'cosine'`` rows are normalised already)."""
    scores = query @ bank.t()  # (q, N)
    if metric == 'l2':
        # -||q - b||^2 = 2 q.b - ||q||^2 - ||b||^2
        scores = 2 * scores - query.pow(2).sum(1, keepdim=True) - bank.pow(2).sum(1)[None, :]
    return scores


def _torch_knn(query: Tensor, bank: Tensor, k: int, metric: str, exclude: Optional[Tensor],
               chunk_size: int) -> Tuple[Tensor, Tensor]:
    ids, values = [], []
    for start in range(0, query.shape[0], chunk_size):
        stop = min(start + chunk_size, query.shape[0])
        scores = _ranking_scores(query[start:stop], bank, metric)  # (q, N)
        if exclude is not None:
            rows = torch.arange(stop - start, device=scores.device)
            scores[rows, exclude[start:stop]] = float('-inf')
        chunk_ids, chunk_values = _topk_lowest_index(scores, k)
        ids.append(chunk_ids)
        values.append(chunk_values)
    if not ids:
        return query.new_zeros((0, k)), query.new_zeros((0, k), dtype=torch.long)
    return torch.cat(values), torch.cat(ids)


def _faiss_knn(query: Tensor, bank: Tensor, k: int, metric: str, exclude: Optional[Tensor],
               chunk_size: int, num_threads: Optional[int]) -> Tuple[Tensor, Tensor]:
    """faiss brute-force search of ``k + 2`` (own row, one sentinel), ties re-ranked.

    A row is decided by faiss when the smallest returned score (faiss lists them
    best first) is strictly below the K-th of the non-excluded rows: then every
    row tied with the K-th was returned, and sorting the returned rows by (score
    descending, index ascending) is exact. Rows whose tie group may reach past
    the returned list are recomputed by the torch path.
    """
    import faiss

    n = bank.shape[0]
    fetch = min(n, k + 2 if exclude is not None else k + 1)
    xq = np.ascontiguousarray(query.detach().cpu().numpy(), dtype=np.float32)
    xb = np.ascontiguousarray(bank.detach().cpu().numpy(), dtype=np.float32)
    faiss_metric = faiss.METRIC_L2 if metric == 'l2' else faiss.METRIC_INNER_PRODUCT
    with _faiss_threads(num_threads):
        values, ids = faiss.knn(xq, xb, fetch, metric=faiss_metric)  # (Q, fetch)
    values = torch.from_numpy(values)
    if metric == 'l2':
        values = -values  # squared distances ascending -> ranking scores descending
    ids = torch.from_numpy(ids.astype(np.int64))
    # every row faiss did not return scores at most the last returned one
    returned_min = values[:, -1].clone()  # (Q,)
    if exclude is not None:
        values = values.masked_fill(ids == exclude.cpu()[:, None], float('-inf'))
    # the K-th largest score among the returned rows other than the excluded one
    kth = torch.topk(values, k, dim=1, sorted=True).values[:, -1]  # (Q,)
    ids, values = _sort_candidates(ids, values)
    ids, values = ids[:, :k].clone(), values[:, :k].clone()  # (Q, k)
    if fetch < n:
        # complete iff nothing unreturned can tie with the K-th score
        unsure = ~(returned_min < kth)
        rows = unsure.nonzero(as_tuple=True)[0].to(query.device)
        if rows.numel():
            sub_exclude = exclude[rows] if exclude is not None else None
            sub_values, sub_ids = _torch_knn(query[rows].float(), bank.float(), k, metric,
                                             sub_exclude, chunk_size)
            ids[rows.cpu()], values[rows.cpu()] = sub_ids.cpu(), sub_values.cpu()
    return values.to(query.device), ids.to(query.device)


def _as_tensor(x: ArrayLike, name: str) -> Tensor:
    if isinstance(x, Tensor):
        return x.detach()
    x = np.asarray(x)
    if x.dtype.kind not in 'fiu':
        raise TypeError(f'{name} must hold real numbers, got dtype {x.dtype}')
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def knn(query: ArrayLike, bank: ArrayLike, k: int, metric: str = 'ip',
        exclude: Optional[ArrayLike] = None, self_exclusion: Optional[str] = None,
        backend: str = 'torch', chunk_size: Optional[int] = None,
        num_threads: Optional[int] = None) -> Tuple[ArrayLike, ArrayLike]:
    r"""The ``k`` nearest bank rows of each query row, ties to the lower bank index.

    .. math::
        N_i = \text{the } k \text{ largest } \sigma(q_i, b_j) \text{ over } j \notin E_i,
        \text{ ties to the lower } j,

    listed by descending :math:`\sigma` (equal scores by ascending index), with

    * ``'ip'``: :math:`\sigma = q_i \cdot b_j` (rows as given);
    * ``'cosine'``: the inner product of the L2-normalised rows;
    * ``'l2'``: :math:`\sigma = -\lVert q_i - b_j \rVert_2^2`, i.e. the smallest
      squared Euclidean distances first; the returned scores are those squared
      distances (positive).

    Self-exclusion, when each query is itself a bank row:

    * ``None``: :math:`E_i = \emptyset`; a query in the bank finds itself first
      unless a tie with a lower index precedes it.
    * ``'index'``: :math:`E_i = \{e_i\}` with ``exclude`` :math:`e` the query's
      own bank row, which is never returned.
    * ``'drop_first'`` (the AaD reference's): search :math:`k + 1` with
      :math:`E_i = \emptyset` and drop the first column. It differs from
      ``'index'`` when the query's own row is not ranked first: an exact
      duplicate of lower index (it is dropped and the own row kept) or, for
      ``'ip'``, a row of larger norm.

    The result is a constant (no gradient).

    Args:
        query (Tensor | ndarray): query rows :math:`q`, finite.
        bank (Tensor | ndarray): bank rows :math:`b`, finite; same dtype and
            device as a tensor ``query``. NumPy inputs are cast to float32.
        k (int): neighbours per query, :math:`1 \le k \le N` (``N - 1`` with
            self-exclusion).
        metric (str): ``'ip'``, ``'cosine'`` or ``'l2'``. Default: ``'ip'``.
        exclude (LongTensor | ndarray, optional): :math:`e`, one bank index per
            query; required by (and only for) ``self_exclusion='index'``.
        self_exclusion (str, optional): ``None``, ``'index'`` or ``'drop_first'``.
            Default: None.
        backend (str): ``'torch'`` (matrix product + ``topk``, any device, the
            input dtype) or ``'faiss'`` (``faiss.knn`` on the CPU in float32).
            Scores can differ between backends in the last bit, so near-ties may
            resolve differently. Default: ``'torch'``.
        chunk_size (int, optional): query rows scored at once (torch path);
            default keeps each score chunk at 2^24 entries.
        num_threads (int, optional): faiss OpenMP threads for this call (faiss
            backend). Default: None (faiss's current setting).

    Shape:
        - query: :math:`(Q, D)`; bank: :math:`(N, D)`; exclude: :math:`(Q,)`.
        - Output: ``(scores, indices)``, both :math:`(Q, k)`, ``indices`` int64;
          tensors on ``query``'s device, or NumPy arrays for a NumPy ``query``.

    Example:
        >>> bank = torch.tensor([[1., 0.], [.6, .8], [0., 1.], [.6, .8]])
        >>> scores, idx = knn(bank[:1], bank, 2, exclude=torch.tensor([0]),
        ...                   self_exclusion='index')
        >>> idx.tolist(), scores.tolist()
        ([[1, 3]], [[0.6000000238418579, 0.6000000238418579]])
    """
    if backend not in KNN_BACKENDS:
        raise ValueError(f'backend must be one of {KNN_BACKENDS}, got {backend!r}')
    if metric not in KNN_METRICS:
        raise ValueError(f'metric must be one of {KNN_METRICS}, got {metric!r}')
    if self_exclusion is not None and self_exclusion not in SELF_EXCLUSION:
        raise ValueError(f'self_exclusion must be None or one of {SELF_EXCLUSION}, got '
                         f'{self_exclusion!r}')
    if (self_exclusion == 'index') != (exclude is not None):
        raise ValueError("exclude (the own bank row of each query) is required by "
                         "self_exclusion='index' and used by nothing else; got "
                         f'self_exclusion={self_exclusion!r} and exclude '
                         f'{"given" if exclude is not None else "None"}')
    numpy_out = not isinstance(query, Tensor)
    query_t, bank_t = _as_tensor(query, 'query'), _as_tensor(bank, 'bank')
    if query_t.dim() != 2 or bank_t.dim() != 2 or query_t.shape[1] != bank_t.shape[1]:
        raise ValueError(f'query must have shape (Q, D) and bank (N, D) with the same D, got '
                         f'{tuple(query_t.shape)} and {tuple(bank_t.shape)}')
    if not (torch.isfinite(query_t).all() and torch.isfinite(bank_t).all()):
        raise ValueError('query and bank must be finite (NaN or infinite values found)')
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f'k must be an int, got {type(k).__name__}')
    n = bank_t.shape[0]
    available = n - (1 if self_exclusion is not None else 0)
    if not 1 <= k <= available:
        raise ValueError(f'k must be in [1, {available}] for a bank of {n} rows'
                         f'{" with self-exclusion" if self_exclusion is not None else ""}, '
                         f'got {k}')
    if exclude is not None:
        exclude = torch.as_tensor(exclude)
        if (exclude.shape != (query_t.shape[0],) or exclude.dtype.is_floating_point
                or exclude.dtype == torch.bool):
            raise ValueError(f'exclude must be an integer tensor of shape ({query_t.shape[0]},), '
                             f'got {exclude!r:.80}')
        if exclude.numel() and (int(exclude.min()) < 0 or int(exclude.max()) >= n):
            raise ValueError(f'exclude must hold bank indices in [0, {n}), got values in '
                             f'[{int(exclude.min())}, {int(exclude.max())}]')
        exclude = exclude.to(device=query_t.device, dtype=torch.long)
    if chunk_size is None:
        chunk_size = max(1, _CHUNK_ELEMENTS // max(n, 1))
    if chunk_size < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    if metric == 'cosine':
        query_t = F.normalize(query_t, p=2, dim=1, eps=1e-12)
        bank_t = F.normalize(bank_t, p=2, dim=1, eps=1e-12)
    search_k = int(k) + 1 if self_exclusion == 'drop_first' else int(k)
    with torch.no_grad():
        if backend == 'faiss' and query_t.shape[0]:
            scores, indices = _faiss_knn(query_t, bank_t, search_k, metric, exclude, chunk_size,
                                         num_threads)
        else:
            scores, indices = _torch_knn(query_t, bank_t, search_k, metric, exclude, chunk_size)
    if self_exclusion == 'drop_first':
        scores, indices = scores[:, 1:], indices[:, 1:]
    if metric == 'l2':
        scores = -scores  # ranking scores back to squared distances
    if numpy_out:
        return scores.cpu().numpy(), indices.cpu().numpy()
    return scores, indices
