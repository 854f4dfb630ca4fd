"""Uncertainty-aware label distribution learning (LDL; Le et al., WACV 2023).

`Uncertainty-aware Label Distribution Learning for Facial Expression Recognition
<https://arxiv.org/abs/2209.10448>`_. Each training image's one-hot label is mixed
with a distribution built from the current predictions of its K nearest
neighbours in valence-arousal (VA) space; a learned per-sample trust
:math:`\\lambda_i = \\sigma(\\hat\\lambda_i)` sets the mix, and a
:math:`\\lambda`-weighted centre loss with a manual attraction/repulsion update
regularises the features. ``docs/ldl.md`` gives the objective and the worked
examples that the tests check.

Shapes: B batch, K neighbours, C classes, D feature dimension, M rows of the
centre loss (anchors and neighbours).
"""
import warnings
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor

__all__ = ['va_kernel', 'label_distribution_target', 'soft_cross_entropy',
           'lambda_grad_closed_form', 'scoring_grad_closed_form', 'centre_loss',
           'centre_statistics', 'apply_centre_update', 'centre_update',
           'balanced_class_weights']


def va_kernel(va_anchor: Tensor, va_neigh: Tensor, bandwidth: float = 0.5) -> Tensor:
    r"""Fixed VA-distance kernel between each anchor and its neighbours.

    .. math::
        a_{ij} = \exp\!\left(-\frac{|v_i - v_j| + |a_i - a_j|}{h}\right)

    Computed in float64 (the caller stores it as float32).

    Args:
        va_anchor (Tensor): (N, 2) valence and arousal of the anchors.
        va_neigh (Tensor): (N, K, 2) valence and arousal of their neighbours.
        bandwidth (float): :math:`h > 0`. Default: 0.5.

    Returns:
        Tensor: (N, K) float64, in (0, 1].

    Example:
        >>> va_kernel(torch.zeros(1, 2), torch.tensor([[[.1, -.2], [.5, .5]]]))
        tensor([[0.5488, 0.1353]], dtype=torch.float64)
    """
    if bandwidth <= 0:
        raise ValueError(f'bandwidth must be > 0, got {bandwidth}')
    if va_anchor.dim() != 2 or va_anchor.shape[1] != 2 or va_neigh.dim() != 3 \
            or va_neigh.shape[0] != va_anchor.shape[0] or va_neigh.shape[2] != 2:
        raise ValueError(f'va_anchor must be (N, 2) and va_neigh (N, K, 2), got '
                         f'{tuple(va_anchor.shape)} and {tuple(va_neigh.shape)}')
    dist = (va_anchor.double()[:, None, :] - va_neigh.double()).abs().sum(-1)  # (N, K)
    return torch.exp(-dist / bandwidth)


def label_distribution_target(y: Tensor, q: Tensor, a: Tensor, s: Tensor,
                              lam: Tensor) -> Tuple[Tensor, Tensor]:
    r"""Target distribution of LDL: the one-hot label mixed with the neighbours'.

    .. math::
        w_{ij} = a_{ij} s_{ij}, \quad
        d_i = \frac{\sum_j w_{ij} q_{ij}}{\sum_j w_{ij}}, \quad
        t_i = \lambda_i \, \mathrm{onehot}(y_i) + (1 - \lambda_i)\, d_i .

    Not detached: the gradient reaches ``s`` (scoring net), ``q`` (if it has one)
    and ``lam``. No epsilon in the division: ``a > 0`` and ``s`` is bounded below.

    Args:
        y (Tensor): (B,) int64 labels.
        q (Tensor): (B, K, C) neighbour predictions (rows sum to 1).
        a (Tensor): (B, K) VA kernel, > 0.
        s (Tensor): (B, K) scores, > 0.
        lam (Tensor): (B,) or (B, 1) label trust :math:`\lambda \in [0, 1]`.

    Returns:
        tuple[Tensor, Tensor]: ``t`` (B, C) and ``d`` (B, C).
    """
    b, k, c = q.shape
    if a.shape != (b, k) or s.shape != (b, k) or y.shape != (b,):
        raise ValueError(f'expected y (B,), q (B, K, C), a and s (B, K); got y '
                         f'{tuple(y.shape)}, q {tuple(q.shape)}, a {tuple(a.shape)}, '
                         f's {tuple(s.shape)}')
    w = a.to(s.dtype) * s  # (B, K)
    d = (w[:, :, None] * q).sum(1) / w.sum(1, keepdim=True)  # (B, C)
    lam = lam.reshape(b, 1).to(d.dtype)
    onehot = torch.nn.functional.one_hot(y.long(), c).to(d.dtype)  # (B, C)
    return lam * onehot + (1 - lam) * d, d


def soft_cross_entropy(t: Tensor, p: Tensor, weight: Optional[Tensor] = None,
                       eps: float = 1e-10) -> Tensor:
    r"""Cross-entropy of probabilities against a soft target, mean over the batch.

    .. math::
        L = \frac{1}{B} \sum_i c_i \sum_c -t_{ic} \log(p_{ic} + \epsilon)

    with :math:`c_i` the sample weight (1, or the balanced class weight of the
    sample's label). Divided by B, not by :math:`\sum_i c_i`.

    Args:
        t (Tensor): (B, C) target.
        p (Tensor): (B, C) predicted probabilities.
        weight (Tensor, optional): (B,) per-sample weights :math:`c_{y_i}`.
        eps (float): :math:`\epsilon`. Default: 1e-10.

    Returns:
        Tensor: scalar.
    """
    if t.shape != p.shape or t.dim() != 2:
        raise ValueError(f't and p must both be (B, C), got {tuple(t.shape)} and '
                         f'{tuple(p.shape)}')
    per_sample = -(t * torch.log(p + eps)).sum(1)  # (B,)
    if weight is not None:
        per_sample = per_sample * weight.to(per_sample.dtype)
    return per_sample.sum() / t.shape[0]


def lambda_grad_closed_form(lam_hat: Tensor, y: Tensor, p: Tensor, d: Tensor,
                            weight: Optional[Tensor], batch_size: int,
                            eps: float = 1e-10) -> Tensor:
    r"""Gradient of the soft CE with respect to :math:`\hat\lambda_i`.

    .. math::
        g_i = \frac{c_i}{B} \sigma'(\hat\lambda_i)
              \left[-\log(p_{i,y_i} + \epsilon) + \sum_c d_{ic} \log(p_{ic} + \epsilon)\right]

    Args:
        lam_hat (Tensor): (B,) or (B, 1) pre-sigmoid trust.
        y (Tensor): (B,) labels.
        p (Tensor): (B, C) predictions.
        d (Tensor): (B, C) neighbour distribution.
        weight (Tensor, optional): (B,) per-sample weights (None: 1).
        batch_size (int): B of the loss's mean (the global batch in DDP).
        eps (float): Default: 1e-10.

    Returns:
        Tensor: (B,) gradient, detached.
    """
    lam_hat = lam_hat.reshape(-1).detach()
    p, d = p.detach(), d.detach()
    sig = torch.sigmoid(lam_hat)
    log_p = torch.log(p + eps)  # (B, C)
    bracket = -log_p.gather(1, y.long()[:, None])[:, 0] + (d * log_p).sum(1)  # (B,)
    g = sig * (1 - sig) * bracket / batch_size
    if weight is not None:
        g = g * weight.to(g.dtype)
    return g


def scoring_grad_closed_form(lam: Tensor, p: Tensor, q: Tensor, a: Tensor, s: Tensor,
                             weight: Optional[Tensor], batch_size: int,
                             eps: float = 1e-10) -> Tensor:
    r"""Gradient of the soft CE with respect to the scores :math:`s_{ik}` (a check of
    autograd through :func:`label_distribution_target`).

    .. math::
        \frac{\partial L}{\partial s_{ik}} = \frac{c_i}{B}(1 - \lambda_i)
        \frac{a_{ik}}{\sum_j w_{ij}} \sum_c (q_{ikc} - d_{ic})(-\log(p_{ic} + \epsilon))

    Args:
        lam (Tensor): (B,) or (B, 1) trust. p (Tensor): (B, C). q (Tensor): (B, K, C).
        a, s (Tensor): (B, K). weight (Tensor, optional): (B,). batch_size (int): B.

    Returns:
        Tensor: (B, K).
    """
    b = q.shape[0]
    w = a * s  # (B, K)
    d = (w[:, :, None] * q).sum(1) / w.sum(1, keepdim=True)  # (B, C)
    nll = -torch.log(p + eps)  # (B, C)
    inner = ((q - d[:, None, :]) * nll[:, None, :]).sum(-1)  # (B, K)
    scale = (1 - lam.reshape(b, 1)) / batch_size  # (B, 1)
    if weight is not None:
        scale = scale * weight.reshape(b, 1)
    return scale * a / w.sum(1, keepdim=True) * inner


def centre_loss(x: Tensor, y: Tensor, centres: Tensor, lam: Tensor) -> Tensor:
    r"""Trust-weighted centre loss.

    .. math::
        L_{dcm} = \frac{1}{2M} \sum_m \Lambda_m \lVert X_m - c_{Y_m} \rVert^2

    Args:
        x (Tensor): (M, D) features. y (Tensor): (M,) labels.
        centres (Tensor): (C, D), no gradient. lam (Tensor): (M,) weights, no gradient.

    Returns:
        Tensor: scalar.
    """
    sq = (x - centres[y.long()]).pow(2).sum(1)  # (M,)
    return (lam.reshape(-1).to(sq.dtype) * sq).sum() / (2 * x.shape[0])


def centre_statistics(x: Tensor, y: Tensor, lam: Tensor,
                      centres: Tensor) -> Tuple[Tensor, Tensor, int]:
    r"""Sufficient statistics of the attraction step: per class
    :math:`\sum_{Y_m=c} \Lambda_m (X_m - c_c)` (C, D), the counts :math:`n_c` (C,)
    and M. Summed over ranks, they give the global update."""
    x, lam = x.detach(), lam.detach().reshape(-1, 1).to(x.dtype)
    c = centres.shape[0]
    sums = torch.zeros_like(centres).index_add_(0, y.long(),
                                                lam * (x - centres[y.long()]))  # (C, D)
    counts = torch.bincount(y.long(), minlength=c).to(centres.dtype)  # (C,)
    return sums, counts, x.shape[0]


def apply_centre_update(centres: Tensor, sums: Tensor, counts: Tensor, m: int,
                        lr: float = 0.5, repulsion: float = 0.1,
                        temperature: Optional[float] = None) -> Tensor:
    r"""Attraction then repulsion of the centres from :func:`centre_statistics`.

    .. math::
        G_c = -\frac{1}{M} \frac{1}{n_c + 1} \sum_{Y_m = c} \Lambda_m (X_m - c_c),
        \quad c \leftarrow c - \eta G ;

        S = \sum_{i<j} e^{-\lVert c_i - c_j \rVert^2 / T}, \quad
        \frac{\partial S}{\partial c_i} = -\frac{2}{T} \sum_{j \ne i}
        e^{-\lVert c_i - c_j \rVert^2 / T} (c_i - c_j), \quad
        c \leftarrow c - \eta \rho \frac{\partial S}{\partial c}

    with :math:`\eta` = ``lr``, :math:`\rho` = ``repulsion`` and T = ``temperature``
    (default D).

    Returns:
        Tensor: (C, D) new centres.
    """
    t = float(centres.shape[1]) if temperature is None else float(temperature)
    grad = -sums / (m * (counts[:, None] + 1))  # (C, D)
    ctr = centres - lr * grad
    diff = ctr[:, None, :] - ctr[None, :, :]  # (C, C, D)
    kern = torch.exp(-diff.pow(2).sum(-1) / t)  # (C, C), diagonal multiplies a zero diff
    d_s = -(2.0 / t) * (kern[:, :, None] * diff).sum(1)  # (C, D)
    return ctr - lr * repulsion * d_s


def centre_update(x: Tensor, y: Tensor, lam: Tensor, centres: Tensor, lr: float = 0.5,
                  repulsion: float = 0.1, temperature: Optional[float] = None,
                  all_reduce: Optional[Callable[[Tensor], Tensor]] = None) -> Tensor:
    """:func:`centre_statistics` then :func:`apply_centre_update`; ``all_reduce`` (sum
    over ranks, applied to the stacked statistics) makes it global.

    Args:
        x (Tensor): (M, D). y (Tensor): (M,). lam (Tensor): (M,), the pre-update trust.
        centres (Tensor): (C, D).

    Returns:
        Tensor: (C, D) new centres.
    """
    sums, counts, m = centre_statistics(x, y, lam, centres)
    if all_reduce is not None:
        flat = all_reduce(torch.cat([sums.reshape(-1), counts,
                                     counts.new_tensor([float(m)])]))
        c, d = sums.shape
        sums, counts, m = flat[:c * d].reshape(c, d), flat[c * d:c * d + c], float(flat[-1])
    return apply_centre_update(centres, sums, counts, m, lr, repulsion, temperature)


def balanced_class_weights(labels, num_classes: int) -> Tensor:
    r"""Balanced class weights :math:`c_k = N / (C n_k)`; an absent class gets 0
    (with a warning).

    Args:
        labels: (N,) int labels in [0, C). num_classes (int): C.

    Returns:
        Tensor: (C,) float64.
    """
    labels = torch.as_tensor(labels).long().reshape(-1)
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f'labels must lie in [0, {num_classes}), got values in '
                         f'[{int(labels.min())}, {int(labels.max())}]')
    counts = torch.bincount(labels, minlength=num_classes).double()
    absent = (counts == 0).nonzero().reshape(-1).tolist()
    if absent:
        warnings.warn(f'balanced_class_weights: classes {absent} have no sample; their '
                      'weight is 0')
    weights = labels.numel() / (num_classes * counts.clamp_min(1))
    weights[counts == 0] = 0
    return weights
