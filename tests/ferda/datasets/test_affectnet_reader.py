import math
import os.path as osp

import numpy as np
import pytest

from ferda.datasets.readers import AffectNetReader, affectnet_val_holdout
from ferda.datasets.records import DatasetFormatError
from ferda.datasets.splits import write_id_list
from .fixtures import (AFFECTNET_HEADER, AFFECTNET_TRAIN_ROWS, AFFECTNET_VAL_ROWS,
                       affectnet_landmarks, write_affectnet, write_affectnet_npy)


def with_row(index, **changes):
    """AFFECTNET_TRAIN_ROWS with row ``index`` changed (columns by header name)."""
    columns = ('path', 'x', 'y', 'w', 'h', 'landmarks', 'expression', 'valence', 'arousal')
    rows = [list(r) for r in AFFECTNET_TRAIN_ROWS]
    for key, value in changes.items():
        rows[index][columns.index(key)] = value
    return [tuple(r) for r in rows]


def test_seven_class_labels_and_skips(tmp_path):
    train_path = write_affectnet(str(tmp_path))
    reader = AffectNetReader(str(tmp_path), 'train')
    records = reader.load()
    # codes 0, 3, 7, 8, 10, 6 -> Neutral, Surprise, (Contempt), (None), (Non-Face), Anger
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('1/a.jpg', 6, 'train'), ('1/b.jpg', 0, 'train'), ('1/f.jpg', 5, 'train')]
    assert reader.num_skipped == {
        'expression 7 (Contempt) in 7-class mode': 1,
        'expression 8 (None) is not an emotion class': 1,
        'expression 10 (Non-Face) is not an emotion class': 1}
    assert reader.num_va_missing == 0  # the VA -2 row is a skipped one
    first = records[0]
    assert first.box == (10, 20, 40, 60)
    assert first.img_path == osp.join(str(tmp_path), 'Manually_Annotated_Images', '1', 'a.jpg')
    assert first.src == (train_path, 2)
    assert first.landmarks.shape == (68, 2)
    np.testing.assert_array_equal(first.landmarks[3], [1.5, 1.75])
    assert first.extras == dict(valence=0.1, arousal=-0.2)
    assert (reader.name, reader.num_classes) == ('affectnet', 7)


def test_eight_class_keeps_contempt(tmp_path):
    write_affectnet(str(tmp_path))
    reader = AffectNetReader(str(tmp_path), 'train', num_classes=8)
    assert [r.label for r in reader.load()] == [6, 0, 7, 5]
    assert reader.class_names[7] == 'Contempt' and sum(reader.num_skipped.values()) == 2


def test_test_is_official_validation(tmp_path):
    write_affectnet(str(tmp_path))
    assert [(r.sample_id, r.label, r.split) for r in
            AffectNetReader(str(tmp_path), 'test').load()] == [('2/g.jpg', 3, 'test')]
    assert [r.split for r in AffectNetReader(str(tmp_path), 'all').load()] == [
        'train', 'train', 'train', 'test']


def test_unavailable_va_is_nan_and_counted(tmp_path):
    write_affectnet(str(tmp_path), train_rows=with_row(1, valence='-2', arousal='-2'))
    reader = AffectNetReader(str(tmp_path), 'train')
    b = reader.load()[1]
    assert b.sample_id == '1/b.jpg' and math.isnan(b.extras['valence'])
    assert math.isnan(b.extras['arousal']) and reader.num_va_missing == 1
    with pytest.raises(DatasetFormatError, match=r'training\.csv:3: expected valence and '
                                                 r'arousal in \[-1, 1\] \(use_va=True'):
        AffectNetReader(str(tmp_path), 'train', use_va=True).load()
    write_affectnet(str(tmp_path), train_rows=with_row(1, arousal='1.5'))
    reader = AffectNetReader(str(tmp_path), 'train')
    assert math.isnan(reader.load()[1].extras['valence']) and reader.num_va_missing == 1


def test_val_carve_out(tmp_path):
    write_affectnet(str(tmp_path))
    train = AffectNetReader(str(tmp_path), 'train').load()
    # one record per class: floor(0.05 * 1 + 0.5) = 0 held out, floor(0.5 * 1 + 0.5) = 1
    assert affectnet_val_holdout(train, seed=0) == []
    assert affectnet_val_holdout(train, seed=0, fraction=0.5) == ['1/a.jpg', '1/b.jpg',
                                                                  '1/f.jpg']
    val_file = str(tmp_path / 'splits' / 'affectnet_val_seed0.txt')
    write_id_list(['1/b.jpg'], val_file)
    assert [r.sample_id for r in AffectNetReader(str(tmp_path), 'val',
                                                 val_split_file=val_file).load()] == ['1/b.jpg']
    assert [r.sample_id for r in AffectNetReader(str(tmp_path), 'train',
                                                 val_split_file=val_file).load()] == [
        '1/a.jpg', '1/f.jpg']
    write_id_list(['2/g.jpg'], val_file)
    with pytest.raises(DatasetFormatError, match=r"seed0\.txt:1: expected a "
                                                 r"subDirectory_filePath of .*training\.csv"):
        AffectNetReader(str(tmp_path), 'val', val_split_file=val_file).load()
    with pytest.raises(ValueError, match=r"split='val' needs val_split_file"):
        AffectNetReader(str(tmp_path), 'val')


@pytest.mark.parametrize('changes, message', [
    (dict(landmarks=affectnet_landmarks(135)),
     r"training\.csv:3: expected 136 ';'-separated facial_landmarks numbers, found 135"),
    (dict(expression='11'), r'training\.csv:3: expected an expression code in '
                            r'\[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\], found \'11\''),
    (dict(expression='3.0'), r"training\.csv:3: expected an integer expression code, "
                             r"found '3\.0'"),
    (dict(valence='high'), r"training\.csv:3: expected a number for valence, found 'high'"),
    (dict(path='1/a.jpg'), r"training\.csv:3: expected each subDirectory_filePath once, "
                           r"found '1/a\.jpg' again \(first at .*training\.csv:2\)"),
    (dict(w='-3'), r'training\.csv:3: expected a box x1 y1 x2 y2 with x1 < x2'),
])
def test_bad_rows(tmp_path, changes, message):
    write_affectnet(str(tmp_path), train_rows=with_row(1, **changes))
    with pytest.raises(DatasetFormatError, match=message):
        AffectNetReader(str(tmp_path), 'train').load()


def test_header_missing_file_and_missing_image(tmp_path):
    with pytest.raises(DatasetFormatError, match=r': expected AffectNet as unpacked: '
                                                 r'Manually_Annotated_file_lists/.*found none'):
        AffectNetReader(str(tmp_path), 'train').load()
    write_affectnet(str(tmp_path), header=b'subDirectory_filePath,face_x,face_y')
    with pytest.raises(DatasetFormatError, match=r'training\.csv:1: expected the header '
                                                 r'subDirectory_filePath,face_x,'):
        AffectNetReader(str(tmp_path), 'train').load()
    write_affectnet(str(tmp_path), val_rows=AFFECTNET_VAL_ROWS + [
        ('2/ghost.jpg',) + AFFECTNET_VAL_ROWS[0][1:]])
    (tmp_path / 'Manually_Annotated_Images' / '2' / 'ghost.jpg').unlink()
    with pytest.raises(DatasetFormatError, match=r'validation\.csv:3: expected image file '
                                                 r'.*ghost\.jpg'):
        AffectNetReader(str(tmp_path), 'test').load()
    reader = AffectNetReader(str(tmp_path), 'test', on_missing_image='skip')
    assert [r.sample_id for r in reader.load()] == ['2/g.jpg']
    with pytest.raises(ValueError, match='num_classes must be 7 or 8, got 6'):
        AffectNetReader(str(tmp_path), 'train', num_classes=6)


def test_csv_files_at_the_root_and_hash_header(tmp_path):
    train_path = write_affectnet(str(tmp_path), list_dir='', header=b'#' + AFFECTNET_HEADER)
    assert train_path == osp.join(str(tmp_path), 'training.csv')
    records = AffectNetReader(str(tmp_path), 'train').load()
    assert [r.sample_id for r in records] == ['1/a.jpg', '1/b.jpg', '1/f.jpg']
    assert records[0].src == (train_path, 2)


def test_zero_byte_image_keeps_its_csv_line(tmp_path):
    # validation.csv of the release lists a zero-byte image; the reader does not decode, the
    # record names its csv line for the decoder's error or counted skip
    rows = AFFECTNET_VAL_ROWS + [('2/empty.jpg', ) + AFFECTNET_VAL_ROWS[0][1:]]
    write_affectnet(str(tmp_path), val_rows=rows, empty_images=('2/empty.jpg', ))
    empty = AffectNetReader(str(tmp_path), 'test').load()[0]
    assert empty.sample_id == '2/empty.jpg' and osp.getsize(empty.img_path) == 0
    assert empty.src == (osp.join(str(tmp_path), 'Manually_Annotated_file_lists',
                                  'validation.csv'), 3)


def test_npy_release(tmp_path):
    write_affectnet_npy(str(tmp_path), {
        'train_set': {0: ('3', '0.25', '-0.5'), 12: ('7', '0.1', '0.1'), 2: ('9', '0', '0')},
        'val_set': {5: ('0', '-2', '-2')}})
    reader = AffectNetReader(str(tmp_path), 'all')
    records = reader.load()
    # 7-class: Contempt (7) and Uncertain (9) are counted skips
    assert [(r.sample_id, r.label, r.split, r.box) for r in records] == [
        ('train_set/0', 0, 'train', None), ('val_set/5', 6, 'test', None)]
    assert records[0].img_path == osp.join(str(tmp_path), 'train_set', 'images', '0.jpg')
    assert records[0].extras == dict(valence=0.25, arousal=-0.5)
    assert records[0].landmarks.shape == (68, 2)
    assert records[0].src == (osp.join(str(tmp_path), 'train_set', 'annotations',
                                       '0_exp.npy'), None)
    assert math.isnan(records[1].extras['valence'])
    assert sum(reader.num_skipped.values()) == 2
    eight = AffectNetReader(str(tmp_path), 'train', num_classes=8, layout='npy').load()
    assert [(r.sample_id, r.label) for r in eight] == [('train_set/0', 0), ('train_set/12', 7)]
    with pytest.raises(ValueError, match=r"layout must be one of \('auto', 'csv', 'npy'\)"):
        AffectNetReader(str(tmp_path), 'train', layout='folders')
