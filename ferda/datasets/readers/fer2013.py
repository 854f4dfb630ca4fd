"""FER2013 as the original Kaggle CSV, pixels inline (datasets.md §3).

``fer2013.csv`` has the header ``emotion,pixels,Usage``; ``pixels`` is 2,304 space-separated
integers in 0..255 (a 48x48 grey image, row-major); ``Usage`` is Training (28,709 rows),
PublicTest (3,589) or PrivateTest (3,589). Emotion codes are 0 Angry, 1 Disgust, 2 Fear,
3 Happy, 4 Sad, 5 Surprise, 6 Neutral (not the alphabetical order some READMEs give).
"""
import os.path as osp

import numpy as np

from ..labels import TO_CANONICAL_FER2013
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_csv_lines

HEADER = ('emotion', 'pixels', 'Usage')
IMAGE_SIZE = 48
USAGE_TO_SPLIT = {'Training': 'train', 'PublicTest': 'val', 'PrivateTest': 'test'}
TEST_SPLITS = ('private', 'public+private')


class Fer2013CsvReader(BaseReader):
    """Reader of ``fer2013.csv``.

    Args:
        data_root: folder holding the csv.
        split: ``'train'`` (Training), ``'val'`` (PublicTest), ``'test'`` (PrivateTest, or
            PublicTest + PrivateTest with ``test_split='public+private'``) or ``'all'``.
        csv_name: file name of the csv inside ``data_root``.
        test_split: ``'private'`` or ``'public+private'`` (matches the folder release; there is
            no val split then).

    Records: ``sample_id`` = ``fer{row:07d}`` with the 0-based data row (not FER+'s image
    names, which skip dropped rows: :class:`FerPlusReader` keeps this row in
    ``extras['fer2013_row']``);
    ``img_path`` is None and ``extras['pixels']`` holds the ``(48, 48)`` uint8 image;
    ``extras['usage']`` keeps the Usage value.
    """
    name = 'fer2013'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, split: str, csv_name: str = 'fer2013.csv',
                 test_split: str = 'private'):
        super().__init__(data_root, split)
        if test_split not in TEST_SPLITS:
            raise ValueError(f'test_split must be one of {TEST_SPLITS}, got {test_split!r}')
        if test_split == 'public+private' and split == 'val':
            raise ValueError("split='val' is PublicTest, which test_split='public+private' "
                             "puts in test; use test_split='private' to get a val split")
        self.csv_name = csv_name
        self.test_split = test_split

    def _split_of(self, usage: str) -> str:
        split = USAGE_TO_SPLIT[usage]
        if split == 'val' and self.test_split == 'public+private':
            return 'test'
        return split

    def _read(self) -> list[SampleRecord]:
        path = osp.join(self.data_root, self.csv_name)
        lines = read_csv_lines(path, HEADER)
        allowed = sorted(TO_CANONICAL_FER2013)
        num_pixels = IMAGE_SIZE * IMAGE_SIZE
        records = []
        for row, (lineno, line) in enumerate(lines):
            fields = [f.strip() for f in line.split(',')]
            if len(fields) != 3:
                raise DatasetFormatError.at(path, lineno, '3 comma-separated fields '
                                            'emotion,pixels,Usage', f'{len(fields)}')
            code_text, pixel_text, usage = fields
            try:
                code = int(code_text)
            except ValueError:
                raise DatasetFormatError.at(path, lineno, 'an integer emotion code',
                                            repr(code_text)) from None
            if code not in TO_CANONICAL_FER2013:
                raise DatasetFormatError.at(path, lineno, f'an emotion code in {allowed}',
                                            repr(code_text))
            if usage not in USAGE_TO_SPLIT:
                raise DatasetFormatError.at(path, lineno, f'a Usage in {list(USAGE_TO_SPLIT)}',
                                            repr(usage))
            split = self._split_of(usage)
            tokens = pixel_text.split()
            if len(tokens) != num_pixels:
                raise DatasetFormatError.at(path, lineno, f'{num_pixels} pixel values',
                                            f'{len(tokens)}')
            try:
                values = np.array(tokens, dtype=np.int64)
            except ValueError:
                raise DatasetFormatError.at(path, lineno, 'integer pixel values',
                                            'a non-integer value') from None
            if values.min() < 0 or values.max() > 255:
                raise DatasetFormatError.at(path, lineno, 'pixel values in 0..255',
                                            f'values in {values.min()}..{values.max()}')
            if self.split != 'all' and split != self.split:
                continue  # every row is checked, only the split's rows are kept
            pixels = values.astype(np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
            records.append(SampleRecord(f'fer{row:07d}', None, TO_CANONICAL_FER2013[code],
                                        split, extras=dict(pixels=pixels, usage=usage),
                                        src=(path, lineno)))
        return records
