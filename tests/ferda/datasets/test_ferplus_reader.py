import os.path as osp

import numpy as np
import pytest

from ferda.datasets.readers import FerPlusReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import FERPLUS_HEADER, write_ferplus


def test_majority_with_two_skips(tmp_path):
    path = write_ferplus(str(tmp_path))
    reader = FerPlusReader(str(tmp_path), 'all')
    (record, ) = reader.load()
    assert (record.sample_id, record.label, record.split) == ('fer0000000', 3, 'train')
    assert record.img_path == osp.join(str(tmp_path), 'FER2013Train', 'fer0000000.png')
    assert record.src == (path, 2)
    assert record.extras == dict(votes=(1, 7, 0, 0, 0, 0, 0, 0, 0, 2), fer2013_row=0)
    assert reader.num_skipped == {'majority vote NF (not an emotion)': 1,
                                  'no image name (image dropped by FER+)': 1}
    assert reader.skip_examples == {
        'majority vote NF (not an emotion)': [f'{path}:4 fer0000001.png'],
        'no image name (image dropped by FER+)': [f'{path}:3']}
    assert (reader.name, reader.num_classes) == ('ferplus', 8)


def test_name_comes_from_the_column_and_the_row_links_to_fer2013(tmp_path):
    # data row 2 is named fer0000001.png (the counter skipped the nameless row 1)
    rows = (b'Training,fer0000000.png,0,10,0,0,0,0,0,0,0,0\n'
            b'Training,,0,0,0,0,0,0,0,0,0,10\n'
            b'PublicTest,fer0000001.png,0,0,9,0,0,0,0,0,1,0\n')
    path = write_ferplus(str(tmp_path), rows=rows)
    first, second = FerPlusReader(str(tmp_path), 'all').load()
    assert (second.sample_id, second.label, second.split) == ('fer0000001', 0, 'val')
    assert second.extras['fer2013_row'] == 2 and second.src == (path, 4)
    assert second.img_path == osp.join(str(tmp_path), 'FER2013Valid', 'fer0000001.png')
    assert first.extras['fer2013_row'] == 0


@pytest.mark.parametrize('votes, majority, argmax', [
    # hand-worked: drop single votes, then the top column needs more than half of the rest
    (b'5,4,0,0,0,0,0,0,1,0', 6, 6),        # 5 of 9 -> Neutral
    (b'4,3,3,0,0,0,0,0,0,0', None, 6),     # 4 of 10: no majority; argmax Neutral
    (b'4,1,1,1,0,0,0,0,2,1', 6, 6),        # singles dropped: 4 of 6 -> Neutral
    (b'2,1,1,1,1,1,1,1,1,0', 6, 6),        # only the 2 is kept: 2 of 2
    (b'1,1,1,1,1,1,1,1,1,1', None, None),  # every vote single: nothing left; argmax tie
    (b'0,3,0,0,0,0,0,0,0,3', None, None),  # 3 of 6 is not more than half; argmax tie
])
def test_official_majority_and_argmax(tmp_path, votes, majority, argmax):
    write_ferplus(str(tmp_path), rows=b'Training,fer0000000.png,' + votes + b'\n'
                  b'Training,fer0000001.png,0,10,0,0,0,0,0,0,0,0\n')  # always kept
    for mode, expected in (('majority', majority), ('argmax', argmax)):
        records = FerPlusReader(str(tmp_path), 'train', vote_mode=mode).load()
        assert [r.label for r in records if r.sample_id == 'fer0000000'] == (
            [] if expected is None else [expected]), mode


def test_majority_is_the_default_and_no_majority_is_a_skip(tmp_path):
    write_ferplus(str(tmp_path), rows=b'PrivateTest,fer0000000.png,4,4,0,0,0,0,0,0,0,2\n'
                  b'PrivateTest,fer0000001.png,0,10,0,0,0,0,0,0,0,0\n')
    reader = FerPlusReader(str(tmp_path), 'test')
    assert reader.vote_mode == 'majority'
    assert [r.sample_id for r in reader.load()] == ['fer0000001']
    assert reader.num_skipped == {
        'no majority (no column has more than half of the votes left after dropping single '
        'votes)': 1}
    reader = FerPlusReader(str(tmp_path), 'test', vote_mode='argmax')
    assert len(reader.load()) == 1 and reader.num_skipped == {'tied argmax vote': 1}


def test_a_name_listed_twice_keeps_the_later_row(tmp_path):
    rows = (b'Training,fer0000000.png,0,10,0,0,0,0,0,0,0,0\n'
            b'Training,fer0000001.png,10,0,0,0,0,0,0,0,0,0\n'
            b'Training,fer0000000.png,0,0,0,10,0,0,0,0,0,0\n')
    path = write_ferplus(str(tmp_path), rows=rows)
    reader = FerPlusReader(str(tmp_path), 'train')
    records = reader.load()
    assert [(r.sample_id, r.label, r.src[1]) for r in records] == [('fer0000000', 4, 4),
                                                                   ('fer0000001', 6, 3)]
    assert reader.num_skipped == {'image name listed again: the earlier row is dropped (its '
                                  'image was overwritten by the later row)': 1}
    assert list(reader.skip_examples.values()) == [[f'{path}:2 fer0000000.png (again at line 4)']]


def test_seven_class_mode_drops_contempt(tmp_path):
    rows = (b'Training,fer0000000.png,0,0,0,0,0,0,0,9,1,0\n'
            b'Training,fer0000001.png,2,0,0,0,0,0,0,6,0,0\n')
    write_ferplus(str(tmp_path), rows=rows)
    reader = FerPlusReader(str(tmp_path), 'train', num_classes=7)
    assert reader.num_classes == 7
    # every row skipped: zero records is an error that names the folder and the skips
    with pytest.raises(DatasetFormatError, match=r'expected at least one FerPlusReader record '
                                                 r".*found none; skipped 2: Contempt majority "
                                                 r'in 7-class mode'):
        reader.load()
    assert reader.num_skipped == {'Contempt majority in 7-class mode': 2}
    reader = FerPlusReader(str(tmp_path), 'train', vote_mode='distribution', num_classes=7)
    (soft, ) = reader.load()
    assert reader.num_skipped == {'no emotion vote (distribution mode)': 1}
    np.testing.assert_allclose(soft.extras['soft'], [0, 0, 0, 0, 0, 0, 1])  # 2 neutral of 2
    assert soft.sample_id == 'fer0000001'


def test_distribution_mode(tmp_path):
    rows = (b'Training,fer0000000.png,1,7,0,0,0,0,0,0,0,2\n'
            b'PublicTest,fer0000001.png,0,0,2,0,0,0,0,2,0,0\n')
    write_ferplus(str(tmp_path), rows=rows)
    first, second = FerPlusReader(str(tmp_path), 'all', vote_mode='distribution').load()
    # canonical order: Surprise Fear Disgust Happiness Sadness Anger Neutral Contempt
    np.testing.assert_allclose(first.extras['soft'], [0, 0, 0, 7 / 8, 0, 0, 1 / 8, 0])
    assert first.label == 3
    np.testing.assert_allclose(second.extras['soft'], [0.5, 0, 0, 0, 0, 0, 0, 0.5])
    assert (second.label, second.split) == (0, 'val')  # tie: lowest canonical id


@pytest.mark.parametrize('header', [
    FERPLUS_HEADER.replace(b'neutral,happiness', b'happiness,neutral'),
    FERPLUS_HEADER.replace(b',NF', b''),
])
def test_header_mismatch_lists_expected_and_found(tmp_path, header):
    write_ferplus(str(tmp_path), header=header)
    with pytest.raises(DatasetFormatError,
                       match=r"fer2013new\.csv:1: expected the header Usage,Image name,neutral,"
                             r"happiness,.*,unknown,NF, found 'Usage,Image name,"):
        FerPlusReader(str(tmp_path), 'train').load()


@pytest.mark.parametrize('row, message', [
    (b'Training,img5.png,1,7,0,0,0,0,0,0,0,2', r"fer2013new\.csv:2: expected an image name "
                                              r"matching .* or an empty one, found 'img5\.png'"),
    (b'Training,fer0000000.png,1,7.0,0,0,0,0,0,0,0,2', r"csv:2: expected an integer vote count "
                                                       r"\(happiness\), found '7\.0'"),
    (b'Validation,fer0000000.png,1,7,0,0,0,0,0,0,0,2', r"csv:2: expected a Usage in "
                                                       r"\['Training', 'PublicTest'"),
    (b'Training,fer0000000.png,1,7,0,0,0,0,0,0,0', r'csv:2: expected 12 comma-separated '
                                                   r'fields, found 11'),
])
def test_bad_rows(tmp_path, row, message):
    write_ferplus(str(tmp_path), rows=row + b'\n')
    with pytest.raises(DatasetFormatError, match=message):
        FerPlusReader(str(tmp_path), 'train').load()


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"vote_mode must be one of \('majority', "
                                         r"'argmax', 'distribution'\), got 'soft'"):
        FerPlusReader(str(tmp_path), 'train', vote_mode='soft')
    with pytest.raises(ValueError, match=r'num_classes must be 7 or 8, got 6'):
        FerPlusReader(str(tmp_path), 'train', num_classes=6)
