"""Every real-dataset config builds on fixture data: its model, and the dataset of every
dataloader, read from the dataset's distributed format (tests/ferda/datasets/fixtures.py) laid
out under ``data/<name>/`` with the split files under ``data/splits/``, as the config expects.

The fixture images are 8x8, so annotation rows whose boxes lie outside them (real-size boxes
in the AffectNet and ExpW fixtures) are left out or moved inside; every split gets a sample.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO
from tests.ferda.datasets.fixtures import (AFE_CLUP_TRAIN, AFFECTNET_TRAIN_ROWS, CKPLUS_SEQUENCES,
                                           EXPW_LABELS, EXPW_SPLIT, JAFFE_FILES, KDEF_FILES,
                                           OULU_FILES, fer_pixels, write_afe, write_affectnet,
                                           write_bytes, write_ckplus, write_expw, write_fer2013,
                                           write_ferplus, write_image_tree, write_oulu_cdfer,
                                           write_ldl, write_rafdb, write_sfew)

SIZE = 160  # recipe A input size


def _split_file(root, name, data):
    write_bytes(osp.join(root, 'data', 'splits', name), data)


def _rafdb(root):
    write_rafdb(osp.join(root, 'data', 'rafdb'))
    _split_file(root, 'rafdb_val_seed0.txt', b'train_00001.jpg\n')


def _affectnet(root):
    first = ('1/a.jpg', '1', '1', '5', '5') + AFFECTNET_TRAIN_ROWS[0][5:]  # box inside 8x8
    write_affectnet(osp.join(root, 'data', 'affectnet'), [first] + AFFECTNET_TRAIN_ROWS[1:])
    _split_file(root, 'affectnet_val_seed0.txt', b'1/a.jpg\n')


def _fer2013(root):
    write_fer2013(osp.join(root, 'data', 'fer2013'),
                  [('0', fer_pixels(0), 'Training'), ('5', fer_pixels(1), 'PublicTest'),
                   ('6', fer_pixels(2), 'PrivateTest')])


def _ferplus(root):
    # happiness, surprise and contempt majorities, one row per Usage
    write_ferplus(osp.join(root, 'data', 'ferplus'),
                  b'Training,fer0000000.png,1,7,0,0,0,0,0,0,0,2\n'
                  b'PublicTest,fer0000001.png,0,0,6,0,0,0,0,0,0,0\n'
                  b'PrivateTest,fer0000002.png,0,0,0,0,0,0,0,5,0,1\n')


def _drop_angry_scene(data):  # its two boxes lie outside the 8x8 image
    return b''.join(line for line in data.splitlines(keepends=True) if b'angry_actor' not in line)


def _expw(root):
    write_expw(osp.join(root, 'data', 'expw'), _drop_angry_scene(EXPW_LABELS), split=None)
    _split_file(root, 'expw_seed0.csv', _drop_angry_scene(EXPW_SPLIT))


def _afe(root):
    write_afe(osp.join(root, 'data', 'afe'), 'clup', AFE_CLUP_TRAIN + b'img/b.jpg 0 0 8 8 3\n',
              b'img/c.jpg 1 1 7 7 0\n')
    _split_file(root, 'afe_val_seed0.txt', b'img/b.jpg\n')


def _ckplus(root):
    # Disgust (S005, test fold), Contempt (skipped in 7 classes), Happiness (S011)
    write_ckplus(osp.join(root, 'data', 'ckplus'),
                 {**CKPLUS_SEQUENCES, ('S011', '001'): b'   5.0000000e+00\n'}, num_frames=4)
    _split_file(root, 'ckplus_folds10_seed0.csv', b'subject,fold\nS005,0\nS010,1\nS011,1\n')


def _jaffe(root):
    write_image_tree(osp.join(root, 'data', 'jaffe'), JAFFE_FILES, grey=True)
    _split_file(root, 'jaffe_folds10_seed0.csv', b'subject,fold\nKA,0\nKM,1\n')


def _sfew(root):
    write_sfew(osp.join(root, 'data', 'sfew'))


def _kdef(root):
    write_image_tree(osp.join(root, 'data', 'kdef'), KDEF_FILES)
    _split_file(root, 'kdef_actor_seed0.csv', b'subject,split\nF01,train\nM35,test\n')


def _oulu_casia(root):
    second = tuple(f.replace('P001/Happiness', 'P002/Surprise') for f in OULU_FILES)
    write_image_tree(osp.join(root, 'data', 'oulu_casia'), OULU_FILES + second)
    _split_file(root, 'oulu_casia_folds10_seed0.csv', b'subject,fold\nP001,0\nP002,1\n')


def _oulu_casia_cdfer(root):
    write_oulu_cdfer(osp.join(root, 'data', 'oulu_casia_cdfer'))


def _casme3(root):
    """The DVSCL CAS(ME)^3 layout: SynFER micro writes exactly that format."""
    import os

    from ferda.datasets.synfer import generate_synfer
    generate_synfer(osp.join(root, 'data', '_synfer'), domains=('micro', ), per_class=3,
                    subjects=3, seed=0, progress=False)
    os.rename(osp.join(root, 'data', '_synfer', 'micro'), osp.join(root, 'data', 'casme3'))


# data_root folder (data/<name>) -> writer of its fixture under a work folder
def _ldl_train_rows(n=10, k=8):
    """An LDL train CSV of ``n`` rows whose knn column lists ``k`` other rows (the configs'
    K = 8 needs at least 8 per row)."""
    rows = ['subDirectory_filePath,expression,valence,arousal,knn']
    for i in range(n):
        knn = ';'.join(str((i + j) % n) for j in range(1, k + 1))
        rows.append(f'img/{i:02d}.jpg,{i % 7},{i / n:.2f},{-i / n:.2f},{knn}')
    return ('\n'.join(rows) + '\n').encode()


def _ldl_csvs(name):
    def write(root):  # the reference's CSVs of one dataset: data/ldl/<name>/{train,test}.csv
        folder = osp.join(root, 'data', 'ldl', name)
        write_ldl(folder, _ldl_train_rows())
        write_ldl(folder, name='test.csv')
    return write


FIXTURES = dict(rafdb=_rafdb, affectnet=_affectnet, fer2013=_fer2013, ferplus=_ferplus,
                expw=_expw, afe=_afe, ckplus=_ckplus, jaffe=_jaffe, sfew=_sfew, kdef=_kdef,
                oulu_casia=_oulu_casia, oulu_casia_cdfer=_oulu_casia_cdfer, casme3=_casme3,
                **{'ldl/rafdb': _ldl_csvs('rafdb'), 'ldl/affectnet': _ldl_csvs('affectnet')})
# config file name -> writer of its fixture under a work folder
WRITERS = {f'source-only_resnet18_1xb64-recipeA-100e_{source}.py': FIXTURES[name]
           for source, name in [('rafdb', 'rafdb'), ('affectnet-7cls', 'affectnet'),
                                ('fer2013', 'fer2013'), ('ferplus-8cls', 'ferplus'),
                                ('expw', 'expw'), ('afe-clup', 'afe'), ('ckplus', 'ckplus'),
                                ('jaffe', 'jaffe'), ('sfew', 'sfew'), ('kdef', 'kdef'),
                                ('oulu-casia', 'oulu_casia'),
                                ('oulu-casia-cdfer', 'oulu_casia_cdfer')]}


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_every_real_dataset_config_has_a_fixture():
    real = set()
    # method configs (clup/, eercl/) have their own build tests
    for path in glob.glob(osp.join(REPO, 'configs', 'source_only', '*.py')):
        cfg = Config.fromfile(path)
        if not cfg.train_dataloader.dataset.reader.data_root.startswith('data/synfer'):
            real.add(osp.basename(path))
    assert real == set(WRITERS)


@pytest.mark.parametrize('name', sorted(WRITERS))
def test_real_dataset_config_builds(name, tmp_path, monkeypatch):
    import basicda.engine  # noqa: F401
    import ferda.datasets  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import DATASETS, MODELS

    cfg = Config.fromfile(osp.join(REPO, 'configs', 'source_only', name))
    absolute = [s for s in _strings(cfg.to_dict()) if osp.isabs(s)]
    assert not absolute, f'absolute paths in {name}: {absolute}'
    init_default_scope('ferda')
    cfg.model.backbone.pretrained = False
    model = MODELS.build(cfg.model).eval()

    WRITERS[name](str(tmp_path))
    monkeypatch.chdir(tmp_path)  # configs read data/<name> relative to the cwd
    data_root = cfg.train_dataloader.dataset.reader.data_root
    assert data_root.startswith('data/')
    dataset_name = cfg.val_evaluator.prefix[:-len('_val')]
    assert cfg.val_evaluator.prefix == f'{dataset_name}_val'
    assert data_root == f'data/{dataset_name}'
    extra = {**cfg.val_cfg.extra_dataloaders, **cfg.test_cfg.extra_dataloaders}
    assert f'{dataset_name}_test' in extra
    loaders = dict(train=cfg.train_dataloader, val=cfg.val_dataloader,
                   test=cfg.test_dataloader, **extra)
    for split, loader in loaders.items():
        dataset = DATASETS.build(loader.dataset)
        item = dataset[0]
        assert item['inputs'].dtype == torch.uint8, split
        assert item['inputs'].shape == (3, SIZE, SIZE), split
        assert dataset.reader.num_classes == cfg.model.num_classes, split
    with torch.no_grad():
        logits = model(item['inputs'][None].float(), mode='tensor')
    assert logits.shape == (1, cfg.model.num_classes)
