"""``FaceDataset``: a reader's records + face crop + transform pipeline."""
import logging
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from torch.utils.data import Dataset

from basicda.datasets import (RESERVED_SAMPLE_KEYS, apply_to_views, build_pipeline,
                              check_shared_pipeline, sample_value, to_chw_uint8)
from ferda.registry import DATASETS

from .face_crop import clip_box, decode_record, decode_rgb, image_name, record_location
from .records import SampleRecord

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
        with_label: False reads the records without their labels (an unlabelled pool): items
            carry no ``gt_label`` and :attr:`labels` is None. Records whose label is None
            are unlabelled anyway; a reader may not mix labelled and unlabelled records.
        meta_keys: record ``extras`` (or ``'sample_id'``) to pass to ``data_samples`` by
            name, e.g. ``('valence', 'arousal', 'subject')``; every record must have them
            (checked here). Values are batched as :func:`basicda.datasets.sample_value` says.
        views: names of the record ``views`` to decode, e.g. ``('rgb', 'depth')``; then
            ``inputs`` is ``{name: (3, H, W)}`` and ``pipeline`` runs once on all views
            together: the same random crop/flip/affine for every view (torchvision v2
            transforms only; ``PerView`` for per-view colour or independent views). A record's
            ``box`` crops every view, so the views must share one pixel grid.

    Each item is ``dict(inputs=(3, H, W) uint8 tensor, data_samples=dict(gt_label=int,
    sample_idx=int, **metadata))``; ``gt_label`` is absent when unlabelled. A replaced item
    (``on_corrupt_image='skip'``) carries the label, index and metadata of its replacement.
    """

    def __init__(self, reader: dict, pipeline: Sequence[dict] = (), crop: str = 'box',
                 enlarge: float = 0.0, num_classes: Optional[int] = None,
                 cache_images: bool = False, max_samples: Optional[int] = None,
                 with_label: bool = True, meta_keys: Sequence[str] = (),
                 views: Optional[Sequence[str]] = None, on_corrupt_image: str = 'error') -> None:
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
        name = type(self.reader).__name__
        self.has_labels = bool(with_label) and _records_have_labels(self.records, name)
        self.meta_keys = tuple(meta_keys)
        self._meta = record_metadata(self.records, self.meta_keys, name)
        self.views = None if views is None else tuple(views)
        if self.views is not None:
            check_views(self.records, self.views, name)
        self.crop = crop
        self.enlarge = enlarge
        self.on_corrupt_image = on_corrupt_image
        self.pipeline = build_pipeline(pipeline)
        if self.views is not None:
            check_shared_pipeline(self.pipeline, f'{name} FaceDataset(views={self.views})')
        # indices whose image failed (in this process; each DataLoader worker has its own)
        self.corrupt: dict = {}
        self._cache: Optional[List[Union[None, np.ndarray, Dict[str, np.ndarray]]]] = None
        if cache_images:
            self._cache = [self._try_load(i) for i in range(len(self.records))]
        summary = (f'class histogram {self.class_histogram()}' if self.has_labels
                   else 'unlabelled')
        print_log(f'{name} {getattr(self.reader, "split", "")}: {len(self.records)} samples, '
                  f'{summary}'
                  + (f'; {len(self.corrupt)} corrupt image(s) skipped, each replaced by the '
                     'next sample that decodes' if self.corrupt else ''),
                  logger='current')

    @property
    def metainfo(self) -> dict:
        return dict(classes=tuple(self.reader.class_names), dataset=self.reader.name)

    @property
    def labels(self) -> Optional[np.ndarray]:
        """(N,) int64 canonical labels in dataset order; None when unlabelled."""
        if not self.has_labels:
            return None
        return np.array([r.label for r in self.records], dtype=np.int64)

    def class_histogram(self) -> Optional[list]:
        """Samples per class; None when unlabelled."""
        if not self.has_labels:
            return None
        return np.bincount(self.labels, minlength=self.reader.num_classes).tolist()

    @property
    def subjects(self) -> Optional[list]:
        """Every sample's ``extras['subject']`` in index order (what subject folds split
        on, e.g. ``FoldLoop``), or None when some record has none."""
        subjects = [r.extras.get('subject') for r in self.records]
        return None if any(s is None for s in subjects) else subjects

    def __len__(self) -> int:
        return len(self.records)

    def _load(self, idx: int) -> Union[np.ndarray, Dict[str, np.ndarray]]:
        if self.views is None:
            return self._load_face(idx)
        return {view: self._load_face(idx, view) for view in self.views}

    def _load_face(self, idx: int, view: Optional[str] = None) -> np.ndarray:
        """The (H, W, 3) uint8 RGB face of record ``idx`` (of its ``view``); errors name the
        image and its annotation line (the decoder of ``ferda prepare``)."""
        record = self.records[idx]
        if view is None:
            image = decode_record(record)
        else:
            image = decode_rgb(record.views[view], record_location(record))
        if self.crop == 'box' and record.box is not None:
            try:
                image = crop_box(image, record.box, self.enlarge)
            except ValueError as err:
                raise ValueError(f'image {image_name(record)}: {err}') from None
        return np.ascontiguousarray(image)

    def _try_load(self, idx: int):
        """:meth:`_load`, or None (logged and counted) with ``on_corrupt_image='skip'``."""
        if idx in self.corrupt:
            return None
        try:
            return self._load(idx)
        except ValueError as err:
            if self.on_corrupt_image == 'error':
                raise
            self.corrupt[idx] = str(err)
            print_log(f'{type(self.reader).__name__} {getattr(self.reader, "split", "")}: '
                      f"skipped sample {idx} (on_corrupt_image='skip'; {len(self.corrupt)} "
                      f'skipped so far in this process): {err}', logger='current',
                      level=logging.WARNING)
            return None

    def _face_or_next(self, idx: int):
        """``(index used, face or views)``: ``idx`` itself, or with
        ``on_corrupt_image='skip'`` the next index (wrapping around) whose image decodes."""
        n = len(self.records)
        for used in (idx + k if idx + k < n else idx + k - n for k in range(n)):
            face = self._cache[used] if self._cache is not None else self._try_load(used)
            if face is not None:
                return used, face
        raise ValueError(f'no image of {type(self.reader).__name__} '
                         f'{getattr(self.reader, "split", "")} can be decoded; first failure: '
                         f'{next(iter(self.corrupt.values()))}')

    def __getitem__(self, idx: int) -> dict:
        idx, image = self._face_or_next(idx)
        if self.views is None:
            inputs = self.pipeline(to_chw_uint8(image))
        else:
            inputs = apply_to_views(self.pipeline, {view: to_chw_uint8(face)
                                                    for view, face in image.items()})
        samples = dict(self._meta[idx], sample_idx=idx)
        if self.has_labels:
            samples['gt_label'] = self.records[idx].label
        return dict(inputs=inputs, data_samples=samples)


def _records_have_labels(records: Sequence[SampleRecord], reader: str) -> bool:
    """True if every record has a label, False if none has; a mix is an error."""
    unlabelled = [r for r in records if r.label is None]
    if unlabelled and len(unlabelled) < len(records):
        raise ValueError(f'{reader}: {len(unlabelled)} of {len(records)} records have no label '
                         f'(first: {unlabelled[0].where()}); a dataset is either labelled or an '
                         'unlabelled pool (pass with_label=False to drop every label)')
    return not unlabelled


def record_metadata(records: Sequence[SampleRecord], meta_keys: Sequence[str],
                    reader: str) -> List[dict]:
    """The ``data_samples`` metadata of every record: ``{key: sample_value(...)}``.

    A key is looked up in the record's ``extras``; ``'sample_id'`` is the record's id.

    Raises:
        ValueError: a reserved key (``gt_label``, ``sample_idx``) or a key given twice.
        KeyError: a record without the key, naming the reader, the key, the record's
            ``file:line`` and the extras it has.
    """
    bad = [k for k in meta_keys if k in RESERVED_SAMPLE_KEYS]
    if bad or len(set(meta_keys)) != len(meta_keys):
        raise ValueError(f'{reader}: meta_keys must be distinct and not {RESERVED_SAMPLE_KEYS} '
                         f'(the dataset fills those in), got {tuple(meta_keys)}')
    metadata = []
    for record in records:
        values = {}
        for key in meta_keys:
            if key == 'sample_id':
                value = record.sample_id
            elif key in record.extras:
                value = record.extras[key]
            else:
                raise KeyError(f'{reader} gives no {key!r} for {record.where()} (meta_keys asks '
                               f'for it; the record has extras {sorted(record.extras)})')
            values[key] = sample_value(value, key, f'{reader} {record.where()}')
        metadata.append(values)
    return metadata


def check_views(records: Sequence[SampleRecord], views: Sequence[str], reader: str) -> None:
    """Raise unless every record has an image path for each name in ``views``.

    Raises:
        ValueError: no names, or a name given twice.
        KeyError: naming the reader, the view, the record's ``file:line`` and its views.
    """
    if not views or len(set(views)) != len(views):
        raise ValueError(f'{reader}: views must be distinct view names, got {tuple(views)}')
    for record in records:
        missing = [view for view in views if view not in record.views]
        if missing:
            raise KeyError(f'{reader} gives no {missing[0]!r} image for {record.where()} '
                           f'(views asks for {tuple(views)}; the record has '
                           f'{sorted(record.views) or "one image, no views"})')
