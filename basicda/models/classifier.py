"""The supervised image classifier: backbone -> head, trained with a loss.

Used by source-only training and as the source model of every adaptation method.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel

from basicda.datasets.samples import require_gt_labels
from basicda.registry import MODELS


@MODELS.register_module()
class ImageClassifier(BaseModel):
    """Backbone + head classifier (mmengine ``BaseModel``).

    Args:
        backbone: config of a module mapping images (B, 3, H, W) to features (B, D)
            that exposes ``out_dim`` (e.g. ``TimmBackbone``).
        head: config of a head taking ``in_dim`` and ``num_classes`` (filled in
            from the backbone and this model when absent) and mapping (B, D) to
            logits (B, C); it may expose ``forward_features`` (pre-logit feature).
        num_classes: C.
        loss: config of the training loss ``loss(logits (B, C), labels (B,))``.
        class_names: the C class names in label order (written to checkpoints).
        data_preprocessor: mmengine data preprocessor config (normalisation).
        init_cfg: mmengine weight init config.

    Data contract: ``inputs`` (B, 3, H, W) after the preprocessor;
    ``data_samples = {'gt_label': (B,), 'sample_idx': (B,)}`` (default collate).

    Example:
        >>> model = MODELS.build(dict(type='ImageClassifier', num_classes=7,
        ...     backbone=dict(type='TimmBackbone', name='resnet18'),
        ...     head=dict(type='LinearClsHead')))
        >>> x = torch.rand(2, 3, 64, 64)
        >>> model.extract_feat(x).shape         # backbone features (B, 512)
        >>> model(x, mode='tensor').shape       # logits (B, 7)
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 num_classes: int,
                 loss: Optional[dict] = None,
                 class_names: Optional[Sequence[str]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f'class_names has {len(class_names)} names but num_classes is '
                             f'{num_classes}')
        self.num_classes = num_classes
        self.class_names = list(class_names) if class_names is not None else None
        self.backbone = MODELS.build(backbone)
        head = dict(head)
        head.setdefault('in_dim', self.backbone.out_dim)
        head.setdefault('num_classes', num_classes)
        self.head = MODELS.build(head)
        self.loss_module = MODELS.build(loss or dict(type='LabelSmoothingCrossEntropy'))

    @property
    def arch_meta(self) -> dict:
        """Architecture fields written to checkpoint ``meta`` and checked on load."""
        meta = dict(getattr(self.backbone, 'arch_meta', {}))
        meta.update(head=type(self.head).__name__, num_classes=self.num_classes,
                    feature_dim=getattr(self.head, 'feature_dim', None),
                    class_names=self.class_names)
        pre = self.data_preprocessor
        if hasattr(pre, 'mean') and getattr(pre, '_enable_normalize', False):
            meta.update(mean=pre.mean.flatten().tolist(), std=pre.std.flatten().tolist())
        return meta

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck') -> torch.Tensor:
        """Features of ``inputs`` (B, 3, H, W).

        Args:
            stage: ``'backbone'`` -> (B, D) backbone output; ``'neck'`` -> the
                head's pre-logit feature (the bottleneck z for
                ``BottleneckWNHead``, the backbone output for a linear head).
        """
        if stage not in ('backbone', 'neck'):
            raise ValueError(f"stage must be 'backbone' or 'neck', got {stage!r}")
        feats = self.backbone(inputs)
        if stage == 'neck' and hasattr(self.head, 'forward_features'):
            feats = self.head.forward_features(feats)
        return feats

    def forward(self, inputs: torch.Tensor, data_samples: Optional[dict] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, Dict, List]:
        if mode == 'tensor':
            return self.head(self.backbone(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")

    def loss(self, inputs: torch.Tensor, data_samples: dict) -> Dict[str, torch.Tensor]:
        logits = self.head(self.backbone(inputs))  # (B, C)
        labels = require_gt_labels(data_samples, type(self).__name__)  # (B,)
        with torch.no_grad():
            acc = (logits.argmax(1) == labels).float().mean()
        return dict(loss_cls=self.loss_module(logits, labels), acc=acc)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: Optional[dict] = None) -> List[dict]:
        """Per-sample outputs for the metrics: ``pred_score`` (C,) logits, plus
        ``gt_label`` and ``sample_idx`` when ``data_samples`` carries them."""
        logits = self.head(self.backbone(inputs)).float()  # (B, C)
        outputs = [dict(pred_score=row) for row in logits]
        for key in ('gt_label', 'sample_idx'):
            if data_samples is not None and key in data_samples:
                for out, value in zip(outputs, data_samples[key].tolist()):
                    out[key] = value
        return outputs
