import os
import os.path as osp

import pytest

from ferda.datasets.readers import ExpwReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import EXPW_LABELS, EXPW_SPLIT, write_expw


def read(root, split='all', split_file='default', **kwargs):
    if split_file == 'default':
        split_file = osp.join(str(root), 'splits', 'expw_seed0.csv')
    return ExpwReader(str(root), split, split_file=split_file, **kwargs).load()


def test_example_line_box_and_label(tmp_path):
    label_path = write_expw(str(tmp_path))
    reader = ExpwReader(str(tmp_path), 'all', split_file=osp.join(str(tmp_path), 'splits',
                                                                  'expw_seed0.csv'))
    records = reader.load()
    # the real file's quirks: line 7 repeats line 3 exactly, line 8 has right <= left
    assert reader.skip_examples == {
        'exact duplicate line (kept once)': [f'{label_path}:7 (same as line 3)'],
        'degenerate box (right <= left or bottom <= top)': [
            f'{label_path}:8 fear_kid_11.jpg#1 top=10 left=30 right=30 bottom=20']}
    by_id = {r.sample_id: r for r in records}
    assert [r.sample_id for r in records] == sorted(by_id)
    assert len(records) == 6
    first = by_id['angry_actor_104.jpg#0']
    assert first.box == (113, 28, 226, 141)
    assert first.label == 5
    assert first.extras == dict(image_name='angry_actor_104.jpg', face_id=0, confidence=22.9362)
    assert first.src == (label_path, 1)
    assert first.img_path == osp.join(str(tmp_path), 'image', 'origin', 'angry_actor_104.jpg')
    assert by_id['angry_actor_104.jpg#1'].label == 0  # code 5 Surprise
    assert [by_id[k].label for k in ('happy_girl_2.jpg#0', 'sad_man_7.jpg#0',
                                     'neutral_face_9.jpg#0', 'fear_kid_11.jpg#0')] == [3, 4, 6, 1]
    assert ExpwReader.name == 'expw'


def test_split_membership(tmp_path):
    write_expw(str(tmp_path))
    assert [r.sample_id for r in read(tmp_path, 'train')] == [
        'angry_actor_104.jpg#0', 'angry_actor_104.jpg#1', 'happy_girl_2.jpg#0']
    assert [r.sample_id for r in read(tmp_path, 'val')] == ['fear_kid_11.jpg#0']
    assert [r.sample_id for r in read(tmp_path, 'test')] == ['neutral_face_9.jpg#0',
                                                             'sad_man_7.jpg#0']
    assert {r.split for r in read(tmp_path, 'all', split_file=None)} == {'all'}


def test_crlf_bom_repeated_whitespace(tmp_path):
    labels = b'\xef\xbb\xbf' + EXPW_LABELS.replace(b'\n', b'\r\n').replace(b' ', b'  ')
    write_expw(str(tmp_path), labels=labels + b'\r\n',
               split=b'\xef\xbb\xbf' + EXPW_SPLIT.replace(b'\n', b'\r\n'))
    assert len(read(tmp_path)) == 6


def test_face_missing_from_split_file(tmp_path):
    split = EXPW_SPLIT.replace(b'sad_man_7.jpg,0,test\n', b'')
    write_expw(str(tmp_path), split=split)
    with pytest.raises(DatasetFormatError, match=r"label\.lst:4: expected every face in the "
                                                 r"split file .*'sad_man_7\.jpg#0' missing"):
        read(tmp_path, 'train')


def test_split_file_errors(tmp_path):
    # a row for a skipped (degenerate) face is allowed; a face not in label.lst is not
    write_expw(str(tmp_path), split=EXPW_SPLIT + b'fear_kid_11.jpg,1,val\nghost.jpg,0,train\n')
    with pytest.raises(DatasetFormatError, match=r"expw_seed0\.csv:9: expected a face listed "
                                                 r"in .*'ghost\.jpg#0'"):
        read(tmp_path)
    write_expw(str(tmp_path), split=EXPW_SPLIT.replace(b'fear_kid_11.jpg,0,val',
                                                       b'fear_kid_11.jpg,0,dev'))
    with pytest.raises(DatasetFormatError, match=r"csv:4: expected a split in .*found 'dev'"):
        read(tmp_path)
    write_expw(str(tmp_path), split=b'image,face,split\n')
    with pytest.raises(DatasetFormatError, match=r'csv:1: expected the header '
                                                 r'image_name,face_id,split'):
        read(tmp_path)
    with pytest.raises(ValueError, match=r"split='train' needs split_file"):
        ExpwReader(str(tmp_path), 'train')


def test_duplicate_face_cites_both_lines(tmp_path):
    write_expw(str(tmp_path), labels=EXPW_LABELS + b'sad_man_7.jpg 0 1 2 30 33 12.25 1\n')
    with pytest.raises(DatasetFormatError,
                       match=r"label\.lst:9: expected each \(image_name, face_id\) once, found "
                             r"'sad_man_7\.jpg#0' again \(first at line 4\)"):
        read(tmp_path, split_file=None)


@pytest.mark.parametrize('line, message', [
    (b'x.jpg 0 1 2 30 33 12.25 7', r"label\.lst:9: expected a label code in "
                                   r"\[0, 1, 2, 3, 4, 5, 6\], found '7'"),
    (b'x.jpg 0 1 2 30 33 12.25', r'label\.lst:9: expected 8 fields: .* found 7'),
    (b'x.jpg 0 1 2 30 33 12.25 3.0', r'label\.lst:9: expected 8 fields: .*\(integers but '),
])
def test_bad_lines(tmp_path, line, message):
    write_expw(str(tmp_path), labels=EXPW_LABELS + line + b'\n')
    with pytest.raises(DatasetFormatError, match=message):
        read(tmp_path, split_file=None)


def test_missing_image_error_and_skip(tmp_path):
    write_expw(str(tmp_path))
    os.remove(osp.join(str(tmp_path), 'image', 'origin', 'happy_girl_2.jpg'))
    with pytest.raises(DatasetFormatError, match=r'label\.lst:3: expected image file .*'
                                                 r'happy_girl_2\.jpg'):
        read(tmp_path)
    reader = ExpwReader(str(tmp_path), 'train', split_file=osp.join(
        str(tmp_path), 'splits', 'expw_seed0.csv'), on_missing_image='skip')
    assert [r.sample_id for r in reader.load()] == ['angry_actor_104.jpg#0',
                                                    'angry_actor_104.jpg#1']
    assert reader.num_skipped["image file missing (on_missing_image='skip')"] == 1
