"""Per-sample metadata from a side CSV, joined onto another reader's records by ``sample_id``.

Valence/arousal files (``sample_id,valence,arousal``), subject lists and SynFER's
``synfer_meta.csv`` keep metadata beside a dataset's own annotations. :class:`ExtrasCsvReader`
wraps any reader and adds the chosen columns to each record's ``extras``, where a dataset's
``meta_keys`` can pass them on to ``data_samples``.
"""
import csv
import os
from dataclasses import replace
from typing import Dict

from ferda.registry import DATASETS

from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_text_lines
from .list_file import _column_type


@DATASETS.register_module()
class ExtrasCsvReader(BaseReader):
    """Another reader's records with columns of a CSV added to their ``extras``.

    Args:
        reader: config of the wrapped reader (its split, classes and name are this reader's).
        extras_file: a comma-separated file with a header; one column is ``key`` and every
            record of the wrapped reader must have a row (rows for other samples are ignored).
        columns: ``{column: type}`` to add, type ``'float'``, ``'int'`` or ``'str'``.
        key: the column holding the records' ``sample_id``. Default: ``'sample_id'``.

    Raises:
        DatasetFormatError: a missing column, a value of the wrong type, a key listed twice
            (``file:line``), or a record without a row (naming the record's annotation line).
        ValueError: a column the wrapped reader already puts in ``extras`` (never overwritten).

    Example:
        >>> reader = dict(type='ExtrasCsvReader', extras_file='data/synfer/lab/synfer_meta.csv',
        ...               columns=dict(valence='float', arousal='float', subject='int'),
        ...               reader=dict(type='RafDbReader', data_root='data/synfer/lab',
        ...                           split='train'))
    """
    name = 'extras_csv'

    def __init__(self, reader: dict, extras_file: str, columns: Dict[str, str],
                 key: str = 'sample_id'):
        self.inner = DATASETS.build(reader)
        self.name = self.inner.name
        self.splits = self.inner.splits
        self.class_names = self.inner.class_names
        super().__init__(self.inner.data_root, self.inner.split, self.inner.on_missing_image)
        if not columns:
            raise ValueError('ExtrasCsvReader needs columns={name: type}, got none')
        self.extras_file = os.fspath(extras_file)
        self.columns = {str(name): _column_type(kind) for name, kind in columns.items()}
        self.key = key

    def _read_table(self) -> dict:
        """``{key: (line, {column: value})}`` of the extras file."""
        path = self.extras_file
        lines = read_text_lines(path)
        first = next(lines, None)
        header = next(csv.reader([first[1]])) if first else []
        header = [h.strip() for h in header]
        missing = [c for c in [self.key, *self.columns] if c not in header]
        if missing:
            raise DatasetFormatError.at(path, first[0] if first else None,
                                        f'a header with the columns {missing}',
                                        repr(first[1] if first else ''))
        position = {name: header.index(name) for name in [self.key, *self.columns]}
        table = {}
        for lineno, line in lines:
            fields = [f.strip() for f in next(csv.reader([line]))]
            if len(fields) != len(header):
                raise DatasetFormatError.at(path, lineno, f'{len(header)} fields',
                                            f'{len(fields)} in {line!r}')
            sample_id = fields[position[self.key]]
            if sample_id in table:
                raise DatasetFormatError.at(path, lineno, f'each {self.key} once',
                                            f'{sample_id!r} again (first at line '
                                            f'{table[sample_id][0]})')
            values = {}
            for name, kind in self.columns.items():
                text = fields[position[name]]
                try:
                    values[name] = kind(text)
                except ValueError:
                    raise DatasetFormatError.at(path, lineno, f'{kind.__name__} {name}',
                                                repr(text)) from None
            table[sample_id] = (lineno, values)
        return table

    def _read(self) -> list[SampleRecord]:
        table = self._read_table()
        records = []
        for record in self.inner.load():  # the inner reader logged its own skips
            clash = sorted(set(self.columns) & set(record.extras))
            if clash:
                raise ValueError(f'ExtrasCsvReader: {type(self.inner).__name__} already gives '
                                 f'{clash} for {record.where()}; take other columns from '
                                 f'{self.extras_file}')
            if record.sample_id not in table:
                raise DatasetFormatError.at(self.extras_file, None,
                                            f'a row for {record.sample_id!r} '
                                            f'({record.where()})', 'none')
            records.append(replace(record, extras={**record.extras,
                                                   **table[record.sample_id][1]}))
        return records
