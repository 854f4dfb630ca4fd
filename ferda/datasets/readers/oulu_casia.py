"""Oulu-CASIA NIR&VIS facial expression sequences (datasets.md §3).

Files: ``<light>/<intensity>/<Pxxx>/<Expression>/<frame>.jpeg`` relative to ``data_root``
(e.g. ``VL/Strong/P001/Happiness/005.jpeg``). Six classes, no Neutral (folder names through the
synonyms table; to confirm); metrics average over the present classes. Protocol: the last 3
frames of each sequence, 10 subject-independent folds (``subject,fold`` csv). 80 subjects (to
confirm). CD-FER's ``Oulu-CASIA/list/list.txt`` goes through :class:`ListFileReader` with
``label_map='cdfer_6class'`` instead.
"""
import os.path as osp
from typing import Optional

from ..labels import TO_CANONICAL_OULU_CASIA, canonical_from_name
from ..records import DatasetFormatError, SampleRecord
from ..subject_splits import SubjectSplit
from .base import BaseReader
from .common import image_files, sorted_entries

LIGHTS = ('VL', 'NI')
INTENSITIES = ('Strong', 'Weak', 'Dark')
FRAME_MODES = ('last3', 'last1', 'all')
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

    Records: ``sample_id`` = ``'<Pxxx>/<Expression>/<frame stem>'``; ``extras`` =
    ``{'subject', 'frame'}`` (frame number as int).
    """
    name = 'oulu_casia'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str = 'all', light: str = 'VL',
                 intensity: str = 'Strong', frames: str = 'last3',
                 fold_file: Optional[str] = None, fold: Optional[int] = None):
        super().__init__(data_root, split)
        if light not in LIGHTS:
            raise ValueError(f'light must be one of {LIGHTS}, got {light!r}')
        if intensity not in INTENSITIES:
            raise ValueError(f'intensity must be one of {INTENSITIES}, got {intensity!r}')
        if frames not in FRAME_MODES:
            raise ValueError(f'frames must be one of {FRAME_MODES}, got {frames!r}')
        self.light, self.intensity, self.frames = light, intensity, frames
        self.folds = SubjectSplit(fold_file, 'fold', fold, split, 'Oulu-CASIA')

    def _read(self) -> list[SampleRecord]:
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
