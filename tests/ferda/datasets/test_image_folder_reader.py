import pytest

from ferda.datasets.readers import ImageFolderReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import write_image_tree

FILES = ('Happy/b.JPG', 'Happy/a.png', 'Angry/z.jpeg', 'Angry/.hidden.jpg', '.git/x.png')


def test_explicit_map_sorted_files(tmp_path):
    write_image_tree(str(tmp_path), FILES)
    reader = ImageFolderReader(str(tmp_path), {'Happy': 3, 'Angry': 5}, split='test')
    records = reader.load()
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('Angry/z.jpeg', 5, 'test'), ('Happy/a.png', 3, 'test'), ('Happy/b.JPG', 3, 'test')]
    assert reader.num_skipped == {}
    assert (reader.name, reader.num_classes) == ('image_folder', 7)


def test_case_insensitive_and_table_name(tmp_path):
    write_image_tree(str(tmp_path), ('ANGRY/a.png', 'surprise/b.png'))
    records = ImageFolderReader(str(tmp_path), 'fer2013_folders', case_insensitive=True).load()
    assert [r.label for r in records] == [5, 0]
    with pytest.raises(DatasetFormatError, match=r"ANGRY: expected a known class folder, found "
                                                 r"'ANGRY' \(known folders: \['angry',"):
        ImageFolderReader(str(tmp_path), 'fer2013_folders').load()


def test_sorted_class_order_only_when_declared(tmp_path):
    write_image_tree(str(tmp_path), FILES)
    records = ImageFolderReader(str(tmp_path), class_order='sorted').load()
    assert [(r.sample_id, r.label) for r in records] == [
        ('Angry/z.jpeg', 0), ('Happy/a.png', 1), ('Happy/b.JPG', 1)]
    with pytest.raises(ValueError, match=r"class_to_label is required .* declare "
                                         r"class_order='sorted'"):
        ImageFolderReader(str(tmp_path))


def test_unknown_ignored_and_empty_folders(tmp_path):
    write_image_tree(str(tmp_path), FILES + ('misc/c.png', 'Sad/notes.txt'))
    with pytest.raises(DatasetFormatError, match=r"misc: expected a known class folder, found "
                                                 r"'misc' \(known folders: .*ignore_folders"):
        ImageFolderReader(str(tmp_path), {'Happy': 3, 'Angry': 5, 'Sad': 4}).load()
    reader = ImageFolderReader(str(tmp_path), {'Happy': 3, 'Angry': 5, 'Sad': 4},
                               ignore_folders=['misc'])
    assert len(reader.load()) == 3
    assert reader.num_skipped == {
        'empty class folder (warning only, nothing dropped)': 1,
        "not an image file (extension not in ('.jpg', '.jpeg', '.png', '.bmp', '.tif', "
        "'.tiff'))": 1}
    with pytest.raises(ValueError, match=r'class_to_label values must be canonical ids in '
                                         r'0\.\.6, got \{\'Sad\': 7\}'):
        ImageFolderReader(str(tmp_path), {'Sad': 7})
