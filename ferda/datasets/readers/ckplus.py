"""CK+ (Extended Cohn-Kanade), official or CD-FER layout (datasets.md §3).

``layout='official'``, relative to ``data_root``::

    cohn-kanade-images/S005/001/S005_001_00000011.png    # frames of one sequence
    Emotion/S005/001/S005_001_00000011_emotion.txt       # one float code, names the peak frame

Only sequences with an emotion file are labelled (327 of 593, to confirm). ``frames='last3'``
takes the peak and the two frames before it; ``neutral='first'`` adds the first frame of each
*kept* sequence as Neutral. Folds: 10 subject-independent folds in
``splits/ckplus_folds10_seed{S}.csv`` (:mod:`ferda.datasets.subject_splits`).

``layout='cdfer'``: ``CK+_Emotion/Train/CK+_Train_crop/<class>/`` (split 'train') and
``CK+_Emotion/Val/CK+_Val_crop/<class>/`` (split 'test'), classes by folder name through the
synonyms table (Surprised, Fear, Disgust, Happy, Sad, Anger, Neutral). Next to the class folders
each crop folder holds ``landmark_5/<class>/<stem>.txt`` (5 ``x y`` lines): those become the
record's landmarks (for ``crop='landmarks5'``); ``landmark_5`` is not a class. An image without
a landmark file is kept without landmarks and counted. Checked against the public
CD-FER-Benchmark loaders (``HCPLab-SYSU/CD-FER-Benchmark``, ``*/Utils.py``: the seven expression
folders listed by name and ``CK+_Train_crop/landmark_5/<expr>/<stem>.txt`` read with
``np.loadtxt``).
"""
import os.path as osp
import re
from typing import Optional

import numpy as np

from ..labels import CANONICAL_7, CANONICAL_8, TO_CANONICAL_CKPLUS, canonical_from_name
from ..records import DatasetFormatError, SampleRecord
from ..subject_splits import SubjectSplit
from .base import BaseReader, read_text_lines
from .common import (count_skip, image_files, read_numbers_file, scan_class_folders,
                     sorted_entries)

LAYOUTS = ('official', 'cdfer')
FRAME_MODES = ('last3', 'peak')
NEUTRAL_MODES = ('first', None)
FRAME_PATTERN = re.compile(r'^(S\d+)_(\d+)_(\d+)\.png$')
NEUTRAL = 6
CONTEMPT = 7
CDFER_LANDMARK_DIR = 'landmark_5'
CDFER_FOLDERS = {'train': osp.join('CK+_Emotion', 'Train', 'CK+_Train_crop'),
                 'test': osp.join('CK+_Emotion', 'Val', 'CK+_Val_crop')}


class CkPlusReader(BaseReader):
    """Reader of CK+.

    Args:
        data_root: folder holding ``cohn-kanade-images/`` and ``Emotion/`` (official) or
            ``CK+_Emotion/`` (cdfer).
        split: ``'train'``, ``'test'`` or ``'all'``. Official layout: train/test need
            ``fold_file`` and ``fold`` (subjects of ``fold`` are test). CD-FER layout: its
            Train and Val folders.
        layout: ``'official'`` or ``'cdfer'``.
        frames: ``'last3'`` (peak and the two frames before it) or ``'peak'``.
        neutral: ``'first'`` adds the first frame of each kept sequence as Neutral; None
            adds nothing.
        num_classes: 7 (Contempt sequences skipped and counted) or 8.
        fold_file: the ``subject,fold`` csv (official layout), or None.
        fold: the test fold of ``fold_file``.

    Records: ``sample_id`` = the frame stem (``S005_001_00000011``; cdfer:
    ``'<split folder>/<class>/<file>'``); official ``extras`` = ``{'subject', 'sequence',
    'frame'}`` (frame number as int); ``src`` = (emotion file, 1).
    """
    name = 'ckplus'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str, layout: str = 'official',
                 frames: str = 'last3', neutral: Optional[str] = 'first', num_classes: int = 7,
                 fold_file: Optional[str] = None, fold: Optional[int] = None):
        super().__init__(data_root, split)
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
        if frames not in FRAME_MODES:
            raise ValueError(f'frames must be one of {FRAME_MODES}, got {frames!r}')
        if neutral not in NEUTRAL_MODES:
            raise ValueError(f'neutral must be one of {NEUTRAL_MODES}, got {neutral!r}')
        if num_classes not in (7, 8):
            raise ValueError(f'num_classes must be 7 or 8, got {num_classes!r}')
        if layout == 'cdfer' and fold_file is not None:
            raise ValueError("fold_file applies to layout='official'; the cdfer layout has "
                             'its own Train/Val folders')
        self.layout = layout
        self.frames = frames
        self.neutral = neutral
        self.class_names = CANONICAL_7 if num_classes == 7 else CANONICAL_8
        self.folds = (SubjectSplit(fold_file, 'fold', fold, split, 'CK+')
                      if layout == 'official' else None)

    def _read(self) -> list[SampleRecord]:
        return self._read_official() if self.layout == 'official' else self._read_cdfer()

    def _read_official(self) -> list[SampleRecord]:
        emotion_root = osp.join(self.data_root, 'Emotion')
        records = []
        for subject in sorted_entries(emotion_root, dirs=True):
            for sequence in sorted_entries(osp.join(emotion_root, subject), dirs=True):
                folder = osp.join(emotion_root, subject, sequence)
                for name in sorted_entries(folder, dirs=False):
                    if name.endswith('_emotion.txt'):
                        records.extend(self._sequence(osp.join(folder, name), subject,
                                                      sequence))
        return records

    def _read_code(self, path: str) -> int:
        lines = list(read_text_lines(path))
        if len(lines) != 1 or len(lines[0][1].split()) != 1:
            raise DatasetFormatError.at(path, lines[0][0] if lines else None,
                                        'one emotion code', repr(' | '.join(l for _, l in lines)))
        lineno, text = lines[0]
        try:
            value = float(text)
        except ValueError:
            raise DatasetFormatError.at(path, lineno, 'an emotion code such as '
                                        '3.0000000e+00', repr(text)) from None
        if value != int(value) or int(value) not in TO_CANONICAL_CKPLUS:
            raise DatasetFormatError.at(path, lineno, f'an integer emotion code in '
                                        f'{sorted(TO_CANONICAL_CKPLUS)}', repr(text))
        return int(value)

    def _sequence(self, emotion_path: str, subject: str, sequence: str) -> list[SampleRecord]:
        code = self._read_code(emotion_path)
        label = TO_CANONICAL_CKPLUS[code]
        if label == CONTEMPT and self.num_classes == 7:
            count_skip(self, 'Contempt sequence in 7-class mode', emotion_path)
            return []
        split = self.folds.split_of(subject, emotion_path)
        if self.split != 'all' and split != self.split:
            return []
        frame_dir = osp.join(self.data_root, 'cohn-kanade-images', subject, sequence)
        if not osp.isdir(frame_dir):
            raise DatasetFormatError.at(emotion_path, 1, f'a frame folder {frame_dir}',
                                        'no such folder')
        frames = []  # (frame number, file name), sorted by number
        for name in image_files(self, frame_dir, ('.png', )):
            match = FRAME_PATTERN.match(name)
            if not match or (match.group(1), match.group(2)) != (subject, sequence):
                raise DatasetFormatError.at(osp.join(frame_dir, name), None,
                                            f'a frame name {subject}_{sequence}_<number>.png',
                                            repr(name))
            frames.append((int(match.group(3)), name))
        frames.sort()
        peak_name = osp.basename(emotion_path)[:-len('_emotion.txt')] + '.png'
        names = [name for _, name in frames]
        if peak_name not in names:
            raise DatasetFormatError.at(emotion_path, 1, f'the peak frame {peak_name} in '
                                        f'{frame_dir}', 'no such frame')
        peak = names.index(peak_name)
        chosen = [(i, label) for i in range(max(0, peak - 2) if self.frames == 'last3'
                                             else peak, peak + 1)]
        if self.neutral == 'first' and all(i != 0 for i, _ in chosen):
            chosen.insert(0, (0, NEUTRAL))
        return [SampleRecord(osp.splitext(names[i])[0], osp.join(frame_dir, names[i]), lab,
                             split, extras=dict(subject=subject, sequence=sequence,
                                                frame=frames[i][0]),
                             src=(emotion_path, 1)) for i, lab in chosen]

    def _read_cdfer(self) -> list[SampleRecord]:
        def label_of(folder: str) -> int:
            label = canonical_from_name(folder)
            if label >= self.num_classes:
                raise ValueError(f'{self.class_names[-1]} is the last class for '
                                 f'num_classes={self.num_classes}')
            return label

        records = []
        for split, folder in CDFER_FOLDERS.items():
            if self.split not in ('all', split):
                continue
            root = osp.join(self.data_root, folder)
            for class_folder, file_name, label in scan_class_folders(
                    self, root, label_of, ignore_folders=(CDFER_LANDMARK_DIR, )):
                img_path = osp.join(root, class_folder, file_name)
                lmk_path = osp.join(root, CDFER_LANDMARK_DIR, class_folder,
                                    f'{osp.splitext(file_name)[0]}.txt')
                points, src = None, None
                if osp.isfile(lmk_path):
                    points = np.array(read_numbers_file(lmk_path, 10, '(5 points x y)'),
                                      np.float64).reshape(5, 2)
                    src = (lmk_path, 1)
                else:
                    count_skip(self, f'no {CDFER_LANDMARK_DIR} file (kept without landmarks)',
                               img_path)
                records.append(SampleRecord(f'{split}/{class_folder}/{file_name}', img_path,
                                            label, split, landmarks=points, src=src))
        return records
