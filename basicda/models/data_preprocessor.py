"""``MultiViewDataPreprocessor``: batches whose ``inputs`` are named views.

A dataset built with ``views=('rgb', 'depth')`` collates ``inputs`` to
``{'rgb': (B, 3, H, W), 'depth': (B, 3, H, W)}`` uint8. Each view has its own statistics
(DVSCL normalises depth with its own mean and std), so each gets mmengine's
``ImgDataPreprocessor`` of its own; ``data_samples`` (labels, metadata) move to the device
unchanged.
"""
from typing import Dict

from mmengine.model import BaseDataPreprocessor, ImgDataPreprocessor
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
