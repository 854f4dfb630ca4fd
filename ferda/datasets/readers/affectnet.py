"""AffectNet, manually annotated part (docs/datasets.md §3).

Layout read, relative to ``data_root`` (the folder the release unpacks to)::

    Manually_Annotated_file_lists/training.csv    # 'train' and the seeded 'val' carve-out
    Manually_Annotated_file_lists/validation.csv  # the official validation set, used as 'test'
    Manually_Annotated_Images/<subDirectory_filePath>

The two csv files are also found at the root (copies that moved them). Header:
``subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,
expression,valence,arousal``; some copies write it ``#subDirectory_filePath,...`` (accepted).
``facial_landmarks`` is 136 ``;``-joined numbers (68 points). Expression codes 0..7 are emotions
(7 Contempt only in 8-class mode); 8 None, 9 Uncertain and 10 Non-Face are skipped and counted.
Valence/arousal lie in [-1, 1]; -2 means unavailable. ``validation.csv`` lists a zero-byte image:
the reader does not decode, so every record carries ``src`` = (csv, line) and the decoder names
both when the image cannot be decoded.

The newer release (``layout='npy'``, found automatically when no csv exists) has no csv and no
boxes (its images are face crops)::

    train_set/images/<n>.jpg    train_set/annotations/<n>_{exp,val,aro,lnd}.npy   # 'train'
    val_set/images/<n>.jpg      val_set/annotations/<n>_{exp,val,aro,lnd}.npy     # 'test'

``exp`` holds the expression code (a numpy string such as ``'3'``), ``val``/``aro`` the
valence/arousal, ``lnd`` the 68 landmarks as 136 numbers.

Checked against the AffectNet paper/README description of the csv columns and codes and public
loaders that read the csv with pandas (``Manually_Annotated_file_lists``, ``expression`` filter
on 0..7) and the ``{train,val}_set/{images,annotations}`` npy release (``<n>_exp.npy``,
``<n>_val.npy``, ``<n>_aro.npy``, ``<n>_lnd.npy``).

The val carve-out is a text file of ``subDirectory_filePath`` names (npy layout:
``train_set/<n>``) held out of training (``splits/affectnet_val_seed{S}.txt``), made by
:func:`affectnet_val_holdout`.
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
from .base import BaseReader, read_holdout_names, read_text_lines
from .common import check_box, count_skip, parse_int, parse_number, sorted_entries

HEADER = ('subDirectory_filePath', 'face_x', 'face_y', 'face_width', 'face_height',
          'facial_landmarks', 'expression', 'valence', 'arousal')
IMAGE_DIR = 'Manually_Annotated_Images'
LIST_DIRS = ('Manually_Annotated_file_lists', '')
NPY_SETS = {'train': 'train_set', 'test': 'val_set'}
LAYOUTS = ('auto', 'csv', 'npy')
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
        layout: ``'csv'`` (the manually annotated release), ``'npy'`` (the newer release) or
            ``'auto'`` (csv when ``training.csv`` or ``validation.csv`` is found, else npy).

    Records: ``sample_id`` = ``subDirectory_filePath`` (npy: ``'<set>/<n>'``, no box);
    ``box`` = ``(x, y, x + w, y + h)``;
    ``landmarks`` = ``(68, 2)`` float64 ``(x, y)``; ``extras`` = ``{'valence', 'arousal'}``
    (NaN where unavailable or out of range; such kept rows are counted in ``num_va_missing``
    and logged).
    """
    name = 'affectnet'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, split: str, num_classes: int = 7, use_va: bool = False,
                 val_split_file: Optional[str] = None, on_missing_image: str = 'error',
                 layout: str = 'auto'):
        super().__init__(data_root, split, on_missing_image)
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
        self.layout = layout
        if num_classes not in (7, 8):
            raise ValueError(f'num_classes must be 7 or 8, got {num_classes!r}')
        if split == 'val' and val_split_file is None:
            raise ValueError("split='val' needs val_split_file (splits/affectnet_val_seed{S}"
                             '.txt, made by affectnet_val_holdout)')
        self.class_names = CANONICAL_7 if num_classes == 7 else CANONICAL_8
        self.use_va = bool(use_va)
        self.val_split_file = None if val_split_file is None else os.fspath(val_split_file)
        self.num_va_missing = 0

    def _csv_path(self, file_name: str) -> Optional[str]:
        """``file_name`` in ``Manually_Annotated_file_lists/`` or at the root, or None."""
        for folder in LIST_DIRS:
            path = osp.join(self.data_root, folder, file_name)
            if osp.isfile(path):
                return path
        return None

    def _resolve_layout(self) -> str:
        if self.layout != 'auto':
            return self.layout
        if any(self._csv_path(name) for name in ('training.csv', 'validation.csv')):
            return 'csv'
        if any(osp.isdir(osp.join(self.data_root, d)) for d in NPY_SETS.values()):
            return 'npy'
        raise DatasetFormatError.at(
            self.data_root, None, 'AffectNet as unpacked: Manually_Annotated_file_lists/'
            '{training,validation}.csv (or the two csv files at the root), or the newer '
            '{train,val}_set/ folders', 'none of them')

    def _read(self) -> list[SampleRecord]:
        self.num_va_missing = 0
        layout = self._resolve_layout()
        files = []
        if self.split in ('train', 'val', 'all'):
            files.append(('training.csv', 'train'))
        if self.split in ('test', 'all'):
            files.append(('validation.csv', 'test'))
        seen, records = {}, []
        for file_name, file_split in files:
            if layout == 'csv':
                path = self._csv_path(file_name) or osp.join(self.data_root, LIST_DIRS[0],
                                                             file_name)
                rows = self._read_csv(path, seen)
            else:
                path = osp.join(self.data_root, NPY_SETS[file_split])
                rows = self._read_npy(path)
            val_names = set()
            if file_split == 'train' and self.val_split_file:
                val_names = self._read_val_names(rows, path)
            for row in rows.values():
                split = 'val' if row['sample_id'] in val_names else file_split
                if self.split != 'all' and split != self.split:
                    continue
                record = self._record(row, split, row.get('path', path))
                if record is not None:
                    records.append(record)
        if self.num_va_missing:
            print_log(f'{type(self).__name__}({self.data_root!r}, split={self.split!r}): '
                      f'{self.num_va_missing} kept record(s) have valence/arousal -2 '
                      '(unavailable) or outside [-1, 1]; set to NaN', logger='current',
                      level=logging.WARNING)
        return records

    def _read_npy(self, set_dir: str) -> dict:
        """``{sample_id: row dict}`` of one ``{train,val}_set`` folder, sorted by number."""
        image_dir, ann_dir = osp.join(set_dir, 'images'), osp.join(set_dir, 'annotations')
        allowed = sorted(TO_CANONICAL_AFFECTNET) + sorted(AFFECTNET_SKIPPED_CODES)
        set_name = osp.basename(set_dir)
        stems = [n[:-len('_exp.npy')] for n in sorted_entries(ann_dir, dirs=False)
                 if n.endswith('_exp.npy')]
        rows = {}
        for stem in sorted(stems, key=lambda t: (len(t), t)):
            exp_path = osp.join(ann_dir, f'{stem}_exp.npy')
            code = parse_int(str(self._npy_scalar(exp_path)), exp_path, None, 'expression code')
            if code not in allowed:
                raise DatasetFormatError.at(exp_path, None, f'an expression code in {allowed}',
                                            repr(code))
            va = tuple(float(parse_number(str(self._npy_scalar(p)), p, None, what))
                       for p, what in ((osp.join(ann_dir, f'{stem}_val.npy'), 'valence'),
                                       (osp.join(ann_dir, f'{stem}_aro.npy'), 'arousal')))
            lnd_path = osp.join(ann_dir, f'{stem}_lnd.npy')
            landmarks = None
            if osp.isfile(lnd_path):
                values = np.asarray(np.load(lnd_path, allow_pickle=False), np.float64).ravel()
                if values.size != 2 * NUM_LANDMARKS:
                    raise DatasetFormatError.at(lnd_path, None, f'{2 * NUM_LANDMARKS} landmark '
                                                'numbers', f'{values.size}')
                landmarks = values.reshape(NUM_LANDMARKS, 2)
            sample_id = f'{set_name}/{stem}'
            rows[sample_id] = dict(sample_id=sample_id, box=None, landmarks=landmarks,
                                   code=code, va=va, line=None, path=exp_path,
                                   img_path=osp.join(image_dir, f'{stem}.jpg'))
        return rows

    @staticmethod
    def _npy_scalar(path: str):
        """The one value of a small ``.npy`` annotation file (a numpy string or number)."""
        if not osp.isfile(path):
            raise DatasetFormatError.at(path, None, 'an annotation file', 'no such file')
        try:
            value = np.load(path, allow_pickle=False)
        except ValueError as err:
            raise DatasetFormatError.at(path, None, 'a numpy .npy file', str(err)) from None
        if value.size != 1:
            raise DatasetFormatError.at(path, None, 'one value', f'{value.size} values')
        return value.reshape(()).item()

    def _record(self, row: dict, split: str, path: str) -> Optional[SampleRecord]:
        code, lineno = row['code'], row['line']
        where = path if lineno is None else f'{path}:{lineno}'
        if code in AFFECTNET_SKIPPED_CODES:
            count_skip(self, f'expression {code} ({AFFECTNET_SKIPPED_CODES[code]}) is not an '
                       'emotion class', where)
            return None
        if code == 7 and self.num_classes == 7:
            count_skip(self, 'expression 7 (Contempt) in 7-class mode', where)
            return None
        img_path = row.get('img_path') or osp.join(self.data_root, IMAGE_DIR, row['sample_id'])
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
        lines = read_text_lines(path)
        first = next(lines, None)
        found = None if first is None else tuple(f.strip() for f in first[1].split(','))
        if found is not None and found[0].startswith('#'):  # '#subDirectory_filePath,...'
            found = (found[0][1:].strip(), ) + found[1:]
        if found != HEADER:
            raise DatasetFormatError.at(path, 1 if first is None else first[0],
                                        f"the header {','.join(HEADER)} (optionally with a "
                                        "leading '#')", repr(first[1] if first else ''))
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
