import os.path as osp

import numpy as np
import pytest

from ferda.datasets.readers import AfeReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import AFE_CDFER_TRAIN, AFE_CLUP_TRAIN, write_afe, write_bytes

CDFER_BASE = osp.join('Asian_Facial_Expression', 'AsianMovie_0725_0730')


def test_clup_release(tmp_path):
    path = write_afe(str(tmp_path), 'clup', AFE_CLUP_TRAIN, b'img/b.jpg 0 0 9 9 0\n')
    (record, ) = AfeReader(str(tmp_path), 'train', release='clup').load()
    assert (record.sample_id, record.label, record.split) == ('img/a.jpg', 0, 'train')
    assert record.box == (1, 2, 50, 60) and record.src == (path, 1)
    assert record.img_path == osp.join(str(tmp_path), 'src', 'image', 'img', 'a.jpg')
    assert [(r.sample_id, r.label, r.split) for r in
            AfeReader(str(tmp_path), 'all', release='clup').load()] == [
        ('img/a.jpg', 0, 'train'), ('img/b.jpg', 5, 'test')]


def test_cdfer_release_skips_codes_outside_the_map(tmp_path):
    write_afe(str(tmp_path), 'cdfer', AFE_CDFER_TRAIN)
    reader = AfeReader(str(tmp_path), 'train', release='cdfer')
    (record, ) = reader.load()
    assert (record.sample_id, record.label, record.box) == ('a.jpg', 5, (1, 2, 50, 60))
    assert record.img_path == osp.join(str(tmp_path), CDFER_BASE, 'images', 'a.jpg')
    assert reader.num_skipped == {'CD-FER code outside the map [0, 1, 3, 4, 5, 6, 9]': 1}


def test_cdfer_landmarks(tmp_path):
    write_afe(str(tmp_path), 'cdfer', AFE_CDFER_TRAIN)
    write_bytes(osp.join(str(tmp_path), CDFER_BASE, 'annos', 'landmark_5', 'a.txt'),
                b'1 2 3 4 5 6 7 8 9 10\n')
    (record, ) = AfeReader(str(tmp_path), 'train', release='cdfer', with_landmarks=True).load()
    np.testing.assert_array_equal(record.landmarks, [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]])


def test_release_is_required(tmp_path):
    with pytest.raises(ValueError, match=r"release is required and must be one of \('clup', "
                                         r"'cdfer'\), got None"):
        AfeReader(str(tmp_path), 'train')
    with pytest.raises(ValueError, match=r"with_landmarks=True needs release='cdfer'"):
        AfeReader(str(tmp_path), 'train', release='clup', with_landmarks=True)


def test_val_carve_out(tmp_path):
    write_afe(str(tmp_path), 'clup', AFE_CLUP_TRAIN + b'img/c.jpg 0 0 9 9 3\n')
    val_file = write_bytes(str(tmp_path / 'afe_val.txt'), b'img/c.jpg\n')
    kwargs = dict(release='clup', val_split_file=val_file)
    assert [(r.sample_id, r.label) for r in AfeReader(str(tmp_path), 'val', **kwargs).load()] \
        == [('img/c.jpg', 3)]
    assert [r.sample_id for r in AfeReader(str(tmp_path), 'train', **kwargs).load()] == [
        'img/a.jpg']


@pytest.mark.parametrize('release, line, message', [
    ('clup', b'img/b.jpg 0 0 9 9 7', r"Train\.csv:2: expected an emotion code in "
                                     r"\[0, 1, 2, 3, 4, 5, 6\], found '7'"),
    ('clup', b'img/b.jpg 0 0 9 9 1 2', r'Train\.csv:2: expected 6 fields: path left top right '
                                       r'bottom emotion, found 7'),
    ('clup', b'img/b.jpg 0 0 9 9 3.0', r"Train\.csv:2: expected an integer emotion code, "
                                       r"found '3\.0'"),
    ('clup', b'img/a.jpg 0 0 9 9 1', r"Train\.csv:2: expected each image once, found "
                                     r"'img/a\.jpg' again \(first at .*Train\.csv:1\)"),
    ('cdfer', b'c.jpg 0 0 9', r'train_list\.txt:3: expected at least 6 fields'),
    ('cdfer', b'c.jpg 9 0 0 9 0', r'train_list\.txt:3: expected a box x1 y1 x2 y2 with'),
])
def test_bad_lines(tmp_path, release, line, message):
    train = AFE_CLUP_TRAIN if release == 'clup' else AFE_CDFER_TRAIN
    write_afe(str(tmp_path), release, train + line + b'\n')
    with pytest.raises(DatasetFormatError, match=message):
        AfeReader(str(tmp_path), 'train', release=release).load()
