"""The record every reader returns, and the error every reader raises on bad data.

A reader turns one dataset's annotation files into a sorted list of :class:`SampleRecord`;
nothing in a record depends on the file format any more (labels are canonical, boxes are
``(x1, y1, x2, y2)``). Bad input raises :class:`DatasetFormatError`, whose message follows
``path:line: expected ..., found ...`` (datasets.md §2).

Example:
    >>> rec = SampleRecord('train_00001', 'basic/Image/aligned/train_00001_aligned.jpg', 0,
    ...                    'train', src=('list_patition_label.txt', 1))
    >>> rec.box is None, rec.extras, rec.image_paths()
    (True, {}, {'img': 'basic/Image/aligned/train_00001_aligned.jpg'})
    >>> pair = SampleRecord('k1', 'rgb/k1_diff.png', None, 'all',
    ...                     views={'rgb': 'rgb/k1_diff.png', 'depth': 'depth/k1_diff_depth.png'})
    >>> pair.label is None, sorted(pair.image_paths())
    (True, ['depth', 'rgb'])
    >>> str(DatasetFormatError.at('labels.txt', 2, 'a label in 1..7', "'8'"))
    "labels.txt:2: expected a label in 1..7, found '8'"
"""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass
class SampleRecord:
    """One annotated face.

    Args:
        sample_id: unique within the dataset; records are sorted by it.
        img_path: path of the image file, or None when the pixels are inline (FER2013 CSV puts
            a ``(48, 48)`` uint8 array in ``extras['pixels']``).
        label: canonical class id (see :mod:`ferda.datasets.labels`), or None for an
            unlabelled record (an active-learning pool, a target set without annotations).
        split: ``'train'``, ``'val'`` or ``'test'`` (``'all'`` when the reader was given no
            split file).
        box: face box ``(x1, y1, x2, y2)`` in image pixels, or None for pre-cropped images.
        landmarks: ``(K, 2)`` array of ``(x, y)`` points, or None.
        extras: per-dataset fields (confidence, valence, soft labels, inline pixels, ...);
            a dataset passes the ones its config names (``meta_keys``) to ``data_samples``.
        src: ``(annotation file, 1-based line)`` the record was read from.
        views: named image paths of a record with more than one image (``{'rgb': ...,
            'depth': ...}``); ``img_path`` is then the primary one (what single-image consumers
            such as ``ferda prepare`` read). Empty for a single-image record.
    """
    sample_id: str
    img_path: Optional[str]
    label: Optional[int]
    split: str
    box: Optional[tuple] = None
    landmarks: Optional[np.ndarray] = None
    extras: dict = field(default_factory=dict)
    src: Optional[tuple[str, int]] = None
    views: dict = field(default_factory=dict)

    def image_paths(self) -> dict:
        """The record's images by name: ``views``, or ``{'img': img_path}`` without views."""
        return dict(self.views) if self.views else {'img': self.img_path}

    def where(self) -> str:
        """``'file:line'`` of the annotation the record came from, or its sample id."""
        return format_location(*self.src) if self.src else f'sample {self.sample_id!r}'


class DatasetFormatError(ValueError):
    """Annotation data that does not follow its format.

    Use :meth:`at` to build the message, so every reader reports the same way.
    """

    @classmethod
    def at(cls, path, line: Optional[int], expected: str, found: str) -> 'DatasetFormatError':
        """Build ``f'{path}:{line}: expected {expected}, found {found}'``.

        Args:
            path: the file that holds the bad data.
            line: 1-based line number, or None for a problem with the whole file (then the
                ``:line`` part is left out).
            expected: what the format requires, as a phrase.
            found: what the file holds instead (quote it with ``repr`` where it helps).
        """
        return cls(f'{format_location(path, line)}: expected {expected}, found {found}')


def format_location(path, line: Optional[int]) -> str:
    """``'path:line'``, or ``'path'`` when ``line`` is None."""
    return f'{path}' if line is None else f'{path}:{line}'

