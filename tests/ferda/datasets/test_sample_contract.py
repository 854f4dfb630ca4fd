"""The sample contract of FaceDataset / CachedFaceDataset: optional labels, metadata passed
to data_samples by name, and named views decoded and transformed with shared geometry."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from torch.utils.data import default_collate
from torchvision.transforms import InterpolationMode

from ferda.datasets import FaceDataset, SampleRecord
from ferda.datasets.readers.base import BaseReader
from ferda.registry import DATASETS

SIZE = 32
STUB_RECORDS = {}


@DATASETS.register_module(force=True)
class ContractStubReader(BaseReader):
    """Hands out the records stored under ``key`` in STUB_RECORDS."""
    name = 'contract_stub'

    def __init__(self, key: str, split: str = 'all'):
        super().__init__('.', split)
        self.key = key

    def _read(self):
        return list(STUB_RECORDS[self.key])


def coordinate_image(seed: int = 0) -> np.ndarray:
    """(SIZE, SIZE, 3) uint8: channel 0 = 8 y, channel 1 = 8 x, channel 2 = noise, so the
    source pixel of every output pixel of a nearest-neighbour geometric transform can be read
    off channels 0 and 1."""
    y, x = np.mgrid[:SIZE, :SIZE]
    noise = np.random.default_rng(seed).integers(0, 256, (SIZE, SIZE))
    return np.stack([8 * y, 8 * x, noise], axis=-1).astype(np.uint8)


def stub(key, records):
    STUB_RECORDS[key] = records
    return dict(type='ContractStubReader', key=key)


def records_with_images(tmp_path, n=4, views=('rgb', 'depth'), labels=True, extras=None):
    """n records whose views are the same coordinate image (seeded per record), as PNGs."""
    records = []
    for i in range(n):
        paths = {}
        for view in views:
            path = osp.join(str(tmp_path), view, f'{i}.png')
            mmcv.imwrite(coordinate_image(i)[..., ::-1], path)  # imwrite takes BGR
            paths[view] = path
        records.append(SampleRecord(f's{i}', paths[views[0]], i % 7 if labels else None, 'all',
                                    extras=dict(extras(i)) if extras else {},
                                    src=('list.txt', i + 1), views=paths))
    return records


# ---------------------------------------------------------------- optional label


def test_unlabelled_records_give_items_without_gt_label(tmp_path):
    ds = FaceDataset(reader=stub('unlabelled', records_with_images(tmp_path, labels=False)))
    assert not ds.has_labels and ds.labels is None and ds.class_histogram() is None
    assert ds[2]['data_samples'] == dict(sample_idx=2)
    batch = default_collate([ds[i] for i in range(3)])
    assert 'gt_label' not in batch['data_samples']


def test_with_label_false_drops_the_labels_of_a_labelled_reader(tmp_path):
    reader = stub('labelled', records_with_images(tmp_path))
    labelled = FaceDataset(reader=reader)
    assert labelled[1]['data_samples'] == dict(gt_label=1, sample_idx=1)
    assert labelled.labels.tolist() == [0, 1, 2, 3]
    pool = FaceDataset(reader=reader, with_label=False)
    assert pool[1]['data_samples'] == dict(sample_idx=1) and pool.labels is None
    assert torch.equal(pool[1]['inputs'], labelled[1]['inputs'])


def test_a_reader_mixing_labelled_and_unlabelled_records_is_named(tmp_path):
    records = records_with_images(tmp_path)
    records[2].label = None
    with pytest.raises(ValueError, match=r'ContractStubReader: 1 of 4 records have no label '
                                         r'\(first: list.txt:3\)'):
        FaceDataset(reader=stub('mixed', records))
    assert FaceDataset(reader=stub('mixed', records), with_label=False).labels is None


# ---------------------------------------------------------------- metadata


def _meta(i):
    return dict(valence=0.25 * i - 0.5, arousal=0.1 * i, subject=f'sub{i % 2}', frame=10 + i,
                soft=tuple(np.eye(7)[i % 7] * 0.6 + 0.4 / 7), knn=[(i + 1) % 4, (i + 2) % 4])


def test_meta_keys_reach_data_samples_by_name_and_batch(tmp_path):
    records = records_with_images(tmp_path, extras=_meta)
    ds = FaceDataset(reader=stub('meta', records),
                     meta_keys=('valence', 'arousal', 'subject', 'frame', 'soft', 'knn',
                                'sample_id'))
    batch = default_collate([ds[i] for i in range(4)])['data_samples']
    torch.testing.assert_close(batch['valence'], torch.tensor([-0.5, -0.25, 0.0, 0.25]))
    assert batch['valence'].dtype == torch.float32
    torch.testing.assert_close(batch['arousal'], torch.tensor([0.0, 0.1, 0.2, 0.3]))
    assert batch['subject'] == ['sub0', 'sub1', 'sub0', 'sub1']
    assert batch['frame'].tolist() == [10, 11, 12, 13] and batch['frame'].dtype == torch.int64
    soft = np.stack([np.eye(7)[i] * 0.6 + 0.4 / 7 for i in range(4)]).astype(np.float32)
    torch.testing.assert_close(batch['soft'], torch.from_numpy(soft))  # (B, C)
    assert batch['knn'].tolist() == [[1, 2], [2, 3], [3, 0], [0, 1]]  # (B, K)
    assert batch['sample_id'] == ['s0', 's1', 's2', 's3']
    assert batch['gt_label'].tolist() == [0, 1, 2, 3]
    assert batch['sample_idx'].tolist() == [0, 1, 2, 3]
    # no meta_keys: only the label and the index, as before
    assert set(FaceDataset(reader=stub('meta', records))[0]['data_samples']) == {
        'gt_label', 'sample_idx'}


def test_a_missing_meta_key_names_the_reader_the_record_and_the_key(tmp_path):
    records = records_with_images(tmp_path, extras=_meta)
    del records[3].extras['arousal']
    with pytest.raises(KeyError, match=r"ContractStubReader gives no 'arousal' for list.txt:4 "
                                       r'\(meta_keys asks for it; the record has extras '):
        FaceDataset(reader=stub('meta_missing', records), meta_keys=('valence', 'arousal'))
    with pytest.raises(ValueError, match='meta_keys must be distinct and not'):
        FaceDataset(reader=stub('meta_missing', records), meta_keys=('gt_label',))
    records[0].extras['valence'] = None
    with pytest.raises(ValueError, match=r"list.txt:1: metadata 'valence' must be a number"):
        FaceDataset(reader=stub('meta_missing', records), meta_keys=('valence',))


# ---------------------------------------------------------------- views

GEOMETRY = [
    dict(type='TVRandomResizedCrop', size=(16, 16), scale=(0.2, 0.6),
         interpolation=InterpolationMode.NEAREST),
    dict(type='TVRandomHorizontalFlip', p=0.5),
]
HALF_BRIGHTNESS = dict(type='TVColorJitter', brightness=(0.5, 0.5))


def _draws(ds, n=12):
    torch.manual_seed(0)
    return [ds[i % len(ds)]['inputs'] for i in range(n)]


def test_views_share_their_random_geometry(tmp_path):
    ds = FaceDataset(reader=stub('views', records_with_images(tmp_path)), pipeline=GEOMETRY,
                     views=('rgb', 'depth'))
    draws = _draws(ds)
    for views in draws:
        assert set(views) == {'rgb', 'depth'} and views['rgb'].shape == (3, 16, 16)
        assert views['rgb'].dtype == torch.uint8 and type(views['rgb']) is torch.Tensor
        # same source image in both views: the same crop and flip gives the same pixels
        assert torch.equal(views['rgb'], views['depth'])
    # the geometry is random: the source position of pixel (0, 0) varies between draws
    corners = {(int(v['rgb'][0, 0, 0]), int(v['rgb'][1, 0, 0])) for v in draws}
    assert len(corners) > 3


def test_per_view_colour_keeps_the_shared_geometry(tmp_path):
    pipeline = GEOMETRY + [dict(type='PerView', pipelines=dict(rgb=[HALF_BRIGHTNESS]))]
    ds = FaceDataset(reader=stub('views', records_with_images(tmp_path)), pipeline=pipeline,
                     views=('rgb', 'depth'))
    for views in _draws(ds):
        # brightness 0.5 on uint8 = blend with black, truncated: only rgb changes colour
        expected = (views['depth'].float() * 0.5).to(torch.uint8)
        assert torch.equal(views['rgb'], expected)


def test_per_view_geometry_is_independent_when_configured(tmp_path):
    pipeline = [dict(type='PerView', pipelines=dict(rgb=GEOMETRY, depth=GEOMETRY))]
    ds = FaceDataset(reader=stub('views', records_with_images(tmp_path)), pipeline=pipeline,
                     views=('rgb', 'depth'))
    draws = _draws(ds)
    assert sum(not torch.equal(v['rgb'], v['depth']) for v in draws) >= len(draws) // 2


def test_views_decode_each_file_and_collate_by_name(tmp_path):
    records = records_with_images(tmp_path)
    depth = coordinate_image(7)  # a different depth image for record 1
    mmcv.imwrite(depth[..., ::-1], records[1].views['depth'])
    ds = FaceDataset(reader=stub('views2', records), views=('rgb', 'depth'), cache_images=True)
    item = ds[1]['inputs']
    np.testing.assert_array_equal(item['depth'].permute(1, 2, 0).numpy(), depth)
    np.testing.assert_array_equal(item['rgb'].permute(1, 2, 0).numpy(), coordinate_image(1))
    batch = default_collate([ds[i] for i in range(4)])
    assert batch['inputs']['rgb'].shape == (4, 3, SIZE, SIZE)
    assert batch['inputs']['depth'].shape == (4, 3, SIZE, SIZE)


def test_view_errors_name_the_reader_view_and_record(tmp_path):
    records = records_with_images(tmp_path)
    del records[2].views['depth']
    with pytest.raises(KeyError, match=r"ContractStubReader gives no 'depth' image for "
                                       r'list.txt:3'):
        FaceDataset(reader=stub('views_missing', records), views=('rgb', 'depth'))
    with pytest.raises(TypeError, match=r"pipeline\[0\] \(TVCutout\) is not a torchvision v2 "
                                        'transform'):
        FaceDataset(reader=stub('views', records_with_images(tmp_path)),
                    pipeline=[dict(type='TVCutout', size=4)], views=('rgb', 'depth'))


# ---------------------------------------------------------------- the prepared cache


def test_cached_dataset_passes_metadata_and_drops_labels(tmp_path):
    from ferda.datasets import CachedFaceDataset
    from ferda.datasets.prepare import prepare_cache

    from .test_prepare import EXPW_FACES, expw_root

    root = expw_root(tmp_path / 'raw')
    cache = str(tmp_path / 'cache')
    prepare_cache(dict(type='ExpwReader', data_root=root, split='all'), cache, size=8,
                  progress=False)
    ds = CachedFaceDataset(cache, 'all', meta_keys=('confidence', 'image_name', 'sample_id'))
    batch = default_collate([ds[i] for i in range(len(ds))])['data_samples']
    # the expected values come from the annotation lines above, sorted by sample id
    # (<image>#<face>): (sample id, image name, confidence)
    expected = sorted((f'{image}#{face}', image, float(conf)) for image, face, *_, conf, _ in
                      (line.split() for line in EXPW_FACES.decode().splitlines()))
    assert batch['sample_id'] == [e[0] for e in expected]
    assert batch['image_name'] == [e[1] for e in expected]
    torch.testing.assert_close(batch['confidence'], torch.tensor([e[2] for e in expected]))
    unlabelled = CachedFaceDataset(cache, 'all', with_label=False)
    assert unlabelled.labels is None and unlabelled.class_histogram() is None
    assert unlabelled[0]['data_samples'] == dict(sample_idx=0)
    assert torch.equal(unlabelled[0]['inputs'], ds[0]['inputs'])
    with pytest.raises(KeyError, match=r"gives no 'valence' for .*index.csv:2 "):
        CachedFaceDataset(cache, 'all', meta_keys=('valence',))


def test_multi_view_dataset_refuses_a_base_with_named_views(tmp_path):
    from basicda.datasets import MultiViewDataset

    base = FaceDataset(reader=stub('views', records_with_images(tmp_path)),
                       views=('rgb', 'depth'))
    wrapped = MultiViewDataset(base, views=[GEOMETRY, GEOMETRY])
    with pytest.raises(TypeError, match=r"one image per sample; this one gives named views "
                                        r"\['depth', 'rgb'\]"):
        wrapped[0]
    with pytest.raises(TypeError, match='one image per sample'):
        wrapped.single_view(GEOMETRY)[0]
