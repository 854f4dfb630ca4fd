"""``FaceDataset``: a reader's records + face crop + transform pipeline."""
import logging
from typing import List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from torch.utils.data import Dataset

from basicda.datasets import build_pipeline, to_chw_uint8
from ferda.registry import DATASETS

from .face_crop import clip_box, decode_record, image_name

CROP_MODES = ('box', 'none')
ON_CORRUPT_IMAGE = ('error', 'skip')


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
        on_corrupt_image: ``'error'`` (default): an image that cannot be decoded (truncated,
            not an image, 16-bit) or cropped raises ``ValueError`` naming the file and its
            annotation line, as ``ferda prepare`` does. ``'skip'``: the item is replaced by the
            next index whose image decodes (wrapping around), so the replacement does not
            depend on workers or timing; each skip is logged with a running count. Meant for
            training sets: in an evaluation set the replacement is counted twice, which
            ``ClsMetric`` refuses.

    Each item is ``dict(inputs=(3, H, W) uint8 tensor,
    data_samples=dict(gt_label=int, sample_idx=int))``; a replaced item carries the label and
    index of the sample it was replaced by.
    """

    def __init__(self, reader: dict, pipeline: Sequence[dict] = (), crop: str = 'box',
                 enlarge: float = 0.0, num_classes: Optional[int] = None,
                 cache_images: bool = False, max_samples: Optional[int] = None,
                 on_corrupt_image: str = 'error') -> None:
        if crop not in CROP_MODES:
            raise ValueError(f'crop must be one of {CROP_MODES}, got {crop!r}')
        if on_corrupt_image not in ON_CORRUPT_IMAGE:
            raise ValueError(f'on_corrupt_image must be one of {ON_CORRUPT_IMAGE}, got '
                             f'{on_corrupt_image!r}')
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
        self.on_corrupt_image = on_corrupt_image
        self.pipeline = build_pipeline(pipeline)
        # indices whose image failed (in this process; each DataLoader worker has its own)
        self.corrupt: dict = {}
        self._cache: Optional[List[Optional[np.ndarray]]] = None
        if cache_images:
            self._cache = [self._try_face(i) for i in range(len(self.records))]
        print_log(f'{type(self.reader).__name__} {getattr(self.reader, "split", "")}: '
                  f'{len(self.records)} samples, class histogram {self.class_histogram()}'
                  + (f'; {len(self.corrupt)} corrupt image(s) skipped, each replaced by the '
                     'next sample that decodes' if self.corrupt else ''),
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
        """The (H, W, 3) uint8 RGB face of record ``idx``; errors name the image and its
        annotation line (the decoder of ``ferda prepare``)."""
        record = self.records[idx]
        image = decode_record(record)
        if self.crop == 'box' and record.box is not None:
            try:
                image = crop_box(image, record.box, self.enlarge)
            except ValueError as err:
                raise ValueError(f'image {image_name(record)}: {err}') from None
        return np.ascontiguousarray(image)

    def _try_face(self, idx: int) -> Optional[np.ndarray]:
        """:meth:`_load_face`, or None (logged and counted) with ``on_corrupt_image='skip'``."""
        if idx in self.corrupt:
            return None
        try:
            return self._load_face(idx)
        except ValueError as err:
            if self.on_corrupt_image == 'error':
                raise
            self.corrupt[idx] = str(err)
            print_log(f'{type(self.reader).__name__} {getattr(self.reader, "split", "")}: '
                      f"skipped sample {idx} (on_corrupt_image='skip'; {len(self.corrupt)} "
                      f'skipped so far in this process): {err}', logger='current',
                      level=logging.WARNING)
            return None

    def _face_or_next(self, idx: int) -> tuple[int, np.ndarray]:
        """``(index used, face)``: ``idx`` itself, or with ``on_corrupt_image='skip'`` the
        next index (wrapping around) whose image decodes."""
        n = len(self.records)
        for used in (idx + k if idx + k < n else idx + k - n for k in range(n)):
            face = self._cache[used] if self._cache is not None else self._try_face(used)
            if face is not None:
                return used, face
        raise ValueError(f'no image of {type(self.reader).__name__} '
                         f'{getattr(self.reader, "split", "")} can be decoded; first failure: '
                         f'{next(iter(self.corrupt.values()))}')

    def __getitem__(self, idx: int) -> dict:
        used, image = self._face_or_next(idx)
        inputs = self.pipeline(to_chw_uint8(image))
        return dict(inputs=inputs, data_samples=dict(gt_label=self.records[used].label,
                                                     sample_idx=used))
