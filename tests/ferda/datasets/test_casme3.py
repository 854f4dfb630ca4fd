"""CAS(ME)^3 lists of DVSCL: clip keys, pairing by key, the reader, check_casme3_lists, and the
SynFER ``micro`` domain written in that format (docs/dvscl.md §1; docs/synfer.md)."""
import csv
import hashlib
import logging
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.logging import MMLogger

from ferda.datasets.readers import Casme3Reader, check_casme3_lists
from ferda.datasets.readers.casme3 import (ListEntry, clip_key, pair_by_line_order, pair_views,
                                           read_casme3_list)
from ferda.datasets.records import DatasetFormatError
from ferda.datasets.synfer import generate_synfer
from ferda.datasets.synfer.cli import main

AUTHORS = '/home/zhouhl/Documents/data/casme3/cmc_test/casme3_diff_me4'


def entries(lines, file):
    return [ListEntry(p, int(lab), 0, file, i) for i, (p, lab) in enumerate(lines, 1)]


def test_clip_key_worked_example():
    assert clip_key('/a/b/negative/spNO.1-a-123-spNO.1-a-117_diff_depth.png') == (
        'spNO.1-a-123-spNO.1-a-117', 1)
    assert clip_key('x/surprise/spNO.189-l-5-spNO.189-l-1_diff.png') == (
        'spNO.189-l-5-spNO.189-l-1', 189)
    with pytest.raises(ValueError, match='_diff.png or _diff_depth.png'):
        clip_key('x/negative/spNO.1-a-1-spNO.1-a-1.png')
    with pytest.raises(ValueError, match=r'spNO.<subject>-'):
        clip_key('x/negative/sp1-a-1_diff.png')


def test_pair_views_worked_example():
    rgb = entries([('x/negative/k1_diff.png', 0), ('x/surprise/k2_diff.png', 3)], 'r.txt')
    depth = entries([('y/surprise/k2_diff_depth.png', 3), ('y/negative/k1_diff_depth.png', 0)],
                    'd.txt')
    with pytest.raises(DatasetFormatError, match='spNO'):  # keys must carry the subject
        pair_views(rgb, depth)
    rgb = entries([('x/negative/spNO.1-a-2-spNO.1-a-1_diff.png', 0),
                   ('x/surprise/spNO.1-b-2-spNO.1-b-1_diff.png', 3)], 'r.txt')
    depth = entries([('y/surprise/spNO.1-b-2-spNO.1-b-1_diff_depth.png', 3),
                     ('y/negative/spNO.1-a-2-spNO.1-a-1_diff_depth.png', 0)], 'd.txt')
    pairs = pair_views(rgb, depth)
    assert [(p.key, p.rgb.line, p.depth.line, p.label) for p in pairs] == [
        ('spNO.1-a-2-spNO.1-a-1', 1, 2, 0), ('spNO.1-b-2-spNO.1-b-1', 2, 1, 3)]
    # line order joins k1's RGB with k2's depth: the reference's bug, loudly
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        wrong = pair_by_line_order(rgb, depth)
    finally:
        logger.removeHandler(handler)
    assert wrong[0].depth.path.endswith('spNO.1-b-2-spNO.1-b-1_diff_depth.png')
    assert any('2 of 2 pairs' in r.getMessage() and r.levelno == logging.WARNING
               for r in records)

    bad = [ListEntry(depth[0].path, 2, 0, 'd.txt', 1), depth[1]]
    with pytest.raises(DatasetFormatError, match=r'r.txt:2 says 3, d.txt:1 says 2'):
        pair_views(rgb, bad)
    with pytest.raises(DatasetFormatError,
                       match=r"'spNO.1-b-2-spNO.1-b-1' at r.txt:2 has no depth entry"):
        pair_views(rgb, depth[1:])
    with pytest.raises(DatasetFormatError, match=r'd.txt:2: expected each clip once'):
        pair_views(rgb, [depth[0], depth[0].__class__(depth[0].path, 3, 0, 'd.txt', 2),
                         depth[1]])


def write_shipped_fixture(root):
    """Two subjects in the exact shipped format: absolute author paths, 3 columns, the depth
    list in another order than the RGB list; tiny PNG files at the joined paths."""
    clips = {1: [('negative', 'spNO.1-a-121-spNO.1-a-116'),
                 ('surprise', 'spNO.1-d-164-spNO.1-d-162'), ('others', 'spNO.1-l-3-spNO.1-l-1')],
             10: [('positive', 'spNO.10-j-502-spNO.10-j-501'),
                  ('negative', 'spNO.10-f-281-spNO.10-f-280')]}
    names = ('negative', 'others', 'positive', 'surprise')
    png = bytes.fromhex('89504e470d0a1a0a')  # the reader never decodes

    def line(view, cls, key):
        folder, suffix = (('casme3_diff_imgs_all', '_diff.png') if view == 'rgb' else
                          ('casme3_diff_depth_all', '_diff_depth.png'))
        path = f'{folder}/{cls}/{key}{suffix}'
        os.makedirs(osp.dirname(osp.join(root, path)), exist_ok=True)
        with open(osp.join(root, path), 'wb') as f:
            f.write(png)
        return f'{AUTHORS}/{path} {names.index(cls)} 0\n'

    for view, vdir in (('rgb', 'v_rgb'), ('depth', 'v_depth')):
        os.makedirs(osp.join(root, 'data', vdir), exist_ok=True)
        for s, own in clips.items():
            other = [c for t, cs in clips.items() if t != s for c in cs]
            for split, chosen in (('test', own), ('train', other)):
                chosen = chosen if view == 'rgb' else chosen[::-1]
                with open(osp.join(root, 'data', vdir, f'spNO{s}_{split}.txt'), 'w') as f:
                    f.writelines(line(view, c, k) for c, k in chosen)
    with open(osp.join(root, 'data', 'v_rgb', 'subName.txt'), 'w') as f:
        f.write('spNO1\nspNO10\n')
    return clips


def test_reader_on_the_shipped_format(tmp_path):
    clips = write_shipped_fixture(str(tmp_path))
    records = Casme3Reader(str(tmp_path)).load()
    assert [r.sample_id for r in records] == sorted(k for cs in clips.values() for _, k in cs)
    for r in records:
        key = r.sample_id
        assert r.views['rgb'] == str(tmp_path / 'casme3_diff_imgs_all' /
                                     ('negative', 'others', 'positive', 'surprise')[r.label] /
                                     f'{key}_diff.png')
        assert r.views['depth'].endswith(f'{key}_diff_depth.png')
        assert r.extras['subject'] == clip_key(r.views['depth'])[1]
    test = Casme3Reader(str(tmp_path), split='test', subject='spNO10').load()
    assert [r.label for r in test] == [0, 2]
    train = Casme3Reader(str(tmp_path), split='train', subject='spNO10').load()
    assert {r.extras['subject'] for r in train} == {1}
    three = Casme3Reader(str(tmp_path), drop_classes=['others'])
    assert three.class_names == ('negative', 'positive', 'surprise')
    assert sorted(r.label for r in three.load()) == [0, 0, 1, 2]
    summary = check_casme3_lists(str(tmp_path / 'data'))
    assert summary['num_samples'] == 5 and summary['num_folds'] == 2
    assert summary['class_counts'] == [2, 1, 1, 1]
    assert summary['test_sizes'] == {'spNO1': 3, 'spNO10': 2}


def test_reader_errors(tmp_path):
    write_shipped_fixture(str(tmp_path))
    rgb = tmp_path / 'data' / 'v_rgb' / 'spNO1_test.txt'
    text = rgb.read_text()
    rgb.write_text(text.replace('/negative/spNO.1-a-121-spNO.1-a-116_diff.png 0',
                                '/others/spNO.1-a-121-spNO.1-a-116_diff.png 0'))
    with pytest.raises(DatasetFormatError, match=r"spNO1_test.txt:1: expected the class folder "
                                                 r"'negative' of label 0, found 'others'"):
        Casme3Reader(str(tmp_path)).load()
    rgb.write_text(text.replace(' 0 0\n', ' 0\n', 1))
    with pytest.raises(DatasetFormatError, match=r'spNO1_test.txt:1: expected 3 columns'):
        Casme3Reader(str(tmp_path)).load()
    rgb.write_text(text)
    # a subject's own clip in its train list is leakage
    train = tmp_path / 'data' / 'v_rgb' / 'spNO10_train.txt'
    depth_train = tmp_path / 'data' / 'v_depth' / 'spNO10_train.txt'
    own_rgb = (tmp_path / 'data' / 'v_rgb' / 'spNO10_test.txt').read_text().splitlines()[0]
    own_depth = [x for x in (tmp_path / 'data' / 'v_depth' / 'spNO10_test.txt').read_text()
                 .splitlines() if 'j-502' in x][0]
    train.write_text(train.read_text() + own_rgb + '\n')
    depth_train.write_text(depth_train.read_text() + own_depth + '\n')
    with pytest.raises(DatasetFormatError, match=r"spNO10_train.txt:4: subject spNO10 clip "
                                                 r"'spNO.10-j-502-spNO.10-j-501' is in its own"):
        check_casme3_lists(str(tmp_path / 'data'))
    with pytest.raises(ValueError, match='give subject'):
        Casme3Reader(str(tmp_path), split='test')
    with pytest.raises(ValueError, match="pairing must be one of"):
        Casme3Reader(str(tmp_path), pairing='order')


def test_read_list_rejects_bad_label(tmp_path):
    path = tmp_path / 'l.txt'
    path.write_text('/a/b/negative/spNO.1-a-1-spNO.1-a-1_diff.png 4 0\n')
    with pytest.raises(DatasetFormatError, match=r"l.txt:1: expected a label in 0..3, found '4'"):
        read_casme3_list(str(path))


@pytest.fixture(scope='module')
def micro(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('micro'))
    summary = generate_synfer(out, domains=('micro', ), per_class=6, subjects=4, seed=0,
                              progress=False)
    return out, summary


def digest(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            with open(osp.join(folder, name), 'rb') as f:
                out[osp.relpath(osp.join(folder, name), root)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


def test_micro_domain_reads_as_casme3(micro):
    out, summary = micro
    root = osp.join(out, 'micro')
    assert summary['domains']['micro']['counts'] == {'all': [6, 6, 6, 6]}
    lists = check_casme3_lists(osp.join(root, 'data'))
    assert lists['num_samples'] == 24 and lists['class_counts'] == [6, 6, 6, 6]
    with open(osp.join(root, 'data', 'v_rgb', 'spNO1_test.txt')) as f:
        first = f.readline().split()
    assert len(first) == 3 and first[0].startswith('/home/synfer/casme3/casme3_diff_imgs_all/')
    # the depth lists are in another order than the RGB lists (pairing by line would be wrong)
    rgb = read_casme3_list(osp.join(root, 'data', 'v_rgb', 'spNO1_train.txt'))
    depth = read_casme3_list(osp.join(root, 'data', 'v_depth', 'spNO1_train.txt'))
    assert [clip_key(e.path)[0] for e in rgb] != [clip_key(e.path)[0] for e in depth]
    records = Casme3Reader(root).load()
    with open(osp.join(root, 'synfer_meta.csv')) as f:
        meta = {row['key']: row for row in csv.DictReader(f)}
    assert sorted(meta) == [r.sample_id for r in records]
    for r in records:
        row = meta[r.sample_id]
        assert int(row['label']) == r.label and row['subject'] == f"spNO{r.extras['subject']}"
        assert 0.1 <= float(row['intensity']) <= 0.3
        assert 0 <= int(row['apex_frame']) - int(row['onset_frame']) <= 11
        assert r.sample_id.endswith(f"-{row['apex_frame']}-spNO.{r.extras['subject']}-"
                                    f"{r.sample_id.split('-')[1]}-{row['onset_frame']}")


def test_micro_difference_is_apex_minus_onset(micro):
    import cv2
    root = osp.join(micro[0], 'micro')
    rec = Casme3Reader(root).load()[0]
    frames = osp.join(root, 'frames', rec.sample_id)
    onset = cv2.imread(osp.join(frames, 'onset.png')).astype(float)
    apex = cv2.imread(osp.join(frames, 'apex.png')).astype(float)
    diff = cv2.imread(rec.views['rgb']).astype(float)
    # rounding of the frames and of the difference: within DIFF_GAIN * 1 + 1 grey levels
    assert np.abs(diff - np.clip(128 + 6 * (apex - onset), 0, 255)).max() <= 7
    assert np.abs(diff - 128).max() > 20  # the movement is visible after the gain
    depth = cv2.imread(rec.views['depth'])
    assert (depth[..., 0] == depth[..., 1]).all() and depth.shape == diff.shape


def test_micro_same_seed_same_bytes(micro, tmp_path):
    main(['--out', str(tmp_path), '--domains', 'micro', '--per-class', '6', '--subjects', '4',
          '--no-progress'])
    assert digest(str(tmp_path / 'micro')) == digest(osp.join(micro[0], 'micro'))


def test_face_dataset_gives_the_subjects_fold_loops_split_on(micro):
    from ferda.datasets import FaceDataset
    root = osp.join(micro[0], 'micro')
    reader = dict(type='Casme3Reader', data_root=root)
    dataset = FaceDataset(reader, crop='none', views=('rgb', 'depth'), meta_keys=('subject', ))
    assert dataset.subjects == [int(r.sample_id.split('-')[0][len('spNO.'):])
                                for r in Casme3Reader(root).load()]
