import os.path as osp

import pytest

from ferda.datasets.readers import JaffeReader
from ferda.datasets.records import DatasetFormatError
from ferda.datasets.subject_splits import write_subject_file
from .fixtures import JAFFE_FILES, write_bytes, write_image_tree


def test_files_layout(tmp_path):
    write_image_tree(str(tmp_path), JAFFE_FILES + ('README.txt', ), grey=True)
    reader = JaffeReader(str(tmp_path))
    records = reader.load()
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('KA.AN1.39', 5, 'all'), ('KM.SU3.16', 0, 'all')]
    assert records[1].extras == dict(subject='KM', poser_index=3, image_number=16)
    assert records[0].img_path == osp.join(str(tmp_path), 'KA.AN1.39.tiff')
    assert sum(reader.num_skipped.values()) == 1  # README.txt, counted


@pytest.mark.parametrize('name, message', [
    ('XX.ZZ1.1.tiff', r"XX\.ZZ1\.1\.tiff: expected an expression code in \['AN', 'DI', 'FE', "
                      r"'HA', 'NE', 'SA', 'SU'\], found 'ZZ'"),
    ('KA.AN.39.tiff', r"KA\.AN\.39\.tiff: expected a JAFFE name like KA\.AN1\.39\.tiff, "
                      r"found 'KA\.AN\.39\.tiff'"),
])
def test_bad_names(tmp_path, name, message):
    write_image_tree(str(tmp_path), JAFFE_FILES + (name, ), grey=True)
    with pytest.raises(DatasetFormatError, match=message):
        JaffeReader(str(tmp_path)).load()


def test_subject_folds(tmp_path):
    write_image_tree(str(tmp_path), JAFFE_FILES, grey=True)
    fold_file = str(tmp_path / 'folds.csv')
    write_subject_file({'KA': 0, 'KM': 1}, fold_file, 'fold')
    assert [r.sample_id for r in JaffeReader(str(tmp_path), 'test', fold_file=fold_file,
                                             fold=1).load()] == ['KM.SU3.16']
    assert [r.sample_id for r in JaffeReader(str(tmp_path), 'train', fold_file=fold_file,
                                             fold=1).load()] == ['KA.AN1.39']
    with pytest.raises(ValueError, match=r"fold_file=.* needs fold"):
        JaffeReader(str(tmp_path), 'train', fold_file=fold_file)


def test_cdfer_layout(tmp_path):
    root = osp.join(str(tmp_path), 'JAFFE')
    list_path = write_bytes(osp.join(root, 'list', 'list_putao.txt'), b'a.tiff 3\nb.tiff 6\n')
    write_image_tree(osp.join(root, 'images'), ('a.tiff', 'b.tiff'), grey=True)
    write_bytes(osp.join(root, 'annos', 'bbox', 'a.txt'), b'1 2 7 8\n')
    write_bytes(osp.join(root, 'annos', 'bbox', 'b.txt'), b'0 0 8 8\n')
    records = JaffeReader(str(tmp_path), layout='cdfer').load()
    assert [(r.sample_id, r.label, r.box) for r in records] == [
        ('a', 3, (1.0, 2.0, 7.0, 8.0)), ('b', 6, (0.0, 0.0, 8.0, 8.0))]
    assert records[1].src == (list_path, 2)
    write_bytes(list_path, b'a.tiff 3\nb.tiff 7\n')
    with pytest.raises(DatasetFormatError, match=r"list_putao\.txt:2: expected a canonical "
                                                 r"label in 0\.\.6, found '7'"):
        JaffeReader(str(tmp_path), layout='cdfer').load()
    with pytest.raises(ValueError, match=r"layout='cdfer' has one list and no folds"):
        JaffeReader(str(tmp_path), 'train', layout='cdfer')
