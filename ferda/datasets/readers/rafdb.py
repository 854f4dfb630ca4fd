"""RAF-DB basic (Real-world Affective Faces), aligned or original images (datasets.md §3).

Layout read, relative to ``data_root``::

    basic/EmoLabel/list_patition_label.txt     # (sic) lines `train_00001.jpg 5`, codes 1..7
    basic/Image/aligned/train_00001_aligned.jpg           # variant='aligned', 100x100
    basic/Image/original/train_00001.jpg                  # variant='original'
    basic/Annotation/boundingbox/train_00001_boundingbox.txt   # 'original': `x1 y1 x2 y2`
    basic/Annotation/manual/train_00001_manu_attri.txt    # landmarks='manual': 5 `x y` lines,
                                                          # then gender, race, age codes

The box files are ``<stem>_boundingbox.txt`` as distributed (``box_naming='official'``, the
default); the CD-FER-Benchmark copy renamed them ``<stem>.txt`` (``box_naming='cdfer'``).
Checked against RAF-DB's own description of ``basic/`` (bounding box, 5 manual landmarks with
the gender/race/age attributes per image) and the public CD-FER-Benchmark loaders
(``HCPLab-SYSU/CD-FER-Benchmark``, ``*/Utils.py``: ``Annotation/boundingbox/<stem>.txt``,
read with ``np.loadtxt`` as ``x_min y_min x_max y_max``).

The ``train_``/``test_`` prefix gives the official split. The source-validation carve-out is a
text file of train image names (one per line, e.g. ``train_00017.jpg``), written by
:func:`ferda.datasets.splits.stratified_holdout`.
"""
import os
import os.path as osp
from typing import Optional

import numpy as np

from ..labels import TO_CANONICAL_RAFDB
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_holdout_names, read_text_lines

LABEL_FILE = osp.join('basic', 'EmoLabel', 'list_patition_label.txt')
VARIANTS = ('aligned', 'original')
BOX_NAMINGS = {'official': '_boundingbox.txt', 'cdfer': '.txt'}
LANDMARK_SOURCES = (None, 'manual')


def read_manual_landmarks(path: str) -> np.ndarray:
    """The ``(5, 2)`` float64 points of a RAF-DB ``<stem>_manu_attri.txt``: its first 5
    non-blank lines, two numbers each (the attribute lines after them are not read)."""
    lines = list(read_text_lines(path))
    if len(lines) < 5:
        raise DatasetFormatError.at(path, lines[-1][0] if lines else None,
                                    "5 landmark lines 'x y'", f'{len(lines)} line(s)')
    points = []
    for lineno, line in lines[:5]:
        fields = line.split()
        try:
            if len(fields) != 2:
                raise ValueError
            points.append([float(v) for v in fields])
        except ValueError:
            raise DatasetFormatError.at(path, lineno, "a landmark line 'x y'",
                                        repr(line)) from None
    return np.array(points, np.float64)


class RafDbReader(BaseReader):
    """Reader of RAF-DB basic.

    Args:
        data_root: folder holding ``basic/``.
        split: ``'train'`` (train rows minus the ``val_split_file`` names, if given), ``'val'``
            (the names in ``val_split_file``; requires it), ``'test'`` or ``'all'``.
        variant: ``'aligned'`` (100x100 aligned crops, no box) or ``'original'`` (full images
            with the box from ``basic/Annotation/boundingbox``).
        box_naming: ``'official'`` (``<stem>_boundingbox.txt``, as distributed) or ``'cdfer'``
            (``<stem>.txt``, CD-FER-Benchmark's renamed copy); variant 'original' only.
        landmarks: None, or ``'manual'``: the 5 manual points of
            ``basic/Annotation/manual/<stem>_manu_attri.txt`` become ``record.landmarks``
            ``(5, 2)`` (for ``crop='landmarks5'``); a missing file is an error.
        val_split_file: text file of train image names held out as validation, or None.
            Relative paths are taken from the current directory.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).
        label_file: the label list to read instead of
            ``basic/EmoLabel/list_patition_label.txt`` (same format; e.g. a noisy copy written
            by ``ferda noise``), or None. Relative paths are taken from the current directory.

    Records: ``sample_id`` is the image stem (``train_00001``); ``label`` is canonical
    (native code minus one); ``src`` is ``(label file, line)``.

    Example:
        >>> reader = RafDbReader('data/raw/rafdb', 'train', val_split_file='val_seed0.txt')
        >>> reader.load()[0].img_path   # doctest: +SKIP
        'data/raw/rafdb/basic/Image/aligned/train_00001_aligned.jpg'
    """
    name = 'rafdb'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, split: str, variant: str = 'aligned',
                 val_split_file: Optional[str] = None, on_missing_image: str = 'error',
                 box_naming: str = 'official', landmarks: Optional[str] = None,
                 label_file: Optional[str] = None):
        super().__init__(data_root, split, on_missing_image)
        if variant not in VARIANTS:
            raise ValueError(f'variant must be one of {VARIANTS}, got {variant!r}')
        if box_naming not in BOX_NAMINGS:
            raise ValueError(f'box_naming must be one of {tuple(BOX_NAMINGS)}, got '
                             f'{box_naming!r}')
        if landmarks not in LANDMARK_SOURCES:
            raise ValueError(f'landmarks must be one of {LANDMARK_SOURCES}, got {landmarks!r}')
        self.box_naming = box_naming
        self.landmarks = landmarks
        if split == 'val' and val_split_file is None:
            raise ValueError("split='val' needs val_split_file (a text file of train image "
                             'names, e.g. made by ferda.datasets.splits.stratified_holdout)')
        self.variant = variant
        self.val_split_file = None if val_split_file is None else os.fspath(val_split_file)
        self.label_file = None if label_file is None else os.fspath(label_file)

    def _read(self) -> list[SampleRecord]:
        label_path = self.label_file or osp.join(self.data_root, LABEL_FILE)
        rows = self._read_label_file(label_path)
        val_names = self._read_val_names(rows) if self.val_split_file else set()
        records = []
        for image_name, (code, lineno) in rows.items():
            split = 'train' if image_name.startswith('train_') else 'test'
            if image_name in val_names:
                split = 'val'
            if self.split != 'all' and split != self.split:
                continue
            stem = osp.splitext(image_name)[0]
            box = None
            if self.variant == 'aligned':
                img_path = osp.join(self.data_root, 'basic', 'Image', 'aligned',
                                    f'{stem}_aligned.jpg')
            else:
                img_path = osp.join(self.data_root, 'basic', 'Image', 'original', image_name)
            if not self._image_exists(img_path, label_path, lineno):
                continue
            if self.variant == 'original':
                box = self._read_box(osp.join(self.data_root, 'basic', 'Annotation',
                                              'boundingbox',
                                              stem + BOX_NAMINGS[self.box_naming]))
            points = None
            if self.landmarks == 'manual':
                points = read_manual_landmarks(osp.join(self.data_root, 'basic', 'Annotation',
                                                        'manual', f'{stem}_manu_attri.txt'))
            records.append(SampleRecord(stem, img_path, TO_CANONICAL_RAFDB[code], split,
                                        box=box, landmarks=points, src=(label_path, lineno)))
        return records

    @staticmethod
    def _read_label_file(path: str) -> dict:
        """``{image name: (native code, line)}`` in file order, every row checked."""
        rows = {}
        allowed = sorted(TO_CANONICAL_RAFDB)
        for lineno, line in read_text_lines(path):
            fields = line.split()
            if len(fields) != 2:
                raise DatasetFormatError.at(path, lineno, "2 fields 'name code'",
                                            f'{len(fields)} in {line!r}')
            image_name, code_text = fields
            if not image_name.startswith(('train_', 'test_')):
                raise DatasetFormatError.at(path, lineno, "an image name starting with 'train_' "
                                            "or 'test_'", repr(image_name))
            try:
                code = int(code_text)
            except ValueError:
                raise DatasetFormatError.at(path, lineno, 'an integer label code',
                                            repr(code_text)) from None
            if code not in TO_CANONICAL_RAFDB:
                raise DatasetFormatError.at(path, lineno, f'a label code in {allowed}',
                                            repr(code_text))
            if image_name in rows:
                raise DatasetFormatError.at(path, lineno, 'each image once',
                                            f'{image_name!r} again (first at line '
                                            f'{rows[image_name][1]})')
            rows[image_name] = (code, lineno)
        return rows

    def _read_val_names(self, rows: dict) -> set:
        train = {name for name in rows if name.startswith('train_')}
        return read_holdout_names(self.val_split_file, train,
                                  f'a train image name of {LABEL_FILE}', 'image name')

    @staticmethod
    def _read_box(path: str) -> tuple:
        lines = list(read_text_lines(path))
        numbers = [tok for _, line in lines for tok in line.split()]
        if len(numbers) != 4:
            raise DatasetFormatError.at(path, lines[0][0] if lines else None,
                                        '4 numbers x1 y1 x2 y2', f'{len(numbers)}: {numbers}')
        try:
            return tuple(float(tok) for tok in numbers)
        except ValueError:
            raise DatasetFormatError.at(path, lines[0][0], '4 numbers x1 y1 x2 y2',
                                        repr(' '.join(numbers))) from None
