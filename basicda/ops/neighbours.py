"""Exact k nearest neighbours by inner product, deterministic under ties.

AaD (``docs/eercl.md`` §2.3) looks up, for every row of the global batch, the
K bank rows of largest dot product with its own bank row excluded, ties going
to the lower bank index. ``torch.topk`` leaves the order of equal values
unspecified, and a bank can hold exact duplicates (the same image twice, or
rows still at their initial value), so the tie rule is implemented here:

1. ``topk`` of K + 1 scores per row (its values are exact even where the
   order of its indices is not);
2. if the (K+1)-th score is below the K-th, the K indices are the unique
   answer set, and they are reordered by (score descending, index ascending);
3. otherwise every :math:`j` with :math:`s_{ij}` at least the K-th score is a
   candidate; the candidates, listed by ascending index, are stably sorted by
   descending score and the first K kept.

This costs one ``topk`` and a sort of K entries per row (step 3 only for rows
with a tie at the boundary), not a sort of the whole bank. Queries are
processed in chunks so the score matrix of a 100k bank stays small.
"""
from typing import Optional

import numpy as np
import torch
from torch import Tensor

__all__ = ['knn_indices', 'KNN_BACKENDS']

KNN_BACKENDS = ('torch', 'faiss')

# Score-matrix entries per chunk (float32: 64 MiB); a 64-row query batch against
# a 100k bank is one chunk.
_CHUNK_ELEMENTS = 1 << 24


def _sort_candidates(ids: Tensor, values: Tensor) -> Tensor:
    """Reorder each row's candidates by (value descending, index ascending).

    ``ids``, ``values`` (q, m); returns the reordered ``ids`` (q, m).
    """
    by_index = torch.sort(ids, dim=1).indices
    ids, values = ids.gather(1, by_index), values.gather(1, by_index)
    by_value = torch.sort(values, dim=1, descending=True, stable=True).indices
    return ids.gather(1, by_value)


def _ties_past_kth(scores: Tensor, k: int) -> Tensor:
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
    return _sort_candidates(padded_cols, padded_vals)[:, :k]


def _topk_lowest_index(scores: Tensor, k: int) -> Tensor:
    """Column indices of the ``k`` largest entries per row, ties to the lower column.

    ``scores`` (q, N) finite except for ``-inf`` entries, with at least ``k``
    entries above ``-inf`` in every row. Returns (q, k) int64.
    """
    if k >= scores.shape[1]:
        return _ties_past_kth(scores, k)
    # fast path: when the (K+1)-th score is below the K-th, topk's K indices are
    # the unique answer set and only their order needs fixing
    top = torch.topk(scores, k + 1, dim=1, sorted=True)  # (q, k + 1)
    result = _sort_candidates(top.indices[:, :k], top.values[:, :k])
    tied = top.values[:, k] >= top.values[:, k - 1]  # (q,) a tie crosses the boundary
    if bool(tied.any()):
        rows = tied.nonzero(as_tuple=True)[0]
        result[rows] = _ties_past_kth(scores[rows], k)
    return result


def _torch_knn(query: Tensor, bank: Tensor, k: int, exclude: Optional[Tensor],
               chunk_size: int) -> Tensor:
    out = []
    for start in range(0, query.shape[0], chunk_size):
        stop = min(start + chunk_size, query.shape[0])
        scores = query[start:stop] @ bank.t()  # (q, N)
        if exclude is not None:
            rows = torch.arange(stop - start, device=scores.device)
            scores[rows, exclude[start:stop]] = float('-inf')
        out.append(_topk_lowest_index(scores, k))
    return torch.cat(out) if out else query.new_zeros((0, k), dtype=torch.long)


def _faiss_knn(query: Tensor, bank: Tensor, k: int, exclude: Optional[Tensor],
               chunk_size: int) -> Tensor:
    """faiss brute-force search of ``k + 2`` (own row, one sentinel), ties re-ranked.

    A row is decided by faiss when the smallest returned score (faiss lists them
    in descending order) is strictly below the K-th of the non-excluded rows:
    then every row tied with the K-th was returned, and sorting the returned rows
    by (score descending, index ascending) is exact. Rows whose tie group may
    reach past the returned list are recomputed by the torch path.
    """
    import faiss

    n = bank.shape[0]
    fetch = min(n, k + 2 if exclude is not None else k + 1)
    xq = np.ascontiguousarray(query.detach().cpu().numpy(), dtype=np.float32)
    xb = np.ascontiguousarray(bank.detach().cpu().numpy(), dtype=np.float32)
    values, ids = faiss.knn(xq, xb, fetch, metric=faiss.METRIC_INNER_PRODUCT)  # (Q, fetch)
    values = torch.from_numpy(values)
    ids = torch.from_numpy(ids.astype(np.int64))
    # faiss lists scores in descending order: every row it did not return scores
    # at most the last one
    returned_min = values[:, -1].clone()  # (Q,)
    if exclude is not None:
        values = values.masked_fill(ids == exclude.cpu()[:, None], float('-inf'))
    # the K-th largest score among the returned rows other than the excluded one
    kth = torch.topk(values, k, dim=1, sorted=True).values[:, -1]  # (Q,)
    result = _sort_candidates(ids, values)[:, :k].clone()  # (Q, k)
    if fetch < n:
        # complete iff nothing unreturned can tie with the K-th score
        unsure = ~(returned_min < kth)
        rows = unsure.nonzero(as_tuple=True)[0].to(query.device)
        if rows.numel():
            sub_exclude = exclude[rows] if exclude is not None else None
            result[rows.cpu()] = _torch_knn(query[rows], bank, k, sub_exclude, chunk_size).cpu()
    return result.to(query.device)


def knn_indices(query: Tensor, bank: Tensor, k: int, exclude: Optional[Tensor] = None,
                backend: str = 'torch', chunk_size: Optional[int] = None) -> Tensor:
    r"""Indices of the ``k`` bank rows of largest inner product with each query row.

    .. math::
        \sigma_{ij} = q_i \cdot b_j, \qquad
        N_i = \text{the } k \text{ largest } \sigma_{ij} \text{ over } j \ne e_i,
        \text{ ties to the lower } j,

    listed by descending :math:`\sigma` (equal scores by ascending index). Rows
    are used as given: normalise them beforehand for cosine similarity. The
    result is a constant (no gradient).

    Args:
        query (Tensor): query rows :math:`q`, finite.
        bank (Tensor): bank rows :math:`b`, finite, same dtype and device.
        k (int): neighbours per query, :math:`1 \le k \le N` (``N - 1`` with
            ``exclude``).
        exclude (LongTensor, optional): :math:`e_i`, a bank index per query that
            must not be returned (the query's own row). Default: None.
        backend (str): ``'torch'`` (matrix product + ``topk``, any device) or
            ``'faiss'`` (``faiss.knn`` on the CPU; same tie rule, with rows whose
            tie group exceeds faiss's list recomputed by torch). Scores can differ
            between backends in the last bit, so near-ties may resolve
            differently. Default: ``'torch'``.
        chunk_size (int, optional): query rows scored at once (torch path);
            default keeps each score chunk at 2^24 entries.

    Shape:
        - query: :math:`(Q, D)`; bank: :math:`(N, D)`; exclude: :math:`(Q,)`.
        - Output: :math:`(Q, k)` int64 on ``query``'s device.

    Example:
        >>> bank = torch.tensor([[1., 0.], [.6, .8], [0., 1.], [.6, .8]])
        >>> knn_indices(bank[:1], bank, 2, exclude=torch.tensor([0]))
        tensor([[1, 3]])
    """
    if backend not in KNN_BACKENDS:
        raise ValueError(f'backend must be one of {KNN_BACKENDS}, got {backend!r}')
    if query.dim() != 2 or bank.dim() != 2 or query.shape[1] != bank.shape[1]:
        raise ValueError(f'query must have shape (Q, D) and bank (N, D) with the same D, got '
                         f'{tuple(query.shape)} and {tuple(bank.shape)}')
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f'k must be an int, got {type(k).__name__}')
    n = bank.shape[0]
    available = n - (1 if exclude is not None else 0)
    if not 1 <= k <= available:
        raise ValueError(f'k must be in [1, {available}] for a bank of {n} rows'
                         f'{" with one row excluded" if exclude is not None else ""}, got {k}')
    if exclude is not None:
        if (not isinstance(exclude, Tensor) or exclude.shape != (query.shape[0],)
                or exclude.dtype.is_floating_point or exclude.dtype == torch.bool):
            raise ValueError(f'exclude must be an integer tensor of shape ({query.shape[0]},), '
                             f'got {exclude!r:.80}')
        if exclude.numel() and (int(exclude.min()) < 0 or int(exclude.max()) >= n):
            raise ValueError(f'exclude must hold bank indices in [0, {n}), got values in '
                             f'[{int(exclude.min())}, {int(exclude.max())}]')
        exclude = exclude.to(device=query.device, dtype=torch.long)
    if chunk_size is None:
        chunk_size = max(1, _CHUNK_ELEMENTS // max(n, 1))
    if chunk_size < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    with torch.no_grad():
        query, bank = query.detach(), bank.detach()
        if backend == 'faiss' and query.shape[0]:
            return _faiss_knn(query, bank, int(k), exclude, chunk_size)
        return _torch_knn(query, bank, int(k), exclude, chunk_size)
