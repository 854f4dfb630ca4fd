"""SimCLR pre-training (Chen et al., ICML 2020) with the SupCon loss form.

The pre-training stage of active learning (``docs/active-learning.md`` §7): backbone
h -> projection Linear(D, hidden) -> ReLU -> Linear(hidden, d) -> z = normalize(.),
two augmented views per image, :func:`basicda.losses.supcon_anchor_losses` over the
views of every rank. The math is in :mod:`basicda.losses.supcon`; this module
orchestrates one step and the all-rank gather.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from torch import Tensor, nn

from basicda.datasets.samples import require_gt_labels
from basicda.losses.supcon import supcon_anchor_losses
from basicda.ops.gather import all_gather_cat, all_gather_with_grad, world_info
from basicda.registry import MODELS

__all__ = ['SimCLR', 'PRETRAIN_METHODS', 'view_ids']

PRETRAIN_METHODS = ('simclr', 'supcon')


def view_ids(num_images: int, num_views: int, offset: int = 0) -> Tensor:
    """Ids of the V x B rows of ``cat(views)``: image ``offset + b`` for row v*B + b.

    Example:
        >>> view_ids(3, 2, offset=10).tolist()
        [10, 11, 12, 10, 11, 12]
    """
    return (torch.arange(num_images) + offset).repeat(num_views)


@MODELS.register_module()
class SimCLR(BaseModel):
    """SimCLR / SupCon pre-training model (mmengine's own train step, also under DDP).

    Args:
        backbone: config of a backbone with ``out_dim`` (e.g. ``TimmBackbone`` with
            ``stem='cifar'``).
        hidden_dim: projection hidden width. Default: 512.
        out_dim: d. Default: 128.
        tau: τ. Default: 0.1. base_tau: τ_b (loss scale τ/τ_b). Default: 0.07.
        pretrain_method: ``'simclr'`` (positives: the other view of the same image; no
            label is read) or ``'supcon'`` (positives: every view of the same label; the
            reference's default, which reads the pool's labels). Default: 'simclr'.
        mean, std: normalisation of the uint8 views (0-255 scale). Default: 0.5 / 0.2.
        pretrain_size: resize the views (bilinear, antialiased) to this side before the
            backbone; ``32`` reproduces the reference's 32 px pre-training
            (``docs/active-learning.md`` §8).
            Default: None (the views' own size, the dataset's).

    Data contract: ``inputs`` is a list of V >= 2 batches (B, 3, S, S) uint8 (see
    :class:`basicda.datasets.MultiCrop`); all views go through the backbone as one batch.
    """

    def __init__(self,
                 backbone: dict,
                 hidden_dim: int = 512,
                 out_dim: int = 128,
                 tau: float = 0.1,
                 base_tau: float = 0.07,
                 pretrain_method: str = 'simclr',
                 mean: Sequence[float] = (127.5, 127.5, 127.5),
                 std: Sequence[float] = (51.0, 51.0, 51.0),
                 pretrain_size: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='BaseDataPreprocessor'),
                         init_cfg=init_cfg)
        if pretrain_method not in PRETRAIN_METHODS:
            raise ValueError(f'model.pretrain_method must be one of {PRETRAIN_METHODS}, got '
                             f'{pretrain_method!r}')
        if tau <= 0 or base_tau <= 0:
            raise ValueError(f'model.tau and model.base_tau must be > 0, got {tau}, {base_tau}')
        if pretrain_method == 'supcon':
            MMLogger.get_current_instance().warning(
                "pretrain_method='supcon' reads the labels of the whole pool: the pre-trained "
                'encoder has seen labels active learning has not bought (the reference\'s '
                'default; docs/active-learning.md §8)')
        if pretrain_size is not None and int(pretrain_size) < 1:
            raise ValueError(f'model.pretrain_size must be >= 1 or None, got {pretrain_size}')
        self.pretrain_size = None if pretrain_size is None else int(pretrain_size)
        self.pretrain_method, self.tau, self.base_tau = pretrain_method, tau, base_tau
        self.backbone = MODELS.build(backbone)
        feat_dim = self.backbone.out_dim
        self.projection = nn.Sequential(nn.Linear(feat_dim, hidden_dim), nn.ReLU(inplace=True),
                                        nn.Linear(hidden_dim, out_dim))
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        self.arch_meta = dict(getattr(self.backbone, 'arch_meta', {}), ssl='SimCLR',
                              hidden_dim=hidden_dim, embed_dim=out_dim)

    def embed(self, views: Sequence[Tensor]) -> Tensor:
        """V batches (B, 3, S, S) -> z (V*B, d), rows ``cat(views)`` order."""
        x = torch.cat(list(views)).float()
        if self.pretrain_size is not None and tuple(x.shape[-2:]) != (self.pretrain_size,) * 2:
            x = F.interpolate(x, size=(self.pretrain_size,) * 2, mode='bilinear',
                              align_corners=False, antialias=True)
        x = (x - self.mean) / self.std
        return F.normalize(self.projection(self.backbone(x)), dim=1)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.embed(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        raise ValueError(f"SimCLR supports mode 'tensor' and 'loss', got {mode!r}")

    def _local_ids(self, views: Sequence[Tensor], data_samples, offset: int) -> Tensor:
        if self.pretrain_method == 'supcon':
            labels = require_gt_labels(data_samples, type(self).__name__)
            return labels.view(-1).long().repeat(len(views))
        return view_ids(views[0].shape[0], len(views), offset)

    def loss(self, views: Sequence[Tensor], data_samples=None) -> Dict[str, Tensor]:
        """Each rank's anchors against the views of ALL ranks.

        The local loss is ``W * sum(ℓ_i over local anchors) / M`` (M rows over all
        ranks), so the mean over the W ranks (DDP's gradient averaging) is the mean of
        ℓ_i over all M anchors, even with unequal batches.
        """
        if len(views) < 2:
            raise ValueError(f'SimCLR needs >= 2 views per image, got {len(views)}')
        z = self.embed(views)
        rank, world_size = world_info()
        counts = all_gather_cat(torch.tensor([views[0].shape[0]], device=z.device)).tolist()
        ids = self._local_ids(views, data_samples, sum(counts[:rank])).to(z.device)
        z_all = all_gather_with_grad(z)
        ids_all = all_gather_cat(ids)
        row0 = sum(counts[:rank]) * len(views)
        pos = torch.arange(row0, row0 + z.shape[0], device=z.device)
        losses = supcon_anchor_losses(z, ids, pos, z_all, ids_all, self.tau, self.base_tau)
        loss = losses.sum() * world_size / z_all.shape[0]
        return dict(loss_simclr=loss)
