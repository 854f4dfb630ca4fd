import pytest

from ferda.datasets.readers import ListFileReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import write_bytes, write_image_tree

LIST = (b'\xef\xbb\xbf# path label valence arousal\r\n'
        b'imgs/a.jpg 3 0.1 -0.2\r\n'
        b'\r\n'
        b'imgs/b.jpg  0   0.5 0.5\n')
EXTRA = [('valence', float), ('arousal', 'float')]


def reader(root, data=LIST, **kwargs):
    write_image_tree(str(root), ('imgs/a.jpg', 'imgs/b.jpg', 'imgs/with space.jpg'))
    write_bytes(str(root / 'list.txt'), data)
    kwargs.setdefault('labels_are_canonical', True)
    kwargs.setdefault('extra_columns', EXTRA)
    return ListFileReader(str(root), 'list.txt', num_classes=7, **kwargs)


def test_extras_comment_bom_crlf(tmp_path):
    records = reader(tmp_path).load()
    assert [(r.sample_id, r.label, r.split, r.extras) for r in records] == [
        ('imgs/a.jpg', 3, 'all', dict(valence=0.1, arousal=-0.2)),
        ('imgs/b.jpg', 0, 'all', dict(valence=0.5, arousal=0.5))]
    assert [r.src[1] for r in records] == [2, 4]


def test_tab_and_comma_with_spaces_in_paths(tmp_path):
    data = b'path\tlabel\nimgs/with space.jpg\t4\nimgs/a.jpg\t5\n'
    records = reader(tmp_path, data, sep='\t', has_header=True, extra_columns=()).load()
    assert [(r.sample_id, r.label) for r in records] == [('imgs/a.jpg', 5),
                                                         ('imgs/with space.jpg', 4)]
    records = reader(tmp_path, b'imgs/with space.jpg,1,0.3,0.4\n', sep=',',
                     split='test').load()
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('imgs/with space.jpg', 1, 'test')]


def test_label_map_table_six_classes(tmp_path):
    records = reader(tmp_path, b'imgs/a.jpg 0\nimgs/b.jpg 5\n', labels_are_canonical=False,
                     label_map='cdfer_6class', extra_columns=()).load()
    assert [r.label for r in records] == [5, 0]
    write_bytes(str(tmp_path / 'six.txt'), b'imgs/a.jpg 3\n')
    six = ListFileReader(str(tmp_path), 'six.txt', num_classes=6, label_map='cdfer_6class')
    assert six.class_names == ('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger')
    with pytest.raises(ValueError, match=r'label_map values must be canonical ids in 0\.\.5'):
        ListFileReader(str(tmp_path), 'six.txt', num_classes=6, label_map={0: 6})


def test_absolute_paths(tmp_path):
    data = b'/home/author/data/imgs/a.jpg 3 0 0\n'
    with pytest.raises(DatasetFormatError, match=r"list\.txt:1: expected a path relative to "
                                                 r"data_root .*found '/home/author/data/imgs"):
        reader(tmp_path, data).load()
    (record, ) = reader(tmp_path, data, keep_last_components=2).load()
    assert record.sample_id == 'imgs/a.jpg'
    (record, ) = reader(tmp_path, data, path_rewrite={'/home/author/data/': ''}).load()
    assert record.sample_id == 'imgs/a.jpg'


@pytest.mark.parametrize('line, message', [
    (b'imgs/b.jpg 3.0 0 0', r"list\.txt:2: expected an integer label, found '3\.0'"),
    (b'imgs/b.jpg 7 0 0', r"list\.txt:2: expected a label code in \[0, 1, 2, 3, 4, 5, 6\], "
                          r"found '7'"),
    (b'imgs/b.jpg 3 0', r"list\.txt:2: expected 4 columns \(path label valence arousal\), "
                        r"found 3"),
    (b'imgs/b.jpg 3 0 x', r"list\.txt:2: expected float arousal, found 'x'"),
    (b'imgs/a.jpg 3 0 0', r"list\.txt:2: expected each path once, found 'imgs/a\.jpg' again "
                          r"\(first at line 1\)"),
    (b'imgs/c.jpg 3 0 0', r"list\.txt:2: expected image file .*imgs/c\.jpg"),
])
def test_bad_lines(tmp_path, line, message):
    with pytest.raises(DatasetFormatError, match=message):
        reader(tmp_path, b'imgs/a.jpg 3 0 0\n' + line + b'\n').load()


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r'give exactly one of label_map .* and '
                                         r'labels_are_canonical=True'):
        ListFileReader(str(tmp_path), 'list.txt', num_classes=7)
    with pytest.raises(ValueError, match=r"sep must be one of \(None, '\\t', ','\), got ';'"):
        ListFileReader(str(tmp_path), 'list.txt', num_classes=7, labels_are_canonical=True,
                       sep=';')
    with pytest.raises(ValueError, match=r'extra_columns types must be float, int or str'):
        ListFileReader(str(tmp_path), 'list.txt', num_classes=7, labels_are_canonical=True,
                       extra_columns=[('v', list)])


@pytest.mark.parametrize('data, has_header, message', [
    (b'', False, r'list.txt: the list is empty \(no non-blank line\)'),
    (b'# only a comment\n', False, r'list.txt: the list is empty \(no entry after comments\)'),
    (b'path label valence arousal\n', True,
     r'list.txt: the list is empty \(no entry after comments and the header\)'),
])
def test_empty_list(tmp_path, data, has_header, message):
    with pytest.raises(DatasetFormatError, match=message):
        reader(tmp_path, data, has_header=has_header).load()


VIEWS_LIST = (b'rgb/a.jpg depth/a.png 3 0.1 -0.2\n'
              b'rgb/b.jpg depth/b.png 0 0.5 0.5\n')


def test_named_view_columns(tmp_path):
    write_image_tree(str(tmp_path), ('rgb/a.jpg', 'rgb/b.jpg', 'depth/a.png', 'depth/b.png'))
    records = reader(tmp_path, VIEWS_LIST, views=('rgb', 'depth')).load()
    root = str(tmp_path)
    assert [(r.sample_id, r.img_path, r.views, r.label, r.extras) for r in records] == [
        ('rgb/a.jpg', f'{root}/rgb/a.jpg',
         dict(rgb=f'{root}/rgb/a.jpg', depth=f'{root}/depth/a.png'), 3,
         dict(valence=0.1, arousal=-0.2)),
        ('rgb/b.jpg', f'{root}/rgb/b.jpg',
         dict(rgb=f'{root}/rgb/b.jpg', depth=f'{root}/depth/b.png'), 0,
         dict(valence=0.5, arousal=0.5))]


def test_named_view_columns_errors(tmp_path):
    write_image_tree(str(tmp_path), ('rgb/a.jpg', 'rgb/b.jpg', 'depth/a.png'))
    with pytest.raises(DatasetFormatError, match=r'list.txt:2: expected image file .*depth/b.png'):
        reader(tmp_path, VIEWS_LIST, views=('rgb', 'depth')).load()
    with pytest.raises(DatasetFormatError,
                       match=r'list.txt:1: expected 5 columns \(rgb_path depth_path label '
                             r"valence arousal\), found 4 in 'rgb/a.jpg 3 0.1 -0.2'"):
        reader(tmp_path, b'rgb/a.jpg 3 0.1 -0.2\n', views=('rgb', 'depth')).load()
    with pytest.raises(ValueError, match='views must be distinct non-empty names'):
        reader(tmp_path, VIEWS_LIST, views=('rgb', 'rgb'))
