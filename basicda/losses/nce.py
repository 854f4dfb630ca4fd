"""NCE and softmax-NCE (InfoNCE) criteria of CMC-style contrast against a memory bank
(docs/dvscl.md §2).

Scores ``s`` (B, K+1) are inner products of a sample's embedding with K+1 bank rows; column 0 is
the positive. With temperature T, N bank rows and P = K/N:

* softmax: ``L = mean_b CE(s_b / T, 0)``;
* NCE: ``o = exp(s/T) / Z`` with ``Z = N mean(exp(s/T))`` over the first batch, then
  ``L = -(1/B) [sum_b log(o_b0 / (o_b0 + P + eps)) + sum_b sum_{k>=1} log(P / (o_bk + P + eps))]``.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['softmax_nce_loss', 'nce_loss', 'nce_normaliser', 'nce_scores']

NCE_EPS = 1e-7


def softmax_nce_loss(scores: Tensor, temperature: float) -> Tensor:
    """Mean cross-entropy of ``scores`` (B, K+1) / T against target 0.

    Example:
        >>> round(float(softmax_nce_loss(torch.tensor([[0.5, 0.1, -0.2]]), 0.1)), 8)
        0.01904501
    """
    target = torch.zeros(scores.shape[0], dtype=torch.long, device=scores.device)
    return F.cross_entropy(scores / temperature, target)


def nce_scores(scores: Tensor, temperature: float, z: Tensor) -> Tensor:
    """``exp(scores / T) / z``: (B, K+1) NCE "probabilities" with a given normaliser."""
    return torch.exp(scores / temperature) / z


def nce_normaliser(scores: Tensor, temperature: float, n_data: int,
                   total: Tensor = None, count: Tensor = None):
    """``(Z, o)``: ``Z = N * mean(exp(s/T))`` and ``o = exp(s/T) / Z``.

    In DDP pass the all-reduced ``total`` (sum of exp(s/T)) and ``count`` (its number of
    entries), so every rank gets the same Z.

    Example:
        >>> z, o = nce_normaliser(torch.tensor([[0., 0.1]]), 0.1, 4)
        >>> round(float(z), 6), [round(v, 6) for v in o.flatten().tolist()]
        (7.436564, [0.134471, 0.365529])
    """
    e = torch.exp(scores.detach() / temperature)
    total = e.sum() if total is None else total
    count = e.numel() if count is None else count
    z = n_data * total / count
    return z, nce_scores(scores, temperature, z)


def nce_loss(o: Tensor, n_data: int, eps: float = NCE_EPS) -> Tensor:
    """The NCE loss of ``o`` (B, K+1) (column 0 the positive) with noise ratio P = K/N.

    Example:
        >>> round(float(nce_loss(torch.tensor([[1.0, 0.5, 0.25]]), 4)), 6)
        1.504078
    """
    k = o.shape[1] - 1
    p = k / float(n_data)
    positive = torch.log(o[:, 0] / (o[:, 0] + p + eps))
    negative = torch.log(p / (o[:, 1:] + p + eps)).sum(1)
    return -(positive + negative).sum() / o.shape[0]
