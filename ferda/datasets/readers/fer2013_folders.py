"""FER2013, folder release (datasets.md §3).

Layout read, relative to ``data_root``::

    train/<class>/*.jpg    # 28,709 images (to confirm)
    test/<class>/*.jpg     # 7,178 images: PublicTest + PrivateTest (to confirm)

Class folders are ``angry disgust fear happy neutral sad surprise``; any other folder is an
error. Images are 48x48 grey JPEGs; prepare turns them into RGB.
"""
import os.path as osp

from ..labels import TO_CANONICAL_FER2013_FOLDERS
from ..records import SampleRecord
from .base import BaseReader
from .common import scan_class_folders

SPLIT_FOLDERS = {'train': 'train', 'test': 'test'}


def _folder_label(folder: str) -> int:
    if folder not in TO_CANONICAL_FER2013_FOLDERS:
        raise ValueError(f'class folders are {sorted(TO_CANONICAL_FER2013_FOLDERS)}')
    return TO_CANONICAL_FER2013_FOLDERS[folder]


class Fer2013FolderReader(BaseReader):
    """Reader of the FER2013 folder release.

    Args:
        data_root: folder holding ``train/`` and ``test/``.
        split: ``'train'``, ``'test'`` or ``'all'``.

    Records: ``sample_id`` = ``'<split folder>/<class>/<file>'`` (posix); ``src`` is None
    (no annotation file); hidden files are ignored, other non-image files counted as skips.
    """
    name = 'fer2013_folders'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str):
        super().__init__(data_root, split)

    def _read(self) -> list[SampleRecord]:
        records = []
        for split, folder in SPLIT_FOLDERS.items():
            if self.split not in ('all', split):
                continue
            root = osp.join(self.data_root, folder)
            for class_folder, file_name, label in scan_class_folders(self, root, _folder_label):
                records.append(SampleRecord(f'{folder}/{class_folder}/{file_name}',
                                            osp.join(root, class_folder, file_name), label,
                                            split))
        return records
