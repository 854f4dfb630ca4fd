import os
import os.path as osp

import numpy as np
import pytest

from ferda.datasets.readers import RafDbReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import RAFDB_MANUAL, write_bytes, write_rafdb

LABEL_FILE = osp.join('basic', 'EmoLabel', 'list_patition_label.txt')


def labels_of(root, split, **kwargs):
    return [(r.sample_id, r.label) for r in RafDbReader(str(root), split, **kwargs).load()]


def test_fixture_splits_labels_paths(tmp_path):
    label_path = write_rafdb(str(tmp_path))
    train = RafDbReader(str(tmp_path), 'train').load()
    assert [(r.sample_id, r.label, r.split) for r in train] == [
        ('train_00001', 0, 'train'), ('train_00002', 6, 'train')]
    assert [r.src for r in train] == [(label_path, 1), (label_path, 2)]
    assert all(r.img_path.endswith('_aligned.jpg') and osp.isfile(r.img_path) for r in train)
    assert train[0].img_path == osp.join(str(tmp_path), 'basic', 'Image', 'aligned',
                                         'train_00001_aligned.jpg')
    assert train[0].box is None and train[0].landmarks is None
    assert labels_of(tmp_path, 'test') == [('test_0001', 3)]
    assert [r.split for r in RafDbReader(str(tmp_path), 'all').load()] == [
        'test', 'train', 'train']


def test_reader_surface_and_cache(tmp_path):
    write_rafdb(str(tmp_path))
    reader = RafDbReader(str(tmp_path), 'train')
    assert (reader.name, reader.num_classes) == ('rafdb', 7)
    assert reader.class_names[0] == 'Surprise'
    first, second = reader.load(), reader.load()
    assert first == second and first[0] is second[0]
    first.clear()  # the caller's list is a copy
    assert len(reader.load()) == 2


def test_bom_and_crlf_everywhere(tmp_path):
    write_rafdb(str(tmp_path), labels=b'\xef\xbb\xbftrain_00001.jpg 1\r\n\r\ntest_0001.jpg\t4\r\n')
    assert labels_of(tmp_path, 'all') == [('test_0001', 3), ('train_00001', 0)]
    # the blank line still counts for line numbers
    assert RafDbReader(str(tmp_path), 'test').load()[0].src[1] == 3


@pytest.mark.parametrize('line2, message', [
    (b'train_00002.jpg 8', r'list_patition_label\.txt:2: expected a label code in '
                           r'\[1, 2, 3, 4, 5, 6, 7\], found \'8\''),
    (b'train_00002.jpg 0', r'list_patition_label\.txt:2: expected a label code in'),
    (b'train_00002.jpg 3.0', r'list_patition_label\.txt:2: expected an integer label code, '
                             r"found '3\.0'"),
    (b'train_00002.jpg 3 1', r"list_patition_label\.txt:2: expected 2 fields 'name code', "
                             r'found 3'),
    (b'val_00002.jpg 3', r"list_patition_label\.txt:2: expected an image name starting with "
                         r"'train_' or 'test_', found 'val_00002\.jpg'"),
])
def test_bad_lines(tmp_path, line2, message):
    write_rafdb(str(tmp_path), labels=b'train_00001.jpg 1\n' + line2 + b'\n')
    with pytest.raises(DatasetFormatError, match=message):
        RafDbReader(str(tmp_path), 'train').load()


def test_duplicate_cites_both_lines(tmp_path):
    write_rafdb(str(tmp_path), labels=b'train_00001.jpg 1\ntest_0001.jpg 4\n'
                b'train_00001.jpg 2\n')
    with pytest.raises(DatasetFormatError,
                       match=r"\.txt:3: expected each image once, found 'train_00001\.jpg' "
                             r'again \(first at line 1\)'):
        RafDbReader(str(tmp_path), 'test').load()


def test_missing_label_file(tmp_path):
    with pytest.raises(DatasetFormatError, match=r'list_patition_label\.txt: expected an '
                                                 r'annotation file, found no such file'):
        RafDbReader(str(tmp_path), 'train').load()


def test_missing_image_error_and_skip(tmp_path):
    write_rafdb(str(tmp_path))
    os.remove(osp.join(str(tmp_path), 'basic', 'Image', 'aligned', 'train_00002_aligned.jpg'))
    with pytest.raises(DatasetFormatError,
                       match=r'list_patition_label\.txt:2: expected image file .*'
                             r"train_00002_aligned\.jpg, found no such file \(pass "
                             r"on_missing_image='skip'"):
        RafDbReader(str(tmp_path), 'train').load()
    reader = RafDbReader(str(tmp_path), 'train', on_missing_image='skip')
    assert [r.sample_id for r in reader.load()] == ['train_00001']
    assert sum(reader.num_skipped.values()) == 1


def test_val_split_file(tmp_path):
    write_rafdb(str(tmp_path))
    val_file = write_bytes(str(tmp_path / 'val.txt'), b'\xef\xbb\xbftrain_00002.jpg\r\n\r\n')
    assert labels_of(tmp_path, 'val', val_split_file=val_file) == [('train_00002', 6)]
    assert labels_of(tmp_path, 'train', val_split_file=val_file) == [('train_00001', 0)]
    assert labels_of(tmp_path, 'test', val_split_file=val_file) == [('test_0001', 3)]
    splits = [r.split for r in RafDbReader(str(tmp_path), 'all', val_split_file=val_file).load()]
    assert splits == ['test', 'train', 'val']


def test_val_split_errors(tmp_path):
    write_rafdb(str(tmp_path))
    with pytest.raises(ValueError, match="split='val' needs val_split_file"):
        RafDbReader(str(tmp_path), 'val')
    val_file = write_bytes(str(tmp_path / 'val.txt'), b'train_00002.jpg\ntest_0001.jpg\n')
    with pytest.raises(DatasetFormatError, match=r"val\.txt:2: expected a train image name .*"
                                                 r"found 'test_0001\.jpg'"):
        RafDbReader(str(tmp_path), 'val', val_split_file=val_file).load()
    write_bytes(val_file, b'train_00002.jpg\ntrain_00002.jpg\n')
    with pytest.raises(DatasetFormatError, match=r'val\.txt:2: .*first at line 1'):
        RafDbReader(str(tmp_path), 'val', val_split_file=val_file).load()


def test_original_variant_boxes(tmp_path):
    write_rafdb(str(tmp_path), labels=b'train_00001.jpg 1\n', variant='original',
                boxes={'train_00001': b'10.5 12.0 80.2 90.1\n'})
    (record, ) = RafDbReader(str(tmp_path), 'train', variant='original').load()
    assert record.box == (10.5, 12.0, 80.2, 90.1)
    assert record.img_path.endswith(osp.join('original', 'train_00001.jpg'))
    write_rafdb(str(tmp_path), labels=b'train_00001.jpg 1\n', variant='original',
                boxes={'train_00001': b'10.5 12.0 80.2\n'})
    with pytest.raises(DatasetFormatError, match=r'train_00001_boundingbox\.txt:1: expected 4 '
                                                 r'numbers x1 y1 x2 y2, found 3'):
        RafDbReader(str(tmp_path), 'train', variant='original').load()


def test_cdfer_box_naming(tmp_path):
    write_rafdb(str(tmp_path), labels=b'train_00001.jpg 1\n', variant='original',
                boxes={'train_00001': b'1 2 30 40\n'}, box_naming='cdfer')
    (record, ) = RafDbReader(str(tmp_path), 'train', variant='original',
                             box_naming='cdfer').load()
    assert record.box == (1.0, 2.0, 30.0, 40.0)
    with pytest.raises(DatasetFormatError, match=r'train_00001_boundingbox\.txt: expected an '
                                                 r'annotation file, found no such file'):
        RafDbReader(str(tmp_path), 'train', variant='original').load()


def test_manual_landmarks(tmp_path):
    write_rafdb(str(tmp_path), labels=b'train_00001.jpg 1\ntest_0001.jpg 2\n',
                variant='original', boxes={'train_00001': b'1 2 30 40\n',
                                           'test_0001': b'1 2 30 40\n'},
                manual={'train_00001': RAFDB_MANUAL, 'test_0001': RAFDB_MANUAL[:30]})
    reader = RafDbReader(str(tmp_path), 'train', variant='original', landmarks='manual')
    (record, ) = reader.load()
    np.testing.assert_array_equal(record.landmarks, [[30.5, 40.25], [70, 41], [50, 60],
                                                     [35, 80], [66, 81.5]])
    with pytest.raises(DatasetFormatError, match=r"test_0001_manu_attri\.txt:3: expected 5 "
                                                 r"landmark lines 'x y', found 3 line"):
        RafDbReader(str(tmp_path), 'test', variant='original', landmarks='manual').load()
    assert RafDbReader(str(tmp_path), 'test', variant='original').load()[0].landmarks is None


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"split must be one of .* got 'dev'"):
        RafDbReader(str(tmp_path), 'dev')
    with pytest.raises(ValueError, match=r"variant must be one of .* got 'crop'"):
        RafDbReader(str(tmp_path), 'train', variant='crop')
    with pytest.raises(ValueError, match=r"box_naming must be one of \('official', 'cdfer'\)"):
        RafDbReader(str(tmp_path), 'train', box_naming='plain')
    with pytest.raises(ValueError, match=r"landmarks must be one of \(None, 'manual'\)"):
        RafDbReader(str(tmp_path), 'train', landmarks='auto')
    with pytest.raises(ValueError, match=r"on_missing_image must be one of .* got 'ignore'"):
        RafDbReader(str(tmp_path), 'train', on_missing_image='ignore')


@pytest.mark.parametrize('content', [b'', b'\r\n  \n'])
def test_empty_label_file_is_reported_as_empty(tmp_path, content):
    # before: the validation split file was blamed ("val.txt:1: expected a train image name")
    label_path = write_rafdb(str(tmp_path), labels=content)
    write_bytes(str(tmp_path / 'val.txt'), b'train_00001.jpg\n')
    with pytest.raises(DatasetFormatError,
                       match=rf'^{label_path}: the list is empty \(no non-blank line\)$'):
        RafDbReader(str(tmp_path), 'train', val_split_file=str(tmp_path / 'val.txt')).load()


def test_empty_validation_split_file_is_an_empty_split(tmp_path):
    # a tiny dataset's stratified hold-out may select nothing (SynFER with few faces does)
    write_rafdb(str(tmp_path))
    write_bytes(str(tmp_path / 'val.txt'), b'\n')
    reader = RafDbReader(str(tmp_path), 'val', val_split_file=str(tmp_path / 'val.txt'))
    assert reader.load(allow_empty=True) == []
    # zero records is still an error where the caller did not allow it (every reader's rule)
    with pytest.raises(DatasetFormatError, match="expected at least one RafDbReader record for "
                       "split 'val'"):
        reader.load()


def test_label_file_replaces_the_label_list(tmp_path):
    """``label_file`` (e.g. a ``ferda noise`` copy) is read instead of the dataset's list;
    its errors name that file and line."""
    write_rafdb(str(tmp_path))
    noisy = write_bytes(str(tmp_path / 'noisy.txt'),
                        b'test_0001.jpg 4\ntrain_00001.jpg 2\ntrain_00002.jpg 7\n')
    train = RafDbReader(str(tmp_path), 'train', label_file=noisy).load()
    assert [(r.sample_id, r.label) for r in train] == [('train_00001', 1), ('train_00002', 6)]
    assert train[0].src == (noisy, 2)
    bad = write_bytes(str(tmp_path / 'bad.txt'), b'train_00001.jpg 2\ntrain_00002.jpg 9\n')
    with pytest.raises(DatasetFormatError, match=r'bad\.txt:2: expected a label code'):
        RafDbReader(str(tmp_path), 'train', label_file=bad).load()
