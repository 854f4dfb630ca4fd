"""IR-50, the face-recognition ResNet of InsightFace / face.evoLVe (CD-FER's backbone).

Deng et al., `ArcFace: Additive Angular Margin Loss for Deep Face Recognition
<https://arxiv.org/abs/1801.07698>`_ (the "improved residual" unit, IR), with the
layer layout of ``docs/source-only.md`` §2.1. Module names follow the public
MS1M checkpoints (``input_layer``, ``body.<i>.res_layer``/``shortcut_layer``,
``output_layer``) so those files load strictly.

Shapes at 112 px: stem 112 -> stage 1 56 -> stage 2 28 -> stage 3 14 -> stage 4 7,
i.e. a :math:`(B, 512, 7, 7)` map.
"""
from typing import List, Optional

import torch
from mmengine.logging import print_log
from torch import Tensor, nn

from basicda.models.backbones import load_local_state_dict, strip_key_prefixes
from ferda.registry import MODELS

__all__ = ['IR50', 'IRUnit']

#: (units, width) of the four stages; the first unit of each stage has stride 2.
IR50_STAGES = ((3, 64), (4, 128), (14, 256), (3, 512))
OUTS = ('gap', 'embedding')
INPUT_SIZES = (112, 224)


class IRUnit(nn.Module):
    """Improved residual unit: BN -> 3x3 conv -> PReLU -> 3x3 conv (stride s) -> BN.

    The shortcut is a stride-``s`` subsampling (``MaxPool2d(1, s)``) when the width
    is unchanged, else a strided 1x1 conv + BN.

    Shape:
        - x: :math:`(B, C_{in}, H, W)`
        - Output: :math:`(B, C_{out}, \\lceil H/s \\rceil, \\lceil W/s \\rceil)`
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        if in_channels == out_channels:
            self.shortcut_layer = nn.MaxPool2d(kernel_size=1, stride=stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False),
            nn.PReLU(out_channels),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=stride, padding=1,
                      bias=False),
            nn.BatchNorm2d(out_channels),
        )

    def forward(self, x: Tensor) -> Tensor:
        shortcut = self.shortcut_layer(x)
        residual = self.res_layer(x)
        return residual + shortcut


@MODELS.register_module()
class IR50(nn.Module):
    """IR-50 feature extractor with global-average-pooled or embedding output.

    * stem: 3x3 conv (64, stride 1, no bias) -> BN -> PReLU;
    * four stages of :class:`IRUnit` with [3, 4, 14, 3] units and widths
      [64, 128, 256, 512]; the first unit of each stage has stride 2;
    * ``out='gap'``: global average pooling of the last map -> 512-d;
    * ``out='embedding'``: BN2d -> Dropout(0.5) -> flatten ->
      Linear(512 * (input_size / 16)^2, 512) -> BN1d, the face-recognition embedding.

    Args:
        input_size (int): 112 or 224; fixes the embedding's Linear input
            (25088 at 112 px). ``'gap'`` works at any size. Default: 112.
        out (str): ``'gap'`` or ``'embedding'``. Default: ``'gap'``.
        checkpoint (str, optional): local MS1M weights file, loaded strictly after a
            ``module.`` prefix is stripped; with ``out='gap'`` the checkpoint's
            ``output_layer.*`` is dropped (the model has none). Default: None.

    Attributes:
        out_dim (int): 512.
        arch_meta (dict): ``dict(backbone='ir50', out=out, input_size=..., out_dim=512)``.

    Shape:
        - x: :math:`(B, 3, S, S)` with :math:`S` = ``input_size``
        - ``forward_features``: :math:`(B, 512, S/16, S/16)`
        - Output: :math:`(B, 512)`
    """

    def __init__(self, input_size: int = 112, out: str = 'gap', checkpoint: Optional[str] = None):
        super().__init__()
        if input_size not in INPUT_SIZES:
            raise ValueError(f'input_size must be one of {INPUT_SIZES}, got {input_size!r}')
        if out not in OUTS:
            raise ValueError(f'out must be one of {OUTS}, got {out!r}')
        self.input_size = input_size
        self.out = out
        self.out_dim = 512
        self.arch_meta = dict(backbone='ir50', out=out, input_size=input_size, out_dim=512)

        self.input_layer = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.PReLU(64),
        )
        units: List[nn.Module] = []
        in_channels = 64
        for num_units, width in IR50_STAGES:
            units.append(IRUnit(in_channels, width, stride=2))
            units.extend(IRUnit(width, width, stride=1) for _ in range(num_units - 1))
            in_channels = width
        self.body = nn.Sequential(*units)
        if out == 'embedding':
            side = input_size // 16  # four stride-2 stages
            self.output_layer = nn.Sequential(
                nn.BatchNorm2d(512),
                nn.Dropout(p=0.5),
                nn.Flatten(),
                nn.Linear(512 * side * side, 512),
                nn.BatchNorm1d(512),
            )
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)

    def load_checkpoint(self, path: str) -> None:
        """Strictly load a local IR-50 weights file (see the class docstring).

        Raises:
            ValueError: keys are missing or unexpected (listed by name) or shapes differ.
        """
        state = strip_key_prefixes(load_local_state_dict(path), prefixes=('module.', ))
        dropped = []
        if self.out == 'gap':
            dropped = sorted(k for k in state if k.startswith('output_layer.'))
            state = {k: v for k, v in state.items() if not k.startswith('output_layer.')}
        own = set(self.state_dict())
        missing, unexpected = sorted(own - set(state)), sorted(set(state) - own)
        if missing or unexpected:
            raise ValueError(f'{path} does not match IR50(out={self.out!r}): missing keys '
                             f'{missing[:20]}, unexpected keys {unexpected[:20]}')
        try:
            self.load_state_dict(state, strict=True)
        except RuntimeError as err:  # shape mismatch, e.g. a 224-px embedding into 112
            raise ValueError(f'{path} does not match IR50(input_size={self.input_size}, '
                             f'out={self.out!r}): {err}') from None
        print_log(f'IR50: loaded {len(state)} tensors from {path}'
                  f'{f"; dropped {len(dropped)} output_layer keys (out=gap)" if dropped else ""}',
                  logger='current')

    def forward_features(self, x: Tensor) -> Tensor:
        x = self.input_layer(x)  # (B, 64, S, S)
        return self.body(x)  # (B, 512, S/16, S/16)

    def forward(self, x: Tensor) -> Tensor:
        fmap = self.forward_features(x)
        if self.out == 'gap':
            return torch.flatten(nn.functional.adaptive_avg_pool2d(fmap, 1), 1)  # (B, 512)
        return self.output_layer(fmap)  # (B, 512)
