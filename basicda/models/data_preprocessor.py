"""``MultiViewDataPreprocessor``: batches whose ``inputs`` are named views.

A dataset built with ``views=('rgb', 'depth')`` collates ``inputs`` to
``{'rgb': (B, 3, H, W), 'depth': (B, 3, H, W)}`` uint8. Each view has its own statistics
(DVSCL normalises depth with its own mean and std), so each gets mmengine's
``ImgDataPreprocessor`` of its own; ``data_samples`` (labels, metadata) move to the device
unchanged.
"""
from typing import Dict

from mmengine.model import BaseDataPreprocessor, ImgDataPreprocessor
import torch
from torch import nn

from basicda.registry import MODELS


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """One ``ImgDataPreprocessor`` per named view.

    Args:
        views: ``{view name: ImgDataPreprocessor arguments}``, e.g.
            ``dict(rgb=dict(mean=[...], std=[...]), depth=dict(mean=[10.8] * 3,
            std=[44.9] * 3))``.
        non_blocking: as in mmengine's ``BaseDataPreprocessor``.

    Shape:
        - inputs: ``{name: (B, 3, H, W)}`` (uint8 or float), exactly the configured names.
        - Output: ``dict(inputs={name: (B, 3, H, W) float}, data_samples=...)`` on the device.
    """

    def __init__(self, views: Dict[str, dict], non_blocking: bool = False) -> None:
        super().__init__(non_blocking)
        if not isinstance(views, dict) or not views:
            raise ValueError(f'MultiViewDataPreprocessor needs views={{name: dict(mean=..., '
                             f'std=...)}}, got {views!r}')
        self.views = nn.ModuleDict({name: ImgDataPreprocessor(**dict(cfg),
                                                              non_blocking=non_blocking)
                                    for name, cfg in views.items()})

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if not isinstance(inputs, dict) or set(inputs) != set(self.views):
            found = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
            raise KeyError(f'MultiViewDataPreprocessor expects inputs with the views '
                           f'{sorted(self.views)}, got {found} (dataset views=... and the '
                           'preprocessor views must name the same images)')
        out = {name: pre(dict(inputs=inputs[name]), training)['inputs']
               for name, pre in self.views.items()}
        return dict(inputs=out, data_samples=self.cast_data(data.get('data_samples')))


#: CIFAR-10 statistics (0-1 scale) of the active-learning reference's training transform
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)
TRAIN_NORMS = (None, 'cifar')


@MODELS.register_module()
class TrainNormDataPreprocessor(ImgDataPreprocessor):
    """mmengine's ``ImgDataPreprocessor`` that may normalise training batches with other
    statistics than evaluation batches (the reference-compatibility switch ``train_norm``
    of ``docs/active-learning.md`` §8).

    Args:
        train_norm: None (default): every batch with ``mean``/``std``, exactly
            ``ImgDataPreprocessor``. ``'cifar'``: training batches (``training=True``)
            with the CIFAR-10 statistics x 255, evaluation and pool scoring with
            ``mean``/``std``.
        other arguments: ``ImgDataPreprocessor``'s (``mean`` and ``std`` required).

    Example: a pixel of 127.5 becomes (127.5 - 127.5) / 51 = 0 in evaluation and
    (127.5 - 0.4914 * 255) / (0.2023 * 255) = 0.04252 in training with ``'cifar'``.
    """

    def __init__(self, *args, train_norm=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if train_norm not in TRAIN_NORMS:
            raise ValueError(f'model.data_preprocessor.train_norm must be one of {TRAIN_NORMS}, '
                             f'got {train_norm!r}')
        if not self._enable_normalize:
            raise ValueError('TrainNormDataPreprocessor needs mean and std')
        self.train_norm = train_norm
        if train_norm == 'cifar':
            self.register_buffer('train_mean', 255 * torch.tensor(CIFAR_MEAN).view(-1, 1, 1),
                                 False)
            self.register_buffer('train_std', 255 * torch.tensor(CIFAR_STD).view(-1, 1, 1),
                                 False)

    def forward(self, data: dict, training: bool = False) -> dict:
        if not (training and self.train_norm == 'cifar'):
            return super().forward(data, training)
        mean, std = self.mean, self.std
        self.mean, self.std = self.train_mean, self.train_std
        try:
            return super().forward(data, training)
        finally:
            self.mean, self.std = mean, std
