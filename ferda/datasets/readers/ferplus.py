"""FER+ (FER2013 relabelled by 10 annotators per image; datasets.md §3).

``fer2013new.csv`` rows are aligned with ``fer2013.csv`` by index: data row ``i`` names
``fer{i:07d}.png`` (or nothing, for images FER+ dropped). Columns: ``Usage,Image name``, then 10
vote counts ``neutral happiness surprise sadness anger disgust fear contempt unknown NF``.
Images are read from the FER+ image folders ``FER2013Train/``, ``FER2013Valid/`` and
``FER2013Test/`` (chosen by Usage), as written by the FER+ generation script.
"""
import os.path as osp
import re

import numpy as np

from ..labels import CANONICAL_8, FERPLUS_NON_EMOTION_COLUMNS, NATIVE_FERPLUS, TO_CANONICAL_FERPLUS
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_csv_lines
from .common import count_skip, parse_int

VOTE_COLUMNS = tuple(column for column, _ in NATIVE_FERPLUS) + FERPLUS_NON_EMOTION_COLUMNS
HEADER = ('Usage', 'Image name') + VOTE_COLUMNS
USAGES = {'Training': ('train', 'FER2013Train'), 'PublicTest': ('val', 'FER2013Valid'),
          'PrivateTest': ('test', 'FER2013Test')}
VOTE_MODES = ('majority', 'distribution')
NAME_PATTERN = re.compile(r'^fer\d{7}\.png$')


class FerPlusReader(BaseReader):
    """Reader of ``fer2013new.csv`` and the FER+ image folders (8 classes, with Contempt).

    Args:
        data_root: folder holding the csv and ``FER2013{Train,Valid,Test}/``.
        split: ``'train'`` (Training), ``'val'`` (PublicTest), ``'test'`` (PrivateTest) or
            ``'all'``.
        vote_mode: ``'majority'``: the label is the unique argmax of the 10 vote columns; a
            tie, or an ``unknown``/``NF`` majority, is a counted skip. ``'distribution'``: the
            8 emotion votes normalised to sum 1 go to ``extras['soft']`` (canonical order,
            shape ``(8,)``); the label is their argmax, ties to the lowest canonical id; rows
            with no emotion vote are skipped.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).

    Records: ``sample_id`` = the image stem (``fer0000000``, as in
    :class:`Fer2013CsvReader`); ``extras['votes']`` = the 10 raw counts in file order. Rows with
    no image name are skipped and counted.
    """
    name = 'ferplus'
    splits = ('train', 'val', 'test', 'all')
    class_names = CANONICAL_8

    def __init__(self, data_root: str, split: str, vote_mode: str = 'majority',
                 csv_name: str = 'fer2013new.csv', on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if vote_mode not in VOTE_MODES:
            raise ValueError(f'vote_mode must be one of {VOTE_MODES}, got {vote_mode!r}')
        self.vote_mode = vote_mode
        self.csv_name = csv_name

    def _read(self) -> list[SampleRecord]:
        path = osp.join(self.data_root, self.csv_name)
        lines = read_csv_lines(path, HEADER)
        # canonical id of each emotion vote column, in file order
        canonical = np.array([TO_CANONICAL_FERPLUS[c] for c, _ in NATIVE_FERPLUS])
        records = []
        for row, (lineno, line) in enumerate(lines):
            fields = [f.strip() for f in line.split(',')]
            if len(fields) != len(HEADER):
                raise DatasetFormatError.at(path, lineno, f'{len(HEADER)} comma-separated '
                                            'fields', f'{len(fields)}')
            usage, image_name = fields[:2]
            if usage not in USAGES:
                raise DatasetFormatError.at(path, lineno, f'a Usage in {list(USAGES)}',
                                            repr(usage))
            votes = np.array([parse_int(t, path, lineno, f'vote count ({c})')
                              for t, c in zip(fields[2:], VOTE_COLUMNS)], np.int64)
            if votes.min() < 0:
                raise DatasetFormatError.at(path, lineno, 'vote counts >= 0',
                                            repr(','.join(fields[2:])))
            if not image_name:
                count_skip(self, 'no image name (image dropped by FER+)')
                continue
            if not NAME_PATTERN.match(image_name) or image_name != f'fer{row:07d}.png':
                raise DatasetFormatError.at(path, lineno, f"image name 'fer{row:07d}.png' "
                                            '(rows align with fer2013.csv by index)',
                                            repr(image_name))
            split, folder = USAGES[usage]
            if self.split != 'all' and split != self.split:
                continue
            label, soft = self._label(votes, canonical)
            if label is None:
                continue
            img_path = osp.join(self.data_root, folder, image_name)
            if not self._image_exists(img_path, path, lineno):
                continue
            extras = dict(votes=tuple(int(v) for v in votes))
            if soft is not None:
                extras['soft'] = soft
            records.append(SampleRecord(osp.splitext(image_name)[0], img_path, label, split,
                                        extras=extras, src=(path, lineno)))
        return records

    def _label(self, votes: np.ndarray, canonical: np.ndarray):
        """``(label, soft)``, or ``(None, None)`` for a counted skip."""
        num_emotions = len(canonical)
        if self.vote_mode == 'majority':
            top = np.flatnonzero(votes == votes.max())
            if len(top) > 1:
                count_skip(self, 'tied majority vote')
                return None, None
            if top[0] >= num_emotions:
                count_skip(self, f'majority vote {VOTE_COLUMNS[top[0]]} (not an emotion)')
                return None, None
            return int(canonical[top[0]]), None
        emotion_votes = votes[:num_emotions]
        total = emotion_votes.sum()
        if total == 0:
            count_skip(self, 'no emotion vote (distribution mode)')
            return None, None
        soft = np.zeros(len(CANONICAL_8), np.float64)  # (8,) canonical order
        soft[canonical] = emotion_votes / total
        return int(np.argmax(soft)), soft
