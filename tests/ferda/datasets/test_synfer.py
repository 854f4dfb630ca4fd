import csv
import hashlib
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from ferda.datasets.readers import ExpwReader, Fer2013CsvReader, RafDbReader
from ferda.datasets.synfer import generate_synfer
from ferda.datasets.synfer.cli import main
from ferda.datasets.synfer.faces import (CIRCUMPLEX, PROTOTYPES, sample_expression,
                                         sample_identity)

PER_CLASS, SUBJECTS = 4, 3  # 1 test + 3 train per class and domain


def tree_digest(root):
    digests = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                digests[osp.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return digests


@pytest.fixture(scope='module')
def synfer_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synfer_a'))
    summary = generate_synfer(out, per_class=PER_CLASS, subjects=SUBJECTS, seed=0, preview=True,
                              progress=False)
    return out, summary


def test_same_seed_same_bytes(synfer_dir, tmp_path):
    out, _ = synfer_dir
    generate_synfer(str(tmp_path), per_class=PER_CLASS, subjects=SUBJECTS, seed=0, preview=True,
                    progress=False)
    first, second = tree_digest(out), tree_digest(str(tmp_path))
    # lab and wild: one JPEG per sample + 5 text files; lowres: 3 text files; the preview
    assert len(first) == 2 * 7 * PER_CLASS + 5 + 5 + 3 + 1
    assert first == second


def test_other_seed_other_bytes(synfer_dir, tmp_path):
    out, _ = synfer_dir
    generate_synfer(str(tmp_path), domains=('lab', ), per_class=PER_CLASS, subjects=SUBJECTS,
                    seed=1, progress=False)
    first, second = tree_digest(osp.join(out, 'lab')), tree_digest(str(tmp_path / 'lab'))
    images = [k for k in first if k.endswith('.jpg')]
    assert len(images) == 7 * PER_CLASS and set(images) <= set(second)
    changed = [k for k in images if first[k] != second[k]]
    assert len(changed) == 7 * PER_CLASS


def test_one_domain_does_not_depend_on_the_others(synfer_dir, tmp_path):
    out, _ = synfer_dir
    generate_synfer(str(tmp_path), domains=('wild', ), per_class=PER_CLASS, subjects=SUBJECTS,
                    seed=0, progress=False)
    assert tree_digest(osp.join(out, 'wild')) == tree_digest(str(tmp_path / 'wild'))


def read_meta(root):
    with open(osp.join(root, 'synfer_meta.csv'), newline='') as f:
        return {row['sample_id']: row for row in csv.DictReader(f)}


def check_meta(records, root):
    meta = read_meta(root)
    assert sorted(meta) == sorted(r.sample_id for r in records)
    for r in records:
        row = meta[r.sample_id]
        assert int(row['label']) == r.label
        weights = np.array([float(v) for k, v in row.items() if k.startswith('w_')])
        assert weights.shape == (7, ) and abs(weights.sum() - 1) < 1e-3
        assert weights.argmax() == r.label
        assert 0.35 <= float(row['intensity']) <= 1


def test_lab_reads_as_rafdb(synfer_dir):
    out, summary = synfer_dir
    root = osp.join(out, 'lab')
    val_file = osp.join(root, 'basic', 'splits', 'val.txt')
    split = {s: RafDbReader(root, s, val_split_file=val_file).load(allow_empty=True)
             for s in ('train', 'val', 'test')}
    # per class: 1 test, 3 train of which floor(0.1 * 3 + 0.5) = 0 val
    assert sorted(r.label for r in split['test']) == list(range(7))
    assert sorted(r.label for r in split['train']) == sorted(list(range(7)) * 3)
    assert split['val'] == []
    assert [r.sample_id for r in split['test']] == [f'test_{i:04d}' for i in range(1, 8)]
    image = cv2.imread(split['train'][0].img_path)
    assert image.shape == (100, 100, 3)
    assert summary['domains']['lab']['counts'] == dict(train=[3] * 7, val=[0] * 7, test=[1] * 7)
    check_meta(split['train'] + split['test'], root)


def test_wild_reads_as_expw(synfer_dir):
    out, summary = synfer_dir
    root = osp.join(out, 'wild')
    split_file = osp.join(root, 'splits', 'expw.csv')
    records = ExpwReader(root, 'all', split_file=split_file).load()
    assert len(records) == 7 * PER_CLASS
    assert sorted(r.label for r in records) == sorted(list(range(7)) * PER_CLASS)
    # per class 4 faces: boundaries 2.7 and 3.0 -> 3 train, 0 val, 1 test
    counts = summary['domains']['wild']['counts']
    assert counts == dict(train=[3] * 7, val=[0] * 7, test=[1] * 7)
    for r in records[:5]:
        scene = cv2.imread(r.img_path)
        x1, y1, x2, y2 = r.box
        assert 0 <= x1 < x2 <= scene.shape[1] and 0 <= y1 < y2 <= scene.shape[0]
        assert 88 <= x2 - x1 <= 132 and scene.shape[0] > y2 - y1
    check_meta(records, root)


def test_lowres_reads_as_fer2013(synfer_dir):
    out, summary = synfer_dir
    root = osp.join(out, 'lowres')
    records = Fer2013CsvReader(root, 'all').load()
    assert len(records) == 7 * PER_CLASS
    assert sorted(r.label for r in records if r.split == 'test') == list(range(7))
    assert {r.extras['pixels'].shape for r in records} == {(48, 48)}
    assert summary['domains']['lowres']['counts'] == dict(train=[3] * 7, val=[0] * 7,
                                                          test=[1] * 7)
    check_meta(records, root)


def test_val_holdout_at_default_fraction(tmp_path):
    summary = generate_synfer(str(tmp_path), domains=('lab', 'lowres'), per_class=12,
                              subjects=2, progress=False)
    # 12 per class: 3 test, 9 train, floor(0.9 + 0.5) = 1 of them val
    for domain in ('lab', 'lowres'):
        assert summary['domains'][domain]['counts'] == dict(train=[8] * 7, val=[1] * 7,
                                                            test=[3] * 7)


def test_preview_and_cli(synfer_dir, tmp_path, capsys):
    out, _ = synfer_dir
    grid = cv2.imread(osp.join(out, 'preview.png'))
    assert grid.shape == (20 + 7 * 96, 90 + 3 * 96, 3)
    summary = main(['--out', str(tmp_path), '--domains', 'lowres', '--per-class', '2',
                    '--subjects', '1', '--seed', '5', '--no-progress'])
    assert osp.isfile(tmp_path / 'lowres' / 'fer2013.csv') and summary['seed'] == 5
    # argparse errors: exit status 2, the reason on stderr
    with pytest.raises(SystemExit, match='2'):
        main(['--out', str(tmp_path), '--domains', 'lab,macro'])
    assert "unknown domain(s) ['macro']" in capsys.readouterr().err
    with pytest.raises(SystemExit, match='2'):  # exists, no --overwrite
        main(['--out', str(tmp_path), '--domains', 'lowres', '--per-class', '2', '--no-progress'])
    assert 'lowres exists and is not empty' in capsys.readouterr().err
    main(['--out', str(tmp_path), '--domains', 'lowres', '--per-class', '2', '--overwrite',
          '--no-progress'])


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown SynFER domain\(s\) \['macro'\]"):
        generate_synfer(str(tmp_path), domains=('macro', ))
    with pytest.raises(TypeError, match="got the string 'lab'"):
        generate_synfer(str(tmp_path), domains='lab')
    with pytest.raises(ValueError, match=r'per_class must be an integer >= 2 .*got 1'):
        generate_synfer(str(tmp_path), per_class=1)
    os.makedirs(tmp_path / 'lab')
    (tmp_path / 'lab' / 'mine.txt').write_text('keep')
    with pytest.raises(ValueError, match='not a SynFER domain'):
        generate_synfer(str(tmp_path), domains=('lab', ), per_class=2, overwrite=True)
    assert (tmp_path / 'lab' / 'mine.txt').read_text() == 'keep'


def test_expression_model():
    rng = np.random.Generator(np.random.PCG64(0))
    samples = [sample_expression(rng, 3) for _ in range(2000)]
    blended = [s for s in samples if s.weights.max() < 1]
    assert 0.12 < len(blended) / len(samples) < 0.18  # 15 % ambiguity
    assert all(0.6 <= s.weights[3] <= 0.8 and np.count_nonzero(s.weights) == 2 for s in blended)
    assert all(s.label == 3 and 0.35 <= s.intensity <= 1 for s in samples)
    # params = intensity * weights @ prototypes + N(0, 0.04^2): the residual is the noise
    residual = np.stack([s.params - s.intensity * s.weights @ PROTOTYPES for s in samples])
    assert abs(residual.std() - 0.04) < 0.003 and abs(residual.mean()) < 0.003
    va = np.stack([[s.valence, s.arousal] - s.intensity * s.weights @ CIRCUMPLEX
                   for s in samples])
    assert abs(va.std() - 0.05) < 0.005
    with pytest.raises(ValueError, match='label must be a canonical id in 0..6, got 7'):
        sample_expression(rng, 7)


def test_identity_is_a_function_of_its_generator():
    a = sample_identity(np.random.Generator(np.random.PCG64([0, 0, 0, 5])))
    b = sample_identity(np.random.Generator(np.random.PCG64([0, 0, 0, 5])))
    c = sample_identity(np.random.Generator(np.random.PCG64([0, 0, 0, 6])))
    assert a == b and a != c


def test_configs_follow_the_data_they_are_given(tmp_path, monkeypatch):
    """``ferda synth --seed 7`` writes its own folder; SYNFER_ROOT points every SynFER config
    at it (the split files carry no seed, so nothing names seed 0)."""
    import json

    from mmengine.config import Config

    from ferda.datasets.synfer.cli import default_out
    from tests.conftest import REPO
    monkeypatch.chdir(tmp_path)
    main(['--domains', 'lab,wild', '--per-class', str(PER_CLASS), '--subjects', '1',
          '--seed', '7', '--no-progress'])
    assert default_out(7) == 'data/synfer-seed7'
    root = tmp_path / 'data' / 'synfer-seed7'
    with open(root / 'wild' / 'synfer.json', encoding='utf-8') as f:
        assert json.load(f)['seed'] == 7  # the manifest records the generator seed
    base = osp.join(REPO, 'configs', '_base_', 'datasets', 'synfer_lab-to-wild-lowres.py')
    monkeypatch.setenv('SYNFER_ROOT', 'data/synfer-seed7')
    cfg = Config.fromfile(base)
    wild = cfg.val_cfg.extra_dataloaders.wild_test.dataset.reader
    assert wild.split_file == 'data/synfer-seed7/wild/splits/expw.csv'
    lab = cfg.val_dataloader.dataset.reader
    assert lab.val_split_file == 'data/synfer-seed7/lab/basic/splits/val.txt'
    # the readers of the config read seed 7's files: 1 test face per class
    assert len(ExpwReader(**{k: v for k, v in wild.items() if k != 'type'}).load()) == 7
    lab = {k: v for k, v in lab.items() if k not in ('type', 'split')}
    assert len(RafDbReader(split='test', **lab).load()) == 7
    assert RafDbReader(split='val', **lab).load(allow_empty=True) == []  # val.txt read, empty
    monkeypatch.delenv('SYNFER_ROOT')
    assert Config.fromfile(base).val_dataloader.dataset.reader.data_root == 'data/synfer/lab'


def test_demo_regenerates_a_folder_of_the_old_layout(tmp_path):
    """A SynFER folder with seed-named split files (written before they lost the seed) is
    regenerated with the seed and sizes of its synfer.json: the same bytes, new names."""
    from ferda.tools.demo import ensure_synfer
    root = tmp_path / 'synfer-seed3'
    generate_synfer(str(root), domains=('lab', 'wild', 'lowres'), per_class=PER_CLASS,
                    subjects=SUBJECTS, seed=3, progress=False)
    before = tree_digest(str(root))
    assert ensure_synfer(str(root)) is False  # current layout: left alone
    os.rename(root / 'lab' / 'basic' / 'splits' / 'val.txt',
              root / 'lab' / 'basic' / 'splits' / 'val_seed3.txt')
    os.rename(root / 'wild' / 'splits' / 'expw.csv', root / 'wild' / 'splits' / 'expw_seed3.csv')
    assert ensure_synfer(str(root)) is True
    assert tree_digest(str(root)) == before
