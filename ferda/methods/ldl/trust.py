"""LDL's trust diagnostics (``docs/ldl.md`` §7): lambda = sigmoid(lambda_hat) per training row,
its mean per class and, given the flips of a ``ferda noise`` copy, the mean on flipped and clean
rows and the AUROC of 1 - lambda as a detector of the flipped rows; on SynFER, how close the
targets come to the blend weights the ambiguous samples were generated from."""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from basicda.evaluation.auroc import binary_auroc
from basicda.evaluation.divergence import kl_divergence

__all__ = ['read_flipped_ids', 'trust_report', 'ambiguity_kl_report']


def read_flipped_ids(path: str) -> set:
    """The ``id`` column of a ``ferda noise`` ``*.flips.csv`` (header ``row,line,id,old,new``).

    Raises:
        ValueError: naming the file and line, for a missing ``id`` column or a short row.
    """
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    if not lines:
        raise ValueError(f'{path}: empty file; expected the header row,line,id,old,new')
    header = [h.strip() for h in lines[0].split(',')]
    if 'id' not in header:
        raise ValueError(f'{path}:1: expected a header with an id column (row,line,id,old,new), '
                         f'found {lines[0]!r}')
    col = header.index('id')
    ids = set()
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(',')
        if len(fields) != len(header):
            raise ValueError(f'{path}:{i}: expected {len(header)} fields, found {len(fields)}')
        ids.add(fields[col].strip())
    return ids


def trust_report(lam_hat, labels, sample_ids: Sequence[str], num_classes: int,
                 flipped_ids: Optional[set] = None) -> Dict:
    """Trust statistics of one run.

    Args:
        lam_hat: (N,) or (N, 1) trust logits, row i = training sample ``sample_ids[i]``.
        labels: (N,) the labels trained on (noisy ones included), 0..C-1.
        sample_ids (list[str]): (N,) ids of the training rows.
        num_classes (int): C.
        flipped_ids (set | None): ids of the flipped rows (``read_flipped_ids``); an id
            matches a sample id itself or with its file extension dropped
            (``train_00001.jpg`` -> ``train_00001``). Flipped ids outside the training
            rows (e.g. a validation hold-out) are counted, not used.

    Returns:
        dict: ``lambda_mean``, ``lambda_mean_per_class`` (C, NaN for an absent class), and
        with flips ``n_flipped`` (training rows flipped), ``n_flipped_not_in_train``,
        ``lambda_mean_flipped``, ``lambda_mean_clean`` and ``auroc`` (of 1 - lambda for
        the flipped rows; :func:`binary_auroc`).

    Example:
        lam_hat = [0, 0, 2, -2], labels = [0, 1, 1, 0], flipped = {'b'} of ids
        a, b, c, d: lambda = [0.5, 0.5, 0.881, 0.119], auroc = (1 + 0.5 + 0) / 3 = 0.5.
    """
    lam = 1.0 / (1.0 + np.exp(-np.asarray(lam_hat, dtype=np.float64).reshape(-1)))  # (N,)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    ids = list(sample_ids)
    if not lam.shape[0] == labels.shape[0] == len(ids):
        raise ValueError(f'trust_report: {lam.shape[0]} trust rows, {labels.shape[0]} labels and '
                         f'{len(ids)} sample ids; they must be the same training rows')
    per_class = [float(lam[labels == c].mean()) if (labels == c).any() else float('nan')
                 for c in range(num_classes)]
    report = dict(n=int(lam.shape[0]), lambda_mean=float(lam.mean()),
                  lambda_mean_per_class=per_class)
    if flipped_ids is None:
        return report
    keys = {fid: fid for fid in flipped_ids}
    keys.update({osp.splitext(fid)[0]: fid for fid in flipped_ids})
    flipped = np.array([sid in keys for sid in ids])
    used = {keys[sid] for sid in ids if sid in keys}
    report.update(n_flipped=int(flipped.sum()),
                  n_flipped_not_in_train=len(set(flipped_ids) - used),
                  lambda_mean_flipped=float(lam[flipped].mean()) if flipped.any() else None,
                  lambda_mean_clean=float(lam[~flipped].mean()) if (~flipped).any() else None,
                  auroc=binary_auroc(1.0 - lam, flipped))
    return report


def ambiguity_kl_report(blend, targets, labels, eps: float = 1e-10) -> Dict:
    """Mean KL from the generator's blend weights to LDL's targets, against the same for
    one-hot targets, over the ambiguous samples (blend weight on two or more classes).

    Args:
        blend: (N, C) blend weights of the training rows (SynFER's ``w_<Class>``), >= 0;
            each row is divided by its sum (the CSV rounds to 4 decimals).
        targets: (N, C) LDL's target t of the same rows
            (:meth:`LDLModel.target_distributions`).
        labels: (N,) the labels trained on (the one-hot baseline), 0..C-1.
        eps (float): :func:`kl_divergence`'s epsilon on the target. Default: 1e-10
            (LDL's cross-entropy epsilon); a one-hot target's zeros cost
            w log(w / eps) per class, so the one-hot number grows with log(1/eps).

    Returns:
        dict: ``n`` rows, ``n_ambiguous``, ``eps``, ``kl_target_mean`` and
        ``kl_onehot_mean`` (nats, over the ambiguous rows; None without any), and
        ``frac_target_closer`` (fraction of ambiguous rows whose target is closer to the
        blend than the one-hot label).

    Raises:
        ValueError: shapes disagree, a label outside 0..C-1, or a blend row without mass.

    Example:
        blend [[0.7, 0.3, 0], [0, 1, 0]], labels [0, 1], targets [[0.5, 0.5, 0], [0, 1, 0]]:
        one ambiguous row; kl_target_mean = 0.7 ln 1.4 + 0.3 ln 0.6 = 0.08228288 and
        kl_onehot_mean = 0.7 ln 0.7 + 0.3 ln(0.3 / 1e-10) = 6.29689098.
    """
    blend = np.asarray(blend, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if blend.ndim != 2 or targets.shape != blend.shape or labels.shape != blend.shape[:1]:
        raise ValueError(f'ambiguity_kl_report: expected blend and targets (N, C) and labels '
                         f'(N,), got {blend.shape}, {targets.shape} and {labels.shape}')
    n, c = blend.shape
    if n and (labels.min() < 0 or labels.max() >= c):
        raise ValueError(f'ambiguity_kl_report: labels must be in 0..{c - 1}')
    total = blend.sum(1)
    if (total <= 0).any():
        raise ValueError(f'ambiguity_kl_report: blend row {int(np.argmax(total <= 0))} has no '
                         'mass')
    blend = blend / total[:, None]
    ambiguous = (blend > 0).sum(1) >= 2
    report = dict(n=int(n), n_ambiguous=int(ambiguous.sum()), eps=float(eps),
                  kl_target_mean=None, kl_onehot_mean=None, frac_target_closer=None)
    if ambiguous.any():
        kl_t = kl_divergence(blend[ambiguous], targets[ambiguous], eps)
        kl_1 = kl_divergence(blend[ambiguous], np.eye(c)[labels[ambiguous]], eps)
        report.update(kl_target_mean=float(kl_t.mean()), kl_onehot_mean=float(kl_1.mean()),
                      frac_target_closer=float((kl_t < kl_1).mean()))
    return report
