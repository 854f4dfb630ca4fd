"""LDL's ``knn`` column (row positions in the same CSV) as dataset indices
(``docs/ldl.md``)."""
from typing import Mapping, Sequence, Tuple

import numpy as np

from .records import DatasetFormatError, SampleRecord

__all__ = ['remap_knn_column']


def remap_knn_column(rows: Sequence[SampleRecord], row_to_index: Mapping[int, int],
                     k: int) -> Tuple[np.ndarray, int]:
    """Map the first ``k`` entries of each record's ``knn`` column to dataset indices.

    Entries are taken verbatim (self-entries kept and counted, since the reference
    does not say whether self is excluded).

    Args:
        rows: the dataset's records in dataset order, each with ``extras['knn']``
            (row positions of the CSV) and ``src`` (file, line) for errors.
        row_to_index: CSV row position (the reader's ``row_id``) -> dataset index.
        k (int): neighbours per row, >= 1.

    Returns:
        tuple[ndarray, int]: (N, k) int64 neighbour indices and the number of
        self-entries.

    Raises:
        DatasetFormatError: naming the file and line of a row with fewer than ``k``
            entries or an entry whose row is not in the dataset (dropped or out of
            range).
    """
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    out = np.empty((len(rows), k), dtype=np.int64)
    n_self = 0
    for i, record in enumerate(rows):
        path, line = record.src if record.src else (record.sample_id, None)
        entries = record.extras.get('knn')
        if entries is None:
            raise DatasetFormatError.at(path, line, 'a knn column', 'none')
        if len(entries) < k:
            raise DatasetFormatError.at(path, line, f'at least {k} knn entries',
                                        f'{len(entries)}')
        for j, entry in enumerate(entries[:k]):
            if entry not in row_to_index:
                raise DatasetFormatError.at(path, line, 'knn entries pointing at rows of the '
                                            'dataset', f'{entry} (dropped or out of range)')
            out[i, j] = row_to_index[entry]
        n_self += int((out[i] == i).sum())
    return out, n_self
