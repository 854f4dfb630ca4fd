"""A classifier trained with mixup on (pseudo-)labels: CluP's student (clup.md §2.8)."""
from typing import Dict, Optional

import torch
from mmengine.logging import MessageHub
from torch import Tensor

from basicda.datasets.samples import require_gt_labels
from basicda.losses.mixup import (mixaug_weight, mixup, mixup_lambda_generator, mixup_loss,
                                  mixup_perm_generator, sample_mixup)
from basicda.ops.gather import all_gather_cat, world_info
from basicda.registry import MODELS

from .classifier import ImageClassifier


@MODELS.register_module()
class MixupClassifier(ImageClassifier):
    r"""``ImageClassifier`` whose training loss is mixup on the batch.

    Per batch (local size B) at global step t of a run with seed s:
    :math:`\lambda \sim \mathrm{Beta}(\alpha, \alpha)` from a generator seeded by
    (s, t), identical on every rank; :math:`\pi` = randperm(B) from a generator
    seeded by (s, t, rank); :math:`\tilde x = \lambda x + (1-\lambda) x[\pi]` and
    :func:`basicda.losses.mixup_loss` with the ``mixaug`` weight :math:`\beta`.
    Both generators are derived, not stored, so resume redraws exactly.

    Targets: ``data_samples['soft_label']`` (B, C) when present (``soft-purity``:
    batch-mean KL), else ``gt_label`` (B,) with plain mean cross-entropy (no
    smoothing, as in the reference). The ``loss`` key of the parent is unused.

    Args:
        mixup_alpha: :math:`\alpha`; None or <= 0 turns mixup off. Default: 0.2.
        mixaug_alpha: :math:`\beta >= 0`; not applied while mixup is off, as in the
            reference (:func:`basicda.losses.mixup.mixaug_weight`). Default: 0.
        mixup_zero_means_swap: the reference's alpha = 0 -> lambda = 0. Default: False.
        seed: seed of the mixup streams; None takes the run's seed (DARunner puts
            it in the message hub). Default: None.
        check_ranks: debug: all-gather lambda every step and raise if the ranks
            drew different values (a collective per step). Default: False.
        **kwargs: :class:`ImageClassifier` arguments.
    """

    def __init__(self, mixup_alpha: Optional[float] = 0.2, mixaug_alpha: float = 0.0,
                 mixup_zero_means_swap: bool = False, seed: Optional[int] = None,
                 check_ranks: bool = False, **kwargs) -> None:
        kwargs.setdefault('loss', dict(type='LabelSmoothingCrossEntropy', eps=0.0))
        super().__init__(**kwargs)
        if mixaug_alpha < 0:
            raise ValueError(f'mixaug_alpha must be >= 0, got {mixaug_alpha}')
        self.mixup_alpha, self.mixaug_alpha = mixup_alpha, float(mixaug_alpha)
        self.mixup_zero_means_swap = mixup_zero_means_swap
        self.seed = seed
        self.check_ranks = check_ranks

    def _streams(self):
        hub = MessageHub.get_current_instance()
        seed = self.seed if self.seed is not None else int(hub.get_info('seed', 0) or 0)
        step = int(hub.get_info('iter', 0))
        return (mixup_lambda_generator(seed % 2**32, step),
                mixup_perm_generator(seed % 2**32, step, world_info()[0]))

    def loss(self, inputs: Tensor, data_samples: dict) -> Dict[str, Tensor]:
        target = data_samples.get('soft_label')
        if target is None:
            target = require_gt_labels(data_samples, type(self).__name__)
        lam_gen, perm_gen = self._streams()
        lam, perm = sample_mixup(inputs.shape[0], self.mixup_alpha, lam_gen, perm_gen,
                                 zero_means_swap=self.mixup_zero_means_swap)
        if self.check_ranks and world_info()[1] > 1:
            drawn = all_gather_cat(torch.tensor([float(lam)], device=inputs.device))
            if not torch.all(drawn == drawn[0]):
                raise RuntimeError(f'mixup lambda differs between ranks: {drawn.tolist()} '
                                   '(the seed in the message hub must be the same on all ranks)')
        perm = perm.to(inputs.device)
        x_mix, y_a, y_b = mixup(inputs, target, lam, perm)
        logits = self.head(self.backbone(x_mix))
        beta = mixaug_weight(self.mixup_alpha, self.mixaug_alpha, self.mixup_zero_means_swap)
        loss = mixup_loss(logits, y_a, y_b, lam, beta)
        return dict(loss_mixup=loss, mixup_lambda=torch.tensor(lam))
