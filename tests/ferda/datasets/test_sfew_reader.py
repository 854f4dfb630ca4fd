import os
import os.path as osp

import pytest

from ferda.datasets.readers import SfewReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import SFEW_FILES, write_image_tree, write_sfew


def test_labels_splits_boxes(tmp_path):
    write_sfew(str(tmp_path))
    records = SfewReader(str(tmp_path), 'all').load()
    assert [(r.sample_id, r.label, r.split, r.box) for r in records] == [
        ('Train/Angry/a.png', 5, 'train', (1.0, 2.0, 7.0, 8.0)),
        ('Val/Surprise/b.jpg', 0, 'test', (0.5, 1.5, 6.5, 7.5))]
    assert records[0].src == (osp.join(str(tmp_path), 'Annotations', 'Bboxs', 'Angry',
                                       'a.txt'), 1)
    assert [r.label for r in SfewReader(str(tmp_path), 'test').load()] == [0]


def test_folder_names_case_insensitive_synonyms(tmp_path):
    write_sfew(str(tmp_path), files=('Train/happy/c.png', 'Train/SURPRISED/d.png'),
               boxes={'happy/c': b'0 0 8 8', 'SURPRISED/d': b'0 0 8 8'})
    assert [r.label for r in SfewReader(str(tmp_path), 'train').load()] == [0, 3]
    write_image_tree(str(tmp_path), ('Train/Bored/e.png', ))
    with pytest.raises(DatasetFormatError, match=r"Train/Bored: expected a known class folder, "
                                                 r"found 'Bored'"):
        SfewReader(str(tmp_path), 'train').load()


def test_missing_box(tmp_path):
    write_sfew(str(tmp_path))
    os.remove(osp.join(str(tmp_path), 'Annotations', 'Bboxs', 'Angry', 'a.txt'))
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
    write_sfew(str(tmp_path), files=SFEW_FILES[:1], boxes={'Angry/a': b'1 2 7\n'})
    with pytest.raises(DatasetFormatError, match=r'a\.txt:1: expected 4 numbers x1 y1 x2 y2, '
                                                 r'found 3'):
        SfewReader(str(tmp_path), 'train').load()
    with pytest.raises(ValueError, match=r"on_missing_box must be one of"):
        SfewReader(str(tmp_path), 'train', on_missing_box='crop')
