"""Helpers the folder-based and box/landmark readers share: image listing, class folders,
number files, label tables and skip counting. No reader lives here.
"""
import os
import os.path as osp
from typing import Callable, Iterable, Optional, Union

import numpy as np

from .. import labels as label_tables
from ..records import DatasetFormatError
from .base import read_text_lines

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def count_skip(reader, reason: str, example: Optional[str] = None) -> None:
    """Count one skipped record under ``reason``; :meth:`BaseReader.load` logs the counts.

    ``example`` names what was skipped (``'file:line name'`` or a path); every example is kept
    in ``reader.skip_examples[reason]`` so the prepare report can name the skipped files.
    """
    reader.num_skipped[reason] = reader.num_skipped.get(reason, 0) + 1
    if example is not None:
        examples = reader.__dict__.setdefault('skip_examples', {})
        examples.setdefault(reason, []).append(str(example))


def is_hidden(name: str) -> bool:
    """Hidden entries (``.DS_Store``, ``._a.jpg``, ``.ipynb_checkpoints``) are never data."""
    return name.startswith('.')


def is_image_name(name: str, extensions: Iterable[str] = IMAGE_EXTENSIONS) -> bool:
    """Whether ``name`` ends with one of ``extensions``, in any case."""
    return osp.splitext(name)[1].lower() in tuple(extensions)


def require_dir(path: str) -> None:
    """Raise :class:`DatasetFormatError` naming ``path`` when it is not a folder."""
    if not osp.isdir(path):
        raise DatasetFormatError.at(path, None, 'a dataset folder', 'no such folder')


def sorted_entries(folder: str, dirs: bool) -> list[str]:
    """Non-hidden sub-folders (``dirs=True``) or files of ``folder``, sorted by name.

    Sorting makes the result independent of ``os.listdir`` order.
    """
    require_dir(folder)
    out = []
    for name in os.listdir(folder):
        if is_hidden(name):
            continue
        if osp.isdir(osp.join(folder, name)) == dirs:
            out.append(name)
    return sorted(out)


def image_files(reader, folder: str, extensions: Iterable[str] = IMAGE_EXTENSIONS) -> list[str]:
    """Sorted image file names of ``folder``; other non-hidden files are counted as skips."""
    names = []
    for name in sorted_entries(folder, dirs=False):
        if is_image_name(name, extensions):
            names.append(name)
        else:
            count_skip(reader, f'not an image file (extension not in {tuple(extensions)})',
                       osp.join(folder, name))
    return names


def scan_class_folders(reader, root: str, label_of: Callable[[str], Optional[int]],
                       ignore_folders: Iterable[str] = (), warn_empty: bool = True
                       ) -> list[tuple[str, str, int]]:
    """Walk ``root/<class>/<file>`` and return ``(class folder, file name, label)`` rows.

    Args:
        reader: the reader whose ``num_skipped`` counts non-image files.
        root: the folder holding one sub-folder per class.
        label_of: folder name -> canonical id; it raises ``ValueError`` for an unknown name.
        ignore_folders: folder names to leave out without error.
        warn_empty: count an empty class folder (logged as a warning by ``load``).

    Returns:
        rows sorted by (folder, file name).

    Raises:
        DatasetFormatError: on an unknown class folder, naming it and the allowed names.
    """
    ignore = set(ignore_folders)
    rows = []
    for folder in sorted_entries(root, dirs=True):
        if folder in ignore:
            continue
        try:
            label = label_of(folder)
        except ValueError as err:
            raise DatasetFormatError.at(osp.join(root, folder), None, 'a known class folder',
                                        f'{folder!r} ({err})') from None
        names = image_files(reader, osp.join(root, folder))
        if not names and warn_empty:
            count_skip(reader, 'empty class folder (warning only, nothing dropped)',
                       osp.join(root, folder))
        rows.extend((folder, name, label) for name in names)
    return rows


def read_numbers_file(path: str, count: int, what: str) -> tuple[float, ...]:
    """The ``count`` whitespace-separated numbers of a small text file (box, landmarks).

    Raises:
        DatasetFormatError: if the file is missing, holds another count, or a non-number.
    """
    lines = list(read_text_lines(path))
    tokens = [tok for _, line in lines for tok in line.replace(',', ' ').split()]
    first = lines[0][0] if lines else None
    if len(tokens) != count:
        raise DatasetFormatError.at(path, first, f'{count} numbers {what}', f'{len(tokens)}')
    try:
        return tuple(float(tok) for tok in tokens)
    except ValueError:
        raise DatasetFormatError.at(path, first, f'{count} numbers {what}',
                                    repr(' '.join(tokens))) from None


def parse_number(text: str, path: str, line: int, what: str) -> Union[int, float]:
    """``int(text)`` when it is an integer literal, else ``float(text)``; an error otherwise."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise DatasetFormatError.at(path, line, f'a number for {what}', repr(text)) from None
    if not np.isfinite(value):
        raise DatasetFormatError.at(path, line, f'a finite number for {what}', repr(text))
    return value


def parse_int(text: str, path: str, line: int, what: str) -> int:
    """``int(text)``; ``'3.0'`` and other non-integers are an error naming ``path:line``."""
    try:
        return int(text)
    except ValueError:
        raise DatasetFormatError.at(path, line, f'an integer {what}', repr(text)) from None


def check_box(box: tuple, path: str, line: Optional[int]) -> tuple:
    """Check ``x1 < x2`` and ``y1 < y2`` and return the box."""
    x1, y1, x2, y2 = box
    if not (x1 < x2 and y1 < y2):
        raise DatasetFormatError.at(path, line, 'a box x1 y1 x2 y2 with x1 < x2 and y1 < y2',
                                    repr(tuple(box)))
    return tuple(box)


def resolve_label_map(label_map, argument: str = 'label_map') -> dict:
    """A label map given as a dict, or as the name of a ``TO_CANONICAL_*`` table of
    :mod:`ferda.datasets.labels` (``'cdfer_6class'``)."""
    if isinstance(label_map, str):
        return label_tables.label_table(label_map)
    if not isinstance(label_map, dict):
        raise TypeError(f'{argument} must be a dict or the name of a labels table, got '
                        f'{type(label_map).__name__}: {label_map!r}')
    return dict(label_map)


def check_label_values(mapping: dict, num_classes: int, argument: str) -> None:
    """Every mapped value must be a canonical id below ``num_classes``."""
    bad = {k: v for k, v in mapping.items()
           if not isinstance(v, (int, np.integer)) or not 0 <= v < num_classes}
    if bad:
        raise ValueError(f'{argument} values must be canonical ids in 0..{num_classes - 1}, '
                         f'got {bad}')


__all__ = [
    'IMAGE_EXTENSIONS', 'count_skip', 'is_hidden', 'is_image_name', 'require_dir',
    'sorted_entries', 'image_files', 'scan_class_folders', 'read_numbers_file', 'parse_number',
    'parse_int', 'check_box', 'resolve_label_map', 'check_label_values'
]
