"""BALD's MC-dropout passes with masks keyed by (round seed, pool index, pass,
feature) (``docs/active-learning.md`` §3).

The encoder is deterministic in eval mode, so its features h are computed once and
only the head ``Dropout(p) -> Linear`` runs T times. Each mask entry is a pure
function of (seed, pool index, t, d): a counter-based hash (SplitMix64), not a
stateful generator, so the passes do not depend on batching, sharding, chunking or
the number of processes.

``bald_compat='reference'`` (``docs/active-learning.md`` §8) replaces those passes by
T train-mode passes of the whole network; :func:`reference_pass_seed` seeds them.
"""
import numpy as np

from .scores import as_float64

__all__ = ['hash_uniform', 'dropout_keep_mask', 'mc_dropout_probs', 'reference_pass_seed']

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser of ``x + golden`` (uint64 arrays wrap modulo 2^64)."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def hash_uniform(seed: int, index, t: int, dim: int) -> np.ndarray:
    """Uniform [0, 1) numbers u[i, d] = U(seed, index[i], t, d): (N,) -> (N, dim)
    float64, each a function of its own key only."""
    idx = np.asarray(index, dtype=np.int64)
    if idx.ndim != 1 or (idx < 0).any():
        raise ValueError('index must be a 1-d array of pool indices >= 0')
    with np.errstate(over='ignore'):
        key = _mix(np.full(1, seed % 2**64, dtype=np.uint64))
        key = _mix(key ^ idx.astype(np.uint64))[:, None]  # (N, 1)
        key = _mix(key ^ np.uint64(t))
        z = _mix(key ^ np.arange(dim, dtype=np.uint64)[None, :])  # (N, dim)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def dropout_keep_mask(seed: int, index, t: int, dim: int, p: float) -> np.ndarray:
    """Dropout's keep mask of pass ``t`` for the items ``index``: (N,) -> (N, dim)
    bool, each entry kept with probability 1 - p."""
    if not 0 < p < 1:
        raise ValueError(f'BALD needs a dropout probability 0 < p < 1, got p={p}')
    return hash_uniform(seed, index, t, dim) >= p


def mc_dropout_probs(feat, weight, bias, index, seed: int, passes: int, p: float,
                     chunk: int = 1024) -> np.ndarray:
    """Softmax of ``Linear(Dropout(h))`` for T = ``passes`` keyed masks.

    Args:
        feat: (N, D) features h of the items.
        weight: (C, D) and bias: (C,) of the head's linear layer.
        index: (N,) pool indices of the items (the mask keys).
        seed: the round seed; passes: T; p: dropout probability.
        chunk: rows per step (memory only; the result does not depend on it, bit for
            bit).
    Returns:
        (T, N, C) float64 probabilities.
    """
    h = as_float64(feat, 'feat', 2)
    w = as_float64(weight, 'weight', 2)
    b = as_float64(bias, 'bias', 1)
    idx = np.asarray(index, dtype=np.int64)
    if len(idx) != len(h) or w.shape[1] != h.shape[1] or len(b) != len(w):
        raise ValueError(f'shapes do not match: feat {h.shape}, index {idx.shape}, '
                         f'weight {w.shape}, bias {b.shape}')
    out = np.empty((passes, len(h), len(w)))
    for t in range(passes):
        for s in range(0, len(h), chunk):
            rows = slice(s, s + chunk)
            kept = h[rows] * dropout_keep_mask(seed, idx[rows], t, h.shape[1], p) / (1 - p)
            # an explicit per-row sum, not a BLAS matmul, whose blocking (hence
            # rounding) changes with the number of rows
            logits = (kept[:, None, :] * w[None]).sum(axis=2) + b  # (n, C)
            logits -= logits.max(axis=1, keepdims=True)
            e = np.exp(logits)
            out[t, rows] = e / e.sum(axis=1, keepdims=True)
    return out


def reference_pass_seed(seed: int, t: int, rank: int) -> int:
    """The torch seed of train-mode pass ``t`` on ``rank`` under
    ``bald_compat='reference'``: the first uint32 of ``SeedSequence([seed, t, rank])``.

    It seeds torch's generator once per pass, so the head's dropout masks (if any) are
    drawn in batch order on each rank's shard: they depend on the batch size and the
    number of processes, as the train-mode BN batch statistics do. The per-index
    guarantee of :func:`dropout_keep_mask` holds for the default BALD only.
    """
    if t < 0 or rank < 0:
        raise ValueError(f'pass t={t} and rank={rank} must be >= 0')
    return int(np.random.SeedSequence([seed, t, rank]).generate_state(1, np.uint32)[0])
