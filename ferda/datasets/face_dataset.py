"""``FaceDataset``: a reader's records + face crop + transform pipeline."""
from typing import List, Optional, Sequence

import mmcv
import numpy as np
from mmengine.logging import print_log
from torch.utils.data import Dataset

from basicda.datasets import build_pipeline, to_chw_uint8
from ferda.registry import DATASETS

from .face_crop import clip_box

CROP_MODES = ('box', 'none')


def crop_box(image: np.ndarray, box: Sequence[float], enlarge: float = 0.0) -> np.ndarray:
    """Crop ``box`` = (x1, y1, x2, y2) from an (H, W[, 3]) image.

    Each side is pushed out by ``enlarge`` times the box width/height, then the
    box is clipped to the image (:func:`ferda.datasets.face_crop.clip_box`, the
    same window ``ferda prepare`` caches). Raises ``ValueError`` when less than
    2 pixels remain in either direction.
    """
    (x1, y1, x2, y2), _ = clip_box(box, enlarge, image.shape[1], image.shape[0])
    return image[y1:y2, x1:x2]


@DATASETS.register_module()
class FaceDataset(Dataset):
    """Face images of one split, read by a dataset reader.

    Args:
        reader: config of a reader (``RafDbReader``, ``ExpwReader``,
            ``Fer2013CsvReader``, ...) with ``load() -> list[SampleRecord]``.
        pipeline: transform configs applied to the (3, H, W) uint8 face tensor.
        crop: ``'box'`` crops each record's face box (records without one are
            used whole); ``'none'`` uses the image as stored.
        enlarge: with ``crop='box'``, grow each side of the box by this fraction.
        num_classes: when given, must equal the reader's; a mismatch fails here,
            before training starts.
        cache_images: decode every image once at start-up and keep the decoded
            (cropped) arrays in memory (small datasets such as SynFER).
        max_samples: use only the first N records (quick experiments).

    Each item is ``dict(inputs=(3, H, W) uint8 tensor,
    data_samples=dict(gt_label=int, sample_idx=int))``.
    """

    def __init__(self, reader: dict, pipeline: Sequence[dict] = (), crop: str = 'box',
                 enlarge: float = 0.0, num_classes: Optional[int] = None,
                 cache_images: bool = False, max_samples: Optional[int] = None) -> None:
        if crop not in CROP_MODES:
            raise ValueError(f'crop must be one of {CROP_MODES}, got {crop!r}')
        if enlarge < 0:
            raise ValueError(f'enlarge must be >= 0, got {enlarge}')
        self.reader = DATASETS.build(reader)
        if num_classes is not None and num_classes != self.reader.num_classes:
            raise ValueError(f'num_classes={num_classes} in the config but '
                             f'{type(self.reader).__name__} has {self.reader.num_classes} '
                             f'classes {tuple(self.reader.class_names)}')
        self.records = self.reader.load()
        if max_samples is not None:
            self.records = self.records[:max_samples]
        if not self.records:
            raise ValueError(f'{type(self.reader).__name__}({reader}) returned no samples')
        self.crop = crop
        self.enlarge = enlarge
        self.pipeline = build_pipeline(pipeline)
        self._cache: Optional[List[np.ndarray]] = None
        if cache_images:
            self._cache = [self._load_face(i) for i in range(len(self.records))]
        print_log(f'{type(self.reader).__name__} {getattr(self.reader, "split", "")}: '
                  f'{len(self.records)} samples, class histogram {self.class_histogram()}',
                  logger='current')

    @property
    def metainfo(self) -> dict:
        return dict(classes=tuple(self.reader.class_names), dataset=self.reader.name)

    @property
    def labels(self) -> np.ndarray:
        """(N,) int64 canonical labels in dataset order."""
        return np.array([r.label for r in self.records], dtype=np.int64)

    def class_histogram(self) -> list:
        return np.bincount(self.labels, minlength=self.reader.num_classes).tolist()

    def __len__(self) -> int:
        return len(self.records)

    def _load_face(self, idx: int) -> np.ndarray:
        record = self.records[idx]
        if record.img_path is None:
            image = record.extras['pixels']
        else:
            path = record.img_path  # readers give paths under their data_root
            image = mmcv.imread(path, channel_order='rgb')
            if image is None:
                where = f' ({record.src[0]}:{record.src[1]})' if record.src else ''
                raise ValueError(f'cannot decode image {path}{where}')
        if self.crop == 'box' and record.box is not None:
            image = crop_box(image, record.box, self.enlarge)
        return np.ascontiguousarray(image)

    def __getitem__(self, idx: int) -> dict:
        image = self._cache[idx] if self._cache is not None else self._load_face(idx)
        inputs = self.pipeline(to_chw_uint8(image))
        return dict(inputs=inputs, data_samples=dict(gt_label=self.records[idx].label,
                                                     sample_idx=idx))
