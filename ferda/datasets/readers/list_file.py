"""Generic list file: ``path label [extra ...]`` per line (datasets.md §3), or with named
views ``path_1 ... path_V label [extra ...]`` (e.g. an RGB and a depth image per sample).

Columns are separated by whitespace (``sep=None``), ``'\\t'`` or ``','``; paths with spaces
need tab or comma. An optional header line (``has_header=True``) is skipped; lines starting with
``#`` are comments; blank lines, CRLF and a BOM are tolerated. Labels are integers mapped by
``label_map`` (a dict or a labels table name such as ``'cdfer_6class'``) or, with
``labels_are_canonical=True``, taken as canonical ids. Paths are relative to ``data_root``; an
absolute path is an error unless ``path_rewrite`` or ``keep_last_components`` makes it relative.
"""
import os
import os.path as osp
from typing import Optional, Sequence, Union

from ..labels import CANONICAL_8
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_text_lines
from .common import check_label_values, parse_int, resolve_label_map

SEPARATORS = (None, '\t', ',')
COLUMN_TYPES = {'float': float, 'int': int, 'str': str}


def _column_type(kind) -> type:
    if isinstance(kind, str) and kind in COLUMN_TYPES:
        return COLUMN_TYPES[kind]
    if kind in COLUMN_TYPES.values():
        return kind
    raise ValueError(f"extra_columns types must be float, int or str (or their names), got "
                     f'{kind!r}')


class ListFileReader(BaseReader):
    """Reader of a ``path label [extra ...]`` list.

    Args:
        data_root: root the listed paths are relative to.
        list_file: the list; a relative path is taken from ``data_root``.
        num_classes: size of the canonical label space (6, 7 or 8).
        split: the split this list is; every record gets it.
        label_map: native code -> canonical id, or a labels table name.
        labels_are_canonical: the codes are canonical ids already (instead of ``label_map``).
        sep: None (whitespace), ``'\\t'`` or ``','``.
        has_header: skip the first non-comment line.
        extra_columns: ``[(name, type), ...]`` after the label, stored in ``extras``; every
            line must have exactly ``2 + len(extra_columns)`` columns.
        path_rewrite: ``{old prefix: new prefix}`` applied to absolute paths.
        keep_last_components: keep only the last k components of absolute paths.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).
        views: names of V image columns that come first on each line instead of one path,
            e.g. ``('rgb', 'depth')``; each path is rewritten and checked like a single one.

    Records: ``sample_id`` = the (rewritten) relative path, posix (of the first view); with
    ``views``, ``views`` = ``{name: path}`` and ``img_path`` the first view's; ``src`` =
    (list, line).

    Example:
        >>> reader = ListFileReader('data/raw/MMI/images', '../list/list.txt', num_classes=6,
        ...                         label_map='cdfer_6class')  # MMI only: Oulu-CASIA's list
        ...                                                   # is canonical already
    """
    name = 'list_file'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, list_file: str, num_classes: int, split: str = 'all',
                 label_map: Optional[Union[dict, str]] = None, labels_are_canonical: bool = False,
                 sep: Optional[str] = None, has_header: bool = False,
                 extra_columns: Sequence = (), path_rewrite: Optional[dict] = None,
                 keep_last_components: Optional[int] = None, on_missing_image: str = 'error',
                 views: Sequence[str] = ()):
        super().__init__(data_root, split, on_missing_image)
        if len(set(views)) != len(views) or not all(isinstance(v, str) and v for v in views):
            raise ValueError(f'views must be distinct non-empty names, got {tuple(views)!r}')
        self.views = tuple(views)
        if num_classes not in (6, 7, 8):
            raise ValueError(f'num_classes must be 6, 7 or 8, got {num_classes!r}')
        if (label_map is None) == (not labels_are_canonical):
            raise ValueError('give exactly one of label_map (native code -> canonical id, or '
                             'a labels table name) and labels_are_canonical=True; got '
                             f'label_map={label_map!r}, labels_are_canonical='
                             f'{labels_are_canonical!r}')
        if sep not in SEPARATORS:
            raise ValueError(f'sep must be one of {SEPARATORS}, got {sep!r}')
        if path_rewrite is not None and keep_last_components is not None:
            raise ValueError('give path_rewrite or keep_last_components, not both')
        if keep_last_components is not None and (not isinstance(keep_last_components, int)
                                                 or keep_last_components < 1):
            raise ValueError(f'keep_last_components must be an int >= 1, got '
                             f'{keep_last_components!r}')
        self.class_names = CANONICAL_8[:num_classes]
        if labels_are_canonical:
            self.label_map = {i: i for i in range(num_classes)}
        else:
            self.label_map = resolve_label_map(label_map)
            check_label_values(self.label_map, num_classes, 'label_map')
        self.list_file = osp.join(self.data_root, os.fspath(list_file))
        self.sep = sep
        self.has_header = bool(has_header)
        self.extra_columns = tuple((str(name), _column_type(kind)) for name, kind in extra_columns)
        self.path_rewrite = dict(path_rewrite or {})
        self.keep_last_components = keep_last_components

    def _relative(self, listed: str, path: str, lineno: int) -> str:
        rel = listed
        for old, new in self.path_rewrite.items():
            if rel.startswith(old):
                rel = new + rel[len(old):]
                break
        if self.keep_last_components is not None and osp.isabs(rel):
            parts = [p for p in rel.replace('\\', '/').split('/') if p]
            rel = '/'.join(parts[-self.keep_last_components:])
        if osp.isabs(rel):
            raise DatasetFormatError.at(path, lineno, 'a path relative to data_root (or pass '
                                        'path_rewrite or keep_last_components)', repr(listed))
        return rel.replace('\\', '/')

    def _read(self) -> list[SampleRecord]:
        path = self.list_file
        num_paths = max(1, len(self.views))
        num_columns = num_paths + 1 + len(self.extra_columns)
        path_columns = ' '.join(f'{v}_path' for v in self.views) if self.views else 'path'

        allowed = sorted(self.label_map)
        records, first_line, header_done = [], {}, not self.has_header
        for lineno, line in read_text_lines(path):
            if line.startswith('#'):
                continue
            if not header_done:
                header_done = True
                continue
            fields = [f.strip() for f in line.split(self.sep)] if self.sep else line.split()
            if len(fields) != num_columns:
                raise DatasetFormatError.at(path, lineno, f'{num_columns} columns ({path_columns} '
                                            'label' + ''.join(f' {n}' for n, _ in
                                                              self.extra_columns)
                                            + ')', f'{len(fields)} in {line!r}')
            code = parse_int(fields[num_paths], path, lineno, 'label')
            if code not in self.label_map:
                raise DatasetFormatError.at(path, lineno, f'a label code in {allowed}',
                                            repr(fields[num_paths]))
            extras = {}
            for (name, kind), text in zip(self.extra_columns, fields[num_paths + 1:]):
                try:
                    extras[name] = kind(text)
                except ValueError:
                    raise DatasetFormatError.at(path, lineno, f'{kind.__name__} {name}',
                                                repr(text)) from None
            rel = self._relative(fields[0], path, lineno)
            if rel in first_line:
                raise DatasetFormatError.at(path, lineno, 'each path once',
                                            f'{rel!r} again (first at line {first_line[rel]})')
            first_line[rel] = lineno
            img_path = osp.join(self.data_root, rel)
            if not self._image_exists(img_path, path, lineno):
                continue
            views = {}
            if self.views:
                views = {name: osp.join(self.data_root, self._relative(listed, path, lineno))
                         for name, listed in zip(self.views, fields[:num_paths])}
                if not all(self._image_exists(p, path, lineno) for p in views.values()):
                    continue
            records.append(SampleRecord(rel, img_path, self.label_map[code], self.split,
                                        extras=extras, src=(path, lineno), views=views))
        if not first_line:
            raise DatasetFormatError(f'{path}: the list is empty (no entry after comments'
                                     + (' and the header)' if self.has_header else ')'))
        return records
