"""Image transforms, registered in ``TRANSFORMS``.

Training images flow as uint8 (3, H, W) tensors; normalisation happens batched in
the model's data preprocessor, so collation stays cheap. Geometry and colour
augmentation are torchvision's ``transforms.v2`` classes, registered under a
``TV`` prefix (``dict(type='TVColorJitter', brightness=...)``): the same
arguments and semantics as torchvision, no re-implementation.

Several images of one sample (named views, e.g. ``rgb`` and ``depth``) go through one
pipeline together (:func:`apply_to_views`): torchvision v2 draws a transform's random
parameters once per call, so every view gets the same crop, flip and affine (shared
geometry). :class:`PerView` applies a pipeline to each view on its own (colour jitter on
RGB only, or fully independent views).
"""
from typing import Dict, List, Sequence

import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from basicda.registry import TRANSFORMS

TORCHVISION_TRANSFORMS = (
    'RandomHorizontalFlip', 'RandomAffine', 'RandomRotation', 'RandomResizedCrop',
    'RandomCrop', 'CenterCrop', 'Resize', 'ColorJitter', 'RandomGrayscale', 'RandAugment',
    'RandomErasing', 'GaussianBlur', 'Grayscale',
)

for _name in TORCHVISION_TRANSFORMS:
    TRANSFORMS.register_module(name='TV' + _name, module=getattr(v2, _name))


@TRANSFORMS.register_module(name='TVRandomApply')
class RandomApply(v2.RandomApply):
    """torchvision's ``RandomApply`` built from configs:
    ``dict(type='TVRandomApply', transforms=[dict(type='TVColorJitter', ...)], p=0.8)``."""

    def __init__(self, transforms: Sequence[dict], p: float = 0.5) -> None:
        super().__init__([TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms],
                         p=p)


def build_pipeline(cfgs: Sequence[dict]) -> v2.Compose:
    """Build a list of transform configs into one callable on (3, H, W) tensors
    (an empty list gives the identity)."""
    if not cfgs:
        return v2.Identity()
    steps: List = []
    for i, cfg in enumerate(cfgs):
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise TypeError(f'pipeline[{i}] must be a dict with a "type" key, got {cfg!r}')
        steps.append(TRANSFORMS.build(cfg))
    return v2.Compose(steps)


def to_chw_uint8(image) -> torch.Tensor:
    """(H, W) or (H, W, 3) uint8 RGB numpy array -> (3, H, W) uint8 tensor
    (grey images are replicated to 3 channels)."""
    tensor = torch.from_numpy(image)
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(-1).expand(-1, -1, 3)
    if tensor.ndim != 3 or tensor.shape[-1] != 3:
        raise ValueError(f'expected an (H, W) or (H, W, 3) image, got shape {tuple(image.shape)}')
    return tensor.permute(2, 0, 1).contiguous()


@TRANSFORMS.register_module()
class PerView(v2.Transform):
    """Separate pipelines for named views: ``pipelines={'rgb': [dict(type='TVColorJitter',
    ...)]}`` changes only ``rgb``; views not named pass through unchanged.

    Inside a multi-view pipeline (after the shared geometric steps) it gives per-view colour
    transforms; as the only step, per-view pipelines with independent random parameters.

    Args:
        pipelines: ``{view name: transform configs}``.

    Shape:
        - Input: ``{name: (3, H, W)}``; every name in ``pipelines`` must be present.
        - Output: the same names, each view through its own pipeline.
    """

    def __init__(self, pipelines: Dict[str, Sequence[dict]]) -> None:
        super().__init__()
        if not isinstance(pipelines, dict) or not pipelines:
            raise ValueError(f'PerView needs pipelines={{view name: [transform configs]}}, '
                             f'got {pipelines!r}')
        self.pipelines = {name: build_pipeline(cfgs) for name, cfgs in pipelines.items()}

    def forward(self, views: dict) -> dict:
        if not isinstance(views, dict):
            raise TypeError(f'PerView transforms a dict of named views, got {type(views).__name__}'
                            ' (give the dataset views=(...) so its inputs are named views)')
        missing = sorted(set(self.pipelines) - set(views))
        if missing:
            raise KeyError(f'PerView has pipelines for {missing}, which the sample does not have; '
                           f'its views are {sorted(views)}')
        return {name: self.pipelines[name](image) if name in self.pipelines else image
                for name, image in views.items()}


def check_shared_pipeline(pipeline, owner: str) -> None:
    """Raise unless every step of ``pipeline`` (from :func:`build_pipeline`) is a torchvision
    v2 transform, the kind that applies one set of random parameters to all named views.

    Raises:
        TypeError: naming the step and ``owner`` (the dataset that runs the pipeline).
    """
    steps = pipeline.transforms if isinstance(pipeline, v2.Compose) else [pipeline]
    for i, step in enumerate(steps):
        if not isinstance(step, v2.Transform):
            raise TypeError(f'{owner}: pipeline[{i}] ({type(step).__name__}) is not a '
                            'torchvision v2 transform, so it cannot apply one set of parameters '
                            "to every view; put it in dict(type='PerView', pipelines={...})")


def apply_to_views(pipeline, views: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Run ``pipeline`` once on named views, so random geometry is shared between them.

    Args:
        pipeline: from :func:`build_pipeline`, made of torchvision v2 transforms (and
            :class:`PerView`).
        views: ``{name: (3, H, W) uint8}``.

    Returns:
        ``{name: (3, h, w)}`` plain tensors (the ``tv_tensors.Image`` wrapping that makes v2
        treat every view as an image is removed).
    """
    out = pipeline({name: tv_tensors.Image(image) for name, image in views.items()})
    return {name: image.as_subclass(torch.Tensor) for name, image in out.items()}
