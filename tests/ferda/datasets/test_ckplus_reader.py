import os.path as osp

import numpy as np
import pytest

from ferda.datasets.readers import CkPlusReader
from ferda.datasets.records import DatasetFormatError
from ferda.datasets.subject_splits import write_subject_file
from .fixtures import CKPLUS_SEQUENCES, write_bytes, write_ckplus, write_image_tree


def summary(records):
    return [(r.sample_id, r.label) for r in records]


def test_last3_plus_neutral_contempt_skipped(tmp_path):
    paths = write_ckplus(str(tmp_path), CKPLUS_SEQUENCES)
    reader = CkPlusReader(str(tmp_path), 'all')
    records = reader.load()
    assert summary(records) == [
        ('S005_001_00000001', 6), ('S005_001_00000010', 2), ('S005_001_00000011', 2),
        ('S005_001_00000012', 2)]
    assert reader.num_skipped == {'Contempt sequence in 7-class mode': 1}
    assert records[3].extras == dict(subject='S005', sequence='001', frame=12)
    assert records[3].src == (paths['S005', '001'], 1)
    assert records[3].img_path == osp.join(str(tmp_path), 'cohn-kanade-images', 'S005', '001',
                                           'S005_001_00000012.png')
    assert {r.split for r in records} == {'all'}


def test_eight_class_keeps_contempt(tmp_path):
    write_ckplus(str(tmp_path), CKPLUS_SEQUENCES)
    reader = CkPlusReader(str(tmp_path), 'all', num_classes=8)
    labels = [r.label for r in reader.load()]
    assert labels == [6, 2, 2, 2, 6, 7, 7, 7] and reader.num_skipped == {}


def test_peak_only_and_no_neutral(tmp_path):
    write_ckplus(str(tmp_path), CKPLUS_SEQUENCES)
    records = CkPlusReader(str(tmp_path), 'all', frames='peak', neutral=None).load()
    assert summary(records) == [('S005_001_00000012', 2)]


def test_subject_folds(tmp_path):
    write_ckplus(str(tmp_path), CKPLUS_SEQUENCES)
    fold_file = str(tmp_path / 'splits' / 'ckplus_folds10_seed0.csv')
    write_subject_file({'S005': 1, 'S010': 0}, fold_file, 'fold')
    kwargs = dict(num_classes=8, fold_file=fold_file)
    test = CkPlusReader(str(tmp_path), 'test', fold=0, **kwargs).load()
    assert {r.extras['subject'] for r in test} == {'S010'} and len(test) == 4
    train = CkPlusReader(str(tmp_path), 'train', fold=0, **kwargs).load()
    assert {(r.extras['subject'], r.split) for r in train} == {('S005', 'train')}
    with pytest.raises(ValueError, match=r"split='train' needs fold_file and fold"):
        CkPlusReader(str(tmp_path), 'train')
    write_subject_file({'S005': 1}, fold_file, 'fold')
    with pytest.raises(DatasetFormatError, match=r"S010_002_00000012_emotion\.txt: expected "
                                                 r"subject 'S010' in .*found it missing"):
        CkPlusReader(str(tmp_path), 'train', fold=1, **kwargs).load()


@pytest.mark.parametrize('data, message', [
    (b'   3.5e+00\n', r"_emotion\.txt:1: expected an integer emotion code in "
                    r"\[0, 1, 2, 3, 4, 5, 6, 7\], found '3\.5e\+00'"),
    (b'8.0000000e+00\n', r"_emotion\.txt:1: expected an integer emotion code in"),
    (b'three\n', r"_emotion\.txt:1: expected an emotion code such as 3\.0000000e\+00, "
                 r"found 'three'"),
    (b'3.0 4.0\n', r"_emotion\.txt:1: expected one emotion code"),
])
def test_bad_emotion_files(tmp_path, data, message):
    write_ckplus(str(tmp_path), {('S005', '001'): data})
    with pytest.raises(DatasetFormatError, match=message):
        CkPlusReader(str(tmp_path), 'all').load()


def test_peak_frame_missing(tmp_path):
    write_ckplus(str(tmp_path), CKPLUS_SEQUENCES)
    (tmp_path / 'cohn-kanade-images' / 'S005' / '001' / 'S005_001_00000012.png').unlink()
    with pytest.raises(DatasetFormatError, match=r"S005_001_00000012_emotion\.txt:1: expected "
                                                 r"the peak frame S005_001_00000012\.png"):
        CkPlusReader(str(tmp_path), 'all').load()


def test_cdfer_layout(tmp_path):
    write_image_tree(str(tmp_path), ('CK+_Emotion/Train/CK+_Train_crop/Surprised/a.png',
                                     'CK+_Emotion/Train/CK+_Train_crop/Sad/b.png',
                                     'CK+_Emotion/Val/CK+_Val_crop/Anger/c.png'), grey=True)
    # as distributed, the 5-point landmarks sit in landmark_5/<class>/ inside the crop folder
    crop = tmp_path / 'CK+_Emotion' / 'Train' / 'CK+_Train_crop'
    write_bytes(str(crop / 'landmark_5' / 'Surprised' / 'a.txt'),
                b'1 2\n3 4\n5 6\n7 8\n9 10\n')
    write_bytes(str(crop / 'landmark_5' / 'Sad' / 'b.txt'), b'1 1\n2 2\n3 3\n4 4\n5 5\n')
    reader = CkPlusReader(str(tmp_path), 'all', layout='cdfer')
    records = reader.load()
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('test/Anger/c.png', 5, 'test'), ('train/Sad/b.png', 4, 'train'),
        ('train/Surprised/a.png', 0, 'train')]
    np.testing.assert_array_equal(records[2].landmarks, [[1, 2], [3, 4], [5, 6], [7, 8],
                                                         [9, 10]])
    assert records[2].src == (str(crop / 'landmark_5' / 'Surprised' / 'a.txt'), 1)
    assert records[0].landmarks is None  # no landmark file: kept, counted
    assert reader.num_skipped == {'no landmark_5 file (kept without landmarks)': 1}
    write_image_tree(str(tmp_path), ('CK+_Emotion/Val/CK+_Val_crop/Contempt/d.png', ))
    with pytest.raises(DatasetFormatError, match=r"CK\+_Val_crop/Contempt: expected a known "
                                                 r"class folder, found 'Contempt'"):
        CkPlusReader(str(tmp_path), 'test', layout='cdfer').load()
