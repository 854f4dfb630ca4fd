"""FER+ (FER2013 relabelled by 10 annotators per image; docs/datasets.md §3).

Checked against the public ``microsoft/FERPlus`` repository: its ``fer2013new.csv``, its
``src/generate_training_data.py`` (how the images are written) and ``src/ferplus.py``
(``_process_data``, the official label rules).

``fer2013new.csv`` rows are aligned with ``fer2013.csv`` by index (data row ``i`` of one is data
row ``i`` of the other). Columns: ``Usage,Image name``, then 10 vote counts ``neutral happiness
surprise sadness anger disgust fear contempt unknown NF``. The ``Image name`` column is NOT
``fer{row:07d}.png``: it is a counter that skips the rows FER+ dropped (data row 59 has no name
and row 60 is ``fer0000059.png``), so the name is read from the column and the row index is kept
in ``extras['fer2013_row']`` as the link to ``fer2013.csv``. Rows without a name (173 in the
release) are counted skips. The generation script writes each named row to
``FER2013{Train,Valid,Test}/<name>`` (chosen by Usage), so when a name appears twice (four names
in the release: fer0006953, fer0011785, fer0008403, fer0033120) the later row's image
overwrote the earlier one: the earlier row is a counted skip, logged as a warning.
"""
import logging
import os.path as osp
import re

import numpy as np
from mmengine.logging import print_log

from ..labels import (CANONICAL_7, CANONICAL_8, FERPLUS_NON_EMOTION_COLUMNS, NATIVE_FERPLUS,
                      TO_CANONICAL_FERPLUS)
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_csv_lines
from .common import count_skip, parse_int

VOTE_COLUMNS = tuple(column for column, _ in NATIVE_FERPLUS) + FERPLUS_NON_EMOTION_COLUMNS
HEADER = ('Usage', 'Image name') + VOTE_COLUMNS
USAGES = {'Training': ('train', 'FER2013Train'), 'PublicTest': ('val', 'FER2013Valid'),
          'PrivateTest': ('test', 'FER2013Test')}
VOTE_MODES = ('majority', 'argmax', 'distribution')
NAME_PATTERN = re.compile(r'^fer\d{7}\.png$')
CONTEMPT = 7


def ferplus_majority(votes: np.ndarray) -> int:
    """The official FER+ majority rule (``microsoft/FERPlus`` ``src/ferplus.py``).

    Single votes are dropped as outliers; the image keeps the column holding more than half of
    the remaining votes, if one does.

    Args:
        votes: ``(10,)`` integer counts in file order (8 emotions, unknown, NF).

    Returns:
        the winning column index in 0..9, or -1 when no column has a strict majority.

    Example:
        >>> ferplus_majority(np.array([1, 7, 0, 0, 0, 0, 0, 0, 0, 2]))  # 7 of 9
        1
        >>> ferplus_majority(np.array([4, 3, 3, 0, 0, 0, 0, 0, 0, 0]))  # 4 of 10
        -1
    """
    kept = np.where(votes > 1, votes, 0)
    best = int(np.argmax(kept))
    return best if kept[best] > 0.5 * kept.sum() else -1


class FerPlusReader(BaseReader):
    """Reader of ``fer2013new.csv`` and the FER+ image folders.

    Args:
        data_root: folder holding the csv and ``FER2013{Train,Valid,Test}/``.
        split: ``'train'`` (Training), ``'val'`` (PublicTest), ``'test'`` (PrivateTest) or
            ``'all'``.
        vote_mode: ``'majority'`` (default, the official rule, :func:`ferplus_majority`): drop
            single votes, keep the image only if one column has more than half of the remaining
            votes; no majority, or an ``unknown``/``NF`` majority, is a counted skip.
            ``'argmax'``: the unique argmax of the 10 raw counts; a tie or an ``unknown``/``NF``
            argmax is a counted skip. ``'distribution'``: the emotion votes normalised to sum 1
            go to ``extras['soft']`` (canonical order, shape ``(num_classes,)``); the label is
            their argmax, ties to the lowest canonical id; rows with no emotion vote are skipped.
        num_classes: 8 (with Contempt) or 7 (Contempt dropped: a Contempt label is a counted
            skip, and ``'distribution'`` leaves the contempt votes out).
        csv_name: the csv file name.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).

    Records: ``sample_id`` = the image stem from the ``Image name`` column (``fer0000059``);
    ``extras`` = ``{'votes'`` (the 10 raw counts in file order), ``'fer2013_row'`` (0-based data
    row, the same row of ``fer2013.csv``)``}``.
    """
    name = 'ferplus'
    splits = ('train', 'val', 'test', 'all')
    class_names = CANONICAL_8

    def __init__(self, data_root: str, split: str, vote_mode: str = 'majority',
                 num_classes: int = 8, csv_name: str = 'fer2013new.csv',
                 on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if vote_mode not in VOTE_MODES:
            raise ValueError(f'vote_mode must be one of {VOTE_MODES}, got {vote_mode!r}')
        if num_classes not in (7, 8):
            raise ValueError(f'num_classes must be 7 or 8, got {num_classes!r}')
        self.vote_mode = vote_mode
        self.class_names = CANONICAL_7 if num_classes == 7 else CANONICAL_8
        self.csv_name = csv_name

    def _read(self) -> list[SampleRecord]:
        path = osp.join(self.data_root, self.csv_name)
        rows = self._read_rows(path)
        # canonical id of each emotion vote column, in file order
        canonical = np.array([TO_CANONICAL_FERPLUS[c] for c, _ in NATIVE_FERPLUS])
        records = []
        for row, lineno, usage, image_name, votes in rows:
            split, folder = USAGES[usage]
            if self.split != 'all' and split != self.split:
                continue
            label, soft = self._label(votes, canonical, f'{path}:{lineno} {image_name}')
            if label is None:
                continue
            img_path = osp.join(self.data_root, folder, image_name)
            if not self._image_exists(img_path, path, lineno):
                continue
            extras = dict(votes=tuple(int(v) for v in votes), fer2013_row=row)
            if soft is not None:
                extras['soft'] = soft
            records.append(SampleRecord(osp.splitext(image_name)[0], img_path, label, split,
                                        extras=extras, src=(path, lineno)))
        return records

    def _read_rows(self, path: str) -> list:
        """``(row, line, usage, name, votes)`` of every named row whose image survives (the
        later of two rows with the same name); every row is checked."""
        lines = read_csv_lines(path, HEADER)
        named = {}  # image name -> (row, line, usage, votes)
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
                count_skip(self, 'no image name (image dropped by FER+)', f'{path}:{lineno}')
                continue
            if not NAME_PATTERN.match(image_name):
                raise DatasetFormatError.at(path, lineno, f'an image name matching '
                                            f'{NAME_PATTERN.pattern} or an empty one',
                                            repr(image_name))
            if image_name in named:
                first_row, first_line, first_usage, _ = named[image_name]
                same = USAGES[first_usage][1] == USAGES[usage][1]
                count_skip(self, 'image name listed again: the earlier row is dropped'
                           + (' (its image was overwritten by the later row)' if same else ''),
                           f'{path}:{first_line} {image_name} (again at line {lineno})')
                print_log(f'{path}:{first_line}: {image_name} appears again at line {lineno}; '
                          f'the generation script overwrote the image of line {first_line} '
                          f'{"" if same else "(written to another folder) "}with that of '
                          f'line {lineno}, so line {first_line} is skipped', logger='current',
                          level=logging.WARNING)
            named[image_name] = (row, lineno, usage, votes)
        return sorted((row, lineno, usage, name, votes)
                      for name, (row, lineno, usage, votes) in named.items())

    def _label(self, votes: np.ndarray, canonical: np.ndarray, where: str):
        """``(label, soft)``, or ``(None, None)`` for a counted skip (``where`` names it)."""
        num_emotions = len(canonical)
        if self.vote_mode in ('majority', 'argmax'):
            if self.vote_mode == 'majority':
                best = ferplus_majority(votes)
                if best < 0:
                    count_skip(self, 'no majority (no column has more than half of the votes '
                               'left after dropping single votes)', where)
                    return None, None
            else:
                top = np.flatnonzero(votes == votes.max())
                if len(top) > 1:
                    count_skip(self, 'tied argmax vote', where)
                    return None, None
                best = int(top[0])
            if best >= num_emotions:
                count_skip(self, f'majority vote {VOTE_COLUMNS[best]} (not an emotion)', where)
                return None, None
            label = int(canonical[best])
            if label == CONTEMPT and self.num_classes == 7:
                count_skip(self, 'Contempt majority in 7-class mode', where)
                return None, None
            return label, None
        emotion_votes = votes[:num_emotions].astype(np.float64)
        if self.num_classes == 7:
            emotion_votes[canonical == CONTEMPT] = 0
        total = emotion_votes.sum()
        if total == 0:
            count_skip(self, 'no emotion vote (distribution mode)', where)
            return None, None
        soft = np.zeros(self.num_classes, np.float64)  # (num_classes,) canonical order
        keep = canonical < self.num_classes
        soft[canonical[keep]] = emotion_votes[keep] / total
        return int(np.argmax(soft)), soft
