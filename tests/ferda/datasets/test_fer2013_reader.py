import numpy as np
import pytest

from ferda.datasets.readers import Fer2013CsvReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import fer_pixels, write_fer2013

ONE_PER_USAGE = [('0', fer_pixels(0), 'Training'), ('5', fer_pixels(1), 'PublicTest'),
                 ('6', fer_pixels(2), 'PrivateTest')]


def test_one_row_per_usage(tmp_path):
    path = write_fer2013(str(tmp_path), ONE_PER_USAGE)
    records = Fer2013CsvReader(str(tmp_path), 'all').load()
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('fer0000000', 5, 'train'), ('fer0000001', 0, 'val'), ('fer0000002', 6, 'test')]
    assert [r.src for r in records] == [(path, 2), (path, 3), (path, 4)]
    first = records[0]
    assert first.img_path is None
    assert first.extras['pixels'].shape == (48, 48) and first.extras['pixels'].dtype == np.uint8
    expected = np.array([int(v) for v in fer_pixels(0).split()], np.uint8).reshape(48, 48)
    np.testing.assert_array_equal(first.extras['pixels'], expected)
    assert [r.label for r in Fer2013CsvReader(str(tmp_path), 'train').load()] == [5]
    assert [r.label for r in Fer2013CsvReader(str(tmp_path), 'val').load()] == [0]
    assert [r.label for r in Fer2013CsvReader(str(tmp_path), 'test').load()] == [6]
    assert Fer2013CsvReader.name == 'fer2013'


def test_alphabetical_order_guard(tmp_path):
    # 4 Sad, 5 Surprise, 6 Neutral; the wrong alphabetical order gives Neutral, Sad, Surprise.
    write_fer2013(str(tmp_path), [(str(c), fer_pixels(c), 'Training') for c in (4, 5, 6)])
    reader = Fer2013CsvReader(str(tmp_path), 'train')
    assert [reader.class_names[r.label] for r in reader.load()] == ['Sadness', 'Surprise',
                                                                   'Neutral']


def test_public_plus_private(tmp_path):
    write_fer2013(str(tmp_path), ONE_PER_USAGE)
    test = Fer2013CsvReader(str(tmp_path), 'test', test_split='public+private').load()
    assert [(r.sample_id, r.label) for r in test] == [('fer0000001', 0), ('fer0000002', 6)]
    with pytest.raises(ValueError, match="split='val' is PublicTest"):
        Fer2013CsvReader(str(tmp_path), 'val', test_split='public+private')
    with pytest.raises(ValueError, match=r"test_split must be one of .* got 'public'"):
        Fer2013CsvReader(str(tmp_path), 'test', test_split='public')


def test_bom_crlf_blank_lines(tmp_path):
    path = write_fer2013(str(tmp_path), ONE_PER_USAGE, header=b'\xef\xbb\xbfemotion,pixels,Usage',
                         newline=b'\r\n')
    with open(path, 'ab') as f:
        f.write(b'\r\n\r\n')
    assert len(Fer2013CsvReader(str(tmp_path), 'all').load()) == 3


@pytest.mark.parametrize('row, message', [
    (('3', fer_pixels(3, 2303), 'Training'), r'fer2013\.csv:3: expected 2304 pixel values, '
                                             r'found 2303'),
    (('3', fer_pixels(3), 'Validation'), r"fer2013\.csv:3: expected a Usage in \['Training', "
                                         r"'PublicTest', 'PrivateTest'\], found 'Validation'"),
    (('7', fer_pixels(3), 'Training'), r"fer2013\.csv:3: expected an emotion code in "
                                       r"\[0, 1, 2, 3, 4, 5, 6\], found '7'"),
    (('3.0', fer_pixels(3), 'Training'), r"fer2013\.csv:3: expected an integer emotion code, "
                                         r"found '3\.0'"),
    (('3', '256 ' + fer_pixels(3, 2303), 'Training'), r'fer2013\.csv:3: expected pixel values '
                                                       r'in 0\.\.255, found values in 0\.\.256'),
    (('3', '1.5 ' + fer_pixels(3, 2303), 'Training'), r'fer2013\.csv:3: expected integer pixel'),
])
def test_bad_rows(tmp_path, row, message):
    # the bad row is in PrivateTest's neighbourhood but every row is checked, whatever the split
    write_fer2013(str(tmp_path), [ONE_PER_USAGE[0], row])
    with pytest.raises(DatasetFormatError, match=message):
        Fer2013CsvReader(str(tmp_path), 'test').load()


def test_header_and_missing_file(tmp_path):
    with pytest.raises(DatasetFormatError, match=r'fer2013\.csv: expected an annotation file'):
        Fer2013CsvReader(str(tmp_path), 'train').load()
    write_fer2013(str(tmp_path), ONE_PER_USAGE, header=b'pixels,emotion,Usage')
    with pytest.raises(DatasetFormatError, match=r"fer2013\.csv:1: expected the header "
                                                 r"emotion,pixels,Usage, found 'pixels,"):
        Fer2013CsvReader(str(tmp_path), 'train').load()
    write_fer2013(str(tmp_path), [('3', fer_pixels(3), 'Training,extra')])
    with pytest.raises(DatasetFormatError, match=r'fer2013\.csv:2: expected 3 comma-separated'):
        Fer2013CsvReader(str(tmp_path), 'train').load()
