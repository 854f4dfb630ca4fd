"""DVSCL pre-training: two encoders (RGB, depth), 128-d unit embeddings, the cross-view NCE
memory (docs/dvscl.md §4).

:class:`ResNetV1Encoder` is one view's network: timm's ResNet-18 layout at width 0.5 (a
64-channel stem, stages of 32/64/128/256 channels with 2 BasicBlocks each, convolutions
initialised N(0, sqrt(2/n)) with n = k^2 C_out, BN gamma 1 and beta 0), adaptive average
pooling, Linear 256 -> 128, L2 normalisation. :class:`DVSCLModel` runs both encoders on the
views of a batch (``inputs['rgb']``, channel 0 of ``inputs['depth']``) and returns the two
views' losses from :class:`~basicda.banks.nce_memory.NCEMemoryBank`, which
:class:`DVSCLBankHook` creates before the run from the training pool (its length and its sample
ids in order) so that a resumed checkpoint's banks can be checked against that pool.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.hooks import Hook
from mmengine.model import BaseModel, is_model_wrapper
from timm.models.resnet import BasicBlock, ResNet
from torch import Tensor, nn

from basicda.banks.nce_memory import CRITERIA, SOFTMAX_COMPAT, NCEMemoryBank
from ferda.registry import HOOKS, MODELS

WIDTH_CHANNELS = {0.5: (32, 64, 128, 256), 1.0: (64, 128, 256, 512)}


@MODELS.register_module()
class ResNetV1Encoder(nn.Module):
    """One view's encoder.

    Args:
        in_chans: 3 for RGB, 1 for depth.
        width: 0.5 (``resnet18v1`` of the reference) or 1.0.
        feat_dim: embedding size D.

    Shape:
        - x: (B, in_chans, H, W) -> (B, D) unit vectors; ``features(x)``: (B, C, h, w), the
          last stage map (the probe's tap).
    """

    def __init__(self, in_chans: int = 3, width: float = 0.5, feat_dim: int = 128):
        super().__init__()
        if width not in WIDTH_CHANNELS:
            raise ValueError(f'width must be one of {sorted(WIDTH_CHANNELS)}, got {width}')
        channels = WIDTH_CHANNELS[width]
        self.trunk = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=0, in_chans=in_chans,
                            channels=channels, stem_width=64, zero_init_last=False)
        self.out_channels = channels[-1]
        self.head = nn.Linear(channels[-1], feat_dim)

    def features(self, x: Tensor) -> Tensor:
        return self.trunk.forward_features(x)

    def forward(self, x: Tensor) -> Tensor:
        pooled = F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        return F.normalize(self.head(pooled), dim=1)


def _conv_block(c_in: int, c_out: int, k: int, stride: int, pool: bool) -> nn.Sequential:
    """Bias-free conv (padding k // 2), BN, ReLU and, if ``pool``, MaxPool(3, 2)."""
    layers = [nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False), nn.BatchNorm2d(c_out),
              nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.MaxPool2d(3, 2)) if pool else nn.Sequential(*layers)


def _fc_block(n_in: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU(inplace=True),
                         nn.Dropout(0.5))


@MODELS.register_module()
class AlexNetHalfEncoder(nn.Module):
    """One view's encoder as CMC's half-AlexNet (the ``alexnet_half`` option, docs/dvscl.md §4).

    Five bias-free conv blocks (11/s4 -> 48, 5 -> 128, 3 -> 192, 3 -> 192, 3 -> 128, BN and
    ReLU; max-pools after blocks 1, 2 and 5) give 128 x 6 x 6 at 224 px; adaptive average
    pooling to 6 x 6 keeps that at 224 (where it is the identity) and lets smaller inputs run;
    fc6 and fc7 (2048 units, BN, ReLU, dropout 0.5); fc8 (2048 -> D) and L2 normalisation.
    RGB (3 channels) + depth (1 channel) encoders: 29,693,568 parameters.

    Args:
        in_chans: 3 for RGB, 1 for depth.
        feat_dim: embedding size D.

    Shape:
        - x: (B, in_chans, H, W) -> (B, D) unit vectors; ``features(x)``: (B, 128, 6, 6), the
          last conv map (the probe's tap).
    """

    def __init__(self, in_chans: int = 3, feat_dim: int = 128):
        super().__init__()
        self.convs = nn.Sequential(
            _conv_block(in_chans, 48, 11, 4, pool=True), _conv_block(48, 128, 5, 1, pool=True),
            _conv_block(128, 192, 3, 1, pool=False), _conv_block(192, 192, 3, 1, pool=False),
            _conv_block(192, 128, 3, 1, pool=True), nn.AdaptiveAvgPool2d(6))
        self.out_channels = 128
        self.fc = nn.Sequential(_fc_block(128 * 6 * 6, 2048), _fc_block(2048, 2048),
                                nn.Linear(2048, feat_dim))

    def features(self, x: Tensor) -> Tensor:
        return self.convs(x)

    def forward(self, x: Tensor) -> Tensor:
        return F.normalize(self.fc(self.features(x).flatten(1)), dim=1)


@MODELS.register_module()
class DVSCLModel(BaseModel):
    """Dual-view contrastive pre-training.

    Args:
        encoder: config of one view's encoder (``in_chans`` is set per view: 3 and 1).
        feat_dim: D.
        nce_k: K negatives; nce_t: T; nce_m: bank momentum m.
        criterion: ``'softmax'`` (default) or ``'nce'``.
        softmax_compat: ``'fixed'`` or ``'reference'`` (the reference's bug: the depth encoder
            gets no gradient; docs/dvscl.md §2.1).
        exclude_positive: redraw negatives that equal the positive.
        bank_seed: seed of the bank init and of the negative draws.
        data_preprocessor: a ``MultiViewDataPreprocessor`` with views ``rgb`` and ``depth``.
    """

    def __init__(self, encoder: dict = dict(type='ResNetV1Encoder'), feat_dim: int = 128,
                 nce_k: int = 2048, nce_t: float = 0.05, nce_m: float = 0.5,
                 criterion: str = 'softmax', softmax_compat: str = 'fixed',
                 exclude_positive: bool = False, bank_seed: int = 0,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if criterion not in CRITERIA or softmax_compat not in SOFTMAX_COMPAT:
            raise ValueError(f'criterion must be one of {CRITERIA} and softmax_compat one of '
                             f'{SOFTMAX_COMPAT}, got {criterion!r}, {softmax_compat!r}')
        self.encoder_rgb = MODELS.build(dict(encoder, in_chans=3, feat_dim=feat_dim))
        self.encoder_depth = MODELS.build(dict(encoder, in_chans=1, feat_dim=feat_dim))
        self.bank_cfg = dict(dim=feat_dim, num_negatives=nce_k, temperature=nce_t,
                             momentum=nce_m, criterion=criterion, softmax_compat=softmax_compat,
                             exclude_positive=exclude_positive, seed=bank_seed)
        # Not a module buffer: DDP must never broadcast it (every rank updates it identically).
        self.bank: Optional[NCEMemoryBank] = None

    def build_bank(self, n_data: int, keys=None) -> None:
        """Create the memory for a pool of ``n_data`` samples (``keys`` in index order)."""
        self.bank = NCEMemoryBank(n_data, keys=keys, **self.bank_cfg)

    def embed(self, inputs: Dict[str, Tensor]):
        """``(z_r, z_d)``, each (B, D), of ``inputs = {'rgb': (B, 3, H, W), 'depth': (B, C,
        H, W)}`` (the depth encoder reads channel 0)."""
        return self.encoder_rgb(inputs['rgb']), self.encoder_depth(inputs['depth'][:, :1])

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.embed(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        raise ValueError(f"DVSCLModel supports mode 'tensor' and 'loss', got {mode!r}")

    def loss(self, inputs, data_samples) -> Dict[str, Tensor]:
        if self.bank is None:
            raise RuntimeError('DVSCLModel has no memory bank: add DVSCLBankHook to '
                               'custom_hooks (or call build_bank(n_data))')
        y = torch.as_tensor(data_samples['sample_idx']).long()
        if bool((y >= self.bank.n_data).any()) or bool((y < 0).any()):
            raise ValueError(f'sample_idx {y.tolist()} outside the bank of '
                             f'{self.bank.n_data} rows (the pool changed?)')
        z_r, z_d = self.embed(inputs)
        l_r, l_d = self.bank(y.to(z_r.device), z_r, z_d)
        return dict(loss_rgb=l_r, loss_depth=l_d)

    def method_state_dict(self) -> dict:
        return dict(bank=None if self.bank is None else self.bank.state_dict())

    def load_method_state_dict(self, state: dict) -> None:
        if state.get('bank') is not None:
            if self.bank is None:
                raise RuntimeError('checkpoint has DVSCL memory banks but the model has none '
                                   '(DVSCLBankHook missing)')
            self.bank.load_state_dict(state['bank'])


@HOOKS.register_module()
class DVSCLBankHook(Hook):
    """Before the run, give the model a memory bank over the training pool (length and sample
    ids in index order), so that loading a checkpoint can restore and check it."""
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        dataset = runner.train_dataloader.dataset
        records = getattr(dataset, 'records', None)
        keys = [r.sample_id for r in records] if records is not None else None
        model.build_bank(len(dataset), keys)
