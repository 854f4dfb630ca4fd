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
                val_split_file=str(root / 'basic' / 'splits' / 'val_seed0.txt'))


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
