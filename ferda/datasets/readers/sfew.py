"""SFEW 2.0 (Static Facial Expressions in the Wild; datasets.md §3).

Layout read, relative to ``data_root``::

    Train/<class>/*.png|jpg              # split 'train' (958 images, to confirm)
    Val/<class>/*.png|jpg                # split 'test': the test labels are private (436)
    Annotations/Bboxs/<class>/<stem>.txt # the face box x1 y1 x2 y2 (to confirm)

Class folders match case-insensitively through the synonyms table, which covers the official
names (Angry, Happy, ...) and CD-FER's; an unknown folder is an error.
"""
import os.path as osp

from ..labels import canonical_from_name
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader
from .common import check_box, count_skip, read_numbers_file, scan_class_folders

SPLIT_FOLDERS = {'train': 'Train', 'test': 'Val'}
ON_MISSING_BOX = ('error', 'full_image', 'skip')
BOX_DIR = osp.join('Annotations', 'Bboxs')


def _folder_label(folder: str) -> int:
    label = canonical_from_name(folder)
    if label >= 7:
        raise ValueError('SFEW has 7 classes, no Contempt')
    return label


class SfewReader(BaseReader):
    """Reader of SFEW 2.0.

    Args:
        data_root: folder holding ``Train/``, ``Val/`` and ``Annotations/``.
        split: ``'train'`` (Train), ``'test'`` (Val) or ``'all'``.
        on_missing_box: ``'error'`` (default) raises on an image without a box file;
            ``'full_image'`` keeps it with ``box=None``; ``'skip'`` drops it. Both are counted
            and logged.

    Records: ``sample_id`` = ``'<Train|Val>/<class>/<file>'``; ``box`` = ``(x1, y1, x2, y2)``
    floats; ``src`` = (box file, 1), or None without one.
    """
    name = 'sfew'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str, on_missing_box: str = 'error'):
        super().__init__(data_root, split)
        if on_missing_box not in ON_MISSING_BOX:
            raise ValueError(f'on_missing_box must be one of {ON_MISSING_BOX}, got '
                             f'{on_missing_box!r}')
        self.on_missing_box = on_missing_box

    def _read(self) -> list[SampleRecord]:
        records = []
        for split, folder in SPLIT_FOLDERS.items():
            if self.split not in ('all', split):
                continue
            root = osp.join(self.data_root, folder)
            for class_folder, file_name, label in scan_class_folders(self, root, _folder_label):
                img_path = osp.join(root, class_folder, file_name)
                box_path = osp.join(self.data_root, BOX_DIR, class_folder,
                                    f'{osp.splitext(file_name)[0]}.txt')
                box, src = None, None
                if osp.isfile(box_path):
                    box = check_box(read_numbers_file(box_path, 4, 'x1 y1 x2 y2'), box_path, 1)
                    src = (box_path, 1)
                elif self.on_missing_box == 'error':
                    raise DatasetFormatError.at(img_path, None, f'a box file {box_path}',
                                                "no such file (pass on_missing_box="
                                                "'full_image' or 'skip')")
                else:
                    count_skip(self, f"no box file (on_missing_box={self.on_missing_box!r})"
                               + (', kept whole' if self.on_missing_box == 'full_image' else ''))
                    if self.on_missing_box == 'skip':
                        continue
                records.append(SampleRecord(f'{folder}/{class_folder}/{file_name}', img_path,
                                            label, split, box=box, src=src))
        return records
