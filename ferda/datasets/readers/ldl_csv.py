"""The CSV lists of the LDL reference code (label-distribution-learning-fer; docs/datasets.md §3).

Required columns, read by name (the reference code reads its CSVs with pandas, so any column
order, extra columns and the unnamed index column ``DataFrame.to_csv`` writes first are
allowed; a missing required column is an error naming it):

- train: ``subDirectory_filePath,expression,valence,arousal,knn``;
- test: ``subDirectory_filePath,expression``.

``expression`` uses AffectNet's order (0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear,
5 Disgust, 6 Anger). ``knn`` is ``"j1;j2;..."``: 0-based row positions in the same CSV. Row order
is part of the format, so records keep file order (not sample-id order) and carry
``extras['row_id']``, the row position the ``knn`` entries refer to.
"""
import os
import os.path as osp

from ..labels import TO_CANONICAL_LDL, TO_CANONICAL_RAFDB
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_text_lines
from .common import parse_int

TRAIN_HEADER = ('subDirectory_filePath', 'expression', 'valence', 'arousal', 'knn')
TEST_HEADER = ('subDirectory_filePath', 'expression')
# 'canonical': codes are already canonical ids 0..6 (RAF-DB order minus one).
NATIVE_ORDERS = {
    'affectnet': TO_CANONICAL_LDL,
    'canonical': {code - 1: label for code, label in TO_CANONICAL_RAFDB.items()},
}


class LdlCsvReader(BaseReader):
    """Reader of an LDL train or test CSV.

    Args:
        data_root: image root; ``subDirectory_filePath`` is relative to it.
        split: ``'train'`` (expects the train header: VA and ``knn``) or ``'test'``.
        ann_file: the CSV; a relative path is taken from ``data_root``.
        native_order: ``'affectnet'`` (the order named by the reference configs) or
            ``'canonical'``.
        on_missing_image: ``'error'`` or ``'skip'``; a ``knn`` entry pointing at a skipped row
            is an error.

    Records, in file order: ``sample_id`` = ``subDirectory_filePath``; ``extras`` holds
    ``row_id`` (0-based data row) and, for train, ``valence``, ``arousal`` (in [-1, 1]; -2 or a
    missing value is an error) and ``knn`` (tuple of row positions, each a valid row).
    """
    name = 'ldl_csv'
    splits = ('train', 'test')

    def __init__(self, data_root: str, split: str, ann_file: str,
                 native_order: str = 'affectnet', on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if native_order not in NATIVE_ORDERS:
            raise ValueError(f'native_order must be one of {tuple(NATIVE_ORDERS)}, got '
                             f'{native_order!r}')
        self.ann_file = osp.join(self.data_root, os.fspath(ann_file))
        self.native_order = native_order

    def load(self, allow_empty: bool = False) -> list[SampleRecord]:
        """The records in file order (see the module docstring), cached like the base's."""
        if self._records is None:
            super().load(allow_empty)
            self._records.sort(key=lambda r: r.extras['row_id'])
        return super().load(allow_empty)

    def _read(self) -> list[SampleRecord]:
        path = self.ann_file
        expected = TRAIN_HEADER if self.split == 'train' else TEST_HEADER
        lines = read_text_lines(path)
        header = next(lines, None)
        names = [] if header is None else [f.strip() for f in header[1].split(',')]
        missing = [c for c in expected if c not in names]
        duplicated = sorted({c for c in expected if names.count(c) > 1})
        if missing or duplicated:
            raise DatasetFormatError.at(
                path, 1 if header is None else header[0],
                f"the {self.split} columns {','.join(expected)} (any order, extra columns "
                'allowed)', repr(header[1] if header else '')
                + (f"; missing: {','.join(missing)}" if missing else '')
                + (f"; twice: {','.join(duplicated)}" if duplicated else ''))
        column = {c: names.index(c) for c in expected}
        to_canonical = NATIVE_ORDERS[self.native_order]
        allowed = sorted(to_canonical)
        records, first_line, kept_rows = [], {}, set()
        line_of_row = []
        for row_id, (lineno, line) in enumerate(lines):
            line_of_row.append(lineno)
            cells = [f.strip() for f in line.split(',')]
            if len(cells) != len(names):
                raise DatasetFormatError.at(path, lineno, f'{len(names)} comma-separated '
                                            'fields', f'{len(cells)}')
            fields = [cells[column[c]] for c in expected]  # in the order of ``expected``
            sample_id = fields[0]
            code = parse_int(fields[1], path, lineno, 'expression code')
            if code not in to_canonical:
                raise DatasetFormatError.at(path, lineno, f'an expression code in {allowed} '
                                            f'({self.native_order} order)', repr(fields[1]))
            if sample_id in first_line:
                raise DatasetFormatError.at(path, lineno, 'each subDirectory_filePath once',
                                            f'{sample_id!r} again (first at line '
                                            f'{first_line[sample_id]})')
            first_line[sample_id] = lineno
            extras = dict(row_id=row_id)
            if self.split == 'train':
                extras.update(self._train_columns(fields, path, lineno))
            img_path = osp.join(self.data_root, sample_id)
            if not self._image_exists(img_path, path, lineno):
                continue
            kept_rows.add(row_id)
            records.append(SampleRecord(sample_id, img_path, to_canonical[code], self.split,
                                        extras=extras, src=(path, lineno)))
        for record in records:
            for entry in record.extras.get('knn', ()):
                if entry >= len(line_of_row):
                    raise DatasetFormatError.at(path, record.src[1], f'knn row positions in '
                                                f'0..{len(line_of_row) - 1}', repr(entry))
                if entry not in kept_rows:
                    raise DatasetFormatError.at(path, record.src[1], 'knn entries pointing at '
                                                'kept rows', f'{entry} (line '
                                                f'{line_of_row[entry]}, skipped)')
        return records

    @staticmethod
    def _train_columns(fields: list, path: str, lineno: int) -> dict:
        values = {}
        for name, text in zip(('valence', 'arousal'), fields[2:4]):
            try:
                value = float(text)
            except ValueError:
                raise DatasetFormatError.at(path, lineno, f'a number for {name}',
                                            repr(text)) from None
            if not -1.0 <= value <= 1.0:
                raise DatasetFormatError.at(path, lineno, f'{name} in [-1, 1] (LDL needs VA '
                                            'on every train row)', repr(text))
            values[name] = value
        entries = fields[4].split(';')
        knn = []
        for entry in entries:
            position = parse_int(entry.strip(), path, lineno, "knn row position (';'-joined)")
            if position < 0:
                raise DatasetFormatError.at(path, lineno, 'knn row positions >= 0',
                                            repr(entry))
            knn.append(position)
        values['knn'] = tuple(knn)
        return values
