"""DVSCL's view augmentation switches (docs/dvscl.md §4, §5.1): the pre-training
augmentation with shared or independent per-view randomness (``view_aug``) and the probe's
transforms, ours or the reference's (``probe_transforms``). Both run on ``{'rgb', 'depth'}``
views inside a ``FaceDataset(views=('rgb', 'depth'))`` pipeline."""
from torchvision.transforms import v2

from basicda.datasets.transforms import PerView
from basicda.registry import TRANSFORMS  # where build_pipeline looks transforms up

__all__ = ['DVSCLPretrainAug', 'DVSCLProbeAug', 'VIEW_AUGS', 'PROBE_TRANSFORMS']

VIEW_AUGS = ('shared', 'independent')
PROBE_TRANSFORMS = ('ours', 'reference')


@TRANSFORMS.register_module()
class DVSCLPretrainAug(v2.Transform):
    """RandomGrayscale(p), ColorJitter(j, j, j, j), horizontal flip, after the centre crop.

    Args:
        view_aug: ``'shared'`` (ours): grayscale and jitter on RGB only, one flip for both
            views; ``'independent'`` (the reference): every step on each view with its own
            random draws (half the pairs mirror-mismatched, depth colour-jittered too).
        grayscale_p, jitter, flip_p: 0.2, 0.4, 0.5 as the reference.

    Shape:
        - views: ``{'rgb': (3, H, W), 'depth': (3, H, W)}`` -> the same shapes.
    """

    def __init__(self, view_aug: str = 'shared', grayscale_p: float = 0.2, jitter: float = 0.4,
                 flip_p: float = 0.5) -> None:
        super().__init__()
        if view_aug not in VIEW_AUGS:
            raise ValueError(f'DVSCLPretrainAug: view_aug must be one of {VIEW_AUGS}, '
                             f'got {view_aug!r}')
        self.view_aug = view_aug
        photometric = [dict(type='TVRandomGrayscale', p=grayscale_p),
                       dict(type='TVColorJitter', brightness=jitter, contrast=jitter,
                            saturation=jitter, hue=jitter)]
        flip = dict(type='TVRandomHorizontalFlip', p=flip_p)
        if view_aug == 'shared':
            self.steps = v2.Compose([PerView(dict(rgb=photometric)), TRANSFORMS.build(flip)])
        else:
            self.steps = PerView(dict(rgb=photometric + [flip], depth=photometric + [flip]))

    def forward(self, views: dict) -> dict:
        return self.steps(views)


@TRANSFORMS.register_module()
class DVSCLProbeAug(v2.Transform):
    """The probe's transforms of one split.

    Args:
        size: the crop side (224 on CAS(ME)^3).
        train: the training split (a random flip) or the test split.
        probe_transforms: ``'ours'``: a shared CenterCrop(size), and in training a shared flip;
            the test split is deterministic. ``'reference'``: RGB CenterCrop(size), depth
            Resize(round(size 256 / 224)) then CenterCrop(size), each view flipped at random on
            its own, in training and at test time alike.

    Shape:
        - views: ``{'rgb': (3, H, W), 'depth': (3, H, W)}`` -> ``(3, size, size)`` each.
    """

    def __init__(self, size: int, train: bool = True, probe_transforms: str = 'ours') -> None:
        super().__init__()
        if probe_transforms not in PROBE_TRANSFORMS:
            raise ValueError(f'DVSCLProbeAug: probe_transforms must be one of '
                             f'{PROBE_TRANSFORMS}, got {probe_transforms!r}')
        self.probe_transforms = probe_transforms
        crop = dict(type='TVCenterCrop', size=size)
        flip = dict(type='TVRandomHorizontalFlip', p=0.5)
        if probe_transforms == 'ours':
            self.steps = v2.Compose([TRANSFORMS.build(c) for c in ([crop, flip] if train
                                                                  else [crop])])
        else:
            resize = dict(type='TVResize', size=round(size * 256 / 224), antialias=True)
            self.steps = PerView(dict(rgb=[crop, flip], depth=[resize, crop, flip]))

    def forward(self, views: dict) -> dict:
        return self.steps(views)
