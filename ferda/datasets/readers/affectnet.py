"""AffectNet, manually annotated part (datasets.md §3).

Layout read, relative to ``data_root``::

    training.csv        # header below; 'train' and the seeded 'val' carve-out
    validation.csv      # the official validation set, used as 'test'
    Manually_Annotated_Images/<subDirectory_filePath>

Header: ``subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,
expression,valence,arousal``. ``facial_landmarks`` is 136 ``;``-joined numbers (68 points).
Expression codes 0..7 are emotions (7 Contempt only in 8-class mode); 8 None, 9 Uncertain and
10 Non-Face are skipped and counted. Valence/arousal lie in [-1, 1]; -2 means unavailable.

The val carve-out is a text file of ``subDirectory_filePath`` names held out of
``training.csv`` (``splits/affectnet_val_seed{S}.txt``), made by :func:`affectnet_val_holdout`.
"""
import logging
import math
import os
import os.path as osp
from typing import Optional

import numpy as np
from mmengine.logging import print_log

from ..labels import AFFECTNET_SKIPPED_CODES, CANONICAL_7, CANONICAL_8, TO_CANONICAL_AFFECTNET
from ..records import DatasetFormatError, SampleRecord
from ..splits import stratified_holdout
from .base import BaseReader, read_holdout_names, read_csv_lines
from .common import check_box, count_skip, parse_int, parse_number

HEADER = ('subDirectory_filePath', 'face_x', 'face_y', 'face_width', 'face_height',
          'facial_landmarks', 'expression', 'valence', 'arousal')
IMAGE_DIR = 'Manually_Annotated_Images'
NUM_LANDMARKS = 68
VAL_FRACTION = 0.05


def affectnet_val_holdout(records: list[SampleRecord], seed: int,
                          fraction: float = VAL_FRACTION) -> list[str]:
    """The seeded stratified carve-out of AffectNet train records (5 % per class).

    Args:
        records: the records of ``AffectNetReader(..., split='train')`` without a val file.
        seed: the split seed ``S`` of ``splits/affectnet_val_seed{S}.txt``.
        fraction: held-out fraction per class.

    Returns:
        the held-out sample ids (``subDirectory_filePath``), sorted; write them with
        :func:`ferda.datasets.splits.write_id_list`.
    """
    return stratified_holdout([r.sample_id for r in records], [r.label for r in records],
                              fraction, seed)


class AffectNetReader(BaseReader):
    """Reader of AffectNet's manually annotated images.

    Args:
        data_root: folder holding the two csv files and ``Manually_Annotated_Images/``.
        split: ``'train'`` (training.csv minus the ``val_split_file`` names), ``'val'`` (those
            names; requires the file), ``'test'`` (validation.csv) or ``'all'``.
        num_classes: 7 (Contempt rows skipped and counted) or 8.
        use_va: the valence/arousal values are used for training, so a train record whose
            VA is unavailable (-2) or outside [-1, 1] is an error instead of NaN.
        val_split_file: text file of held-out ``subDirectory_filePath`` names, or None.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).

    Records: ``sample_id`` = ``subDirectory_filePath``; ``box`` = ``(x, y, x + w, y + h)``;
    ``landmarks`` = ``(68, 2)`` float64 ``(x, y)``; ``extras`` = ``{'valence', 'arousal'}``
    (NaN where unavailable or out of range; such kept rows are counted in ``num_va_missing``
    and logged).
    """
    name = 'affectnet'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, split: str, num_classes: int = 7, use_va: bool = False,
                 val_split_file: Optional[str] = None, on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if num_classes not in (7, 8):
            raise ValueError(f'num_classes must be 7 or 8, got {num_classes!r}')
        if split == 'val' and val_split_file is None:
            raise ValueError("split='val' needs val_split_file (splits/affectnet_val_seed{S}"
                             '.txt, made by affectnet_val_holdout)')
        self.class_names = CANONICAL_7 if num_classes == 7 else CANONICAL_8
        self.use_va = bool(use_va)
        self.val_split_file = None if val_split_file is None else os.fspath(val_split_file)
        self.num_va_missing = 0

    def _read(self) -> list[SampleRecord]:
        self.num_va_missing = 0
        files = []
        if self.split in ('train', 'val', 'all'):
            files.append(('training.csv', 'train'))
        if self.split in ('test', 'all'):
            files.append(('validation.csv', 'test'))
        seen, records = {}, []
        for file_name, file_split in files:
            path = osp.join(self.data_root, file_name)
            rows = self._read_csv(path, seen)
            val_names = set()
            if file_split == 'train' and self.val_split_file:
                val_names = self._read_val_names(rows, path)
            for row in rows.values():
                split = 'val' if row['sample_id'] in val_names else file_split
                if self.split != 'all' and split != self.split:
                    continue
                record = self._record(row, split, path)
                if record is not None:
                    records.append(record)
        if self.num_va_missing:
            print_log(f'{type(self).__name__}({self.data_root!r}, split={self.split!r}): '
                      f'{self.num_va_missing} kept record(s) have valence/arousal -2 '
                      '(unavailable) or outside [-1, 1]; set to NaN', logger='current',
                      level=logging.WARNING)
        return records

    def _record(self, row: dict, split: str, path: str) -> Optional[SampleRecord]:
        code, lineno = row['code'], row['line']
        if code in AFFECTNET_SKIPPED_CODES:
            count_skip(self, f'expression {code} ({AFFECTNET_SKIPPED_CODES[code]}) is not an '
                       'emotion class')
            return None
        if code == 7 and self.num_classes == 7:
            count_skip(self, 'expression 7 (Contempt) in 7-class mode')
            return None
        img_path = osp.join(self.data_root, IMAGE_DIR, row['sample_id'])
        if not self._image_exists(img_path, path, lineno):
            return None
        valence, arousal = row['va']
        if not all(-1.0 <= v <= 1.0 for v in (valence, arousal)):
            if self.use_va and split == 'train':
                raise DatasetFormatError.at(path, lineno, 'valence and arousal in [-1, 1] '
                                            '(use_va=True needs them on every train row)',
                                            f'valence={valence} arousal={arousal}')
            self.num_va_missing += 1
            valence, arousal = math.nan, math.nan
        return SampleRecord(row['sample_id'], img_path, TO_CANONICAL_AFFECTNET[code], split,
                            box=row['box'], landmarks=row['landmarks'],
                            extras=dict(valence=valence, arousal=arousal),
                            src=(path, lineno))

    @staticmethod
    def _read_csv(path: str, seen: dict) -> dict:
        """``{sample_id: row dict}`` in file order, every row checked; ``seen`` maps ids to
        ``'path:line'`` across both files."""
        lines = read_csv_lines(path, HEADER)
        allowed = sorted(TO_CANONICAL_AFFECTNET) + sorted(AFFECTNET_SKIPPED_CODES)
        rows = {}
        for lineno, line in lines:
            fields = [f.strip() for f in line.split(',')]
            if len(fields) != len(HEADER):
                raise DatasetFormatError.at(path, lineno, f'{len(HEADER)} comma-separated '
                                            'fields', f'{len(fields)}')
            sample_id = fields[0]
            x, y, w, h = (parse_number(t, path, lineno, name)
                          for t, name in zip(fields[1:5], HEADER[1:5]))
            box = check_box((x, y, x + w, y + h), path, lineno)
            numbers = fields[5].split(';')
            if len(numbers) != 2 * NUM_LANDMARKS:
                raise DatasetFormatError.at(path, lineno, f'{2 * NUM_LANDMARKS} '
                                            "';'-separated facial_landmarks numbers",
                                            f'{len(numbers)}')
            landmarks = np.array([parse_number(t, path, lineno, 'facial_landmarks')
                                  for t in numbers], np.float64).reshape(NUM_LANDMARKS, 2)
            code = parse_int(fields[6], path, lineno, 'expression code')
            if code not in allowed:
                raise DatasetFormatError.at(path, lineno, f'an expression code in {allowed}',
                                            repr(fields[6]))
            va = tuple(float(parse_number(t, path, lineno, name))
                       for t, name in zip(fields[7:9], HEADER[7:9]))
            where = f'{path}:{lineno}'
            if sample_id in seen:
                raise DatasetFormatError.at(path, lineno, 'each subDirectory_filePath once',
                                            f'{sample_id!r} again (first at {seen[sample_id]})')
            seen[sample_id] = where
            rows[sample_id] = dict(sample_id=sample_id, box=box, landmarks=landmarks,
                                   code=code, va=va, line=lineno)
        return rows

    def _read_val_names(self, rows: dict, train_path: str) -> set:
        return read_holdout_names(self.val_split_file, rows,
                                  f'a subDirectory_filePath of {train_path}', 'name',
                                  single_field=False)
