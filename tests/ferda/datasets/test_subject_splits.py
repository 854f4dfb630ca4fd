import pytest

from ferda.datasets.records import DatasetFormatError
from ferda.datasets.subject_splits import (make_subject_folds, make_subject_split,
                                           read_subject_file, write_subject_file)


def test_folds_balanced_seeded_and_round_trip(tmp_path):
    subjects = [f'S{i:03d}' for i in range(23)] * 2
    folds = make_subject_folds(subjects, num_folds=10, seed=3)
    assert sorted(folds) == sorted(set(subjects))
    sizes = sorted(list(folds.values()).count(k) for k in range(10))
    assert sizes == [2] * 7 + [3] * 3
    assert folds == make_subject_folds(reversed(subjects), 10, seed=3)  # order-independent
    assert folds != make_subject_folds(subjects, 10, seed=4)
    path = str(tmp_path / 'ckplus_folds10_seed3.csv')
    digest = write_subject_file(folds, path, 'fold')
    assert read_subject_file(path, 'fold') == folds
    assert open(f'{path}.sha256').read() == f'{digest}  ckplus_folds10_seed3.csv\n'


def test_split_fraction():
    split = make_subject_split([f'F{i:02d}' for i in range(1, 36)], 0.8, seed=0)
    assert list(split.values()).count('train') == 28  # floor(0.8 * 35 + 0.5)


def test_read_errors(tmp_path):
    path = tmp_path / 'f.csv'
    path.write_bytes(b'subject,fold\nS005,1\nS005,2\n')
    with pytest.raises(DatasetFormatError, match=r"f\.csv:3: expected each subject once, found "
                                                 r"'S005' again \(first at line 2\)"):
        read_subject_file(str(path), 'fold')
    path.write_bytes(b'subject,split\nF01,val\n')
    with pytest.raises(DatasetFormatError, match=r"f\.csv:2: expected a split in \('train', "
                                                 r"'test'\), found 'val'"):
        read_subject_file(str(path), 'split')
    with pytest.raises(DatasetFormatError, match=r"f\.csv:1: expected the header subject,fold"):
        read_subject_file(str(path), 'fold')
