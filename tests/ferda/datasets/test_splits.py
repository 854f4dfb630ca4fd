import hashlib
from collections import Counter, defaultdict

import numpy as np
import pytest

from ferda.datasets.records import SampleRecord
from ferda.datasets.splits import (image_strata, make_group_split, stratified_holdout,
                                   write_id_list, write_split_csv)


def test_group_split_worked_example():
    # Ten one-face images of one label. Sorted names permuted by PCG64(0):
    # np.random.Generator(np.random.PCG64(0)).permutation(10) == [4 6 2 7 3 5 9 0 8 1],
    # so images 4 6 2 7 3 5 9 0 (8 faces) are train, 8 is val and 1 is test.
    assert list(np.random.Generator(np.random.PCG64(0)).permutation(10)) == [4, 6, 2, 7, 3, 5,
                                                                           9, 0, 8, 1]
    rows = make_group_split([(f'{i}.jpg', 0, 3) for i in range(10)], seed=0)
    assert rows == [(f'{i}.jpg', 0, 'val' if i == 8 else 'test' if i == 1 else 'train')
                    for i in range(10)]


def test_group_split_cuts_at_face_counts():
    # 5 images x 2 faces = 10 faces; group starts 0 2 4 6 8 against boundaries 8 and 9:
    # four groups (8 faces) train, the one starting at 8 val, none test.
    rows = [(f'img{i}.jpg', f, 1) for i in range(5) for f in range(2)]
    splits = Counter(s for _, _, s in make_group_split(rows, seed=3))
    assert splits == {'train': 8, 'val': 2}


def test_strata():
    rows = [('a.jpg', 0, 2), ('a.jpg', 1, 5), ('a.jpg', 2, 5), ('b.jpg', 0, 3), ('b.jpg', 1, 1),
            ('c.jpg', 0, 6)]
    assert image_strata(rows) == {'a.jpg': 5, 'b.jpg': 1, 'c.jpg': 6}


def random_faces(seed, num_images=120):
    rng = np.random.Generator(np.random.PCG64(seed))
    return [(f'scene_{i:04d}.jpg', f, int(rng.integers(7)))
            for i in range(num_images) for f in range(int(rng.integers(1, 5)))]


def test_groups_never_straddle_and_deterministic():
    faces = random_faces(1)
    rows = make_group_split(faces, seed=7)
    assert sorted((i, f) for i, f, _ in rows) == sorted((i, f) for i, f, _ in faces)
    by_image = defaultdict(set)
    for image_name, _, split in rows:
        by_image[image_name].add(split)
    assert all(len(s) == 1 for s in by_image.values())
    counts = Counter(s for _, _, s in rows)
    assert abs(counts['train'] / len(rows) - 0.8) < 0.05
    assert make_group_split(list(reversed(faces)), seed=7) == rows  # input order is irrelevant
    assert make_group_split(faces, seed=8) != rows


def test_stratum_proportions():
    # 70 one-face images per label: each stratum is cut 56 / 7 / 7.
    faces = [(f'{c}_{i}.jpg', 0, c) for c in range(7) for i in range(70)]
    label = {name: c for name, _, c in faces}
    counts = Counter((label[n], s) for n, _, s in make_group_split(faces, seed=0))
    assert all(counts[(c, 'train')] == 56 and counts[(c, 'val')] == 7 and counts[(c, 'test')] == 7
               for c in range(7))


def test_group_split_accepts_records():
    records = [SampleRecord(f'{n}#{f}', n, c, 'all', extras=dict(image_name=n, face_id=f))
               for n, f, c in random_faces(2, 20)]
    assert make_group_split(records, 0) == make_group_split(random_faces(2, 20), 0)


def test_group_split_errors():
    with pytest.raises(ValueError, match=r'ratios must be 3 .* got \(0\.8, 0\.1\)'):
        make_group_split([('a', 0, 1)], 0, ratios=(0.8, 0.1))
    with pytest.raises(ValueError, match='summing to 1'):
        make_group_split([('a', 0, 1)], 0, ratios=(0.8, 0.1, 0.2))
    with pytest.raises(ValueError, match=r"face \('a', 0\) is listed twice"):
        make_group_split([('a', 0, 1), ('a', 0, 2)], 0)
    with pytest.raises(ValueError, match='no extras image_name/face_id'):
        make_group_split([SampleRecord('x', 'x.jpg', 0, 'all')], 0)


def test_write_split_csv(tmp_path):
    path = str(tmp_path / 'splits' / 'expw_seed0.csv')
    digest = write_split_csv([('a.jpg', 0, 'train'), ('b.jpg', 1, 'test')], path)
    data = open(path, 'rb').read()
    assert data == b'image_name,face_id,split\na.jpg,0,train\nb.jpg,1,test\n'
    assert digest == hashlib.sha256(data).hexdigest()
    assert open(path + '.sha256', 'rb').read() == f'{digest}  expw_seed0.csv\n'.encode()
    with pytest.raises(ValueError, match=r"split must be one of .* got 'dev'"):
        write_split_csv([('a.jpg', 0, 'dev')], path)


def test_write_id_list(tmp_path):
    path = str(tmp_path / 'val.txt')
    digest = write_id_list(['train_00002.jpg', 'train_00009.jpg'], path)
    assert open(path, 'rb').read() == b'train_00002.jpg\ntrain_00009.jpg\n'
    assert digest == hashlib.sha256(b'train_00002.jpg\ntrain_00009.jpg\n').hexdigest()


def test_stratified_holdout_worked_example():
    # Class 0 (ids 1..10) uses permutation [4 6 2 7 3 5 9 0 8 1] of PCG64(0): positions 4, 6
    # -> train_00005, train_00007; class 1 draws the next permutation from the same generator.
    ids = [f'train_{i:05d}.jpg' for i in range(1, 21)]
    held = stratified_holdout(ids, [0] * 10 + [1] * 10, 0.2, seed=0)
    assert held == ['train_00005.jpg', 'train_00007.jpg', 'train_00013.jpg', 'train_00020.jpg']
    assert stratified_holdout(ids[::-1], ([0] * 10 + [1] * 10)[::-1], 0.2, seed=0) == held
    assert stratified_holdout(ids, [0] * 10 + [1] * 10, 0.2, seed=1) != held


def test_stratified_holdout_counts():
    ids = [f'{i}' for i in range(105)]
    labels = [i % 7 for i in range(105)]  # 15 per class: floor(0.1 * 15 + 0.5) = 2 held out
    held = stratified_holdout(ids, labels, 0.1, seed=4)
    assert held == sorted(held)
    assert Counter(labels[int(i)] for i in held) == {c: 2 for c in range(7)}


def test_stratified_holdout_errors():
    with pytest.raises(ValueError, match='same length, got 2 and 1'):
        stratified_holdout(['a', 'b'], [0], 0.1, 0)
    with pytest.raises(ValueError, match="unique, got 'a' more than once"):
        stratified_holdout(['a', 'a'], [0, 1], 0.1, 0)
    with pytest.raises(ValueError, match=r'fraction must be in \[0, 1\], got 1\.5'):
        stratified_holdout(['a'], [0], 1.5, 0)
