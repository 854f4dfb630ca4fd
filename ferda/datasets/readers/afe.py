"""AFE (Asian Facial Expression), in one of its two incompatible releases (datasets.md §3).

``release='clup'``, relative to ``data_root``::

    annos/TrainTest/Train.csv    # space-separated, no header: path left top right bottom emotion
    annos/TrainTest/Test.csv
    src/image/<path>

``release='cdfer'``, relative to ``data_root/Asian_Facial_Expression/AsianMovie_0725_0730``::

    list/train_list.txt          # name x1 y1 x2 y2 ... label (box in columns 2-5, label last)
    list/val_list.txt            # CD-FER's evaluation list, read as split 'test'
    images/<name>
    annos/landmark_5/<stem>.txt  # 10 numbers x1 y1 ... x5 y5 (with_landmarks=True; to confirm)

CD-FER codes outside its map are skipped and counted. The source-validation carve-out (seeded,
stratified 10 %) is a text file of train-list paths, as for RAF-DB.
"""
import os
import os.path as osp
from typing import Optional

import numpy as np

from ..labels import TO_CANONICAL_AFE_CDFER, TO_CANONICAL_AFE_CLUP
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_holdout_names, read_text_lines
from .common import check_box, count_skip, parse_int, parse_number, read_numbers_file

RELEASES = ('clup', 'cdfer')
CDFER_ROOT = osp.join('Asian_Facial_Expression', 'AsianMovie_0725_0730')
LIST_FILES = {
    'clup': {'train': osp.join('annos', 'TrainTest', 'Train.csv'),
             'test': osp.join('annos', 'TrainTest', 'Test.csv')},
    'cdfer': {'train': osp.join(CDFER_ROOT, 'list', 'train_list.txt'),
              'test': osp.join(CDFER_ROOT, 'list', 'val_list.txt')},
}
IMAGE_DIRS = {'clup': osp.join('src', 'image'), 'cdfer': osp.join(CDFER_ROOT, 'images')}


class AfeReader(BaseReader):
    """Reader of AFE.

    Args:
        data_root: the release's root folder.
        split: ``'train'`` (train list minus the ``val_split_file`` paths), ``'val'`` (those
            paths; requires the file), ``'test'`` or ``'all'``.
        release: ``'clup'`` or ``'cdfer'``; required, since the releases differ in files,
            columns and codes.
        val_split_file: text file of train-list paths held out as validation, or None.
        with_landmarks: (``'cdfer'`` only) read the 5-point landmark files.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).

    Records: ``sample_id`` = the listed path; ``box`` = ``(x1, y1, x2, y2)`` (clup: left, top,
    right, bottom); ``landmarks`` = ``(5, 2)`` with ``with_landmarks``; ``src`` = (list, line).
    """
    name = 'afe'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, split: str, release: Optional[str] = None,
                 val_split_file: Optional[str] = None, with_landmarks: bool = False,
                 on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if release not in RELEASES:
            raise ValueError(f"release is required and must be one of {RELEASES}, got "
                             f"{release!r}: 'clup' reads annos/TrainTest/{{Train,Test}}.csv, "
                             f"'cdfer' reads {CDFER_ROOT}/list/{{train,val}}_list.txt; their "
                             'columns and label codes differ')
        if split == 'val' and val_split_file is None:
            raise ValueError("split='val' needs val_split_file (a text file of train-list "
                             'paths, e.g. made by ferda.datasets.splits.stratified_holdout)')
        if with_landmarks and release != 'cdfer':
            raise ValueError("with_landmarks=True needs release='cdfer' (the clup release has "
                             'no landmark files)')
        self.release = release
        self.val_split_file = None if val_split_file is None else os.fspath(val_split_file)
        self.with_landmarks = bool(with_landmarks)

    def _read(self) -> list[SampleRecord]:
        records, first_seen = [], {}
        val_names = set()
        for list_split in ('train', 'test'):
            if self.split not in ('all', list_split) and not (
                    self.split == 'val' and list_split == 'train'):
                continue
            path = osp.join(self.data_root, LIST_FILES[self.release][list_split])
            rows = self._read_list(path, first_seen)
            if list_split == 'train' and self.val_split_file:
                val_names = self._read_val_names(rows, path)
            for sample_id, (box, code, lineno) in rows.items():
                split = 'val' if sample_id in val_names else list_split
                if self.split != 'all' and split != self.split:
                    continue
                record = self._record(sample_id, box, code, split, path, lineno)
                if record is not None:
                    records.append(record)
        return records

    def _record(self, sample_id, box, code, split, path, lineno) -> Optional[SampleRecord]:
        if self.release == 'cdfer' and code not in TO_CANONICAL_AFE_CDFER:
            count_skip(self, f'CD-FER code outside the map {sorted(TO_CANONICAL_AFE_CDFER)}',
                       f'{path}:{lineno} {sample_id}')
            return None
        table = TO_CANONICAL_AFE_CLUP if self.release == 'clup' else TO_CANONICAL_AFE_CDFER
        img_path = osp.join(self.data_root, IMAGE_DIRS[self.release], sample_id)
        if not self._image_exists(img_path, path, lineno):
            return None
        landmarks = None
        if self.with_landmarks:
            stem = osp.splitext(sample_id)[0]
            landmark_path = osp.join(self.data_root, CDFER_ROOT, 'annos', 'landmark_5',
                                     f'{stem}.txt')
            landmarks = np.array(read_numbers_file(landmark_path, 10, 'x1 y1 ... x5 y5'),
                                 np.float64).reshape(5, 2)
        return SampleRecord(sample_id, img_path, table[code], split, box=box,
                            landmarks=landmarks, src=(path, lineno))

    def _read_list(self, path: str, first_seen: dict) -> dict:
        """``{path: (box, native code, line)}``, every row checked."""
        rows = {}
        layout = ('6 fields: path left top right bottom emotion' if self.release == 'clup'
                  else 'at least 6 fields: name x1 y1 x2 y2 ... label')
        for lineno, line in read_text_lines(path):
            fields = line.split()
            if len(fields) < 6 or (self.release == 'clup' and len(fields) != 6):
                raise DatasetFormatError.at(path, lineno, layout, f'{len(fields)} in {line!r}')
            sample_id = fields[0]
            box = check_box(tuple(parse_number(t, path, lineno, 'the box')
                                  for t in fields[1:5]), path, lineno)
            code = parse_int(fields[-1], path, lineno, 'emotion code')
            if self.release == 'clup' and code not in TO_CANONICAL_AFE_CLUP:
                raise DatasetFormatError.at(path, lineno, f'an emotion code in '
                                            f'{sorted(TO_CANONICAL_AFE_CLUP)}', repr(fields[-1]))
            if sample_id in first_seen:
                raise DatasetFormatError.at(path, lineno, 'each image once',
                                            f'{sample_id!r} again (first at '
                                            f'{first_seen[sample_id]})')
            first_seen[sample_id] = f'{path}:{lineno}'
            rows[sample_id] = (box, code, lineno)
        return rows

    def _read_val_names(self, rows: dict, train_path: str) -> set:
        return read_holdout_names(self.val_split_file, rows, f'a path listed in {train_path}',
                                  'path', single_field=False)
