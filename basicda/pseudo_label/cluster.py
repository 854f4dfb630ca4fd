"""Cluster-level pseudo-labels and class-proportional selection (CluP).

`Cluster-level pseudo-labelling for source-free cross-domain facial expression
recognition <https://arxiv.org/abs/2210.05246>`_ (Conti et al., BMVC 2022);
``docs/clup.md`` §2.2-2.7 and §5.

A frozen source model labels every target sample (:math:`\\hat y_i`). The target
features are k-means clustered, every cluster takes the majority of its members'
predictions as label and the majority fraction (its *purity*) as the confidence
of each member, and the purest fraction :math:`r` of each pseudo-class is kept.
A cluster-level decision averages out per-sample noise of the source model.

Notation: :math:`N` samples, :math:`C` classes, :math:`K` clusters, :math:`D`
feature dimension, :math:`k(i)` the cluster of sample :math:`i`.

All functions are pure: tensors in, new tensors out (on the inputs' device).
"""
import math
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .shot import class_centroids

__all__ = ['LABELED_SAMPLES_MODES', 'shot_normalize', 'cluster_table', 'cluster_pseudo_labels',
           'drop_outliers', 'centroid_pseudo_labels', 'pseudo_labels_by_mode', 'select_purest',
           'iterative_cluster_selection']

# labeled_samples_mode -> kind of training target (§2.5): hard labels with CE, or
# the cluster's soft label with KL.
LABELED_SAMPLES_MODES = {'normal': 'hard', 'centroid': 'hard', 'purity': 'hard',
                         'soft-purity': 'soft'}


def _check_index_vector(x: Tensor, name: str, low: int, high: int) -> None:
    """``x`` is a 1-D integer tensor with values in ``[low, high)``."""
    if not isinstance(x, Tensor):
        raise TypeError(f'{name} must be a Tensor, got {type(x).__name__}')
    if x.dim() != 1:
        raise ValueError(f'{name} must have shape (N,), got {tuple(x.shape)}')
    if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype == torch.bool:
        raise TypeError(f'{name} must hold integer indices, got dtype {x.dtype}')
    if x.numel() and (int(x.min()) < low or int(x.max()) >= high):
        raise ValueError(f'{name} must be in [{low}, {high}), got values in '
                         f'[{int(x.min())}, {int(x.max())}]')


def shot_normalize(h: Tensor) -> Tensor:
    r"""Append a constant 1 and L2-normalise each row (SHOT's feature preparation).

    .. math::
        z_i = [h_i ; 1] / \lVert [h_i ; 1] \rVert_2 \in \mathbb{R}^{D+1}

    The constant coordinate keeps the norm away from 0 and makes Euclidean
    k-means on :math:`z` sensitive to the original norm of :math:`h_i`.

    Args:
        h (Tensor): features :math:`h` (the input of the source classifier).

    Shape:
        - h: :math:`(N, D)`.
        - Output: :math:`(N, D + 1)`, rows of unit norm, same dtype as ``h``.

    Example:
        >>> shot_normalize(torch.tensor([[3., 0.], [0., 0.]]))
        tensor([[0.9487, 0.0000, 0.3162],
                [0.0000, 0.0000, 1.0000]])
    """
    if h.dim() != 2:
        raise ValueError(f'h must have shape (N, D), got {tuple(h.shape)}')
    if not h.dtype.is_floating_point:
        raise TypeError(f'h must be floating point, got dtype {h.dtype}')
    augmented = torch.cat([h, h.new_ones(h.shape[0], 1)], dim=1)  # (N, D + 1)
    return F.normalize(augmented, dim=1)


def cluster_table(cluster_ids: Tensor, predictions: Tensor, num_classes: int,
                  num_clusters: Optional[int] = None,
                  tie_order: Optional[Sequence[int]] = None) -> Tuple[Tensor, Tensor, Tensor]:
    r"""Per-cluster majority label, purity and soft label (§2.4).

    With :math:`n_{pc} = \#\{i : k(i) = p,\ \hat y_i = c\}` (one bincount of
    :math:`p C + \hat y`) and :math:`|p| = \sum_c n_{pc}`:

    .. math::
        \ell(p) = \min \arg\max_c n_{pc}, \quad
        s(p) = \max_c n_{pc} / |p|, \quad q(p) = n_{p\cdot} / |p| .

    An empty cluster gets :math:`\ell = -1`, :math:`s = 0`, :math:`q = 0`.

    Args:
        cluster_ids (Tensor): cluster :math:`k(i)` of each sample, int.
        predictions (Tensor): source-model argmax :math:`\hat y_i`, int.
        num_classes (int): :math:`C`.
        num_clusters (int, optional): :math:`K`; default ``max(cluster_ids) + 1``.
            Pass it so trailing empty clusters appear in the table.
        tie_order (sequence of int, optional): a permutation of the classes; a
            tie goes to the class listed first (e.g. the reference's alphabetical
            order). Default: None, i.e. the lowest class index.

    Shape:
        - cluster_ids, predictions: :math:`(N,)`.
        - Output: ``(labels, purity, soft)`` of shapes :math:`(K,)` int64,
          :math:`(K,)` float32 and :math:`(K, C)` float32.

    Example:
        >>> labels, purity, _ = cluster_table(torch.tensor([0, 0, 0, 1]),
        ...                                   torch.tensor([2, 1, 1, 3]), 4, 3)
        >>> labels, purity
        (tensor([ 1,  3, -1]), tensor([0.6667, 1.0000, 0.0000]))
    """
    if num_classes < 1:
        raise ValueError(f'num_classes must be >= 1, got {num_classes}')
    if num_clusters is None:
        num_clusters = int(cluster_ids.max()) + 1 if cluster_ids.numel() else 0
    if num_clusters < 0:
        raise ValueError(f'num_clusters must be >= 0, got {num_clusters}')
    _check_index_vector(cluster_ids, 'cluster_ids', 0, max(num_clusters, 1))
    _check_index_vector(predictions, 'predictions', 0, num_classes)
    if cluster_ids.shape != predictions.shape:
        raise ValueError(f'cluster_ids and predictions must have the same shape (N,), got '
                         f'{tuple(cluster_ids.shape)} and {tuple(predictions.shape)}')
    flat = cluster_ids.long() * num_classes + predictions.long()  # (N,) cell (p, c)
    counts = torch.bincount(flat, minlength=num_clusters * num_classes)
    counts = counts.view(num_clusters, num_classes)  # (K, C) n_pc
    sizes = counts.sum(dim=1)  # (K,) |p|
    if tie_order is None:
        labels = counts.argmax(dim=1)  # first maximum = smallest class index
    else:
        order = torch.as_tensor(list(tie_order), dtype=torch.long, device=counts.device)
        if sorted(order.tolist()) != list(range(num_classes)):
            raise ValueError(f'tie_order must be a permutation of range({num_classes}), '
                             f'got {list(tie_order)}')
        labels = order[counts[:, order].argmax(dim=1)]  # first maximum in tie_order
    majority = counts.max(dim=1).values  # (K,)
    nonempty = sizes > 0
    denominator = sizes.clamp_min(1).double()
    purity = torch.where(nonempty, majority.double() / denominator, 0.0).float()
    soft = (counts.double() / denominator[:, None]).float()  # empty rows stay 0
    labels = torch.where(nonempty, labels, torch.full_like(labels, -1))
    return labels, purity, soft


def cluster_pseudo_labels(cluster_ids: Tensor, predictions: Tensor, num_classes: int,
                          num_clusters: Optional[int] = None,
                          tie_order: Optional[Sequence[int]] = None
                          ) -> Tuple[Tensor, Tensor, Tensor]:
    r"""Per-sample cluster label, purity and soft label: :func:`cluster_table` read at :math:`k(i)`.

    .. math::
        \tilde y_i = \ell(k(i)), \quad \kappa_i = s(k(i)), \quad soft_i = q(k(i)).

    Args:
        cluster_ids (Tensor): cluster :math:`k(i)` of each sample, int.
        predictions (Tensor): source-model argmax :math:`\hat y_i`, int.
        num_classes (int): :math:`C`.
        num_clusters (int, optional): :math:`K`; default ``max(cluster_ids) + 1``.
        tie_order (sequence of int, optional): see :func:`cluster_table`.

    Shape:
        - cluster_ids, predictions: :math:`(N,)`.
        - Output: ``(labels, purity, soft)``: :math:`(N,)` int64, :math:`(N,)`
          float32, :math:`(N, C)` float32.

    Example:
        >>> labels, purity, _ = cluster_pseudo_labels(torch.tensor([0, 0, 0, 1]),
        ...                                           torch.tensor([2, 1, 1, 3]), 4)
        >>> labels, purity
        (tensor([1, 1, 1, 3]), tensor([0.6667, 0.6667, 0.6667, 1.0000]))
    """
    labels, purity, soft = cluster_table(cluster_ids, predictions, num_classes, num_clusters,
                                         tie_order)
    ids = cluster_ids.long()
    return labels[ids], purity[ids], soft[ids]


def drop_outliers(labels: Tensor, predictions: Tensor, confidence: Tensor) -> Tensor:
    r"""Zero the confidence of samples whose own prediction disagrees with their cluster.

    .. math::
        \kappa'_i = \kappa_i \, [\hat y_i = \tilde y_i]

    The labels are kept, so such samples are still picked (last) when a class
    quota exceeds the agreeing members.

    Args:
        labels (Tensor): cluster pseudo-labels :math:`\tilde y`, int.
        predictions (Tensor): source-model argmax :math:`\hat y`, int.
        confidence (Tensor): :math:`\kappa`, float.

    Shape:
        - labels, predictions, confidence: :math:`(N,)`.
        - Output: :math:`(N,)`, dtype of ``confidence``.

    Example:
        >>> drop_outliers(torch.tensor([1, 1]), torch.tensor([2, 1]), torch.tensor([.5, .5]))
        tensor([0.0000, 0.5000])
    """
    if not (labels.shape == predictions.shape == confidence.shape) or labels.dim() != 1:
        raise ValueError('labels, predictions and confidence must all have shape (N,), got '
                         f'{tuple(labels.shape)}, {tuple(predictions.shape)} and '
                         f'{tuple(confidence.shape)}')
    return _zero_disagreeing(labels, predictions, confidence)


def _zero_disagreeing(labels: Tensor, predictions: Tensor, confidence: Tensor) -> Tensor:
    # Shared by the functions whose ``drop_outliers`` flag shadows :func:`drop_outliers`.
    return torch.where(predictions == labels, confidence, torch.zeros_like(confidence))


def centroid_pseudo_labels(z: Tensor, probs: Tensor, cycles: int = 0) -> Tuple[Tensor, Tensor]:
    r"""SHOT nearest-centroid pseudo-labels (``labeled_samples_mode='centroid'``, §2.5).

    `Do We Really Need to Access the Source Data? <https://arxiv.org/abs/2002.08546>`_
    (Liang et al., ICML 2020). Soft class centroids are built from the source
    model's probabilities :math:`P`, and every sample takes its nearest centroid
    in cosine distance:

    .. math::
        \mu_c = \frac{\sum_i P_{ic} z_i}{10^{-8} + \sum_i P_{ic}}, \quad
        d_{ic} = 1 - \cos(z_i, \mu_c), \quad
        \tilde y_i = \arg\min_c d_{ic}, \quad \kappa_i = \max_c \mathrm{softmax}(-d_i)_c .

    Each of the ``cycles`` further rounds sets
    :math:`\mu_c = \sum_i [\tilde y_i = c] z_i / (10^{-8} + \#\{\tilde y_i = c\})`
    and reassigns :math:`\tilde y`; :math:`\kappa` keeps its first-pass value.
    A class that no sample took has :math:`\mu_c = 0`, which is at cosine distance
    :math:`d_{ic} = 1` from every sample (the reference's NaN distance sent every
    sample to it: a fixed reference bug, ``docs/clup.md``).

    Args:
        z (Tensor): features (e.g. from :func:`shot_normalize`).
        probs (Tensor): source-model probabilities :math:`P = \mathrm{softmax}(o)`.
        cycles (int): extra hard-centroid rounds (``ssl_cycles``). Default: 0.

    Shape:
        - z: :math:`(N, D)`; probs: :math:`(N, C)`.
        - Output: ``(labels, conf)``: :math:`(N,)` int64 and :math:`(N,)` of ``z``'s dtype.

    Example:
        >>> z = torch.tensor([[1., 0.], [.6, .8], [0., 1.]])
        >>> probs = torch.tensor([[.9, .1], [.6, .4], [.2, .8]])
        >>> centroid_pseudo_labels(z, probs)[0]
        tensor([0, 1, 1])
    """
    if z.dim() != 2 or probs.dim() != 2 or z.shape[0] != probs.shape[0]:
        raise ValueError(f'z must have shape (N, D) and probs (N, C), got {tuple(z.shape)} '
                         f'and {tuple(probs.shape)}')
    if cycles < 0:
        raise ValueError(f'cycles must be >= 0, got {cycles}')
    unit = F.normalize(z, dim=1)  # (N, D)
    weights = probs.to(z.dtype)  # (N, C)
    num_classes = probs.shape[1]

    def distances(w: Tensor) -> Tensor:
        centroids = class_centroids(z, w)  # (C, D)
        return 1.0 - unit @ F.normalize(centroids, dim=1).t()  # (N, C)

    d = distances(weights)
    labels = d.argmin(dim=1)  # first minimum on ties
    conf = torch.softmax(-d, dim=1).max(dim=1).values
    for _ in range(cycles):
        labels = distances(F.one_hot(labels, num_classes).to(z.dtype)).argmin(dim=1)
    return labels, conf


def pseudo_labels_by_mode(mode: str, logits: Tensor, features: Optional[Tensor] = None,
                          cluster_ids: Optional[Tensor] = None,
                          num_clusters: Optional[int] = None, ssl_cycles: int = 0,
                          drop_outliers: bool = False,
                          tie_order: Optional[Sequence[int]] = None
                          ) -> Tuple[Tensor, Tensor, Tensor]:
    r"""Pseudo-labels :math:`\tilde y`, confidence :math:`\kappa` and soft target for one mode.

    ``labeled_samples_mode`` (§2.5), with :math:`P = \mathrm{softmax}(o)` and
    :math:`\hat y = \arg\max_c o` (lowest index on ties):

    * ``'normal'``: :math:`\tilde y = \hat y`, :math:`\kappa = \max_c P_c`;
    * ``'centroid'``: :func:`centroid_pseudo_labels` on ``features``;
    * ``'purity'`` and ``'soft-purity'``: :func:`cluster_pseudo_labels` of
      ``cluster_ids``; the two differ only in the training target
      (:data:`LABELED_SAMPLES_MODES`).

    In the purity modes ``drop_outliers`` then applies :func:`drop_outliers` against
    :math:`\hat y`; in ``'normal'`` and ``'centroid'`` it changes nothing, as in the
    reference (``docs/clup.md``, differences from the reference). The soft target is
    the cluster's :math:`q` in the purity modes and the one-hot of :math:`\tilde y`
    otherwise.

    Args:
        mode (str): one of :data:`LABELED_SAMPLES_MODES`.
        logits (Tensor): source-model logits :math:`o`.
        features (Tensor, optional): :math:`z`, needed by ``'centroid'``.
        cluster_ids (Tensor, optional): :math:`k(i)`, needed by the purity modes.
        num_clusters (int, optional): :math:`K` for :func:`cluster_pseudo_labels`.
        ssl_cycles (int): ``cycles`` of :func:`centroid_pseudo_labels`. Default: 0.
        drop_outliers (bool): zero :math:`\kappa` where :math:`\hat y \ne \tilde y`
            (purity modes only). Default: False.
        tie_order (sequence of int, optional): see :func:`cluster_table`.

    Shape:
        - logits: :math:`(N, C)`; features: :math:`(N, D)`; cluster_ids: :math:`(N,)`.
        - Output: ``(labels, conf, soft)``: :math:`(N,)` int64, :math:`(N,)` float,
          :math:`(N, C)` float32.

    Example:
        >>> labels, conf, _ = pseudo_labels_by_mode('normal', torch.tensor([[0., 0.], [0., 1.]]))
        >>> labels
        tensor([0, 1])
    """
    if mode not in LABELED_SAMPLES_MODES:
        raise ValueError(f'labeled_samples_mode must be one of {list(LABELED_SAMPLES_MODES)}, '
                         f'got {mode!r}')
    if logits.dim() != 2:
        raise ValueError(f'logits must have shape (N, C), got {tuple(logits.shape)}')
    num_classes = logits.shape[1]
    probs = torch.softmax(logits.float(), dim=1)  # (N, C)
    predictions = logits.argmax(dim=1)  # (N,)
    soft = None
    if mode == 'normal':
        conf, labels = probs.max(dim=1).values, predictions
    elif mode == 'centroid':
        if features is None:
            raise ValueError("labeled_samples_mode='centroid' needs features")
        labels, conf = centroid_pseudo_labels(features, probs, cycles=ssl_cycles)
    else:
        if cluster_ids is None:
            raise ValueError(f'labeled_samples_mode={mode!r} needs cluster_ids')
        labels, conf, soft = cluster_pseudo_labels(cluster_ids, predictions, num_classes,
                                                   num_clusters, tie_order)
    if soft is None:
        soft = F.one_hot(labels, num_classes).float()
    if drop_outliers and mode in ('purity', 'soft-purity'):
        conf = _zero_disagreeing(labels, predictions, conf)
    return labels, conf, soft


def select_purest(labels: Tensor, confidence: Tensor, fraction: float, num_classes: int,
                  candidates: Optional[Tensor] = None, min_per_class: int = 0) -> Tensor:
    r"""The most confident fraction :math:`r` of every pseudo-class (§2.6).

    For each class :math:`c`, :math:`S_c = \{i \in R : \tilde y_i = c\}` and

    .. math::
        n_c = \max\big(\lfloor r \cdot |S_c| \rfloor,\ \min(m, |S_c|)\big)

    (product in float64, :math:`m` = ``min_per_class``). The first :math:`n_c`
    members of :math:`S_c` in the order (:math:`\kappa` descending, index
    ascending) are kept. Selection is class-proportional: with :math:`m = 0` a
    class with :math:`|S_c| < 1/r` contributes nothing.

    Args:
        labels (Tensor): pseudo-labels :math:`\tilde y` in ``[0, C)``, int.
        confidence (Tensor): :math:`\kappa`, float (no NaN).
        fraction (float): :math:`r \in [0, 1]`.
        num_classes (int): :math:`C`.
        candidates (Tensor, optional): the indices :math:`R` to choose from
            (distinct); default all :math:`N`.
        min_per_class (int): floor :math:`m` per class (the reference's is 0).
            Default: 0.

    Shape:
        - labels, confidence: :math:`(N,)`; candidates: :math:`(M,)`.
        - Output: :math:`(S,)` int64 sample indices, ascending.

    Example:
        >>> labels = torch.tensor([1, 1, 1, 3, 3, 0, 0, 0, 0, 6])
        >>> purity = torch.tensor([2/3, 2/3, 2/3, 1, 1, .5, .5, .5, .5, 1])
        >>> select_purest(labels, purity, 0.5, 7)
        tensor([0, 3, 5, 6])
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f'fraction must be in [0, 1], got {fraction}')
    if min_per_class < 0:
        raise ValueError(f'min_per_class must be >= 0, got {min_per_class}')
    if confidence.shape != labels.shape:
        raise ValueError(f'labels and confidence must have the same shape (N,), got '
                         f'{tuple(labels.shape)} and {tuple(confidence.shape)}')
    if candidates is None:
        candidates = torch.arange(labels.shape[0], device=labels.device)
    _check_index_vector(candidates, 'candidates', 0, labels.shape[0])
    index = candidates.detach().cpu().numpy().astype(np.int64)  # (M,)
    if len(np.unique(index)) != len(index):
        raise ValueError('candidates must be distinct sample indices, got duplicates')
    _check_index_vector(labels[candidates], 'labels of the candidates', 0, num_classes)
    label = labels.detach().cpu().numpy()[index]  # (M,)
    conf = confidence.detach().cpu().numpy().astype(np.float64)[index]  # (M,)
    if np.isnan(conf).any():
        raise ValueError('confidence contains NaN')
    order = np.lexsort((index, -conf))  # kappa descending, then index ascending
    ranked_index, ranked_label = index[order], label[order]
    chosen = []
    for c in range(num_classes):
        members = ranked_index[ranked_label == c]  # S_c, best first
        quota = math.floor(float(fraction) * len(members))
        quota = max(quota, min(min_per_class, len(members)))
        chosen.append(members[:quota])
    selected = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)
    return torch.from_numpy(selected.astype(np.int64)).to(labels.device)


def iterative_cluster_selection(z: Tensor, predictions: Tensor, num_clusters: int,
                                fraction: float, num_rounds: int,
                                cluster_fn: Callable[[Tensor, int, int], Tensor],
                                num_classes: int = 7, seed: int = 1234,
                                drop_outliers: bool = False, min_per_class: int = 0,
                                tie_order: Optional[Sequence[int]] = None,
                                return_details: bool = False):
    r"""``iter_clusters = T``: cluster, match and select T times on the rest (§2.7).

    Start with :math:`R = \{0..N-1\}`. In round :math:`t = 1..T`: cluster
    :math:`z[R]` into :math:`K_t = \min(K, |R|)` clusters with seed
    :math:`seed + t - 1`; match the clusters with :math:`\hat y[R]`
    (:func:`cluster_pseudo_labels`, then :func:`drop_outliers` if asked);
    **overwrite** :math:`\tilde y`, :math:`\kappa` and the soft label on
    :math:`R`; select from :math:`R` (:func:`select_purest`) and remove the
    selection from :math:`R`. A sample keeps the labels of the round that
    selected it; the training set is the union over rounds. Rounds stop early
    once :math:`R` is empty.

    Args:
        z (Tensor): clustering features (e.g. :func:`shot_normalize`).
        predictions (Tensor): source-model argmax :math:`\hat y`, int in ``[0, C)``.
        num_clusters (int): :math:`K`.
        fraction (float): :math:`r`.
        num_rounds (int): :math:`T \ge 1`.
        cluster_fn (callable): ``cluster_fn(z_R, k, seed) -> ids`` with ids of shape
            :math:`(|R|,)` in ``[0, k)``, e.g.
            ``lambda x, k, s: kmeans(x, k, seed=s)[0]``.
        num_classes (int): :math:`C`. Default: 7.
        seed (int): seed of round 1. Default: 1234.
        drop_outliers (bool): zero :math:`\kappa` where :math:`\hat y \ne \tilde y`.
            Default: False.
        min_per_class (int): see :func:`select_purest`. Default: 0.
        tie_order (sequence of int, optional): see :func:`cluster_table`.
        return_details (bool): also return a dict with ``soft`` :math:`(N, C)` and
            per-round lists ``candidates``, ``cluster_ids``, ``selected``.
            Default: False.

    Shape:
        - z: :math:`(N, D)`; predictions: :math:`(N,)`.
        - Output: ``(labels, conf, selected)``: :math:`(N,)` int64, :math:`(N,)`
          float32, :math:`(S,)` int64 ascending; plus the dict if asked.

    Example:
        >>> rounds = iter([torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]), torch.tensor([0, 1, 1, 1])])
        >>> labels, conf, selected = iterative_cluster_selection(
        ...     torch.zeros(8, 2), torch.tensor([0, 0, 0, 0, 1, 1, 1, 1]), 4, 0.5, 2,
        ...     lambda x, k, s: next(rounds), num_classes=2)
        >>> selected
        tensor([0, 1, 3, 4, 5])
    """
    if num_rounds < 1:
        raise ValueError(f'num_rounds must be >= 1, got {num_rounds}')
    if num_clusters < 1:
        raise ValueError(f'num_clusters must be >= 1, got {num_clusters}')
    if z.dim() != 2 or z.shape[0] != predictions.shape[0]:
        raise ValueError(f'z must have shape (N, D) matching predictions (N,), got '
                         f'{tuple(z.shape)} and {tuple(predictions.shape)}')
    _check_index_vector(predictions, 'predictions', 0, num_classes)
    n = z.shape[0]
    device = predictions.device
    labels = torch.full((n,), -1, dtype=torch.long, device=device)
    conf = torch.zeros(n, dtype=torch.float32, device=device)
    soft = torch.zeros(n, num_classes, dtype=torch.float32, device=device)
    remaining = torch.arange(n, device=device)  # R, ascending
    details: Dict[str, list] = dict(candidates=[], cluster_ids=[], selected=[])
    selected_rounds = []
    for t in range(1, num_rounds + 1):
        if remaining.numel() == 0:
            break
        k_t = min(num_clusters, remaining.numel())
        ids = torch.as_tensor(cluster_fn(z[remaining], k_t, seed + t - 1)).to(device)
        if ids.shape != remaining.shape:
            raise ValueError(f'cluster_fn must return {remaining.numel()} cluster ids in round '
                             f'{t}, got shape {tuple(ids.shape)}')
        _check_index_vector(ids, f'cluster ids of round {t}', 0, k_t)
        round_labels, round_conf, round_soft = cluster_pseudo_labels(
            ids, predictions[remaining], num_classes, k_t, tie_order)
        if drop_outliers:
            round_conf = _zero_disagreeing(round_labels, predictions[remaining], round_conf)
        labels[remaining], conf[remaining], soft[remaining] = round_labels, round_conf, round_soft
        chosen = select_purest(labels, conf, fraction, num_classes, candidates=remaining,
                               min_per_class=min_per_class)
        selected_rounds.append(chosen)
        details['candidates'].append(remaining)
        details['cluster_ids'].append(ids.long())
        details['selected'].append(chosen)
        keep = ~torch.isin(remaining, chosen)
        remaining = remaining[keep]
    selected = torch.sort(torch.cat(selected_rounds)).values
    if return_details:
        return labels, conf, selected, dict(soft=soft, **details)
    return labels, conf, selected
