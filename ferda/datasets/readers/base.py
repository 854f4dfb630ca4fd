"""What every dataset reader shares: split checking, the load cache, text-line reading and the
missing-image policy.

A reader subclass sets the class attributes ``name`` and ``splits`` and implements
``_read() -> list[SampleRecord]``; :meth:`BaseReader.load` sorts and caches the result.
Readers are plain Python/NumPy: they never decode images (FER2013's inline pixels aside).
"""
import logging
import os
import os.path as osp
from typing import ClassVar, Iterator

from mmengine.logging import print_log

from ..labels import CANONICAL_7
from ..records import DatasetFormatError, SampleRecord, format_location

ON_MISSING_IMAGE = ('error', 'skip')


def read_text_lines(path: str, allow_empty: bool = False) -> Iterator[tuple[int, str]]:
    """Yield ``(1-based line number, stripped text)`` of the non-blank lines of a text file.

    ``allow_empty`` accepts a file without any (a carve-out list that may hold no name).

    A UTF-8 BOM, CRLF or CR line ends, and leading/trailing whitespace are tolerated.

    Raises:
        DatasetFormatError: if the file does not exist (the message names the path), is not
            UTF-8, or (unless ``allow_empty``) has no non-blank line (``path: the list is
            empty``), so an empty list is reported as itself and not as a mismatch in a file
            read after it.
    """
    if not osp.isfile(path):
        raise DatasetFormatError.at(path, None, 'an annotation file', 'no such file')
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError as err:
        raise DatasetFormatError.at(path, None, 'UTF-8 text', f'undecodable bytes ({err})')
    # str.splitlines also splits on \x0b, \x1c, ...; only \n, \r\n and \r are line ends here.
    empty = True
    for lineno, line in enumerate(text.replace('\r\n', '\n').replace('\r', '\n').split('\n'), 1):
        line = line.strip()
        if line:
            empty = False
            yield lineno, line
    if empty and not allow_empty:
        raise DatasetFormatError(f'{path}: the list is empty (no non-blank line)')


def read_csv_lines(path: str, header: tuple) -> Iterator[tuple[int, str]]:
    """The data lines of a comma-separated file whose first line must be ``header``.

    Raises:
        DatasetFormatError: ``path:1: expected the header a,b,c, found '...'``.
    """
    lines = read_text_lines(path)
    first = next(lines, None)
    found = None if first is None else tuple(f.strip() for f in first[1].split(','))
    if found != tuple(header):
        raise DatasetFormatError.at(path, 1 if first is None else first[0],
                                    f"the header {','.join(header)}",
                                    repr(first[1] if first else ''))
    return lines


def read_holdout_names(path: str, allowed, expected: str, what: str = 'name',
                       single_field: bool = True) -> set:
    """The names of a carve-out file (one per line, e.g. a source-validation split).

    Args:
        path: the file.
        allowed: container of the names the file may list (the train split's ids).
        expected: what a valid line is, for the error (``'a train image name of X'``).
        what: what one entry is called in the duplicate error (``'image'``, ``'path'``).
        single_field: reject lines with whitespace inside (names that cannot hold spaces).

    Raises:
        DatasetFormatError: a line with more than one field, a name outside ``allowed``,
            or a name listed twice (citing both lines).
    """
    first_line: dict = {}
    for lineno, line in read_text_lines(path, allow_empty=True):  # a split may be empty
        if single_field and len(line.split()) != 1:
            raise DatasetFormatError.at(path, lineno, f'one {what} per line', repr(line))
        if line not in allowed:
            raise DatasetFormatError.at(path, lineno, expected, repr(line))
        if line in first_line:
            raise DatasetFormatError.at(path, lineno, f'each {what} once',
                                        f'{line!r} again (first at line {first_line[line]})')
        first_line[line] = lineno
    return set(first_line)


def raise_no_records(reader) -> None:
    """Zero records is an error for every reader: it names the folder searched (a wrong
    ``data_root`` such as ``KDEF_and_AKDEF/`` instead of ``KDEF/``) and what was skipped."""
    skipped = ''.join(f'; skipped {n}: {reason}' for reason, n in reader.num_skipped.items())
    raise DatasetFormatError.at(
        reader.data_root, None, f'at least one {type(reader).__name__} record for split '
        f'{reader.split!r} (is data_root the folder the dataset unpacks to?)',
        f'none{skipped}')


class BaseReader:
    """Base of the dataset readers.

    Args:
        data_root: the dataset's root folder, as unpacked from the official archive.
        split: one of the subclass's ``splits``.
        on_missing_image: ``'error'`` (default) raises on an annotation whose image file does not
            exist; ``'skip'`` drops it, counts it and logs the count as a warning.
    """
    name: ClassVar[str] = ''
    splits: ClassVar[tuple[str, ...]] = ('train', 'val', 'test', 'all')
    class_names: ClassVar[tuple[str, ...]] = CANONICAL_7

    def __init__(self, data_root: str, split: str, on_missing_image: str = 'error'):
        if split not in self.splits:
            raise ValueError(f'split must be one of {self.splits} for {type(self).__name__}, '
                             f'got {split!r}')
        if on_missing_image not in ON_MISSING_IMAGE:
            raise ValueError(f'on_missing_image must be one of {ON_MISSING_IMAGE}, '
                             f'got {on_missing_image!r}')
        self.data_root = os.fspath(data_root)
        self.split = split
        self.on_missing_image = on_missing_image
        self.num_skipped = {}
        self.skip_examples = {}  # reason -> what was skipped ('file:line name' or a path)
        self._records = None

    @property
    def num_classes(self) -> int:
        """Number of canonical classes the reader emits."""
        return len(self.class_names)

    def load(self, allow_empty: bool = False) -> list[SampleRecord]:
        """Read (on the first call only) and return the split's records, sorted by sample_id.

        Returns a new list each call; the records themselves are shared with the cache.
        Zero records is an error naming ``data_root`` (a wrong folder must not become an empty
        dataset) unless ``allow_empty`` (e.g. a self-check counting a possibly empty split).
        """
        if self._records is None:
            self.num_skipped, self.skip_examples = {}, {}
            records = sorted(self._read(), key=lambda r: r.sample_id)
            for reason, count in self.num_skipped.items():
                examples = self.skip_examples.get(reason, [])
                shown = f" (e.g. {', '.join(examples[:3])})" if examples else ''
                print_log(f'{type(self).__name__}({self.data_root!r}, split={self.split!r}): '
                          f'skipped {count} record(s): {reason}{shown}', logger='current',
                          level=logging.WARNING)
            self._records = records
        if not self._records and not allow_empty:
            raise_no_records(self)
        return list(self._records)

    def _read(self) -> list[SampleRecord]:
        raise NotImplementedError

    def _image_exists(self, img_path: str, ann_path: str, line: int) -> bool:
        """Whether to keep a row whose image is ``img_path``, applying ``on_missing_image``."""
        if osp.isfile(img_path):
            return True
        if self.on_missing_image == 'skip':
            reason = "image file missing (on_missing_image='skip')"
            self.num_skipped[reason] = self.num_skipped.get(reason, 0) + 1
            self.skip_examples.setdefault(reason, []).append(
                f'{format_location(ann_path, line)} {img_path}')
            return False
        raise DatasetFormatError(
            f'{format_location(ann_path, line)}: expected image file {img_path}, found no such '
            f"file (pass on_missing_image='skip' to drop rows without images)")
