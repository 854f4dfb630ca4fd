"""Oulu-CASIA NIR&VIS facial expression sequences (docs/datasets.md §3).

``layout='folders'`` (the release): ``<light>/<intensity>/<Pxxx>/<Expression>/<frame>.jpeg``
relative to ``data_root`` (e.g. ``VL/Strong/P001/Happiness/005.jpeg``). Six classes, no Neutral
(folder names through the synonyms table; to confirm); metrics average over the present classes.
Protocol: the last 3 frames of each sequence, 10 subject-independent folds (``subject,fold``
csv). 80 subjects (to confirm).

``layout='cdfer'`` (CD-FER-Benchmark's copy; ``data_root`` is its ``Oulu-CASIA/`` folder):
``list/list.txt`` lines ``<name> <label>``, images ``images/<name>``, 5-point landmarks
``annos/landmark_5/VL_Acropped/Strong/<stem>.txt`` (used when present). Its labels are already
canonical (0 Surprise, 1 Fear, 2 Disgust, 3 Happiness, 4 Sadness, 5 Anger) and are used as they
are: only CD-FER's MMI list needs the ``cdfer_6class`` table, and applying that table here
would swap four of the six classes. Checked against the public CD-FER-Benchmark loaders
(``HCPLab-SYSU/CD-FER-Benchmark``, ``*/Utils.py``: the Oulu-CASIA list's column 1 is appended
unmapped, while MMI's goes through ``MMItoLabel``). Records of this layout have split ``'all'``
(CD-FER uses the whole list).
"""
import os.path as osp
from typing import Optional

import numpy as np

from ..labels import TO_CANONICAL_OULU_CASIA, canonical_from_name
from ..records import DatasetFormatError, SampleRecord
from ..subject_splits import SubjectSplit
from .base import BaseReader, read_text_lines
from .common import image_files, parse_int, read_numbers_file, sorted_entries

LIGHTS = ('VL', 'NI')
INTENSITIES = ('Strong', 'Weak', 'Dark')
FRAME_MODES = ('last3', 'last1', 'all')
LAYOUTS = ('folders', 'cdfer')
CDFER_LIST = osp.join('list', 'list.txt')
CDFER_LANDMARKS = osp.join('annos', 'landmark_5', 'VL_Acropped', 'Strong')
PRESENT_LABELS = frozenset(TO_CANONICAL_OULU_CASIA.values())


class OuluCasiaReader(BaseReader):
    """Reader of Oulu-CASIA.

    Args:
        data_root: folder holding ``VL/`` and ``NI/``.
        split: ``'all'``, or ``'train'``/``'test'`` with ``fold_file`` and ``fold``.
        light: ``'VL'`` (visible light) or ``'NI'`` (near infrared).
        intensity: ``'Strong'``, ``'Weak'`` or ``'Dark'`` illumination.
        frames: ``'last3'`` (protocol), ``'last1'`` or ``'all'`` frames of each sequence,
            ordered by frame number.
        fold_file: the ``subject,fold`` csv, or None.
        fold: the test fold.
        layout: ``'folders'`` (the release) or ``'cdfer'`` (CD-FER's list, split ``'all'``
            only; ``light``, ``intensity``, ``frames`` and folds do not apply).

    Records: ``sample_id`` = ``'<Pxxx>/<Expression>/<frame stem>'``; ``extras`` =
    ``{'subject', 'frame'}`` (frame number as int). CD-FER layout: ``sample_id`` = the listed
    name, ``landmarks`` (5, 2) where present, ``src`` = (list, line).
    """
    name = 'oulu_casia'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str = 'all', light: str = 'VL',
                 intensity: str = 'Strong', frames: str = 'last3',
                 fold_file: Optional[str] = None, fold: Optional[int] = None,
                 layout: str = 'folders'):
        super().__init__(data_root, split)
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
        if layout == 'cdfer' and (split != 'all' or fold_file is not None):
            raise ValueError("layout='cdfer' reads CD-FER's whole list: split must be 'all' "
                             'and fold_file None')
        self.layout = layout
        if light not in LIGHTS:
            raise ValueError(f'light must be one of {LIGHTS}, got {light!r}')
        if intensity not in INTENSITIES:
            raise ValueError(f'intensity must be one of {INTENSITIES}, got {intensity!r}')
        if frames not in FRAME_MODES:
            raise ValueError(f'frames must be one of {FRAME_MODES}, got {frames!r}')
        self.light, self.intensity, self.frames = light, intensity, frames
        self.folds = SubjectSplit(fold_file, 'fold', fold, split, 'Oulu-CASIA')

    def _read(self) -> list[SampleRecord]:
        if self.layout == 'cdfer':
            return self._read_cdfer()
        root = osp.join(self.data_root, self.light, self.intensity)
        records = []
        for subject in sorted_entries(root, dirs=True):
            for expression in sorted_entries(osp.join(root, subject), dirs=True):
                folder = osp.join(root, subject, expression)
                try:
                    label = canonical_from_name(expression)
                except ValueError:
                    label = None
                if label not in PRESENT_LABELS:
                    raise DatasetFormatError.at(folder, None, f'an expression folder in '
                                                f'{sorted(TO_CANONICAL_OULU_CASIA)}',
                                                repr(expression))
                split = self.folds.split_of(subject, folder)
                if self.split != 'all' and split != self.split:
                    continue
                frames = []
                for name in image_files(self, folder, ('.jpeg', '.jpg')):
                    stem = osp.splitext(name)[0]
                    if not stem.isdigit():
                        raise DatasetFormatError.at(osp.join(folder, name), None,
                                                    'a numbered frame such as 005.jpeg',
                                                    repr(name))
                    frames.append((int(stem), name))
                frames.sort()
                if self.frames != 'all':
                    frames = frames[-(3 if self.frames == 'last3' else 1):]
                for number, name in frames:
                    records.append(SampleRecord(
                        f'{subject}/{expression}/{osp.splitext(name)[0]}',
                        osp.join(folder, name), label, split,
                        extras=dict(subject=subject, frame=number)))
        return records

    def _read_cdfer(self) -> list[SampleRecord]:
        path = osp.join(self.data_root, CDFER_LIST)
        allowed = sorted(PRESENT_LABELS)
        records, first_line = [], {}
        for lineno, line in read_text_lines(path):
            fields = line.split()
            if len(fields) != 2:
                raise DatasetFormatError.at(path, lineno, "2 fields 'name label'",
                                            f'{len(fields)} in {line!r}')
            name, text = fields
            label = parse_int(text, path, lineno, 'label')
            if label not in PRESENT_LABELS:
                raise DatasetFormatError.at(path, lineno, f'a label in {allowed} (canonical: '
                                            '0 Surprise ... 5 Anger)', repr(text))
            if name in first_line:
                raise DatasetFormatError.at(path, lineno, 'each image once', f'{name!r} again '
                                            f'(first at line {first_line[name]})')
            first_line[name] = lineno
            img_path = osp.join(self.data_root, 'images', name)
            if not self._image_exists(img_path, path, lineno):
                continue
            lmk_path = osp.join(self.data_root, CDFER_LANDMARKS, osp.splitext(name)[0] + '.txt')
            points = None
            if osp.isfile(lmk_path):
                points = np.array(read_numbers_file(lmk_path, 10, '(5 points x y)'),
                                  np.float64).reshape(5, 2)
            records.append(SampleRecord(name, img_path, label, 'all', landmarks=points,
                                        src=(path, lineno)))
        return records
