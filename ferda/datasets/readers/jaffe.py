"""JAFFE (Japanese Female Facial Expression), file or CD-FER layout (datasets.md §3).

``layout='files'``: grey 256x256 TIFFs in ``data_root`` named like ``KA.AN1.39.tiff``
(subject, expression code and poser index, image number), matched by
``^([A-Z]{2})\\.([A-Z]{2})(\\d+)\\.(\\d+)\\.tiff?$``. A TIFF that does not match, or an unknown
expression code, is an error naming the file; other files are counted and logged. Folds are by
subject (213 images, 10 subjects; to confirm).

``layout='cdfer'``, relative to ``data_root/JAFFE`` (to confirm)::

    list/list_putao.txt         # `name label`, label already canonical
    images/<name>
    annos/bbox/<stem>.txt       # x1 y1 x2 y2
    annos/landmark_5/<stem>.txt # 10 numbers (with_landmarks=True)
"""
import os.path as osp
import re
from typing import Optional

import numpy as np

from ..labels import TO_CANONICAL_JAFFE
from ..records import DatasetFormatError, SampleRecord
from ..subject_splits import SubjectSplit
from .base import BaseReader, read_text_lines
from .common import check_box, image_files, parse_int, read_numbers_file

LAYOUTS = ('files', 'cdfer')
NAME_PATTERN = re.compile(r'^([A-Z]{2})\.([A-Z]{2})(\d+)\.(\d+)\.tiff?$')
CDFER_ROOT = 'JAFFE'


class JaffeReader(BaseReader):
    """Reader of JAFFE.

    Args:
        data_root: folder holding the TIFFs (files) or ``JAFFE/`` (cdfer).
        split: ``'all'``, or (files layout) ``'train'``/``'test'`` with ``fold_file`` and
            ``fold`` (``subject,fold`` csv; subjects of ``fold`` are test).
        layout: ``'files'`` or ``'cdfer'``.
        fold_file: the subject fold csv, or None.
        fold: the test fold.
        with_landmarks: (cdfer) read the 5-point landmark files.
        on_missing_image: (cdfer) ``'error'`` or ``'skip'``.

    Records: ``sample_id`` = the file stem (``KA.AN1.39``); files ``extras`` =
    ``{'subject', 'poser_index', 'image_number'}``; cdfer ``box`` from ``annos/bbox``.
    """
    name = 'jaffe'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str = 'all', layout: str = 'files',
                 fold_file: Optional[str] = None, fold: Optional[int] = None,
                 with_landmarks: bool = False, on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
        if layout == 'cdfer' and (fold_file is not None or split != 'all'):
            raise ValueError("layout='cdfer' has one list and no folds: use split='all' "
                             'without fold_file')
        if with_landmarks and layout != 'cdfer':
            raise ValueError("with_landmarks=True needs layout='cdfer'")
        self.layout = layout
        self.with_landmarks = bool(with_landmarks)
        self.folds = SubjectSplit(fold_file, 'fold', fold, split, 'JAFFE')

    def _read(self) -> list[SampleRecord]:
        return self._read_files() if self.layout == 'files' else self._read_cdfer()

    def _read_files(self) -> list[SampleRecord]:
        records = []
        for name in image_files(self, self.data_root, ('.tiff', '.tif')):
            path = osp.join(self.data_root, name)
            match = NAME_PATTERN.match(name)
            if not match:
                raise DatasetFormatError.at(path, None, 'a JAFFE name like KA.AN1.39.tiff',
                                            repr(name))
            subject, code, poser_index, image_number = match.groups()
            if code not in TO_CANONICAL_JAFFE:
                raise DatasetFormatError.at(path, None, f'an expression code in '
                                            f'{sorted(TO_CANONICAL_JAFFE)}', repr(code))
            split = self.folds.split_of(subject, path)
            if self.split != 'all' and split != self.split:
                continue
            records.append(SampleRecord(
                osp.splitext(name)[0], path, TO_CANONICAL_JAFFE[code], split,
                extras=dict(subject=subject, poser_index=int(poser_index),
                            image_number=int(image_number))))
        return records

    def _read_cdfer(self) -> list[SampleRecord]:
        root = osp.join(self.data_root, CDFER_ROOT)
        path = osp.join(root, 'list', 'list_putao.txt')
        records, first_line = [], {}
        for lineno, line in read_text_lines(path):
            fields = line.split()
            if len(fields) != 2:
                raise DatasetFormatError.at(path, lineno, "2 fields 'name label'",
                                            f'{len(fields)} in {line!r}')
            name, label_text = fields
            label = parse_int(label_text, path, lineno, 'canonical label')
            if not 0 <= label < self.num_classes:
                raise DatasetFormatError.at(path, lineno, f'a canonical label in '
                                            f'0..{self.num_classes - 1}', repr(label_text))
            if name in first_line:
                raise DatasetFormatError.at(path, lineno, 'each image once',
                                            f'{name!r} again (first at line '
                                            f'{first_line[name]})')
            first_line[name] = lineno
            img_path = osp.join(root, 'images', name)
            if not self._image_exists(img_path, path, lineno):
                continue
            stem = osp.splitext(name)[0]
            box = check_box(read_numbers_file(osp.join(root, 'annos', 'bbox', f'{stem}.txt'),
                                              4, 'x1 y1 x2 y2'), path, lineno)
            landmarks = None
            if self.with_landmarks:
                landmarks = np.array(read_numbers_file(
                    osp.join(root, 'annos', 'landmark_5', f'{stem}.txt'), 10,
                    'x1 y1 ... x5 y5'), np.float64).reshape(5, 2)
            records.append(SampleRecord(stem, img_path, label, 'all', box=box,
                                        landmarks=landmarks, src=(path, lineno)))
        return records
