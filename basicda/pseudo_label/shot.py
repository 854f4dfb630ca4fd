"""SHOT-style class prototypes and the batch pseudo-labels they give (EERCL).

`Do We Really Need to Access the Source Data? <https://arxiv.org/abs/2002.08546>`_
(Liang et al., ICML 2020) labels target samples by their nearest class
centroid: soft centroids weighted by the model's probabilities, one round of
nearest-centroid labels, then hard centroids of those labels. CRCo / EERCL
(``docs/eercl.md`` §2.5) keep the hard centroids as *prototypes*, refreshed
after each bank refresh, and label each training batch by its nearest valid
prototype; only confident samples (teacher max-probability above a threshold)
enter the loss.

Notation: :math:`N` bank rows, :math:`B` batch rows, :math:`C` classes,
:math:`D` feature dimension, :math:`\\mathrm{norm}(x) = x / \\max(\\lVert x
\\rVert_2, 10^{-12})`.

Unlike :func:`basicda.pseudo_label.centroid_pseudo_labels` (CluP's SHOT mode,
all classes), round 1 here only considers the *active* classes, those that are
the argmax of more than ``thr`` samples, as the SHOT and CRCo code do. With
every class active the two give the same round-1 labels.

All functions are pure and return detached tensors on the inputs' device.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['EMPTY_PROTOTYPE_MODES', 'class_centroids', 'shot_prototypes', 'prototype_labels',
           'confidence_mask']

# How prototype_labels treats a class without a prototype (valid == False).
EMPTY_PROTOTYPE_MODES = ('mask', 'zero')


def _check_features_and_probs(feat: Tensor, prob: Tensor) -> None:
    if feat.dim() != 2 or prob.dim() != 2 or feat.shape[0] != prob.shape[0]:
        raise ValueError(f'feat must have shape (N, D) and prob (N, C) with the same N, got '
                         f'{tuple(feat.shape)} and {tuple(prob.shape)}')
    if not feat.dtype.is_floating_point or not prob.dtype.is_floating_point:
        raise TypeError(f'feat and prob must be floating point, got {feat.dtype} and '
                        f'{prob.dtype}')


def class_centroids(feat: Tensor, weights: Tensor) -> Tensor:
    r"""Weighted class means :math:`\mu_c = \sum_i W_{ic} f_i / (10^{-8} + \sum_i W_{ic})`.

    With probabilities as weights this is SHOT's soft centroid, with one-hot
    labels the hard centroid; a class of zero total weight gets the zero vector.

    Args:
        feat (Tensor): features :math:`f`.
        weights (Tensor): non-negative weights :math:`W` (probabilities or one-hot).

    Shape:
        - feat: :math:`(N, D)`; weights: :math:`(N, C)`.
        - Output: :math:`(C, D)`, ``feat``'s dtype.

    Example:
        >>> class_centroids(torch.tensor([[1., 0.], [0., 1.]]), torch.tensor([[1., 0.], [1., 0.]]))
        tensor([[0.5000, 0.5000],
                [0.0000, 0.0000]])
    """
    weights = weights.to(feat.dtype)
    return (weights.t() @ feat) / (1e-8 + weights.sum(dim=0))[:, None]


def shot_prototypes(feat: Tensor, prob: Tensor, thr: int = 0, return_labels: bool = False):
    r"""Class prototypes from a feature bank and its probabilities (§2.5).

    With :math:`a_i = \arg\max_c P_{ic}` and the active classes
    :math:`\mathcal K = \{c : \#\{i : a_i = c\} > thr\}`:

    .. math::
        \mu^1_c &= \frac{\sum_i P_{ic} F_i}{10^{-8} + \sum_i P_{ic}}, \qquad
        \tilde y^1_i = \arg\max_{c \in \mathcal K} \cos(F_i, \mu^1_c)
        \text{ (ties to the lowest } c), \\
        \mu^2_c &= \frac{\sum_i [\tilde y^1_i = c] F_i}{10^{-8} + \#\{\tilde y^1_i = c\}}, \qquad
        \mu_c = \mathrm{norm}(\mu^2_c), \qquad
        \mathrm{valid}_c = \#\{\tilde y^1_i = c\} > 0 .

    An invalid class's prototype is the zero vector. Nothing here is
    differentiable (prototypes are targets).

    Args:
        feat (Tensor): the weak feature bank :math:`F` (normalised rows, as
            stored; only directions matter for :math:`\tilde y^1`).
        prob (Tensor): the probability bank :math:`P`.
        thr (int): a class is active if it is the argmax of more than ``thr``
            rows. Default: 0.
        return_labels (bool): also return :math:`\tilde y^1`. Default: False.

    Shape:
        - feat: :math:`(N, D)`; prob: :math:`(N, C)`.
        - Output: ``(prototypes, valid)`` of shapes :math:`(C, D)` (``feat``'s
          dtype, unit or zero rows) and :math:`(C,)` bool; with
          ``return_labels``, also the round-1 labels :math:`(N,)` int64.

    Example:
        >>> feat = torch.tensor([[1., 0.], [.6, .8], [0., 1.]])
        >>> prob = torch.tensor([[.9, .1], [.6, .4], [.2, .8]])
        >>> prototypes, valid, labels = shot_prototypes(feat, prob, return_labels=True)
        >>> labels, valid
        (tensor([0, 1, 1]), tensor([True, True]))
    """
    _check_features_and_probs(feat, prob)
    if isinstance(thr, bool) or not isinstance(thr, int) or thr < 0:
        raise ValueError(f'thr must be an int >= 0, got {thr!r}')
    feat, prob = feat.detach(), prob.detach()
    num_classes = prob.shape[1]
    argmax_counts = torch.bincount(prob.argmax(dim=1), minlength=num_classes)  # (C,)
    active = argmax_counts > thr  # (C,)
    if not bool(active.any()):
        raise ValueError(f'no class is the argmax of more than thr={thr} of the {feat.shape[0]} '
                         f'rows (argmax counts {argmax_counts.tolist()}); lower thr')
    soft = class_centroids(feat, prob)  # (C, D) mu^1
    cosine = F.normalize(feat, dim=1) @ F.normalize(soft, dim=1).t()  # (N, C)
    # argmax returns the first maximum, i.e. the lowest class on ties
    labels = cosine.masked_fill(~active[None, :], float('-inf')).argmax(dim=1)  # (N,)
    one_hot = F.one_hot(labels, num_classes)  # (N, C)
    prototypes = F.normalize(class_centroids(feat, one_hot), dim=1)  # (C, D); empty -> 0
    valid = one_hot.sum(dim=0) > 0  # (C,)
    if return_labels:
        return prototypes, valid, labels
    return prototypes, valid


def prototype_labels(feat: Tensor, prototypes: Tensor, valid: Tensor,
                     empty_prototype: str = 'mask') -> Tensor:
    r"""Nearest valid prototype of each row: :math:`\hat y_i = \arg\max_{c\,:\,\mathrm{valid}_c}
    \mathrm{norm}(z_i) \cdot \mu_c`, ties to the lowest class.

    ``empty_prototype='zero'`` is the reference's behaviour: an invalid class
    keeps its zero prototype and scores 0, so it wins when every valid cosine
    is negative. The default ``'mask'`` never returns an invalid class.

    Args:
        feat (Tensor): batch features :math:`z` (normalised here).
        prototypes (Tensor): :math:`\mu` from :func:`shot_prototypes`.
        valid (Tensor): bool validity of each prototype.
        empty_prototype (str): ``'mask'`` or ``'zero'``. Default: ``'mask'``.

    Shape:
        - feat: :math:`(B, D)`; prototypes: :math:`(C, D)`; valid: :math:`(C,)`.
        - Output: :math:`(B,)` int64.

    Example:
        >>> prototypes = torch.tensor([[1., 0.], [0.316228, 0.948683]])
        >>> prototype_labels(torch.tensor([[.8, .6]]), prototypes, torch.tensor([True, True]))
        tensor([1])
    """
    if empty_prototype not in EMPTY_PROTOTYPE_MODES:
        raise ValueError(f'empty_prototype must be one of {EMPTY_PROTOTYPE_MODES}, got '
                         f'{empty_prototype!r}')
    if feat.dim() != 2 or prototypes.dim() != 2 or feat.shape[1] != prototypes.shape[1]:
        raise ValueError(f'feat must have shape (B, D) and prototypes (C, D) with the same D, '
                         f'got {tuple(feat.shape)} and {tuple(prototypes.shape)}')
    if valid.dtype != torch.bool or valid.shape != (prototypes.shape[0],):
        raise ValueError(f'valid must be a bool tensor of shape ({prototypes.shape[0]},), got '
                         f'{valid.dtype} {tuple(valid.shape)}')
    if not bool(valid.any()):
        raise ValueError('no prototype is valid; refresh the prototypes from a filled bank')
    scores = F.normalize(feat.detach(), dim=1) @ prototypes.detach().t()  # (B, C)
    if empty_prototype == 'mask':
        scores = scores.masked_fill(~valid.to(scores.device)[None, :], float('-inf'))
    else:
        # an empty class's prototype is a zero vector: its score is exactly 0
        scores = scores.masked_fill(~valid.to(scores.device)[None, :], 0.0)
    return scores.argmax(dim=1)


def confidence_mask(q: Tensor, thr: float) -> Tensor:
    r"""Confident rows, :math:`m_i = [\max_c q_{ic} \ge thr]`, as a float mask.

    Args:
        q (Tensor): teacher probabilities.
        thr (float): threshold (0.95 in EERCL).

    Shape:
        - q: :math:`(B, C)`.
        - Output: :math:`(B,)`, ``q``'s dtype, values 0 or 1, detached.

    Example:
        >>> confidence_mask(torch.tensor([[.96, .04], [.6, .4]]), 0.95)
        tensor([1., 0.])
    """
    if q.dim() != 2:
        raise ValueError(f'q must have shape (B, C), got {tuple(q.shape)}')
    if not q.dtype.is_floating_point:
        raise TypeError(f'q must be floating point, got {q.dtype}')
    return (q.detach().max(dim=1).values >= thr).to(q.dtype)
