"""DVSCL downstream: a linear classifier on both views' last-stage maps, per fold of a
leave-one-subject-out ``FoldLoop`` (docs/dvscl.md §5).

``mode='probe'`` (the reference): the encoders are loaded from the pre-trained checkpoint,
frozen (eval mode, no gradient) and the head ``Linear(2 C h w -> num_classes)`` is trained on
the flattened concatenation of the two views' maps. ``mode='finetune'`` (our addition) trains
the encoders too (in train mode; give them a smaller lr with ``paramwise_cfg``).
``pretrained=None`` leaves the encoders random: the random-encoder baseline.

Options of the spec: ``head='attention'`` (:class:`AttentionHead`: channel then spatial
attention on the concatenated maps, with a residual), ``loss='focal'`` or
``'class_weighted_ce'`` (weights from the training fold, set by :class:`DVSCLClassWeightHook`),
``accumulate_grads=True`` (the reference never calls ``zero_grad``), and our
``feat_norm='bn'`` (standardise every flattened feature before the linear layer).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from basicda.engine.checkpoint import safe_load
from basicda.losses import balanced_class_weights, focal_loss
from ferda.registry import HOOKS, MODELS

PROBE_MODES = ('probe', 'finetune')
PROBE_HEADS = ('linear', 'attention')
PROBE_LOSSES = ('ce', 'focal', 'class_weighted_ce')
FEAT_NORMS = ('none', 'bn')


class AttentionHead(nn.Module):
    """The spec's attention before the probe's linear layer, on the concatenated maps x:
    channel attention a_c = sigmoid(MLP(maxpool x) + MLP(avgpool x)) with one shared MLP of
    bias-free 1x1 convolutions C -> C/256 -> C (512 -> 2 -> 512 for two width-0.5 encoders)
    and a ReLU; then spatial attention a_s = sigmoid(conv3x3([max_c, mean_c])) (2 -> 1
    channels, bias-free, padding 1) on x' = a_c x; the output is a_s x' + x.

    Shape:
        - x: (B, C, h, w) -> (B, C, h, w).
    """

    def __init__(self, channels: int, reduction: int = 256) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(nn.Conv2d(channels, hidden, 1, bias=False), nn.ReLU(),
                                 nn.Conv2d(hidden, channels, 1, bias=False))
        self.spatial = nn.Conv2d(2, 1, 3, padding=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        a_c = torch.sigmoid(self.mlp(F.adaptive_max_pool2d(x, 1)) +
                            self.mlp(F.adaptive_avg_pool2d(x, 1)))
        y = a_c * x
        a_s = torch.sigmoid(self.spatial(torch.cat([y.amax(1, keepdim=True),
                                                    y.mean(1, keepdim=True)], 1)))
        return a_s * y + x


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
        head: ``'linear'`` (the reference's default) or ``'attention'`` (:class:`AttentionHead`
            before the linear layer).
        feat_norm: ``'none'`` (the reference) or ``'bn'``: a BatchNorm1d without affine
            parameters and with cumulative running statistics (``momentum=None``) standardises
            every flattened feature before the linear layer, whatever the frozen encoders'
            scale.
        loss: ``'ce'``, ``'focal'`` (:func:`~basicda.losses.focal_loss` with ``focal_gamma``,
            ``focal_alpha``) or ``'class_weighted_ce'`` (balanced weights N / (C n_c) of the
            training fold; needs :class:`DVSCLClassWeightHook` in ``custom_hooks``).
        accumulate_grads: never call ``zero_grad`` (the reference's probe): every step uses
            the sum of all gradients so far. Not in a checkpoint: a resumed fold starts a new
            sum.
        data_preprocessor: a ``MultiViewDataPreprocessor`` with views ``rgb`` and ``depth``.
    """

    def __init__(self, encoder: dict = dict(type='ResNetV1Encoder'), num_classes: int = 4,
                 pretrained: Optional[str] = None, mode: str = 'probe', input_size: int = 224,
                 feat_dim: int = 128, head: str = 'linear', feat_norm: str = 'none',
                 loss: str = 'ce', focal_gamma: float = 2.0, focal_alpha: float = 1.0,
                 accumulate_grads: bool = False, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        for key, value, allowed in (('mode', mode, PROBE_MODES), ('head', head, PROBE_HEADS),
                                    ('loss', loss, PROBE_LOSSES),
                                    ('feat_norm', feat_norm, FEAT_NORMS)):
            if value not in allowed:
                raise ValueError(f'DVSCLProbe: {key} must be one of {allowed}, got {value!r}')
        self.mode, self.pretrained = mode, pretrained
        self.loss_type, self.focal_gamma, self.focal_alpha = loss, focal_gamma, focal_alpha
        self.accumulate_grads = accumulate_grads
        self.class_weights: Optional[Tensor] = None  # (C,), set per fold by the hook
        self.encoder_rgb = MODELS.build(dict(encoder, in_chans=3, feat_dim=feat_dim))
        self.encoder_depth = MODELS.build(dict(encoder, in_chans=1, feat_dim=feat_dim))
        channels = self.encoder_rgb.out_channels + self.encoder_depth.out_channels
        self.attention = AttentionHead(channels) if head == 'attention' else None
        in_features = self._sizing_pass(input_size)
        self.feat_norm = (nn.BatchNorm1d(in_features, affine=False, momentum=None)
                          if feat_norm == 'bn' else None)
        self.head = nn.Linear(in_features, num_classes)
        self._load_encoders()

    def _sizing_pass(self, input_size: int) -> int:
        """The head's input size from one forward of zeros, in eval mode and without
        gradients, so the (random) encoders' BN running statistics are left untouched and a
        batch of one never meets train-mode BN."""
        was_training = self.training
        self.eval()
        with torch.no_grad():
            n = self._maps(torch.zeros(1, 3, input_size, input_size),
                           torch.zeros(1, 1, input_size, input_size)).shape[1]
        self.train(was_training)
        return n

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

    def _encode(self, x_r: Tensor, x_d: Tensor) -> Tensor:
        """(B, 2C, h, w): the two views' last-stage maps, concatenated."""
        return torch.cat([self.encoder_rgb.features(x_r), self.encoder_depth.features(x_d)], 1)

    def _maps(self, x_r: Tensor, x_d: Tensor) -> Tensor:
        """(B, 2 C h w): the (attended) concatenated maps, flattened."""
        if self.mode == 'probe':
            with torch.no_grad():
                maps = self._encode(x_r, x_d)
        else:
            maps = self._encode(x_r, x_d)
        if self.attention is not None:
            maps = self.attention(maps)
        return maps.flatten(1)

    def logits(self, inputs) -> Tensor:
        feats = self._maps(inputs['rgb'], inputs['depth'][:, :1])
        if self.feat_norm is not None:
            feats = self.feat_norm(feats)
        return self.head(feats)

    def loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        labels = labels.long()
        if self.loss_type == 'focal':
            return focal_loss(logits, labels, self.focal_gamma, self.focal_alpha)
        if self.loss_type == 'class_weighted_ce':
            if self.class_weights is None:
                raise RuntimeError("DVSCLProbe(loss='class_weighted_ce') needs the training "
                                   "fold's class weights: add dict(type='DVSCLClassWeightHook') "
                                   'to custom_hooks')
            return F.cross_entropy(logits, labels, weight=self.class_weights.to(logits))
        return F.cross_entropy(logits, labels)

    def train_step(self, data, optim_wrapper):
        if not self.accumulate_grads:
            return super().train_step(data, optim_wrapper)
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.backward(parsed)
        optim_wrapper.step()  # no zero_grad: gradients add up over the fold, as upstream
        return log_vars

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        logits = self.logits(inputs)
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            return dict(loss_cls=self.loss(logits, data_samples['gt_label']))
        if mode == 'predict':
            return [dict(pred_score=row, gt_label=int(y), sample_idx=int(i)) for row, y, i in
                    zip(logits.softmax(1), data_samples['gt_label'],
                        data_samples['sample_idx'])]
        raise ValueError(f"DVSCLProbe supports 'tensor', 'loss' and 'predict', got {mode!r}")


@HOOKS.register_module()
class DVSCLClassWeightHook(Hook):
    """Give a ``DVSCLProbe(loss='class_weighted_ce')`` the balanced class weights
    N / (C n_c) of the current fold's training samples (labels of the fold loop's training
    subset), before every epoch of every fold (so a resumed fold gets them too)."""

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        subset = runner.train_loop.dataloader.dataset
        labels = getattr(subset, 'dataset', subset).labels
        if labels is None:
            raise ValueError('DVSCLClassWeightHook: the training set has no labels')
        if hasattr(subset, 'indices'):
            labels = labels[list(subset.indices)]
        model.class_weights = balanced_class_weights(labels, model.head.out_features).float()
