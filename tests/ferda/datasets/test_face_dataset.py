from pathlib import Path

import numpy as np
import pytest
import torch

from ferda.datasets import FaceDataset, crop_box


def test_crop_box_enlarges_and_clips():
    image = np.arange(10 * 20).reshape(10, 20).astype(np.uint8)
    np.testing.assert_array_equal(crop_box(image, (2, 1, 6, 5)), image[1:5, 2:6])
    # 25 % of a 4-px box is 1 px on each side; clipped at the image border
    np.testing.assert_array_equal(crop_box(image, (0, 1, 4, 5), enlarge=0.25), image[0:6, 0:5])
    with pytest.raises(ValueError, match='leaves 1x'):
        crop_box(image, (19, 0, 30, 5))


@pytest.fixture(scope='module')
def lab_reader(synfer_workdir):
    root = synfer_workdir / 'data' / 'synfer' / 'lab'
    return dict(type='RafDbReader', data_root=str(root),
                val_split_file=str(root / 'basic' / 'splits' / 'val.txt'))


def test_face_dataset_items_follow_the_reader(lab_reader):
    pipeline = [dict(type='TVResize', size=(24, 24), antialias=True)]
    ds = FaceDataset(reader=dict(lab_reader, split='test'), pipeline=pipeline, num_classes=7)
    cached = FaceDataset(reader=dict(lab_reader, split='test'), pipeline=pipeline,
                         cache_images=True)
    item = ds[3]
    assert item['inputs'].shape == (3, 24, 24) and item['inputs'].dtype == torch.uint8
    assert item['data_samples'] == dict(gt_label=ds.records[3].label, sample_idx=3)
    assert torch.equal(cached[3]['inputs'], item['inputs'])
    assert ds.metainfo['classes'][0] == 'Surprise'
    assert sum(ds.class_histogram()) == len(ds)


def test_num_classes_mismatch_fails_before_training(lab_reader):
    with pytest.raises(ValueError, match='num_classes=8 in the config but RafDbReader has 7'):
        FaceDataset(reader=dict(lab_reader, split='train'), num_classes=8)


def test_unknown_transform_is_named(lab_reader):
    with pytest.raises(KeyError, match='TVNoSuchThing'):
        FaceDataset(reader=dict(lab_reader, split='test'), pipeline=[dict(type='TVNoSuchThing')])


def test_empty_pipeline_is_the_identity(lab_reader):
    ds = FaceDataset(reader=dict(lab_reader, split='test'))
    assert ds[0]['inputs'].shape == (3, 100, 100)  # SynFER lab images as stored


def _line_of(list_file, name):
    """1-based line of ``name`` in a RAF-DB list file (read here, not by the reader)."""
    lines = list_file.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.split()[0] == name)


def _damage(images, name):
    """train_00003: random bytes; train_00005: cut after 200 bytes (a truncated JPEG)."""
    path = images / f'{name}_aligned.jpg'
    if name == 'train_00003':
        path.write_bytes(np.random.default_rng(0).bytes(3000))
    else:
        path.write_bytes(path.read_bytes()[:200])


@pytest.fixture
def lab_copy(synfer_workdir, tmp_path):
    """A copy of the tiny SynFER lab (its reader config) that a test may damage."""
    import shutil
    root = tmp_path / 'lab'
    shutil.copytree(synfer_workdir / 'data' / 'synfer' / 'lab', root)
    return dict(type='RafDbReader', data_root=str(root),
                val_split_file=str(root / 'basic' / 'splits' / 'val.txt'))


@pytest.mark.parametrize('cache_images', [False, True])
@pytest.mark.parametrize('name', ['train_00003', 'train_00005'])
def test_corrupt_image_names_file_and_annotation_line(lab_copy, cache_images, name):
    root = Path(lab_copy['data_root'])
    _damage(root / 'basic' / 'Image' / 'aligned', name)
    line = _line_of(root / 'basic' / 'EmoLabel' / 'list_patition_label.txt', f'{name}.jpg')
    pattern = (rf'cannot decode image \S*{name}_aligned\.jpg '
               rf'\(annotation \S*list_patition_label\.txt:{line}\)')
    with pytest.raises(ValueError, match=pattern):
        ds = FaceDataset(reader=dict(lab_copy, split='train'), cache_images=cache_images)
        ds[next(i for i, r in enumerate(ds.records) if r.sample_id == name)]


@pytest.mark.parametrize('cache_images', [False, True])
def test_skip_replaces_corrupt_images_by_the_next_valid_one(lab_copy, cache_images):
    import logging

    from mmengine.logging import MMLogger
    logged = []
    handler = logging.Handler()
    handler.emit = logged.append
    for name in ('train_00003', 'train_00005'):
        _damage(Path(lab_copy['data_root']) / 'basic' / 'Image' / 'aligned', name)
    MMLogger.get_current_instance().addHandler(handler)
    try:
        clean = FaceDataset(reader=dict(lab_copy, split='train'), on_corrupt_image='skip',
                            cache_images=cache_images)
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    ids = [r.sample_id for r in clean.records]
    bad = {ids.index('train_00003'), ids.index('train_00005')}
    for idx in sorted(bad):
        expected = idx + 1
        while expected in bad:
            expected += 1
        item = clean[idx]
        assert item['data_samples'] == dict(gt_label=clean.records[expected].label,
                                            sample_idx=expected)
        assert torch.equal(item['inputs'], clean[expected]['inputs'])
    assert sorted(clean.corrupt) == sorted(bad)
    if cache_images:  # decoded at start-up: the start-up line counts them
        assert any('2 corrupt image(s) skipped' in r.getMessage() for r in logged)
    good = next(i for i in range(len(clean)) if i not in bad)
    assert clean[good]['data_samples']['sample_idx'] == good


def test_on_corrupt_image_is_checked(lab_reader):
    with pytest.raises(ValueError, match="on_corrupt_image must be one of .*'ignore'"):
        FaceDataset(reader=dict(lab_reader, split='test'), on_corrupt_image='ignore')
