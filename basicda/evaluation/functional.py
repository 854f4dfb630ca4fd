"""Classification metrics and the SND selection score as pure tensor functions.

Definitions follow ``docs/source-only.md`` §2.6-2.7. With :math:`M` the
confusion matrix (rows = truth, columns = prediction), :math:`n_c = \\sum_j
M_{cj}` the number of samples of class :math:`c` and :math:`m_c = \\sum_i M_{ic}`
the number predicted as :math:`c`:

* overall accuracy :math:`OA = \\mathrm{tr}(M) / \\sum M`;
* recall :math:`r_c = M_{cc} / n_c`; mean class accuracy (UAR) is the mean of
  :math:`r_c` over classes with :math:`n_c > 0`;
* precision :math:`P_c = M_{cc} / m_c` (0 if :math:`m_c = 0`),
  :math:`F1_c = 2 P_c r_c / (P_c + r_c)` (0 if both are 0); macro-F1 is the
  mean of :math:`F1_c` over classes with :math:`n_c > 0`, i.e. sklearn's
  ``f1_score(average='macro', labels=present, zero_division=0)``.
"""
from typing import Dict, Union

import torch
from torch import Tensor

__all__ = ['confusion_matrix', 'cls_metrics', 'snd_score', 'prediction_entropy',
           'information_maximization']


def confusion_matrix(y_true: Tensor, y_pred: Tensor, num_classes: int) -> Tensor:
    """Count matrix :math:`M_{ij}` = number of samples of class i predicted as j.

    Args:
        y_true (Tensor): ground-truth class indices.
        y_pred (Tensor): predicted class indices.
        num_classes (int): :math:`C`.

    Shape:
        - y_true, y_pred: :math:`(N,)`, integer dtype, values in ``[0, C)``.
        - Output: :math:`(C, C)` int64 on the inputs' device; rows are the truth.

    Example:
        >>> confusion_matrix(torch.tensor([0, 0, 0, 1, 1, 2]),
        ...                  torch.tensor([0, 0, 1, 1, 2, 2]), 3)
        tensor([[2, 1, 0],
                [0, 1, 1],
                [0, 0, 1]])
    """
    if num_classes < 1:
        raise ValueError(f'num_classes must be >= 1, got {num_classes}')
    if y_true.dim() != 1 or y_true.shape != y_pred.shape:
        raise ValueError('y_true and y_pred must both have shape (N,), got '
                         f'{tuple(y_true.shape)} and {tuple(y_pred.shape)}')
    for name, y in (('y_true', y_true), ('y_pred', y_pred)):
        if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
            raise TypeError(f'{name} must hold integer class indices, got dtype {y.dtype}')
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
            raise ValueError(f'{name} must be in [0, {num_classes}), got values in '
                             f'[{int(y.min())}, {int(y.max())}]')
    flat = y_true.long() * num_classes + y_pred.long()  # (N,) index of the (truth, pred) cell
    return torch.bincount(flat, minlength=num_classes * num_classes).view(num_classes, num_classes)


def cls_metrics(confusion: Tensor) -> Dict[str, Union[float, Tensor]]:
    """Overall accuracy, mean class accuracy, per-class recall/precision/F1, macro-F1.

    All values are fractions in [0, 1] (not percentages). Classes absent from the
    truth (:math:`n_c = 0`) get recall and F1 of 0 in the per-class vectors and
    are left out of ``mca`` and ``macro_f1``; ``support`` tells them apart.

    Args:
        confusion (Tensor): :math:`M`, rows = truth, columns = prediction.

    Shape:
        - confusion: :math:`(C, C)`, non-negative counts, :math:`\\sum M > 0`.

    Returns:
        dict:
            - ``accuracy`` (float): OA.
            - ``mca`` (float): mean recall over present classes (UAR).
            - ``macro_f1`` (float): mean F1 over present classes.
            - ``recall``, ``precision``, ``f1`` (Tensor): :math:`(C,)` float64.
            - ``support`` (Tensor): :math:`(C,)` int64, :math:`n_c`.

    Example:
        >>> m = cls_metrics(torch.tensor([[2, 1, 0], [0, 1, 1], [0, 0, 1]]))
        >>> round(m['mca'], 6), round(m['macro_f1'], 6)
        (0.722222, 0.655556)
    """
    if confusion.dim() != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f'confusion must have shape (C, C), got {tuple(confusion.shape)}')
    counts = confusion.double()  # (C, C)
    if bool((counts < 0).any()):
        raise ValueError('confusion must hold non-negative counts, got a negative entry')
    total = counts.sum()
    if total <= 0:
        raise ValueError('confusion matrix is empty (no samples); cannot compute metrics')
    correct = counts.diagonal()  # (C,)
    support = counts.sum(dim=1)  # (C,) n_c
    predicted = counts.sum(dim=0)  # (C,) m_c
    recall = torch.where(support > 0, correct / support.clamp_min(1), torch.zeros_like(correct))
    precision = torch.where(predicted > 0, correct / predicted.clamp_min(1),
                            torch.zeros_like(correct))
    denom = precision + recall
    f1 = torch.where(denom > 0, 2 * precision * recall / denom.clamp_min(1e-300),
                     torch.zeros_like(denom))
    present = support > 0
    return dict(
        accuracy=float(correct.sum() / total),
        mca=float(recall[present].mean()),
        macro_f1=float(f1[present].mean()),
        recall=recall,
        precision=precision,
        f1=f1,
        support=support.long(),
    )


def snd_score(probs: Tensor, tau: float = 0.05, max_rows: int = 10000, seed: int = 0) -> Tensor:
    r"""Soft neighbourhood density (Saito et al., ICCV 2021), higher is better.

    `Tune it the Right Way: Unsupervised Validation of Domain Adaptation via Soft
    Neighborhood Density <https://arxiv.org/abs/2108.10860>`_.

    A model whose target predictions form dense clusters gives each sample many
    similar neighbours, so the soft neighbour distribution is spread out and its
    entropy is high. With :math:`\hat p_i = p_i / \lVert p_i \rVert`:

    .. math::
        s_{ij} = \hat p_i^\top \hat p_j / \tau \ (j \ne i), \quad
        a_i = \mathrm{softmax}_{j \ne i}(s_{ij}), \quad
        \mathrm{SND} = \frac{1}{N} \sum_i H(a_i) = -\frac{1}{N} \sum_i \sum_{j \ne i} a_{ij} \log a_{ij}.

    Args:
        probs (Tensor): softmax outputs :math:`P` on target samples.
        tau (float): temperature :math:`\tau > 0`. Default: 0.05.
        max_rows (int): if :math:`N` is larger, a seeded random subset of this
            many rows is scored (memory is :math:`O(N^2)`). Default: 10000.
        seed (int): seed of that subset. Default: 0.

    Shape:
        - probs: :math:`(N, C)`, :math:`N \ge 2`.
        - Output: scalar, in :math:`[0, \log(N' - 1)]` with :math:`N' = \min(N, max\_rows)`.

    Example:
        >>> snd_score(torch.tensor([[1., 0.], [1., 0.], [0., 1.]]), tau=1.0)
        tensor(0.6192)
    """
    if probs.dim() != 2:
        raise ValueError(f'probs must have shape (N, C), got {tuple(probs.shape)}')
    if tau <= 0:
        raise ValueError(f'tau must be > 0, got {tau}')
    if max_rows < 2:
        raise ValueError(f'max_rows must be >= 2, got {max_rows}')
    if probs.shape[0] < 2:
        raise ValueError(f'snd_score needs at least 2 rows, got {probs.shape[0]}')
    if probs.shape[0] > max_rows:
        generator = torch.Generator().manual_seed(seed)
        rows = torch.randperm(probs.shape[0], generator=generator)[:max_rows]
        probs = probs[rows.to(probs.device)]
    unit = torch.nn.functional.normalize(probs, dim=1)  # (N, C)
    sim = unit @ unit.t() / tau  # (N, N)
    self_mask = torch.eye(sim.shape[0], dtype=torch.bool, device=sim.device)
    neighbours = torch.softmax(sim.masked_fill(self_mask, float('-inf')), dim=1)  # (N, N), a_ii = 0
    entropy = -torch.special.xlogy(neighbours, neighbours).sum(dim=1)  # (N,)
    return entropy.mean()


def _row_entropy(probs: Tensor) -> Tensor:
    """:math:`H(p_i) = -\\sum_c p_{ic} \\log p_{ic}` per row (``0 log 0 = 0``): (N, C) -> (N,)."""
    return -torch.special.xlogy(probs, probs).sum(dim=1)


def _check_probs(probs: Tensor, name: str) -> None:
    if probs.dim() != 2 or probs.shape[0] < 1:
        raise ValueError(f'{name}: probs must have shape (N, C) with N >= 1, got '
                         f'{tuple(probs.shape)}')


def prediction_entropy(probs: Tensor) -> Tensor:
    r"""Mean prediction entropy on target samples, *lower* is better (confident predictions).

    .. math:: \mathrm{ENT} = \frac{1}{N} \sum_i H(p_i), \quad
              H(p) = -\sum_c p_c \log p_c.

    Shape:
        - probs: :math:`(N, C)` softmax outputs, :math:`N \ge 1`.
        - Output: scalar in :math:`[0, \log C]`.

    Example:
        >>> prediction_entropy(torch.tensor([[1., 0.], [.5, .5]]))  # (0 + log 2) / 2
        tensor(0.3466)
    """
    _check_probs(probs, 'prediction_entropy')
    return _row_entropy(probs).mean()


def information_maximization(probs: Tensor) -> Tensor:
    r"""Information maximisation (mutual information of input and prediction, as in SHOT's
    IM loss), *higher* is better: confident per sample and diverse over the target set.

    .. math:: \mathrm{IM} = H(\bar p) - \frac{1}{N} \sum_i H(p_i), \quad
              \bar p = \frac{1}{N} \sum_i p_i.

    Shape:
        - probs: :math:`(N, C)` softmax outputs, :math:`N \ge 1`.
        - Output: scalar in :math:`[0, \log C]`.

    Example:
        >>> # mean p = (.75, .25): H = .5623; mean H(p_i) = .3466
        >>> information_maximization(torch.tensor([[1., 0.], [.5, .5]]))
        tensor(0.2158)
    """
    _check_probs(probs, 'information_maximization')
    marginal = probs.mean(dim=0, keepdim=True)  # (1, C)
    return _row_entropy(marginal)[0] - _row_entropy(probs).mean()
