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
    assert record.extras == dict(votes=(1, 7, 0, 0, 0, 0, 0, 0, 0, 2))
    assert reader.num_skipped == {'majority vote NF (not an emotion)': 1,
                                  'no image name (image dropped by FER+)': 1}
    assert (reader.name, reader.num_classes) == ('ferplus', 8)


def test_tie_is_a_skip(tmp_path):
    write_ferplus(str(tmp_path), rows=b'PrivateTest,fer0000000.png,4,4,0,0,0,0,0,0,0,2\n')
    reader = FerPlusReader(str(tmp_path), 'test')
    assert reader.load() == [] and reader.num_skipped == {'tied majority vote': 1}


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
    (b'Training,fer0000005.png,1,7,0,0,0,0,0,0,0,2', r"fer2013new\.csv:2: expected image name "
                                                     r"'fer0000000\.png' \(rows align"),
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
                                         r"'distribution'\), got 'soft'"):
        FerPlusReader(str(tmp_path), 'train', vote_mode='soft')
