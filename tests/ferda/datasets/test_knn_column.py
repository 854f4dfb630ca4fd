"""remap_knn_column: the LDL CSV's knn column as dataset indices, errors naming file and line."""
import pytest

from ferda.datasets.knn_column import remap_knn_column
from ferda.datasets.readers import LdlCsvReader
from ferda.datasets.records import DatasetFormatError, SampleRecord
from .fixtures import write_ldl


def _record(row_id, knn, line):
    return SampleRecord(f'img/{row_id}.jpg', f'/d/img/{row_id}.jpg', 0, 'train',
                        extras=dict(row_id=row_id, knn=tuple(knn)), src=('train.csv', line))


def test_remaps_through_row_ids_and_counts_self_entries(tmp_path):
    write_ldl(str(tmp_path))
    records = LdlCsvReader(str(tmp_path), 'train', 'train.csv').load()
    # a dataset that keeps the rows in reverse order: index = 3 - row_id
    dataset = records[::-1]
    row_to_index = {r.extras['row_id']: i for i, r in enumerate(dataset)}
    nidx, n_self = remap_knn_column(dataset, row_to_index, 2)
    # knn by row: 0 -> (1, 2), 1 -> (0, 2), 2 -> (1, 0), 3 -> (2, 1)
    assert nidx.tolist() == [[1, 2], [2, 3], [3, 1], [2, 1]] and n_self == 0
    rows = [_record(0, (0, 1), 2), _record(1, (0, 1), 3)]
    assert remap_knn_column(rows, {0: 0, 1: 1}, 2)[1] == 2


def test_errors_name_file_and_line():
    rows = [_record(0, (1,), 2), _record(1, (0, 5), 3)]
    with pytest.raises(DatasetFormatError,
                       match=r'train\.csv:2: expected at least 2 knn entries, found 1'):
        remap_knn_column(rows, {0: 0, 1: 1}, 2)
    with pytest.raises(DatasetFormatError, match=r'train\.csv:3: expected knn entries pointing '
                                                  r'at rows of the dataset, found 5'):
        remap_knn_column(rows[1:], {0: 0, 1: 1}, 2)
