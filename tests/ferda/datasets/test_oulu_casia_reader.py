import os.path as osp

import pytest

from ferda.datasets.readers import ListFileReader, OuluCasiaReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import OULU_FILES, write_image_tree, write_oulu_cdfer


def test_last_three_frames(tmp_path):
    write_image_tree(str(tmp_path), OULU_FILES)
    records = OuluCasiaReader(str(tmp_path)).load()
    assert [(r.sample_id, r.label) for r in records] == [
        ('P001/Happiness/003', 3), ('P001/Happiness/004', 3), ('P001/Happiness/005', 3)]
    assert records[2].extras == dict(subject='P001', frame=5)
    assert records[2].img_path == osp.join(str(tmp_path), 'VL', 'Strong', 'P001', 'Happiness',
                                           '005.jpeg')
    assert len(OuluCasiaReader(str(tmp_path), frames='all').load()) == 6
    assert OuluCasiaReader(str(tmp_path), frames='last1').load()[0].sample_id == \
        'P001/Happiness/005'


def test_other_light_and_bad_folders(tmp_path):
    write_image_tree(str(tmp_path), OULU_FILES)
    with pytest.raises(DatasetFormatError, match=r'NI/Strong: expected a dataset folder'):
        OuluCasiaReader(str(tmp_path), light='NI').load()
    write_image_tree(str(tmp_path), ('VL/Strong/P002/Neutral/000.jpeg', ))
    with pytest.raises(DatasetFormatError, match=r"P002/Neutral: expected an expression folder "
                                                 r"in \['Anger', .*found 'Neutral'"):
        OuluCasiaReader(str(tmp_path)).load()


def test_non_numbered_frame(tmp_path):
    write_image_tree(str(tmp_path), OULU_FILES + ('VL/Strong/P001/Happiness/peak.jpeg', ))
    with pytest.raises(DatasetFormatError, match=r"peak\.jpeg: expected a numbered frame"):
        OuluCasiaReader(str(tmp_path)).load()
    with pytest.raises(ValueError, match=r"intensity must be one of"):
        OuluCasiaReader(str(tmp_path), intensity='strong')


def test_cdfer_list_labels_are_canonical(tmp_path):
    list_path = write_oulu_cdfer(str(tmp_path))
    reader = OuluCasiaReader(str(tmp_path), layout='cdfer')
    records = reader.load()
    # 0 Surprise, 5 Anger, 3 Happiness: as listed (the MMI table would give Anger, Surprise)
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('P001/Anger/021.jpeg', 5, 'all'), ('P001/Surprise/029.jpeg', 0, 'all'),
        ('P002/Happiness/017.jpeg', 3, 'all')]
    assert records[1].src == (list_path, 1)
    assert records[1].img_path == osp.join(str(tmp_path), 'images', 'P001', 'Surprise',
                                           '029.jpeg')
    assert records[1].landmarks.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]
    assert records[0].landmarks is None
    # the generic list reader agrees when told the labels are canonical
    generic = ListFileReader(str(tmp_path / 'images'), list_path, num_classes=6,
                             labels_are_canonical=True).load()
    assert [r.label for r in generic] == [r.label for r in records]
    with pytest.raises(ValueError, match=r"layout must be one of \('folders', 'cdfer'\)"):
        OuluCasiaReader(str(tmp_path), layout='list')


def test_cdfer_list_bad_label(tmp_path):
    write_oulu_cdfer(str(tmp_path), b'P001/Surprise/029.jpeg 0\nP001/Anger/021.jpeg 6\n')
    with pytest.raises(DatasetFormatError, match=r"list\.txt:2: expected a label in "
                                                 r"\[0, 1, 2, 3, 4, 5\] .*found '6'"):
        OuluCasiaReader(str(tmp_path), layout='cdfer').load()
