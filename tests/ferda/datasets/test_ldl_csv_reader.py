import pytest

from ferda.datasets.readers import LdlCsvReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import LDL_TRAIN_PANDAS, LDL_TEST, LDL_TRAIN, write_ldl


def test_file_order_row_ids_knn_and_remap(tmp_path):
    path = write_ldl(str(tmp_path))
    reader = LdlCsvReader(str(tmp_path), 'train', 'train.csv')
    records = reader.load()
    # file order, not sample-id order (z, y, x, w is reverse-sorted)
    assert [r.sample_id for r in records] == ['img/z.jpg', 'img/y.jpg', 'img/x.jpg',
                                              'img/w.jpg']
    # AffectNet order 0 Ne, 3 Su, 6 An, 1 Ha -> canonical 6, 0, 5, 3
    assert [r.label for r in records] == [6, 0, 5, 3]
    assert [r.extras['row_id'] for r in records] == [0, 1, 2, 3]
    assert [r.extras['knn'] for r in records] == [(1, 2), (0, 2), (1, 0), (2, 1)]
    assert [(r.extras['valence'], r.extras['arousal']) for r in records] == [
        (0.0, 0.0), (0.1, 0.0), (0.3, 0.0), (1.0, 1.0)]
    assert [r.src for r in records] == [(path, 2), (path, 3), (path, 4), (path, 5)]
    assert reader.load() == records and reader.name == 'ldl_csv'


def test_test_csv(tmp_path):
    write_ldl(str(tmp_path), LDL_TEST, 'test.csv')
    (record, ) = LdlCsvReader(str(tmp_path), 'test', 'test.csv').load()
    assert (record.sample_id, record.label, record.split, record.extras) == (
        'img/t.jpg', 4, 'test', dict(row_id=0))  # AffectNet 2 Sad
    with pytest.raises(DatasetFormatError, match=r'test\.csv:1: expected the train columns '
                                                 r'subDirectory_filePath,expression,valence,.*'
                                                 r'missing: valence,arousal,knn'):
        LdlCsvReader(str(tmp_path), 'train', 'test.csv').load()


def test_canonical_order(tmp_path):
    write_ldl(str(tmp_path))
    records = LdlCsvReader(str(tmp_path), 'train', 'train.csv', native_order='canonical').load()
    assert [r.label for r in records] == [0, 3, 6, 1]
    with pytest.raises(ValueError, match=r"native_order must be one of \('affectnet', "
                                         r"'canonical'\), got 'rafdb'"):
        LdlCsvReader(str(tmp_path), 'train', 'train.csv', native_order='rafdb')


@pytest.mark.parametrize('old, new, message', [
    (b'2;1\n', b'2;9\n', r"train\.csv:5: expected knn row positions in 0\.\.3, found 9"),
    (b'2;1\n', b'2;1.0\n', r"train\.csv:5: expected an integer knn row position "
                           r"\(';'-joined\), found '1\.0'"),
    (b'1.0,1.0,2;1', b'-2,-2,2;1', r'train\.csv:5: expected valence in \[-1, 1\] \(LDL needs '
                                   r"VA on every train row\), found '-2'"),
    (b'1.0,1.0,2;1', b'1.0,,2;1', r"train\.csv:5: expected a number for arousal, found ''"),
    (b'img/w.jpg,1', b'img/w.jpg,7', r'train\.csv:5: expected an expression code in '
                                     r'\[0, 1, 2, 3, 4, 5, 6\] \(affectnet order\)'),
    (b'img/w.jpg,1', b'img/w.jpg,1.0', r"train\.csv:5: expected an integer expression code"),
    (b'img/w.jpg', b'img/z.jpg', r"train\.csv:5: expected each subDirectory_filePath once, "
                                 r"found 'img/z\.jpg' again \(first at line 2\)"),
    (b',2;1\n', b',2;1,x\n', r'train\.csv:5: expected 5 comma-separated fields, found 6'),
])
def test_bad_rows(tmp_path, old, new, message):
    write_ldl(str(tmp_path), LDL_TRAIN.replace(old, new))
    with pytest.raises(DatasetFormatError, match=message):
        LdlCsvReader(str(tmp_path), 'train', 'train.csv').load()


def test_knn_into_a_skipped_row(tmp_path):
    write_ldl(str(tmp_path))
    (tmp_path / 'img' / 'x.jpg').unlink()  # row 2
    with pytest.raises(DatasetFormatError, match=r'train\.csv:4: expected image file'):
        LdlCsvReader(str(tmp_path), 'train', 'train.csv').load()
    reader = LdlCsvReader(str(tmp_path), 'train', 'train.csv', on_missing_image='skip')
    with pytest.raises(DatasetFormatError, match=r'train\.csv:2: expected knn entries pointing '
                                                 r'at kept rows, found 2 \(line 4, skipped\)'):
        reader.load()


def test_columns_by_name_as_pandas_writes_them(tmp_path):
    write_ldl(str(tmp_path))
    expected = [(r.sample_id, r.label, r.extras) for r in
                LdlCsvReader(str(tmp_path), 'train', 'train.csv').load()]
    write_ldl(str(tmp_path), LDL_TRAIN_PANDAS, name='pandas.csv')
    records = LdlCsvReader(str(tmp_path), 'train', 'pandas.csv').load()
    assert [(r.sample_id, r.label, r.extras) for r in records] == expected
    assert [r.src[1] for r in records] == [2, 3, 4, 5]


def test_missing_required_column(tmp_path):
    write_ldl(str(tmp_path), LDL_TRAIN_PANDAS.replace(b',knn,', b',neighbours,'), 'bad.csv')
    with pytest.raises(DatasetFormatError, match=r"bad\.csv:1: expected the train columns "
                                                 r"subDirectory_filePath,expression,valence,"
                                                 r"arousal,knn \(any order, extra columns "
                                                 r"allowed\), found .*missing: knn"):
        LdlCsvReader(str(tmp_path), 'train', 'bad.csv').load()
