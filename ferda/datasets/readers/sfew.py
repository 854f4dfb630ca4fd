"""SFEW 2.0 (Static Facial Expressions in the Wild; docs/datasets.md §3), in both layouts.

``layout='official'`` (the release as unpacked; already aligned faces, no boxes)::

    Train/Train_Aligned_Faces/<class>/*.png   # split 'train' (958 images, to confirm)
    Val/Val_Aligned_Faces/<class>/*.png       # split 'test': the test labels are private (436)

``layout='cdfer'`` (CD-FER-Benchmark's copy; ``data_root`` may be the folder holding ``SFEW/``
or ``SFEW/`` itself)::

    SFEW/Train/imgs/<class>/*.png|jpg                     # split 'train'
    SFEW/Train/Annotations/Bboxs/<class>/<stem>.txt       # the face box x1 y1 x2 y2
    SFEW/Train/Annotations/Landmarks_5/<class>/<stem>.txt # 5 points, used when present
    SFEW/Val/...                                          # split 'test', the same sub-folders

``layout='auto'`` (default) picks the one whose folders exist. Class folders match
case-insensitively through the synonyms table (official names Angry, Happy, ...; CD-FER's
Surprise, Fear, Disgust, Happy, Sad, Angry, Neutral); an unknown folder is an error.

Checked against the SFEW 2.0 release description (EmotiW: ``Train_Aligned_Faces``,
``Val_Aligned_Faces`` per expression) and the public CD-FER-Benchmark loaders
(``HCPLab-SYSU/CD-FER-Benchmark``, ``*/Utils.py``: ``SFEW/Train/Annotations/Bboxs/<expr>/``,
``Landmarks_5/<expr>/``, ``SFEW/Train/imgs/<expr>/<stem>.png|jpg``).
"""
import os.path as osp

import numpy as np

from ..labels import canonical_from_name
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader
from .common import check_box, count_skip, read_numbers_file, scan_class_folders

SPLIT_FOLDERS = {'train': 'Train', 'test': 'Val'}
ON_MISSING_BOX = ('error', 'full_image', 'skip')
LAYOUTS = ('auto', 'official', 'cdfer')


def _folder_label(folder: str) -> int:
    label = canonical_from_name(folder)
    if label >= 7:
        raise ValueError('SFEW has 7 classes, no Contempt')
    return label


def _official_dir(root: str, folder: str) -> str:
    return osp.join(root, folder, f'{folder}_Aligned_Faces')


class SfewReader(BaseReader):
    """Reader of SFEW 2.0.

    Args:
        data_root: the unpacked release (holding ``Train/`` and ``Val/``), or CD-FER's copy.
        split: ``'train'`` (Train), ``'test'`` (Val) or ``'all'``.
        layout: ``'auto'``, ``'official'`` or ``'cdfer'`` (see the module docstring).
        on_missing_box: CD-FER layout only. ``'error'`` (default) raises on an image without a
            box file; ``'full_image'`` keeps it with ``box=None``; ``'skip'`` drops it. Both are
            counted and named in ``skip_examples``.

    Records: ``sample_id`` = ``'<Train|Val>/<class>/<file>'``; ``box`` = ``(x1, y1, x2, y2)``
    floats (CD-FER) or None (official: aligned faces); ``landmarks`` = ``(5, 2)`` where CD-FER
    ships ``Landmarks_5``; ``src`` = (box file, 1), or None without one.
    """
    name = 'sfew'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str, on_missing_box: str = 'error',
                 layout: str = 'auto'):
        super().__init__(data_root, split)
        if on_missing_box not in ON_MISSING_BOX:
            raise ValueError(f'on_missing_box must be one of {ON_MISSING_BOX}, got '
                             f'{on_missing_box!r}')
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
        self.on_missing_box = on_missing_box
        self.layout = layout

    def _resolve(self) -> tuple[str, str]:
        """``(layout, root)``: the layout and the folder holding ``Train/`` and ``Val/``."""
        candidates = []
        if self.layout in ('auto', 'official'):
            candidates.append(('official', self.data_root))
        if self.layout in ('auto', 'cdfer'):
            candidates += [('cdfer', osp.join(self.data_root, 'SFEW')), ('cdfer', self.data_root)]
        for layout, root in candidates:
            probe = (_official_dir if layout == 'official' else
                     lambda r, f: osp.join(r, f, 'imgs'))
            if any(osp.isdir(probe(root, f)) for f in SPLIT_FOLDERS.values()):
                return layout, root
        raise DatasetFormatError.at(
            self.data_root, None, 'SFEW 2.0 as unpacked: Train/Train_Aligned_Faces/ or '
            'Val/Val_Aligned_Faces/ (official), or [SFEW/]{Train,Val}/imgs/ (CD-FER copy)',
            'none of them')

    def _read(self) -> list[SampleRecord]:
        layout, root = self._resolve()
        records = []
        for split, folder in SPLIT_FOLDERS.items():
            if self.split not in ('all', split):
                continue
            image_root = (_official_dir(root, folder) if layout == 'official'
                          else osp.join(root, folder, 'imgs'))
            if not osp.isdir(image_root):
                continue  # a copy holding one split only; zero records overall is an error
            for class_folder, file_name, label in scan_class_folders(self, image_root,
                                                                     _folder_label):
                img_path = osp.join(image_root, class_folder, file_name)
                box, points, src = None, None, None
                if layout == 'cdfer':
                    stem = osp.splitext(file_name)[0]
                    ann = osp.join(root, folder, 'Annotations')
                    box_path = osp.join(ann, 'Bboxs', class_folder, f'{stem}.txt')
                    if osp.isfile(box_path):
                        box = check_box(read_numbers_file(box_path, 4, 'x1 y1 x2 y2'),
                                        box_path, 1)
                        src = (box_path, 1)
                    elif self.on_missing_box == 'error':
                        raise DatasetFormatError.at(img_path, None, f'a box file {box_path}',
                                                    "no such file (pass on_missing_box="
                                                    "'full_image' or 'skip')")
                    else:
                        count_skip(self, f'no box file (on_missing_box={self.on_missing_box!r})'
                                   + (', kept whole' if self.on_missing_box == 'full_image'
                                      else ''), img_path)
                        if self.on_missing_box == 'skip':
                            continue
                    lmk_path = osp.join(ann, 'Landmarks_5', class_folder, f'{stem}.txt')
                    if osp.isfile(lmk_path):
                        points = np.array(read_numbers_file(lmk_path, 10, '(5 points x y)'),
                                          np.float64).reshape(5, 2)
                records.append(SampleRecord(f'{folder}/{class_folder}/{file_name}', img_path,
                                            label, split, box=box, landmarks=points, src=src))
        return records
