import os
import os.path as osp

import pytest

from ferda.datasets.readers import SfewReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import SFEW_FILES, write_bytes, write_image_tree, write_sfew


def test_cdfer_labels_splits_boxes(tmp_path):
    write_sfew(str(tmp_path))
    records = SfewReader(str(tmp_path), 'all').load()
    assert [(r.sample_id, r.label, r.split, r.box) for r in records] == [
        ('Train/Angry/a.png', 5, 'train', (1.0, 2.0, 7.0, 8.0)),
        ('Val/Surprise/b.jpg', 0, 'test', (0.5, 1.5, 6.5, 7.5))]
    assert records[0].src == (osp.join(str(tmp_path), 'SFEW', 'Train', 'Annotations', 'Bboxs',
                                       'Angry', 'a.txt'), 1)
    assert records[0].img_path == osp.join(str(tmp_path), 'SFEW', 'Train', 'imgs', 'Angry',
                                           'a.png')
    assert [r.label for r in SfewReader(str(tmp_path), 'test').load()] == [0]
    # data_root may also be SFEW/ itself; CD-FER's Landmarks_5 are used when present
    write_bytes(osp.join(str(tmp_path), 'SFEW', 'Train', 'Annotations', 'Landmarks_5', 'Angry',
                         'a.txt'), b'1 2\n3 4\n5 6\n7 8\n9 10\n')
    first = SfewReader(str(tmp_path / 'SFEW'), 'train', layout='cdfer').load()[0]
    assert first.landmarks.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]


def test_official_aligned_faces_without_boxes(tmp_path):
    write_sfew(str(tmp_path), files=('Train/Angry/a.png', 'Train/Happy/c.png',
                                     'Val/Surprise/b.png'), layout='official')
    reader = SfewReader(str(tmp_path), 'all')
    assert [(r.sample_id, r.label, r.split, r.box, r.src) for r in reader.load()] == [
        ('Train/Angry/a.png', 5, 'train', None, None),
        ('Train/Happy/c.png', 3, 'train', None, None),
        ('Val/Surprise/b.png', 0, 'test', None, None)]
    assert reader.load()[0].img_path == osp.join(str(tmp_path), 'Train', 'Train_Aligned_Faces',
                                                 'Angry', 'a.png')
    with pytest.raises(DatasetFormatError, match=r'expected SFEW 2\.0 as unpacked: '
                                                 r'Train/Train_Aligned_Faces/ .* found none'):
        SfewReader(str(tmp_path), 'all', layout='cdfer').load()
    with pytest.raises(ValueError, match=r"layout must be one of \('auto', 'official', 'cdfer'"):
        SfewReader(str(tmp_path), 'all', layout='flat')


def test_folder_names_case_insensitive_synonyms(tmp_path):
    write_sfew(str(tmp_path), files=('Train/happy/c.png', 'Train/SURPRISED/d.png'),
               boxes={'Train/happy/c': b'0 0 8 8', 'Train/SURPRISED/d': b'0 0 8 8'})
    assert [r.label for r in SfewReader(str(tmp_path), 'train').load()] == [0, 3]
    write_image_tree(str(tmp_path), ('SFEW/Train/imgs/Bored/e.png', ))
    with pytest.raises(DatasetFormatError, match=r"imgs/Bored: expected a known class folder, "
                                                 r"found 'Bored'"):
        SfewReader(str(tmp_path), 'train').load()


def test_missing_box(tmp_path):
    write_sfew(str(tmp_path))
    os.remove(osp.join(str(tmp_path), 'SFEW', 'Train', 'Annotations', 'Bboxs', 'Angry',
                       'a.txt'))
    with pytest.raises(DatasetFormatError, match=r"a\.png: expected a box file .*a\.txt, found "
                                                 r"no such file \(pass on_missing_box="):
        SfewReader(str(tmp_path), 'train').load()
    reader = SfewReader(str(tmp_path), 'all', on_missing_box='full_image')
    assert [(r.sample_id, r.box is None) for r in reader.load()] == [
        ('Train/Angry/a.png', True), ('Val/Surprise/b.jpg', False)]
    assert reader.num_skipped == {"no box file (on_missing_box='full_image'), kept whole": 1}
    reader = SfewReader(str(tmp_path), 'all', on_missing_box='skip')
    assert [r.sample_id for r in reader.load()] == ['Val/Surprise/b.jpg']
    assert sum(reader.num_skipped.values()) == 1


def test_bad_box_file(tmp_path):
    write_sfew(str(tmp_path), files=SFEW_FILES[:1], boxes={'Train/Angry/a': b'1 2 7\n'})
    with pytest.raises(DatasetFormatError, match=r'a\.txt:1: expected 4 numbers x1 y1 x2 y2, '
                                                 r'found 3'):
        SfewReader(str(tmp_path), 'train').load()
    with pytest.raises(ValueError, match=r"on_missing_box must be one of"):
        SfewReader(str(tmp_path), 'train', on_missing_box='crop')
