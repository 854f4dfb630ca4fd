"""Generic ImageFolder: ``root/<class>/<file>`` (datasets.md §3).

Labels come from an explicit folder -> canonical id map, never from ``os.listdir`` order.
Sorted indexing (the i-th folder name in sorted order gets id i) happens only when
``class_order='sorted'`` is declared. Extensions jpg, jpeg, png, bmp, tif and tiff match in any
case; hidden entries are skipped; other files and empty class folders are counted and logged.
"""
import os.path as osp
from typing import Optional, Sequence, Union

from ..labels import CANONICAL_8
from ..records import SampleRecord
from .base import BaseReader
from .common import (check_label_values, require_dir, resolve_label_map,
                     scan_class_folders, sorted_entries)

CLASS_ORDERS = (None, 'sorted')


class ImageFolderReader(BaseReader):
    """Reader of a class-per-folder image tree.

    Args:
        data_root: the folder holding one sub-folder per class.
        class_to_label: folder name -> canonical id, or the name of a ``TO_CANONICAL_*``
            table of :mod:`ferda.datasets.labels` (``'fer2013_folders'``). Required unless
            ``class_order='sorted'``.
        split: the split this tree is (``'train'``, ``'val'``, ``'test'`` or ``'all'``); every
            record gets it.
        num_classes: size of the canonical label space (6, 7 or 8).
        class_order: None, or ``'sorted'`` to give the i-th class folder (sorted by name,
            ``ignore_folders`` left out) id i, instead of ``class_to_label``.
        case_insensitive: match folder names to ``class_to_label`` ignoring case.
        ignore_folders: folder names to leave out; any other unknown folder is an error.

    Records: ``sample_id`` = ``'<class>/<file>'`` (posix), sorted; ``src`` is None.

    Example:
        >>> reader = ImageFolderReader('data/raw/fer2013/train', 'fer2013_folders')
    """
    name = 'image_folder'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, class_to_label: Optional[Union[dict, str]] = None,
                 split: str = 'all', num_classes: int = 7, class_order: Optional[str] = None,
                 case_insensitive: bool = False, ignore_folders: Sequence[str] = ()):
        super().__init__(data_root, split)
        if class_order not in CLASS_ORDERS:
            raise ValueError(f'class_order must be one of {CLASS_ORDERS}, got {class_order!r}')
        if class_to_label is None and class_order is None:
            raise ValueError("class_to_label is required (folder name -> canonical id, or a "
                             "labels table name); folder order is never guessed, declare "
                             "class_order='sorted' to index sorted folder names instead")
        if class_to_label is not None and class_order is not None:
            raise ValueError("give class_to_label or class_order='sorted', not both")
        if num_classes not in (6, 7, 8):
            raise ValueError(f'num_classes must be 6, 7 or 8, got {num_classes!r}')
        self.class_names = CANONICAL_8[:num_classes]
        self.class_to_label = None
        if class_to_label is not None:
            self.class_to_label = resolve_label_map(class_to_label, 'class_to_label')
            check_label_values(self.class_to_label, num_classes, 'class_to_label')
            if case_insensitive:
                lowered = {}
                for folder, label in self.class_to_label.items():
                    if str(folder).lower() in lowered:
                        raise ValueError(f'class_to_label has {folder!r} twice when case is '
                                         'ignored')
                    lowered[str(folder).lower()] = label
                self.class_to_label = lowered
        self.class_order = class_order
        self.case_insensitive = bool(case_insensitive)
        self.ignore_folders = tuple(ignore_folders)

    def _label_map(self) -> dict:
        if self.class_to_label is not None:
            return self.class_to_label
        require_dir(self.data_root)
        folders = [f for f in sorted_entries(self.data_root, dirs=True)
                   if f not in self.ignore_folders]
        if len(folders) > self.num_classes:
            raise ValueError(f"class_order='sorted' found {len(folders)} class folders in "
                             f'{self.data_root} for num_classes={self.num_classes}: {folders}')
        return {folder: i for i, folder in enumerate(folders)}

    def _read(self) -> list[SampleRecord]:
        mapping = self._label_map()

        def label_of(folder: str) -> int:
            key = folder.lower() if self.case_insensitive else folder
            if key not in mapping:
                raise ValueError(f'known folders: {sorted(mapping)}; list others in '
                                 'ignore_folders')
            return mapping[key]

        rows = scan_class_folders(self, self.data_root, label_of, self.ignore_folders)
        return [SampleRecord(f'{folder}/{file_name}', osp.join(self.data_root, folder,
                                                                file_name), label, self.split)
                for folder, file_name, label in rows]
