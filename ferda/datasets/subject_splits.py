"""Subject-independent folds and splits (CK+, JAFFE, Oulu-CASIA folds; the KDEF actor split).

A split file maps each subject to a fold or a split, so that every image of a subject lands
on the same side. Making one is a pure function of the subject list and the seed
(``np.random.Generator(np.random.PCG64(seed))``); readers only read the file.

File formats (``\\n`` line ends, header first, one subject per line, sorted):

- folds: ``subject,fold`` (``splits/ckplus_folds10_seed{S}.csv``), fold in ``0..K-1``;
- splits: ``subject,split`` (``splits/kdef_actor_seed{S}.csv``), split ``train`` or ``test``.
"""
import os
from typing import Iterable, Optional

import numpy as np

from .records import DatasetFormatError
from .readers.base import read_text_lines
from .splits import _write_with_checksum

SUBJECT_SPLITS = ('train', 'test')


def make_subject_folds(subjects: Iterable[str], num_folds: int, seed: int) -> dict[str, int]:
    """Assign each distinct subject a fold in ``0..num_folds-1``.

    The distinct subjects are sorted, permuted with ``Generator(PCG64(seed))``, and the i-th
    subject of the permutation gets fold ``i % num_folds``, so fold sizes differ by at most 1.

    Example:
        >>> folds = make_subject_folds(['S005', 'S010', 'S011', 'S005'], num_folds=2, seed=0)
        >>> sorted(folds), sorted(folds.values())
        (['S005', 'S010', 'S011'], [0, 0, 1])
    """
    if not isinstance(num_folds, int) or num_folds < 2:
        raise ValueError(f'num_folds must be an int >= 2, got {num_folds!r}')
    names = sorted(set(subjects))
    if len(names) < num_folds:
        raise ValueError(f'num_folds={num_folds} needs at least as many subjects, got '
                         f'{len(names)}')
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(names))
    return {names[j]: i % num_folds for i, j in enumerate(order)}


def make_subject_split(subjects: Iterable[str], train_fraction: float,
                       seed: int) -> dict[str, str]:
    """Assign each distinct subject ``'train'`` or ``'test'``.

    The distinct subjects are sorted and permuted with ``Generator(PCG64(seed))``; the first
    ``floor(train_fraction * n + 0.5)`` of the permutation are train (KDEF: 0.8 by actor).

    Example:
        >>> split = make_subject_split([f'F{i:02d}' for i in range(10)], 0.8, seed=0)
        >>> sorted(split.values()).count('test')
        2
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f'train_fraction must be in (0, 1), got {train_fraction}')
    names = sorted(set(subjects))
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(names))
    num_train = int(np.floor(train_fraction * len(names) + 0.5))
    return {names[j]: 'train' if i < num_train else 'test' for i, j in enumerate(order)}


def write_subject_file(mapping: dict, path: str, column: str) -> str:
    """Write ``subject,<column>`` rows sorted by subject and ``path + '.sha256'``.

    Returns:
        the hex sha256 of the file.
    """
    if column not in ('fold', 'split'):
        raise ValueError(f"column must be 'fold' or 'split', got {column!r}")
    lines = [f'subject,{column}']
    for subject in sorted(mapping):
        if ',' in subject:
            raise ValueError(f'subject names cannot contain a comma, got {subject!r}')
        lines.append(f'{subject},{mapping[subject]}')
    return _write_with_checksum('\n'.join(lines) + '\n', path)


def read_subject_file(path: str, column: str) -> dict:
    """``{subject: fold (int) or split (str)}`` from a file of :func:`write_subject_file`."""
    path = os.fspath(path)
    lines = read_text_lines(path)
    header = next(lines, None)
    expected = f'subject,{column}'
    found = None if header is None else ','.join(f.strip() for f in header[1].split(','))
    if found != expected:
        raise DatasetFormatError.at(path, 1 if header is None else header[0],
                                    f'the header {expected}', repr(found or ''))
    mapping, first_line = {}, {}
    for lineno, line in lines:
        fields = [f.strip() for f in line.split(',')]
        if len(fields) != 2:
            raise DatasetFormatError.at(path, lineno, f'2 comma-separated fields {expected}',
                                        repr(line))
        subject, value = fields
        if column == 'fold':
            try:
                value = int(value)
            except ValueError:
                raise DatasetFormatError.at(path, lineno, 'an integer fold',
                                            repr(value)) from None
        elif value not in SUBJECT_SPLITS:
            raise DatasetFormatError.at(path, lineno, f'a split in {SUBJECT_SPLITS}',
                                        repr(value))
        if subject in mapping:
            raise DatasetFormatError.at(path, lineno, 'each subject once',
                                        f'{subject!r} again (first at line '
                                        f'{first_line[subject]})')
        mapping[subject], first_line[subject] = value, lineno
    return mapping


class SubjectSplit:
    """The split of each subject, from a fold file (with a test fold) or a split file.

    Args:
        path: the fold or split file, or None (then every subject is in split ``'all'``).
        column: ``'fold'`` or ``'split'``.
        fold: with ``column='fold'``, the test fold; its subjects are ``'test'``, all others
            ``'train'``.
        split: the reader's requested split; anything but ``'all'`` needs ``path``.
    """

    def __init__(self, path: Optional[str], column: str, fold: Optional[int], split: str,
                 reader: str):
        if split != 'all' and path is None:
            arg = 'fold_file and fold' if column == 'fold' else 'split_file'
            raise ValueError(f"split={split!r} needs {arg} ({reader} has no official split); "
                             "only split='all' can do without")
        if column == 'fold' and path is not None and fold is None:
            raise ValueError(f'fold_file={path!r} needs fold (the test fold index)')
        self.path = None if path is None else os.fspath(path)
        self.column = column
        self.fold = fold
        self._mapping = None

    def split_of(self, subject: str, where: str) -> str:
        """``'train'``, ``'test'`` or ``'all'`` for ``subject``; ``where`` names the sample."""
        if self.path is None:
            return 'all'
        if self._mapping is None:
            self._mapping = read_subject_file(self.path, self.column)
            if self.column == 'fold' and self.fold not in set(self._mapping.values()):
                raise ValueError(f'fold={self.fold!r} is not a fold of {self.path} (folds: '
                                 f'{sorted(set(self._mapping.values()))})')
        if subject not in self._mapping:
            raise DatasetFormatError(f'{where}: expected subject {subject!r} in {self.path}, '
                                     'found it missing')
        value = self._mapping[subject]
        if self.column == 'fold':
            return 'test' if value == self.fold else 'train'
        return value


__all__ = ['make_subject_folds', 'make_subject_split', 'write_subject_file',
           'read_subject_file', 'SubjectSplit', 'SUBJECT_SPLITS']
