"""The prepare step and CachedFaceDataset (datasets.md §4, §5 "Prepare tests")."""
import csv
import json
import os
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch

from ferda.datasets import CachedFaceDataset, RafDbReader, crop_box
from ferda.datasets.cache_format import sha256_file
from ferda.datasets.face_crop import (LANDMARKS5_TEMPLATE_112, align_landmarks5, clip_box,
                                      decode_rgb, five_points, similarity_transform)
from ferda.datasets.prepare import prepare_cache
from ferda.tools.cli import main as ferda_main

from .fixtures import EXPW_IMAGES, write_bytes, write_expw, write_rafdb

SIZE = 16
LABEL_FILE = osp.join('basic', 'EmoLabel', 'list_patition_label.txt')


def noise_jpeg(path, shape=(20, 24, 3), seed=0):
    """Overwrite ``path`` with a JPEG of seeded noise (flat images hide resize mistakes)."""
    img = np.random.Generator(np.random.PCG64(seed)).integers(0, 256, shape, dtype=np.uint8)
    ok, buf = cv2.imencode('.jpg', img)
    assert ok
    write_bytes(path, buf.tobytes())


def rafdb_root(root, variant='aligned', boxes=None):
    write_rafdb(str(root), variant=variant, boxes=boxes)
    folder = osp.join(str(root), 'basic', 'Image', variant)
    for seed, name in enumerate(sorted(os.listdir(folder))):
        noise_jpeg(osp.join(folder, name), seed=seed)
    return str(root)


def rafdb_cfg(root, **kwargs):
    return dict(type='RafDbReader', data_root=root, **kwargs)


def read_index(cache):
    with open(osp.join(cache, 'index.csv'), newline='', encoding='utf-8') as f:
        return list(csv.DictReader(f))


def test_prepare_twice_is_byte_identical(tmp_path):
    root = rafdb_root(tmp_path / 'raw')
    caches = [str(tmp_path / name) for name in ('a', 'b')]
    for cache in caches:
        prepare_cache(rafdb_cfg(root), cache, size=SIZE, progress=False)
    names = ['images_0.u8.npy', 'index.csv', 'meta.json', 'splits/train.txt', 'splits/test.txt',
             'splits/SHA256SUMS']
    digests = [[sha256_file(osp.join(cache, n)) for n in names] for cache in caches]
    assert digests[0] == digests[1]
    with open(osp.join(caches[0], 'meta.json')) as f:
        meta = json.load(f)
    assert meta['sha256']['shards'] == {'images_0.u8.npy': digests[0][0]}
    assert meta['sha256']['index'] == digests[0][1]
    assert meta['sha256']['annotations'] == {LABEL_FILE.replace(os.sep, '/'):
                                             sha256_file(osp.join(root, LABEL_FILE))}
    assert meta['class_histograms'] == {'test': [0, 0, 0, 1, 0, 0, 0],
                                        'train': [1, 0, 0, 0, 0, 0, 1]}
    with open(osp.join(caches[0], 'splits', 'train.txt')) as f:
        assert f.read() == 'train_00001\ntrain_00002\n'


def test_cache_equals_decoding_the_originals(tmp_path):
    root = rafdb_root(tmp_path / 'raw')
    cache = str(tmp_path / 'cache')
    prepare_cache(rafdb_cfg(root), cache, size=SIZE, progress=False)
    for split in ('train', 'test'):
        records = RafDbReader(root, split).load()
        ds = CachedFaceDataset(cache, split, num_classes=7)
        assert ds.labels.tolist() == [r.label for r in records]  # the reader's order
        assert ds.sample_ids == [r.sample_id for r in records]
        for i, rec in enumerate(records):
            # 20x24 -> 16x16 shrinks: INTER_AREA
            expected = cv2.resize(mmcv.imread(rec.img_path, channel_order='rgb'), (SIZE, SIZE),
                                  interpolation=cv2.INTER_AREA)
            item = ds[i]
            assert item['data_samples'] == dict(gt_label=rec.label, sample_idx=i)
            assert item['inputs'].dtype == torch.uint8 and item['inputs'].shape == (3, SIZE, SIZE)
            np.testing.assert_array_equal(item['inputs'].permute(1, 2, 0).numpy(), expected)
    assert CachedFaceDataset(cache, 'all').class_histogram() == [1, 0, 0, 1, 0, 0, 1]
    assert CachedFaceDataset(cache, 'test').metainfo == dict(
        classes=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
        dataset='rafdb')
    with pytest.raises(ValueError, match="split 'val' is not in the cache"):
        CachedFaceDataset(cache, 'val')
    with pytest.raises(ValueError, match='num_classes=8 in the config'):
        CachedFaceDataset(cache, 'train', num_classes=8)


def test_box_crop_matches_face_dataset(tmp_path):
    # train_00002's box reaches past the 24-px-wide image: clipped and counted.
    boxes = {'train_00001': b'2.5 3.0 14.2 15.1\n', 'train_00002': b'10 2 30 18\n',
             'test_0001': b'0 0 24 20\n'}
    root = rafdb_root(tmp_path / 'raw', variant='original', boxes=boxes)
    cache = str(tmp_path / 'cache')
    summary = prepare_cache(rafdb_cfg(root, variant='original'), cache, size=SIZE, crop='box',
                            enlarge=0.1, progress=False)
    assert summary['meta']['report']['counted'] == {
        'box partly outside the image: clipped': dict(count=1, examples=['train_00002'])}
    records = RafDbReader(root, 'all', variant='original').load()
    cached = CachedFaceDataset(cache, 'all')
    assert cached.labels.tolist() == [r.label for r in records]
    for i, rec in enumerate(records):
        # FaceDataset's crop, then the resize rule of §4 step 4
        face = crop_box(mmcv.imread(rec.img_path, channel_order='rgb'), rec.box, enlarge=0.1)
        interpolation = cv2.INTER_AREA if face.size > SIZE * SIZE * 3 else cv2.INTER_LINEAR
        expected = cv2.resize(face, (SIZE, SIZE), interpolation=interpolation)
        np.testing.assert_array_equal(cached.face(i), expected)


def test_random_bytes_image_names_the_image_and_its_line(tmp_path):
    root = rafdb_root(tmp_path / 'raw')
    bad = osp.join(root, 'basic', 'Image', 'aligned', 'train_00002_aligned.jpg')
    write_bytes(bad, np.random.Generator(np.random.PCG64(1)).bytes(300))
    with pytest.raises(ValueError) as err:
        prepare_cache(rafdb_cfg(root), str(tmp_path / 'cache'), size=SIZE, progress=False)
    assert bad in str(err.value)
    assert f'{osp.join(root, LABEL_FILE)}:2' in str(err.value)


# ExpW scenes of 32x32 px: two images hold three faces each, one box reaches outside.
EXPW_FACES = (b'angry_actor_104.jpg 0 1 2 12 14 22.9 0\nangry_actor_104.jpg 1 10 12 28 30 15.5 5\n'
              b'angry_actor_104.jpg 2 4 16 30 36 9.0 0\nhappy_girl_2.jpg 0 5 6 20 25 30.1 3\n'
              b'happy_girl_2.jpg 1 0 0 16 16 3.0 3\nhappy_girl_2.jpg 2 8 8 24 24 1.0 6\n'
              b'sad_man_7.jpg 0 1 2 30 31 12.25 4\nneutral_face_9.jpg 0 0 0 20 20 40.0 6\n'
              b'fear_kid_11.jpg 0 3 4 25 26 18.0 2\n')


def expw_root(root):
    """ExpW with the faces of EXPW_FACES on 32x32 noise scene images; returns ``root``."""
    write_expw(str(root), labels=EXPW_FACES, split=None)
    for seed, name in enumerate(EXPW_IMAGES):
        noise_jpeg(osp.join(str(root), 'image', 'origin', name), shape=(32, 32, 3), seed=seed)
    return str(root)


def test_expw_prepare_keeps_the_faces_of_an_image_together(tmp_path):
    root = expw_root(tmp_path / 'raw')
    cache = str(tmp_path / 'cache')
    assert ferda_main(['prepare', 'expw', '--root', root, '--out', cache, '--size', '8',
                       '--crop', 'box', '--seed', '3', '--ratios', '0.6', '0.2', '0.2',
                       '--no-progress', '--verify']) == 0
    assert osp.isfile(osp.join(cache, 'splits', 'expw_seed3.csv'))
    split_of = {}
    for row in read_index(cache):
        image = json.loads(row['extras'])['image_name']
        split_of.setdefault(image, set()).add(row['split'])
    assert sorted(split_of) == sorted(EXPW_IMAGES)
    assert all(len(splits) == 1 for splits in split_of.values())
    with open(osp.join(cache, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['reader']['split_file'] == '<cache>/splits/expw_seed3.csv'
    assert meta['extra']['expw_split']['seed'] == 3
    clipped = meta['report']['counted']['box partly outside the image: clipped']
    assert clipped == dict(count=1, examples=['angry_actor_104.jpg#2'])
    with open(osp.join(cache, 'splits', 'SHA256SUMS')) as f:
        assert 'expw_seed3.csv' in f.read()


def test_resume_skips_complete_files_and_redoes_damaged_shards(tmp_path):
    root = rafdb_root(tmp_path / 'raw')
    cache = str(tmp_path / 'cache')
    # One face per shard: 16*16*3 bytes plus the npy header allowance.
    args = dict(size=SIZE, max_shard_bytes=4096 + SIZE * SIZE * 3, progress=False)
    first = prepare_cache(rafdb_cfg(root), cache, **args)
    assert first['written'][:3] == ['images_0.u8.npy', 'images_1.u8.npy', 'images_2.u8.npy']
    before = {n: sha256_file(osp.join(cache, n)) for n in ('images_1.u8.npy', 'meta.json')}

    second = prepare_cache(rafdb_cfg(root), cache, **args)
    assert second['written'] == [] and second['redone'] == {}
    assert set(second['skipped']) == {'images_0.u8.npy', 'images_1.u8.npy', 'images_2.u8.npy',
                                      'index.csv', 'meta.json', 'splits/train.txt',
                                      'splits/test.txt', 'splits/SHA256SUMS'}
    assert set(second['skipped'].values()) == {'already complete (checksum matches)'}

    shard = osp.join(cache, 'images_1.u8.npy')
    with open(shard, 'r+b') as f:  # same size, different bytes
        f.seek(-1, os.SEEK_END)
        f.write(b'\x00' if f.read(1) != b'\x00' else b'\x01')
    third = prepare_cache(rafdb_cfg(root), cache, **args)
    assert third['written'] == ['images_1.u8.npy']
    assert third['redone'] == {'images_1.u8.npy': 'checksum mismatch (damaged or partial file)'}
    assert {n: sha256_file(osp.join(cache, n)) for n in before} == before


def test_corrupted_shard_is_detected_on_open(tmp_path):
    root = rafdb_root(tmp_path / 'raw')
    cache = str(tmp_path / 'cache')
    prepare_cache(rafdb_cfg(root), cache, size=SIZE, progress=False)
    shard = osp.join(cache, 'images_0.u8.npy')
    with open(shard, 'r+b') as f:
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 0xFF]))
    CachedFaceDataset(cache, 'train')  # same size: only a rehash can tell
    with pytest.raises(ValueError, match='images_0.u8.npy: sha256 differs'):
        CachedFaceDataset(cache, 'train', verify=True)
    with open(shard, 'r+b') as f:
        f.truncate(osp.getsize(shard) - 5)
    with pytest.raises(ValueError, match=r'images_0.u8.npy: \d+ bytes, meta.json says'):
        CachedFaceDataset(cache, 'train')
    with open(osp.join(cache, 'index.csv'), 'a') as f:
        f.write('\n')
    with pytest.raises(ValueError, match='index.csv: sha256 differs'):
        CachedFaceDataset(cache, 'train')


def test_decode_grey_palette_and_16_bit(tmp_path):
    grey = str(tmp_path / 'grey.png')
    cv2.imwrite(grey, np.arange(64, dtype=np.uint8).reshape(8, 8))
    image = decode_rgb(grey)
    assert image.shape == (8, 8, 3) and (image[..., 0] == image[..., 2]).all()
    deep = str(tmp_path / 'deep.png')
    cv2.imwrite(deep, np.full((8, 8), 40000, np.uint16))
    with pytest.raises(ValueError, match='uint16 samples; only 8-bit'):
        decode_rgb(deep, where='list.txt:3')


def test_clip_box_matches_crop_box_and_flags_outside():
    image = np.zeros((10, 20), np.uint8)
    (x1, y1, x2, y2), outside = clip_box((0, 1, 4, 5), 0.25, width=20, height=10)
    assert crop_box(image, (0, 1, 4, 5), 0.25).shape == (y2 - y1, x2 - x1) and not outside
    assert clip_box((-3, 1, 4, 5), 0.0, width=20, height=10) == ((0, 1, 4, 5), True)
    with pytest.raises(ValueError, match='leaves 1x'):
        clip_box((19, 0, 30, 5), 0.0, width=20, height=10)


def test_similarity_transform_recovers_a_known_one():
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -2.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    src = LANDMARKS5_TEMPLATE_112
    matrix = similarity_transform(src, src @ rot.T + shift)
    np.testing.assert_allclose(matrix, np.hstack([rot, shift[:, None]]), atol=1e-9)


def test_align_landmarks5_on_template_is_the_identity():
    image = np.random.Generator(np.random.PCG64(0)).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    landmarks = LANDMARKS5_TEMPLATE_112 * (32 / 112)
    np.testing.assert_array_equal(align_landmarks5(image, landmarks, 32), image)
    # twice the face size: warped at scale 1 onto 64x64, then shrunk with INTER_AREA
    big = cv2.resize(image, (64, 64), interpolation=cv2.INTER_NEAREST)
    assert align_landmarks5(big, landmarks * 2, 32).shape == (32, 32, 3)


def test_five_points_of_68_landmarks():
    points = np.zeros((68, 2))
    points[36:42], points[42:48] = (10, 20), (30, 20)
    points[30], points[48], points[54] = (20, 30), (12, 40), (28, 40)
    np.testing.assert_array_equal(five_points(points),
                                  [[10, 20], [30, 20], [20, 30], [12, 40], [28, 40]])
    with pytest.raises(ValueError, match=r'\(5, 2\) or \(68, 2\) landmarks, got shape \(4, 2\)'):
        five_points(np.zeros((4, 2)))


def test_prepare_refuses_another_datasets_cache_unless_overwrite(tmp_path, capsys):
    cache = str(tmp_path / 'cache')
    prepare_cache(rafdb_cfg(rafdb_root(tmp_path / 'raf')), cache, size=SIZE, progress=False)
    before = {n: sha256_file(osp.join(cache, n)) for n in ('meta.json', 'images_0.u8.npy')}
    expw = str(tmp_path / 'expw')
    write_expw(expw, labels=EXPW_FACES, split=None)
    for seed, name in enumerate(EXPW_IMAGES):
        noise_jpeg(osp.join(expw, 'image', 'origin', name), shape=(32, 32, 3), seed=seed)
    args = ['prepare', 'expw', '--root', expw, '--out', cache, '--size', '8', '--crop', 'box',
            '--no-progress']
    assert ferda_main(args) == 1
    err = capsys.readouterr().err
    assert f'{cache} holds the prepared cache of rafdb' in err and '--overwrite' in err
    # nothing was written into the RAF-DB cache, not even the generated ExpW split
    assert not osp.exists(osp.join(cache, 'splits', 'expw_seed0.csv'))
    assert {n: sha256_file(osp.join(cache, n)) for n in before} == before

    assert ferda_main(args + ['--overwrite']) == 0
    with open(osp.join(cache, 'meta.json')) as f:
        assert json.load(f)['dataset'] == 'expw'
    # another ExpW split (seed) is another split of the cache: refused, and the new split
    # file, written before the reader options could be compared, is removed again
    capsys.readouterr()
    listed = sorted(os.listdir(osp.join(cache, 'splits')))
    assert 'expw_seed0.csv' in listed
    assert ferda_main(args + ['--seed', '1']) == 1
    assert "'split_file': '<cache>/splits/expw_seed1.csv'" in capsys.readouterr().err
    assert sorted(os.listdir(osp.join(cache, 'splits'))) == listed


def test_prepare_refuses_the_same_reader_with_other_options(tmp_path):
    cache = str(tmp_path / 'cache')
    root = rafdb_root(tmp_path / 'raw')
    prepare_cache(rafdb_cfg(root), cache, size=SIZE, progress=False)
    with pytest.raises(FileExistsError, match=r"holds the prepared cache of rafdb .*"
                       r"this run prepares rafdb .*'split': 'train'"):
        prepare_cache(rafdb_cfg(root, split='train'), cache, size=SIZE, progress=False)
    # the same dataset again (another size: rewritten, as before) is not refused
    assert prepare_cache(rafdb_cfg(root), cache, size=SIZE + 2, progress=False)['written']
