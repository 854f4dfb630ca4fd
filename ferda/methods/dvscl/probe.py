"""DVSCL downstream: a linear classifier on both views' last-stage maps, per fold of a
leave-one-subject-out ``FoldLoop`` (docs/dvscl.md §5).

``mode='probe'`` (the reference): the encoders are loaded from the pre-trained checkpoint,
frozen (eval mode, no gradient) and the head ``Linear(2 C h w -> num_classes)`` is trained on
the flattened concatenation of the two views' maps. ``mode='finetune'`` (our addition) trains
the encoders too (in train mode; give them a smaller lr with ``paramwise_cfg``).
``pretrained=None`` leaves the encoders random: the random-encoder baseline.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from basicda.engine.checkpoint import safe_load
from ferda.registry import MODELS

PROBE_MODES = ('probe', 'finetune')


@MODELS.register_module()
class DVSCLProbe(BaseModel):
    """Linear probe / fine-tuning of DVSCL's two encoders.

    Args:
        encoder: config of one view's encoder (as in the pre-training ``DVSCLModel``).
        num_classes: 4 (or 3 with ``drop_classes=['others']``).
        pretrained: a ``DVSCLModel`` checkpoint (its ``encoder_rgb.*``/``encoder_depth.*``
            weights are loaded), or None for random encoders.
        mode: ``'probe'`` or ``'finetune'``.
        input_size: the side of the (square) input images; the head's ``in_features`` is
            inferred from the encoders' map at this size (the reference hard-codes it).
        feat_dim: the encoders' embedding size (unused by the probe, needed to load them).
        data_preprocessor: a ``MultiViewDataPreprocessor`` with views ``rgb`` and ``depth``.
    """

    def __init__(self, encoder: dict = dict(type='ResNetV1Encoder'), num_classes: int = 4,
                 pretrained: Optional[str] = None, mode: str = 'probe', input_size: int = 224,
                 feat_dim: int = 128, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if mode not in PROBE_MODES:
            raise ValueError(f'mode must be one of {PROBE_MODES}, got {mode!r}')
        self.mode, self.pretrained = mode, pretrained
        self.encoder_rgb = MODELS.build(dict(encoder, in_chans=3, feat_dim=feat_dim))
        self.encoder_depth = MODELS.build(dict(encoder, in_chans=1, feat_dim=feat_dim))
        with torch.no_grad():
            in_features = self._maps(torch.zeros(1, 3, input_size, input_size),
                                     torch.zeros(1, 1, input_size, input_size)).shape[1]
        self.head = nn.Linear(in_features, num_classes)
        self._load_encoders()

    def _load_encoders(self) -> None:
        if self.pretrained is None:
            return
        state = safe_load(self.pretrained)['state_dict']
        for name in ('encoder_rgb', 'encoder_depth'):
            part = {k[len(name) + 1:]: v for k, v in state.items() if k.startswith(name + '.')}
            if not part:
                raise KeyError(f'{self.pretrained} has no {name}.* weights: is it a DVSCLModel '
                               'checkpoint?')
            getattr(self, name).load_state_dict(part, strict=True)
        if self.mode == 'probe':
            for p in list(self.encoder_rgb.parameters()) + list(self.encoder_depth.parameters()):
                p.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.mode == 'probe':  # frozen encoders keep their BN statistics
            self.encoder_rgb.eval()
            self.encoder_depth.eval()
        return self

    def _maps(self, x_r: Tensor, x_d: Tensor) -> Tensor:
        """(B, 2 C h w): the two views' last-stage maps, concatenated and flattened."""
        maps = torch.cat([self.encoder_rgb.features(x_r), self.encoder_depth.features(x_d)], 1)
        return maps.flatten(1)

    def logits(self, inputs) -> Tensor:
        x_r, x_d = inputs['rgb'], inputs['depth'][:, :1]
        if self.mode == 'probe':
            with torch.no_grad():
                feats = self._maps(x_r, x_d)
        else:
            feats = self._maps(x_r, x_d)
        return self.head(feats)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        logits = self.logits(inputs)
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            return dict(loss_cls=F.cross_entropy(logits, data_samples['gt_label'].long()))
        if mode == 'predict':
            return [dict(pred_score=row, gt_label=int(y), sample_idx=int(i)) for row, y, i in
                    zip(logits.softmax(1), data_samples['gt_label'],
                        data_samples['sample_idx'])]
        raise ValueError(f"DVSCLProbe supports 'tensor', 'loss' and 'predict', got {mode!r}")
