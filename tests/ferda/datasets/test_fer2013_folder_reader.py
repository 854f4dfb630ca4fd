import os.path as osp

import pytest

from ferda.datasets.readers import Fer2013FolderReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import FER2013_FOLDER_FILES, write_image_tree


def test_folders_labels_and_hidden_file(tmp_path):
    write_image_tree(str(tmp_path), FER2013_FOLDER_FILES, grey=True)
    reader = Fer2013FolderReader(str(tmp_path), 'all')
    records = reader.load()
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('test/neutral/im2.jpg', 6, 'test'), ('train/angry/im0.jpg', 5, 'train'),
        ('train/surprise/im1.jpg', 0, 'train')]
    assert records[1].img_path == osp.join(str(tmp_path), 'train', 'angry', 'im0.jpg')
    assert reader.num_skipped == {}  # .DS_Store is hidden, not a skip
    train = Fer2013FolderReader(str(tmp_path), 'train').load()
    assert [r.label for r in train] == [5, 0]
    assert [r.label for r in Fer2013FolderReader(str(tmp_path), 'test').load()] == [6]
    assert Fer2013FolderReader.name == 'fer2013_folders'


def test_unknown_folder_and_non_image(tmp_path):
    write_image_tree(str(tmp_path), FER2013_FOLDER_FILES + ('train/angry/notes.txt', ))
    reader = Fer2013FolderReader(str(tmp_path), 'train')
    assert len(reader.load()) == 2
    assert reader.num_skipped == {
        "not an image file (extension not in ('.jpg', '.jpeg', '.png', '.bmp', '.tif', "
        "'.tiff'))": 1}
    write_image_tree(str(tmp_path), ('train/contempt/im9.jpg', ))
    with pytest.raises(DatasetFormatError, match=r"train/contempt: expected a known class "
                                                 r"folder, found 'contempt' \(class folders "
                                                 r"are \['angry', 'disgust'"):
        Fer2013FolderReader(str(tmp_path), 'train').load()


def test_missing_root_and_bad_split(tmp_path):
    with pytest.raises(DatasetFormatError, match=r'train: expected a dataset folder, found no '
                                                 r'such folder'):
        Fer2013FolderReader(str(tmp_path), 'train').load()
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test', 'all'\)"):
        Fer2013FolderReader(str(tmp_path), 'val')
